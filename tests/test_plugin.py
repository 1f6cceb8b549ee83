"""vpcsim's pytest plugin, :mod:`vpcsim.testing.plugin` (issue 9, item 2), run through pytester.

The ``pytest11`` entry point adds ``--vpcsim-aws``/``--vpcsim-terraform`` (and ini keys) and the ``vpcsim_network``
and ``vpcsim_load_report`` fixtures: tests see the loaded network, are skipped without a source, fail clearly on a
broken export and when they change the shared network; the plugin costs other suites nothing to import. Last, the
README's pattern: a hypothesis test of a network design with ``edits()``.

Paths are given as ``--vpcsim-aws=PATH``: pytest takes a path given apart from its option as an argument when it
picks the rootdir, which would make it this repository (and its ini) rather than pytester's folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

# The inner runs are in-process, and pytester unloads the modules they import first (numpy cannot load twice):
# import here what vpcsim imports lazily.
import numpy  # noqa: F401
import pytest

import vpcsim.engine.evaluate
import vpcsim.io.aws
import vpcsim.io.terraform
import vpcsim.query.scope
import vpcsim.testing.strategies  # noqa: F401

pytest_plugins = ["pytester"]

DATA = Path(__file__).parent / "data"
HYBRID = DATA / "pybatfish-hybrid-cloud"
SHOW = DATA / "terraform" / "show.json"
# The Batfish hybrid-cloud export's instances (tests/test_load_aws.py), in load order.
HYBRID_INSTANCES = ["i-01602d9efaed4409a", "i-04cd3db5124a05ee6", "i-0a5d64b8b58c6dd09", "i-02cae6eaa9edeed70"]

USES_THE_NETWORK = f"""
    import vpcsim

    SEEN = []

    def test_instances(vpcsim_network):
        assert isinstance(vpcsim_network, vpcsim.Network)
        assert [i.id for i in vpcsim_network.instances] == {HYBRID_INSTANCES!r}
        SEEN.append(vpcsim_network)

    def test_loaded_once_per_session(vpcsim_network, vpcsim_load_report):
        assert vpcsim_network is SEEN[0]
        assert vpcsim_load_report is vpcsim_network.load_report and len(vpcsim_load_report) == 8
"""


def test_the_options_and_ini_keys_are_in_pytest_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "vpcsim: test a network design:",
            "*--vpcsim-aws=PATH*Load the network for the vpcsim_network fixture from*",
            "*--vpcsim-terraform=PATH*",
            "*vpcsim_aws (string):*Default for --vpcsim-aws*",
            "*vpcsim_terraform (string):*",
        ]
    )


def test_a_test_sees_the_network_loaded_from_an_aws_export(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(USES_THE_NETWORK)
    result = pytester.runpytest(f"--vpcsim-aws={HYBRID}")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"vpcsim: network from aws {HYBRID}"])  # the report header


def test_a_test_sees_the_network_loaded_from_terraform(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from vpcsim.testing import assert_reachable, assert_unreachable

        def test_the_design(vpcsim_network):
            names = {i.name for i in vpcsim_network.instances}
            assert names == {"web", "app", "db", "bastion", "batch", "tools", "legacy"}
            assert_reachable(vpcsim_network, "app", "db", "tcp", 5432)
            assert_unreachable(vpcsim_network, "web", "db", "tcp", [443, 5432])
        """
    )
    pytester.runpytest(f"--vpcsim-terraform={SHOW}").assert_outcomes(passed=1)


def test_the_ini_key_names_the_export_relative_to_the_rootdir(pytester: pytest.Pytester) -> None:
    shutil.copytree(HYBRID, pytester.path / "exports")
    pytester.makeini("[pytest]\nvpcsim_aws = exports\n")
    pytester.makepyfile(USES_THE_NETWORK)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"vpcsim: network from aws {pytester.path / 'exports'}"])


