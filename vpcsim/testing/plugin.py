"""vpcsim's pytest plugin, registered under the ``pytest11`` entry point: test a real network in CI.

Options (or the ini keys ``vpcsim_aws`` / ``vpcsim_terraform``)::

    pytest --vpcsim-aws=exports/          # describe-* JSON: a file, a folder, Batfish's aws_configs layout
    pytest --vpcsim-terraform=plan.json   # `terraform show -json` output or a .tfstate file

Fixtures:

- ``vpcsim_network``: the network loaded from that path, once per session. Tests must not change it (use
  ``vpcsim_network.what_if()`` for edits): a test that does fails at teardown, naming itself.
- ``vpcsim_load_report``: what the load could not model (:class:`vpcsim.LoadReport`).

Tests that ask for ``vpcsim_network`` are skipped, saying why, when neither option is given. The plugin imports
nothing but pytest until a fixture runs, so having vpcsim installed costs other test suites nothing. The assert
helpers (``assert_reachable``, ``assert_unreachable``, ``assert_no_exposure``, ``assert_only_paths``) are in
:mod:`vpcsim.testing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from vpcsim.io.report import LoadReport
    from vpcsim.network import Network

__all__ = ["pytest_addoption", "pytest_report_header", "vpcsim_load_report", "vpcsim_network"]

_SOURCES = (("aws", "--vpcsim-aws", "describe-* JSON"), ("terraform", "--vpcsim-terraform", "Terraform JSON"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vpcsim", "vpcsim: test a network design")
    for key, flag, what in _SOURCES:
        group.addoption(flag, dest=f"vpcsim_{key}", metavar="PATH", default=None,
                        help=f"Load the network for the vpcsim_network fixture from {what} at PATH.")  # fmt: skip
        parser.addini(f"vpcsim_{key}", f"Default for {flag} (a path relative to the rootdir).", default="")


def _source(config: pytest.Config) -> tuple[str, str] | None:
    """(kind, path) of the network to load: the command line wins over the ini file; two kinds are an error."""
    given = [(key, str(config.getoption(f"vpcsim_{key}"))) for key, _, _ in _SOURCES
             if config.getoption(f"vpcsim_{key}")]  # fmt: skip
    if not given:
        given = [(key, str(config.rootpath / config.getini(f"vpcsim_{key}"))) for key, _, _ in _SOURCES
                 if config.getini(f"vpcsim_{key}")]  # fmt: skip
    if len(given) > 1:
        raise pytest.UsageError("Give one of --vpcsim-aws and --vpcsim-terraform (or vpcsim_aws and "
                                "vpcsim_terraform in the ini file), not both.")  # fmt: skip
    return given[0] if given else None


def pytest_report_header(config: pytest.Config) -> str | None:
    source = _source(config)
    return None if source is None else f"vpcsim: network from {source[0]} {source[1]}"


@pytest.fixture(scope="session")
def _vpcsim_loaded(pytestconfig: pytest.Config) -> Network:
    source = _source(pytestconfig)
    if source is None:
        pytest.skip("no network to test: give --vpcsim-aws PATH or --vpcsim-terraform PATH")
    kind, path = source
    from vpcsim.errors import VpcsimError
    from vpcsim.io.aws import load_aws
    from vpcsim.io.terraform import load_terraform

    try:
        return load_aws(path) if kind == "aws" else load_terraform(path)
    except (VpcsimError, OSError) as err:
        problem = str(err)
    pytest.fail(f"vpcsim could not load {path} ({kind}): {problem}", pytrace=False)  # outside except: no chain


@pytest.fixture
def vpcsim_network(_vpcsim_loaded: Network, request: pytest.FixtureRequest) -> Iterator[Network]:
    """The network under test (loaded once per session); read-only: edit a ``what_if()`` copy."""
    version = _vpcsim_loaded.version
    yield _vpcsim_loaded
    if _vpcsim_loaded.version != version:
        pytest.fail(f"{request.node.nodeid} changed the shared vpcsim_network: edit a copy in "
                    "`with vpcsim_network.what_if() as alt:` instead.", pytrace=False)  # fmt: skip


@pytest.fixture
def vpcsim_load_report(_vpcsim_loaded: Network) -> LoadReport:
    """What loading the network reported: resources and fields vpcsim does not model."""
    return _vpcsim_loaded.load_report
