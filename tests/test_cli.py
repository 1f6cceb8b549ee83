"""The ``vpcsim`` command line: ``demo`` and ``version``, in process and as the installed console script."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

import vpcsim
from vpcsim.cli import _app
from vpcsim.examples import DEMO_QUESTIONS, NLB_QUESTIONS, demo_network, private_api_behind_nlb


def assert_shows_the_demo_network(output: str) -> None:
    network = demo_network()  # deterministic: the same ids as the CLI's own build
    for vpc in network.vpcs:
        assert vpc.id in output
        assert vpc.name is not None
        assert vpc.name in output
    for instance in network.instances:
        assert instance.name is not None
        assert instance.name in output
    for subnet in network.subnets:
        assert subnet.id in output


def assert_shows_the_demo_traces(output: str, *, every: bool, wide: bool = True) -> None:
    """Issue 3: the demo answers its questions and tells three (or every) traces hop by hop with their rules."""
    network = demo_network()
    assert "What reaches what" in output
    told = 0
    for question, src, dst, protocol, port in DEMO_QUESTIONS:
        t = network.trace(src, dst, protocol, port)
        if t.explanation is not None and wide:  # narrow tables fold long codes across lines
            assert t.explanation in output  # the summary names why it is blocked
        if question in output.replace("\n", " "):
            told += 1
    assert told >= 3
    web_to_db = network.trace("web", "db", "tcp", 5432)
    assert web_to_db.decided_by is not None
    assert web_to_db.decided_by.component in output  # the NACL that blocks it
    assert "Every setting on the intended path that blocks it" in output
    assert "ENI_SG_RULES_MISMATCH" in output
    assert "tracked" in output
    assert output.count("=> connected") + output.count("=> not connected") == (len(DEMO_QUESTIONS) if every else 3)


@pytest.mark.parametrize("columns", ["80", "200"])
def test_demo_shows_the_example_network(columns: str) -> None:
    result = CliRunner().invoke(_app(), ["demo", "--network", "three-tier"], env={"COLUMNS": columns})  # type: ignore[arg-type]

    assert result.exit_code == 0, result.output
    assert_shows_the_demo_network(result.output)
    assert_shows_the_demo_traces(result.output, every=False, wide=columns == "200")


def test_demo_all_tells_every_trace() -> None:
    result = CliRunner().invoke(_app(), ["demo", "--network", "three-tier", "--all"], env={"COLUMNS": "200"})  # type: ignore[arg-type]

    assert result.exit_code == 0, result.output
    assert_shows_the_demo_traces(result.output, every=True)


def assert_shows_the_nlb_demo(output: str, *, every: bool = False) -> None:
    """Issue 8: the demo runs on the private API behind an NLB: its inventory, questions, traces and failures."""
    network = private_api_behind_nlb()  # deterministic: the same ids as the CLI's own build
    flat = output.replace("\n", " ")
    for resource in [*network.vpcs, *network.subnets, *network.instances, *network.nat_gateways]:
        assert resource.id in output
    assert "api-nlb NLB internet-facing, cross-zone off" in output
    assert "TCP 443 -> api-tg (TCP 8443)" in output
    assert output.count(" healthy") >= 2
    assert "api-nlb node" in output  # the node ENIs in their subnets
    for question, *_ in NLB_QUESTIONS:
        assert " ".join(question.split()[:4]) in flat
    assert "ELB_LISTENER_PORT_RESTRICTION" in output
    assert "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS" in output
    assert "the client's address is preserved" in flat
    assert output.count("=> connected") + output.count("=> not connected") == (len(NLB_QUESTIONS) if every else 2)
    assert "What survives a failure" in output
    nat_a = next(n for n in network.nat_gateways if n.name == "nat-a")
    assert nat_a.id in output  # api-a's way out depends on nat-a
    assert "BAD_STATE_ROUTE" in output
    assert "its own host is down" in flat


@pytest.mark.parametrize("columns", ["100", "220"])
def test_demo_runs_on_the_private_api_behind_an_nlb(columns: str) -> None:
    result = CliRunner().invoke(_app(), ["demo"], env={"COLUMNS": columns})  # type: ignore[arg-type]

    assert result.exit_code == 0, result.output
    if columns == "220":  # narrow tables fold ids and codes across lines
        assert_shows_the_nlb_demo(result.output)
    else:
        assert "What survives a failure" in result.output


def test_demo_all_on_the_nlb_network_tells_every_trace() -> None:
    result = CliRunner().invoke(_app(), ["demo", "--all"], env={"COLUMNS": "220"})  # type: ignore[arg-type]

    assert result.exit_code == 0, result.output
    assert_shows_the_nlb_demo(result.output, every=True)


def test_demo_refuses_an_unknown_network() -> None:
    result = CliRunner().invoke(_app(), ["demo", "--network", "mesh"])  # type: ignore[arg-type]

    assert result.exit_code != 0
    assert "nlb or three-tier" in result.output


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(_app(), ["version"])  # type: ignore[arg-type]

    assert result.exit_code == 0, result.output
    assert result.output.strip() == vpcsim.__version__


def test_an_unknown_command_fails() -> None:
    result = CliRunner().invoke(_app(), ["no-such-command"])  # type: ignore[arg-type]

    assert result.exit_code != 0


@pytest.mark.skipif(shutil.which("vpcsim") is None, reason="the vpcsim console script is not installed")
def test_the_installed_console_script_runs_demo() -> None:
    executable = shutil.which("vpcsim")
    assert executable is not None

    env = {**os.environ, "COLUMNS": "220"}
    done = subprocess.run([executable, "demo"], capture_output=True, text=True, timeout=120, check=False, env=env)

    assert done.returncode == 0, done.stderr
    assert_shows_the_nlb_demo(done.stdout)
