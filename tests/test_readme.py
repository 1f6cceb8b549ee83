"""The README's tour runs as written: every ```python block, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no python blocks"
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    assert "OperationNotPermitted" in out  # the E1 refusal the tour shows
    assert "10.0.1.4" in out  # E4: the first free address of the subnet
    assert "$.Subnets[0].CidrBlock: '10.0.0/24' is not an IPv4 CIDR block" in out  # ImportFormatError


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text()
    commands = re.findall(r"^(python3 -m venv .+)$", text, flags=re.M)
    assert commands[:2] == [
        "python3 -m venv .venv && .venv/bin/pip install '.[cli]' && .venv/bin/vpcsim demo",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ]