def test_the_command_line_wins_over_the_ini_key(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nvpcsim_aws = no-such-folder\n")
    pytester.makepyfile(USES_THE_NETWORK)
    pytester.runpytest(f"--vpcsim-aws={HYBRID}").assert_outcomes(passed=2)


def test_the_command_line_wins_over_the_ini_key_of_the_other_kind(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nvpcsim_terraform = {SHOW}\n")
    pytester.makepyfile(USES_THE_NETWORK)
    result = pytester.runpytest(f"--vpcsim-aws={HYBRID}")
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    result.assert_outcomes(passed=2)


def test_without_a_network_its_tests_are_skipped_saying_why(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_design(vpcsim_network):
            raise AssertionError("not run")

        def test_report(vpcsim_load_report):
            raise AssertionError("not run")

        def test_other():
            pass
        """
    )
    result = pytester.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=2)
    assert result.stdout.str().count("no network to test: give --vpcsim-aws PATH or --vpcsim-terraform PATH") == 2
    result.stdout.no_fnmatch_line("*vpcsim: network from*")


@pytest.mark.parametrize("where", ["command line", "ini file"])
def test_both_sources_are_a_usage_error(pytester: pytest.Pytester, where: str) -> None:
    pytester.makepyfile("def test_design(vpcsim_network):\n    pass\n")
    if where == "ini file":
        pytester.makeini(f"[pytest]\nvpcsim_aws = {HYBRID}\nvpcsim_terraform = {SHOW}\n")
        result = pytester.runpytest()
    else:
        result = pytester.runpytest(f"--vpcsim-aws={HYBRID}", f"--vpcsim-terraform={SHOW}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "Give one of --vpcsim-aws and --vpcsim-terraform (or vpcsim_aws and vpcsim_terraform in the ini file), "
        "not both." in result.stderr.str()
    )


@pytest.mark.parametrize(
    ("option", "content", "reason"),
    [
        ("--vpcsim-aws", '{"Vpcs": [', "broken.json: $: not JSON"),
        ("--vpcsim-aws", '{"Vpcs": [{"VpcId": 5}]}', "broken.json: $.Vpcs[0].VpcId: expected a string, got 5"),
        ("--vpcsim-terraform", '{"values": {}}', "broken.json: $: neither a Terraform state"),
        ("--vpcsim-aws", None, "missing.json: $: no such file or folder"),
    ],
    ids=["truncated", "wrong-type", "not-terraform", "missing"],
)
def test_a_broken_export_fails_each_test_naming_the_path_without_a_traceback(
    pytester: pytest.Pytester, option: str, content: str | None, reason: str
) -> None:
    name = "missing.json" if content is None else "broken.json"
    if content is not None:
        (pytester.path / name).write_text(content)
    pytester.makepyfile("def test_one(vpcsim_network):\n    pass\n\ndef test_two(vpcsim_network):\n    pass\n")
    result = pytester.runpytest(f"{option}={name}")
    result.assert_outcomes(errors=2)
    errors = result.stdout.str().split("= ERRORS =")[1].split("short test summary")[0]
    kind = option.removeprefix("--vpcsim-")
    assert errors.count(f"vpcsim could not load {name} ({kind}): {reason}") == 2
    assert errors.count(reason) == 2  # told once per test, in the plugin's sentence
    for noise in ("Traceback", "During handling of the above exception", "vpcsim/io/", "ImportFormatError", ".py:"):
        assert noise not in errors


def test_a_test_that_changes_the_network_errors_at_teardown_naming_itself(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_design="""
        def test_changes_it(vpcsim_network):
            vpcsim_network.create_vpc("10.99.0.0/16")

        def test_edits_a_copy(vpcsim_network):
            with vpcsim_network.what_if() as alt:
                alt.create_vpc("10.98.0.0/16")
        """
    )
    result = pytester.runpytest(f"--vpcsim-aws={HYBRID}")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_changes_it*",
            "*test_design.py::test_changes_it changed the shared vpcsim_network: edit a copy in "
            "`with vpcsim_network.what_if() as alt:` instead.",
        ]
    )
    result.stdout.no_fnmatch_line("*teardown of test_edits_a_copy*")


def test_a_failing_assert_helper_shows_the_offending_flows(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from vpcsim.testing import assert_reachable

        def test_web_reaches_the_database(vpcsim_network):
            assert_reachable(vpcsim_network, ["web", "app"], "db", "tcp", 5432)
        """
    )
    result = pytester.runpytest(f"--vpcsim-terraform={SHOW}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: 1 of 2 flows do not connect (expected every flow to connect):",
            "E*  web -> db tcp 5432: DENIED_IN SUBNET_ACL_RESTRICTION at nacl-ingress acl-* rule *",
            "E*Trace of flow 0:",
            "E*Trace tcp * -> *:5432 *web -> * db*: DENIED_IN (SUBNET_ACL_RESTRICTION)",
        ]
    )
    result.stdout.no_fnmatch_line("*app -> db tcp 5432*")


def test_the_plugin_imports_nothing_heavy() -> None:
    """Every pytest run of a project with vpcsim installed loads the plugin: it must not pull in numpy or vpcsim."""
    run = subprocess.run(
        [sys.executable, "-c", "import vpcsim.testing.plugin, sys; print('numpy' in sys.modules, "
         "'vpcsim.network' in sys.modules, 'hypothesis' in sys.modules)"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert run.stdout.split() == ["False", "False", "False"]


def test_a_hypothesis_test_of_a_network_design(pytester: pytest.Pytester) -> None:
    """The README's pattern: the database, public but guarded by its own group only, stays closed to the internet
    whatever SG and NACL edits are made elsewhere (and opening its group does expose it: the test has teeth)."""
    pytester.makepyfile(
        test_design="""
        import pytest
        from hypothesis import given, settings

        import vpcsim
        from vpcsim.testing import assert_no_exposure
        from vpcsim.testing.strategies import edits

        net = vpcsim.Network(seed=5)
        vpc = net.create_vpc("10.0.0.0/16", name="app")
        igw = net.create_internet_gateway(name="igw")
        net.attach_internet_gateway(igw, vpc)
        net.create_route(vpc.main_route_table, "0.0.0.0/0", igw)
        public = net.create_subnet(vpc, "10.0.1.0/24", name="public", map_public_ip_on_launch=True)
        web_sg = net.create_security_group(vpc, "web", description="HTTPS from anywhere")
        net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=443, cidr="0.0.0.0/0")
        db_sg = net.create_security_group(vpc, "db", description="PostgreSQL from the VPC")
        net.authorize_security_group_ingress(db_sg, protocol="tcp", ports=5432, cidr="10.0.0.0/16")
        net.run_instance(public, instance_type="t3.micro", security_groups=[web_sg], name="web")
        net.run_instance(public, instance_type="t3.micro", security_groups=[db_sg], name="db")

        RULES = {"authorize_security_group_ingress", "authorize_security_group_egress",
                 "revoke_security_group_ingress", "revoke_security_group_egress",
                 "create_network_acl_entry", "delete_network_acl_entry"}


        def elsewhere(changes):
            return all(e.operation in RULES and db_sg.id not in e.args for e in changes)


        def test_opening_the_db_group_exposes_it():
            assert_no_exposure(net, destinations="db")
            with net.what_if() as alt:
                alt.authorize_security_group_ingress(db_sg, protocol="tcp", ports=5432, cidr="0.0.0.0/0")
                with pytest.raises(AssertionError, match="tcp 5432 from 0.0.0.0/0"):
                    assert_no_exposure(alt, destinations="db")


        @settings(max_examples=40, deadline=None)
        @given(edits(net, max_size=2).filter(elsewhere))
        def test_the_database_is_never_exposed_by_other_rules(changes):
            with net.what_if() as alt:
                for edit in changes:
                    edit.apply(alt)
                assert_no_exposure(alt, destinations="db")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
