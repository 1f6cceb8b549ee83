"""Every notebook in notebooks/ runs top to bottom on a real Jupyter kernel (nbclient), so the notebooks stay true."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    if path.name.startswith("01-"):
        assert "AttachmentLimitExceeded" in text  # E3: a third ENI on a t3.micro
        assert "OperationNotPermitted" in text  # E1: the primary ENI stays
        assert "blackhole" in text  # R6: the what-if copy lost its NAT gateway
        assert "unchanged: True" in text  # SPEC X: refusals change nothing
    if path.name.startswith("03-"):
        assert "old session after the revoke: True True" in text  # G4: a tracked session outlives its rule
        assert "new session: failed ENI_SG_RULES_MISMATCH" in text
        assert "after one exchange: udp 30 s" in text  # G6
        assert "late answer after 31 s: ENI_SG_RULES_MISMATCH" in text
        assert "after two exchanges: udp stream 180 s" in text
        assert "v1 after the change: 401" in text  # M3
        assert "container with hop limit 1: None" in text
        assert "findings left: 0" in text  # M4
    if path.name.startswith("02-"):
        assert "EXITS_NETWORK connected: True" in text  # I4: out through the NAT gateway, the reply back
        assert "DENIED_IN SUBNET_ACL_RESTRICTION" in text  # the data subnet's NACL stops web -> db
        assert text.count("blocker:") == 3  # NACL in, SG in, NACL out for the reply
        assert "what-if connected: True" in text
        assert "real network still blocked: True" in text
        assert "api -> IMDS: ACCEPTED" in text  # M1
        assert "internet -> IMDS: NO_ROUTE" in text
        html = "".join(o.get("data", {}).get("text/html", "") for o in outputs if o.output_type == "execute_result")
        assert "<table>" in html  # the trace renders as an HTML table in Jupyter
    if path.name.startswith("04-"):
        assert "ACCEPTED connected: True" in text  # L1: internet -> api-nlb by name, through the listener
        assert text.count(" healthy checked by ") == 2  # L2: each node checks its own AZ's target
        assert "health: ['healthy', 'healthy']" in text  # the VPC-only SG still passes the health checks ...
        assert "internet client: DENIED_IN ELBV2_SOURCE_ADDRESS_PRESERVATION" in text  # ... but not the clients
        assert "fix 1, preserve_client_ip=False: True" in text
        assert "fix 2, admit the clients again: True" in text
        assert "DENIED_IN ELB_LISTENER_PORT_RESTRICTION at load-balancer-listener" in text
        assert "internet -> api-nlb connected: True via node in us-east-1b" in text  # fail_az: the other AZ
        assert "health: [('api-a', 'unhealthy'), ('api-b', 'healthy')]" in text
        assert "real network failures: []" in text  # what_if() left the network alone
        assert "(blackhole)" in text  # R6: the route to the failed NAT gateway
        assert "api-a -> internet: NULL_ROUTED BAD_STATE_ROUTE" in text
        assert "internet -> api-nlb: True" in text
        assert "survive every single failure: ['api-nlb']" in text
        html = "".join(o.get("data", {}).get("text/html", "") for o in outputs if o.output_type == "execute_result")
        assert "ELB_LISTENER_PORT_RESTRICTION" not in html  # the rendered trace is the connected one
        assert "<td>load-balancer-listener</td>" in html  # the trace table shows the load balancer's hops
        assert "<td>target-group</td>" in html
        assert "load-balancer-node" in html  # resilience summary(): each node's failure is a scenario
        assert "(nat-a)" in html
        assert "depends_on" in html  # dependencies()
