"""Every notebook in notebooks/ runs top to bottom on a real Jupyter kernel (nbclient), so the notebooks stay true:
each tells its story (the lines it prints), shows its network as a picture, and ends in a what-if."""

from __future__ import annotations

import ast
import asyncio
import base64
import functools
import io
import re
from pathlib import Path

import attrs
import matplotlib.image
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from seeds import build_seeds

from vpcsim.examples import two_enis_two_eips

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
KERNELS_AT_ONCE = 3  # kernels mostly wait on start-up and imports: three at a time take half the time of one

# The lines each notebook's story prints (stream output), by file name prefix.
STORIES: dict[str, list[str]] = {
    "01-": [
        "AttachmentLimitExceeded",  # E3: a third ENI on a t3.micro
        "OperationNotPermitted",  # E1: the primary ENI stays
        "blackhole",  # R6: the what-if copy lost its NAT gateway
        "unchanged: True",  # SPEC X: refusals change nothing
        "what-if: internet -> web:443 ACCEPTED | open ports: [(80, 80), (443, 443)]",
        "real network: open ports [(80, 80)]",
    ],
    "02-": [
        "EXITS_NETWORK connected: True",  # I4: out through the NAT gateway, the reply back
        "DENIED_IN SUBNET_ACL_RESTRICTION",  # the data subnet's NACL stops web -> db
        "what-if connected: True",
        "real network still blocked: True",
        "api -> IMDS: ACCEPTED",  # M1
        "internet -> IMDS: NO_ROUTE",
        "what-if, nat-a down: api -> internet NULL_ROUTED BAD_STATE_ROUTE",  # R6
        "real network: api -> internet EXITS_NETWORK",
    ],
    "03-": [
        "old session after the revoke: True True",  # G4: a tracked session outlives its rule
        "new session: failed ENI_SG_RULES_MISMATCH",
        "after one exchange: udp 30 s",  # G6
        "late answer after 31 s: ENI_SG_RULES_MISMATCH",
        "after two exchanges: udp stream 180 s",
        "v1 after the change: 401",  # M3
        "container with hop limit 1: None",
        "findings left: 0",  # M4
        "what-if session: established | tracking entries on the bastion: 0",  # G5: 0.0.0.0/0 is untracked ...
        "untracked session after the revoke: False ENI_SG_RULES_MISMATCH",  # ... so the revoke cuts it at once
    ],
    "04-": [
        "ACCEPTED connected: True",  # L1: internet -> api-nlb by name, through the listener
        "health: ['healthy', 'healthy']",  # the VPC-only SG still passes the health checks ...
        "internet client: DENIED_IN ELBV2_SOURCE_ADDRESS_PRESERVATION",  # ... but not the clients
        "fix 1, preserve_client_ip=False: True",
        "fix 2, admit the clients again: True",
        "DENIED_IN ELB_LISTENER_PORT_RESTRICTION at load-balancer-listener",
        "internet -> api-nlb connected: True via node in us-east-1b",  # fail_az: the other AZ
        "health: [('api-a', 'unhealthy'), ('api-b', 'healthy')]",
        "real network failures: []",  # what_if() left the network alone
        "(blackhole)",  # R6: the route to the failed NAT gateway
        "api-a -> internet: NULL_ROUTED BAD_STATE_ROUTE",
        "internet -> api-nlb: True",
        "survive every single failure: ['api-nlb']",
        "api-a stopped, client of node a: NO_ROUTE ELBV2_NO_TARGETS_IN_AZ",  # L2: cross-zone off
        "with cross-zone on: True -> api-nlb (node",
    ],
    "05-": [
        "eth0: 10.0.1.10 -> EIP",
        "eth1: 10.0.1.11 -> EIP",
        "open from the internet: eth0 [(80, 80)] eth1 []",  # G1: SGs belong to interfaces
        "internet -> eth0:80 ACCEPTED connected: True",
        "internet -> eth1:80 DENIED_IN ENI_SG_RULES_MISMATCH at my-sg-2",
        "reply source = eth0's EIP: True",  # P3: the reply leaves as the address the client called
        "eth1 -> internet:443 connected: True | the answer enters eth1 by rule tracked (SPEC G4)",
        "AttachmentLimitExceeded  Interface count 3 exceeds the limit for t2.micro (2) (E3).",
        "OperationNotPermitted    The network interface at device index 0",
        "InvalidInstanceID        There are multiple interfaces attached to instance",  # P2: name the ENI
        "unchanged: True",
        "what-if, my-sg-2 opened: eth1 [(80, 80)]",
        "real network: eth1 []",
    ],
    "06-": [
        "internet -> web: connected False, failing: ['public-ip', 'internet-gateway']",  # P3, I1/I2: first run
        "after fixing the public IP: connected False, failing: ['internet-gateway', 'security-group-ingress', "
        "'nacl-reply-egress', 'return-route']",  # the waived walk now reaches the checks behind the IGW
        "after fixing the route to the internet gateway: connected False, failing: ['security-group-ingress', "
        "'nacl-reply-egress']",
        "after fixing the security group: connected False, failing: ['nacl-reply-egress']",  # G1
        "after fixing the network ACL: connected True, failing: []",  # N4: ephemeral ports for the replies
        "app -> db: connected False, failing: ['security-group-egress', 'security-group-ingress', 'return-route']",
        "after fixing app's outbound rule: connected False, failing: ['security-group-ingress', 'return-route']",
        "after fixing db's inbound rule: connected False, failing: ['return-route']",
        "after fixing the route back from data: connected True, failing: []",  # R2, I5: routes on both sides
        "app -> internet: connected False, failing: ['nat-gateway']",  # I4: NAT gateway in a private subnet
        "what-if, a NAT gateway in public-a: connected False, failing: ['nat-gateway']",  # its subnet's NACL
        "what-if, and the replies let into public-a: connected True, failing: []",
        "fixed network unchanged: True",  # what_if() left the copy alone
        "the original network still fails: ['public-ip', 'internet-gateway']",
    ],
    "07-": [
        "storefront high on tcp ((80, 80), (443, 443))",  # M4: IMDSv1 behind open HTTP
        "containers medium on tcp ((8080, 8080),)",  # IMDSv2, hop limit 2
        "storefront, IMDSv1 GET of the role's credentials: 200 True",
        "containers, IMDSv1 GET: 401",  # M3: tokens required
        "container on containers (hop limit 2): token 200 credentials 200",
        "container on checkout (hop limit 1): None - the response (IP TTL 1) expired 1 hop(s) away",
        "PUT through a proxy on checkout: 403",  # M3: X-Forwarded-For
        "internet -> worker: DENIED_IN IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",  # I2
        "internet -> checkout:443 connected: True",
        "findings left: 0",
        "what-if, storefront IMDSv1 GET: 401",
        "what-if, container on containers: None",
        "real network findings: 2",
    ],
    "08-": [
        "api -> db:5432 ACCEPTED connected: True | open: [(5432, 5432)]",
        "  [x] NACL data-acl egress #100 allow tcp 10.0.10.0/24 ports 1024-65535",
        ": DENIED_IN ENI_SG_RULES_MISMATCH at db\nopen: []",  # G1: the only rule admitting it, unticked
        "delivered: True connected: False | the reply: DENIED_OUT SUBNET_ACL_RESTRICTION rule 32767",  # N4
        "connected again: True | open in 5000-6000: [(5432, 5432)]",
        "open in 0-1000: []",
        "internet -> web:443 DENIED_IN ENI_SG_RULES_MISMATCH | open: [(80, 80)]",
        "changes: ['revoke_security_group_ingress']",
        "real network still connected: True",
    ],
}


