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
