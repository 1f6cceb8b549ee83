"""The ``vpcsim`` command line: ``demo`` and ``version``, in process and as the installed console script."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from typer.testing import CliRunner

import vpcsim
from vpcsim.cli import _app
from vpcsim.examples import demo_network


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


@pytest.mark.parametrize("columns", ["80", "200"])
def test_demo_shows_the_example_network(columns: str) -> None:
    result = CliRunner().invoke(_app(), ["demo"], env={"COLUMNS": columns})  # type: ignore[arg-type]

    assert result.exit_code == 0, result.output
    assert_shows_the_demo_network(result.output)


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

    done = subprocess.run([executable, "demo"], capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert_shows_the_demo_network(done.stdout)