@attrs.frozen
class Run:
    """A notebook executed: its cells with their outputs, or the error that stopped it."""

    notebook: nbformat.NotebookNode
    error: BaseException | None

    @property
    def outputs(self) -> list[nbformat.NotebookNode]:
        return [o for cell in self.notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]

    @property
    def text(self) -> str:
        return "".join(o.get("text", "") for o in self.outputs if o.output_type == "stream")

    @property
    def html(self) -> str:
        return "".join(
            o.get("data", {}).get("text/html", "") for o in self.outputs if o.output_type == "execute_result"
        )

    def data(self, mimetype: str) -> list[str]:
        return [o.data[mimetype] for o in self.outputs if mimetype in o.get("data", {})]


async def _execute(path: Path, kernels: asyncio.Semaphore) -> Run:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    async with kernels:
        try:
            await client.async_execute()
        except Exception as err:  # a failing cell: its notebook's test reports it
            return Run(notebook, err)
    return Run(notebook, None)


@functools.cache
def executed() -> dict[str, Run]:
    """Every notebook, run once per session, a few kernels at a time."""

    async def run_all() -> list[Run]:
        kernels = asyncio.Semaphore(KERNELS_AT_ONCE)
        return await asyncio.gather(*(_execute(path, kernels) for path in NOTEBOOKS))

    return {path.name: run for path, run in zip(NOTEBOOKS, asyncio.run(run_all()), strict=True)}


def code_cells(path: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def test_there_are_notebooks() -> None:
    assert {p.name[:3] for p in NOTEBOOKS} == set(STORIES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_tells_its_story(path: Path) -> None:
    run = executed()[path.name]
    assert run.error is None, str(run.error)
    assert not [o for o in run.outputs if o.output_type == "error"]
    text = run.text
    missing = [line for line in STORIES.get(path.name[:3], []) if line not in text]
    assert not missing, f"{path.name} no longer prints {missing}:\n{text}"
    if path.name.startswith("02-"):
        assert text.count("blocker:") == 3  # NACL in, SG in, NACL out for the reply
        assert "<table>" in run.html  # the trace renders as an HTML table in Jupyter
    if path.name.startswith("04-"):
        assert text.count(" healthy checked by ") == 2  # L2: each node checks its own AZ's target
        assert "ELB_LISTENER_PORT_RESTRICTION" not in run.html  # the rendered trace is the connected one
        assert "<td>load-balancer-listener</td>" in run.html  # the trace table shows the load balancer's hops
        assert "<td>target-group</td>" in run.html
        assert "load-balancer-node" in run.html  # resilience summary(): each node's failure is a scenario
        assert "(nat-a)" in run.html
        assert "depends_on" in run.html  # dependencies()
    if path.name.startswith("06-"):
        assert "<table>" in run.html  # the notebook ends on a Checklist, shown as a table
    if path.name.startswith("07-"):
        assert "IMDS reachable by SSRF" in run.html  # the findings render as a table
    if path.name.startswith("08-"):
        assert run.data("application/vnd.jupyter.widget-view+json")  # the panel shows as widgets
        # The panel's what-if, network-wide: every client of web's HTTPS loses it, the internet included (exact).
        assert re.search(r"\n +internet i-\S+ web \([\d.]+\) +tcp +443 +443 ENI_SG_RULES_MISMATCH", text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_draws_its_network(path: Path) -> None:
    pictures = executed()[path.name].data("image/png")
    assert pictures, f"{path.name} shows no picture (vpcsim.viz.draw)"
    for picture in pictures:
        image = matplotlib.image.imread(io.BytesIO(base64.b64decode(picture)), format="png")
        assert min(image.shape[:2]) >= 300
        # One integer per RGB(A) colour: np.unique on a flat array is fast.
        channels = (image * 255).round().astype(np.uint32)
        pixels = sum(channels[..., i] << (8 * i) for i in range(image.shape[-1])).ravel()
        _, counts = np.unique(pixels, return_counts=True)
        assert len(counts) >= 50  # boxes, nodes, labels and paths, not a blank canvas
        assert counts.max() < 0.95 * len(pixels)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_ends_in_a_what_if(path: Path) -> None:
    last = code_cells(path)[-1]
    python = "\n".join(line for line in last.splitlines() if not line.lstrip().startswith(("%", "!")))  # magics
    calls = {node.func.attr for node in ast.walk(ast.parse(python)) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute)}  # fmt: skip
    assert "what_if" in calls, f"{path.name} ends with:\n{last}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_saved_without_outputs(path: Path) -> None:
    # The suite executes them: saved outputs would only go stale (and bloat diffs).
    notebook = nbformat.read(path, as_version=4)
    assert [c.get("outputs") for c in notebook.cells if c.cell_type == "code"] == [[]] * len(code_cells(path))
    assert notebook.metadata.kernelspec.name == "python3"


def test_the_two_enis_story_is_the_aws_walkthrough() -> None:
    # Notebook 05's network is the one tests/test_walkthrough.py builds step by step.
    assert two_enis_two_eips().snapshot() == build_seeds().net.snapshot()
