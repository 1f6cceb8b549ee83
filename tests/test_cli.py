"""The ``vpcsim`` command line, in process (typer's CliRunner) and as the installed console script.

``demo`` and ``version`` (issues 3 and 8); ``trace``, ``exposure``, ``diff`` and ``check`` (issue 9 item 5) on the
built-in examples, a real describe-* export and the Terraform fixtures, in each ``--format`` (json and csv parsed
from stdout alone), with their exit codes (0 an answer, 1 an expectation not met, 2 bad input) and a one-line error
naming the bad value, never a traceback. Policy files: tests/data/cli (see its README).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import vpcsim
from vpcsim.cli import _app
from vpcsim.examples import DEMO_QUESTIONS, EXAMPLES, NLB_QUESTIONS, demo_network, private_api_behind_nlb

DATA = Path(__file__).parent / "data"
POLICIES = DATA / "cli"
HYBRID = DATA / "pybatfish-hybrid-cloud"
SHOW, STATE = DATA / "terraform" / "show.json", DATA / "terraform" / "terraform.tfstate"
OFFICE = "internet:203.0.113.10"  # inside the three-tier example's office CIDR (203.0.113.0/24)


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


# ============================================================================ issue 9: trace, exposure, diff, check


def run(*args: object, columns: str = "200") -> Result:
    return CliRunner().invoke(_app(), [str(a) for a in args], env={"COLUMNS": columns})  # type: ignore[arg-type]


def parsed_json(result: Result) -> Any:
    return json.loads(result.stdout)  # stdout alone: progress and warnings go to stderr


def parsed_csv(result: Result) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout)))


def assert_user_error(result: Result, *named: str) -> None:
    """Exit 2, one line on stderr that names the bad value, nothing on stdout, no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # typer's exit, not an error escaping
    assert "Traceback" not in result.output
    assert result.stdout == ""
    *warnings, error = result.stderr.splitlines()  # load warnings may come first
    assert error.startswith("Error: ")
    assert not any(line.startswith("Error") for line in warnings)
    for value in named:
        assert value in error


@pytest.fixture(scope="module")
def three_tier() -> vpcsim.Network:
    return demo_network()  # the same ids as --example three-tier builds


# ---------------------------------------------------------------------------------------------------- trace


def test_trace_table_tells_request_and_reply_hop_by_hop(three_tier: vpcsim.Network) -> None:
    result = run("trace", "internet", "web", "--port", 443, "--example", "three-tier")

    assert result.exit_code == 0, result.output
    t = three_tier.trace(vpcsim.INTERNET, "web", "tcp", 443)
    assert t.reply is not None
    assert "Request tcp 198.51.100.1:32768 -> 3.216.33.114:443: ACCEPTED" in result.stdout
    assert "Reply tcp 10.0.0.5:443 -> 198.51.100.1:32768: EXITS_NETWORK" in result.stdout
    for hop in [*t.hops, *t.reply.hops]:
        assert hop.component in result.stdout
    assert "sgr-08d7d200102504d6c" in result.stdout  # the security group rule that let it in
    assert result.stdout.rstrip().endswith("=> connected")


def test_trace_json_holds_the_verdict_the_deciding_hop_and_every_hop(three_tier: vpcsim.Network) -> None:
    result = run("trace", "web", "db", "--protocol", "tcp", "--port", 5432, "--example", "three-tier", "--format",
                 "json")  # fmt: skip

    assert result.exit_code == 0, result.output  # a drop is an answer
    out = parsed_json(result)
    t = three_tier.trace("web", "db", "tcp", 5432)
    assert (out["disposition"], out["explanation"], out["connected"], out["delivered"]) == (
        "DENIED_IN", "SUBNET_ACL_RESTRICTION", False, False
    )  # fmt: skip
    assert t.decided_by is not None
    assert out["decided_by"] == {
        "kind": "nacl-ingress", "component": t.decided_by.component, "action": "deny", "rule": 32767,
        "detail": t.decided_by.detail, "explanation": "SUBNET_ACL_RESTRICTION", "spec": "N1, N3",
        "packet": "tcp 10.0.0.5:32768 -> 10.0.20.4:5432",
    }  # fmt: skip
    assert [(h["kind"], h["component"], h["action"], h["rule"]) for h in out["hops"]] == [
        (h.kind, h.component, h.action, h.rule) for h in t.hops
    ]
    assert out["reply"] is None
    assert [(b["kind"], b["explanation"]) for b in out["blockers"]] == [
        ("nacl-ingress", "SUBNET_ACL_RESTRICTION"),
        ("security-group-ingress", "ENI_SG_RULES_MISMATCH"),
        ("nacl-egress", "SUBNET_ACL_RESTRICTION"),
    ]
    assert (out["source"], out["destination"]) == ("i-0d9cf63a6402326f0 web", "i-0272f5f936e9fa352 db")


def test_trace_json_holds_the_reply(three_tier: vpcsim.Network) -> None:
    out = parsed_json(run("trace", "api", "internet", "--port", 443, "--example", "three-tier", "--format", "json"))

    t = three_tier.trace("api", vpcsim.INTERNET, "tcp", 443)
    assert t.reply is not None
    assert (out["disposition"], out["connected"], out["reply"]["disposition"]) == ("EXITS_NETWORK", True, "ACCEPTED")
    assert [h["component"] for h in out["reply"]["hops"]] == [h.component for h in t.reply.hops]
    assert any(h["kind"] == "nat-gateway" for h in out["hops"])  # out through the NAT gateway


def test_trace_csv_has_one_row_per_hop_with_its_direction(three_tier: vpcsim.Network) -> None:
    result = run("trace", OFFICE, "bastion", "--port", 22, "--src-port", 50000, "--example", "three-tier",
                 "--format", "csv")  # fmt: skip

    assert result.exit_code == 0, result.output
    rows = parsed_csv(result)
    t = three_tier.trace(vpcsim.internet("203.0.113.10"), "bastion", "tcp", 22, 50000)
    assert t.reply is not None
    assert [(r["direction"], r["step"], r["component"], r["action"]) for r in rows] == [
        ("request", str(i), h.component, h.action) for i, h in enumerate(t.hops, 1)
    ] + [("reply", str(i), h.component, h.action) for i, h in enumerate(t.reply.hops, 1)]
    assert rows[0]["packet"] == "tcp 203.0.113.10:50000 -> 3.214.97.142:22"  # --src-port
    assert list(rows[0]) == ["direction", "step", "kind", "component", "action", "rule", "detail", "explanation",
                             "spec", "packet"]  # fmt: skip


@pytest.mark.parametrize(
    ("src", "expect", "code"),
    [(OFFICE, None, 0), (OFFICE, "connected", 0), (OFFICE, "blocked", 1),
     ("internet", None, 0), ("internet", "blocked", 0), ("internet", "connected", 1)],
)  # fmt: skip
def test_trace_exits_1_only_when_the_expected_verdict_is_not_met(src: str, expect: str | None, code: int) -> None:
    """The office reaches the bastion on SSH; the rest of the internet does not."""
    args = ["trace", src, "bastion", "--port", "22", "--example", "three-tier", "--format", "json"]
    result = run(*args, *(["--expect", expect] if expect else []))

    assert result.exit_code == code, result.output
    assert parsed_json(result)["connected"] == src.startswith("internet:")


def test_trace_on_a_real_aws_export_reports_its_load_warnings_on_stderr() -> None:
    """pybatfish's README: i-01602d9efaed4409a is reachable from the internet on TCP 3306 (a security group rule)."""
    result = run("trace", "internet", "i-01602d9efaed4409a", "--port", 3306, "--aws", HYBRID, "--format", "json")

    assert result.exit_code == 0, result.output
    out = parsed_json(result)
    assert (out["disposition"], out["connected"]) == ("ACCEPTED", True)
    assert [h["component"] for h in out["hops"] if h["kind"] == "security-group-ingress"] == ["sg-0e37fc2ef01c89369"]
    assert f"{HYBRID}: 8 load warnings (4 unsupported-resource, 2 partial, 1 duplicate, 1 inactive)" in result.stderr


@pytest.mark.parametrize("state", [SHOW, STATE], ids=["show.json", "terraform.tfstate"])
def test_trace_on_terraform(state: Path) -> None:
    result = run("trace", "web", "db", "--port", 5432, "--terraform", state, "--format", "json")

    assert result.exit_code == 0, result.output
    out = parsed_json(result)
    assert (out["disposition"], out["explanation"]) == ("DENIED_IN", "SUBNET_ACL_RESTRICTION")
    assert out["decided_by"]["component"] == "acl-0a1b2c3d4e5f60002"
    assert "3 load warnings (3 unsupported-resource)" in result.stderr


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_trace_runs_on_every_built_in_example(name: str) -> None:
    instance = EXAMPLES[name]().instances[0]  # the same ids as the CLI's own build
    result = run("trace", instance.id, "internet", "--protocol", "icmp", "--example", name, "--format", "json")

    assert result.exit_code == 0, result.output
    assert parsed_json(result)["hops"][0]["component"] == instance.primary_network_interface.id


# ---------------------------------------------------------------------------------------------------- exposure


def test_exposure_table_lists_what_the_internet_reaches(three_tier: vpcsim.Network) -> None:
    result = run("exposure", "--example", "three-tier")

    assert result.exit_code == 0, result.output
    assert "Exposure from internet: 3 network interfaces, 4 port ranges" in result.stdout
    for row in three_tier.exposure().rows:
        assert row["network_interface"] in result.stdout
        assert row["address"] in result.stdout
    assert "203.0.113.0/24" in result.stdout  # the office's SSH and admin console


def test_exposure_json_is_the_exposure_rows(three_tier: vpcsim.Network) -> None:
    result = run("exposure", "--source", "internet", "--example", "three-tier", "--format", "json")

    assert result.exit_code == 0, result.output
    assert parsed_json(result) == three_tier.exposure().rows
    assert [(r["address"], r["port_from"], r["port_to"], r["sources"]) for r in parsed_json(result)] == [
        ("3.216.33.114", 80, 80, ["0.0.0.0/0"]),
        ("3.216.33.114", 443, 443, ["0.0.0.0/0"]),
        ("3.214.52.220", 443, 443, ["203.0.113.0/24"]),
        ("3.214.97.142", 22, 22, ["203.0.113.0/24"]),
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--source", OFFICE, "--protocol", "tcp", "--ports", "22"], [("3.214.97.142", "tcp", "22", "22")]),
        (["--source", "internet", "--ports", "400-500"],
         [("3.216.33.114", "tcp", "443", "443"), ("3.214.52.220", "tcp", "443", "443")]),
        (["--source", "198.51.100.0/24", "--protocol", "tcp", "--ports", "80"],
         [("3.216.33.114", "tcp", "80", "80")]),
        (["--source", "api", "--protocol", "tcp", "--ports", "5432"], [("10.0.20.4", "tcp", "5432", "5432")]),
    ],
    ids=["an internet host", "a port range", "a CIDR", "an instance"],
)  # fmt: skip
def test_exposure_csv_from_a_source_on_protocols_and_ports(args: list[str], expected: list[tuple[str, ...]]) -> None:
    result = run("exposure", *args, "--example", "three-tier", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert [(r["address"], r["protocol"], r["port_from"], r["port_to"]) for r in parsed_csv(result)] == expected


def test_exposure_of_a_real_aws_export_keeps_stdout_clean() -> None:
    result = run("exposure", "--aws", HYBRID, "--protocol", "tcp", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = parsed_csv(result)
    assert {(r["instance"], r["port_from"]) for r in rows} >= {("i-01602d9efaed4409a", "3306")}
    assert "load warnings" in result.stderr
    assert "load warnings" not in result.stdout


# ---------------------------------------------------------------------------------------------------- diff


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The three-tier example before and after HTTP is taken off web's security group, as describe-* folders."""
    root = tmp_path_factory.mktemp("snapshots")
    net = demo_network()
    vpcsim.dump_aws(net, root / "before")
    web_sg = next(g for g in net.security_groups if g.group_name == "web")
    with net.what_if() as after:
        after.revoke_security_group_ingress(web_sg, protocol="tcp", ports=80, cidr="0.0.0.0/0")
        vpcsim.dump_aws(after, root / "after")
    return root / "before", root / "after"


def test_diff_table_shows_each_changed_flow_both_ways(snapshots: tuple[Path, Path]) -> None:
    result = run("diff", *snapshots, columns="250")

    assert result.exit_code == 0, result.output  # changes are an answer unless --fail-on-change
    assert "9 changed flow ranges" in result.stdout
    assert result.stdout.count("connected ") == 9  # before
    assert result.stdout.count("DENIED_IN ENI_SG_RULES_MISMATCH sg-0d673c39ad0eba7ea") == 9  # after
    assert "0.0.0.0/0" in result.stdout  # the internet's addresses


def test_diff_json_is_vpcsim_diff_of_the_loaded_folders(snapshots: tuple[Path, Path]) -> None:
    result = run("diff", *snapshots, "--format", "json")

    assert result.exit_code == 0, result.output
    out = parsed_json(result)
    expected = vpcsim.diff(vpcsim.load_aws(snapshots[0]), vpcsim.load_aws(snapshots[1])).rows
    assert len(out) == len(expected) == 9
    for got, row in zip(out, expected, strict=True):
        assert {k: v for k, v in got.items() if k != "example"} == {k: v for k, v in row.items() if k != "example"}
    internet = next(r for r in out if r["source"] == "internet")
    assert internet["sources"] == ["0.0.0.0/0"]
    assert internet["example"][0].startswith("internet:")  # an example flow, as `vpcsim trace` takes it
    assert (internet["before_connected"], internet["after_explanation"]) == (True, "ENI_SG_RULES_MISMATCH")


def test_diff_csv_with_protocol_and_ports_and_fail_on_change(snapshots: tuple[Path, Path]) -> None:
    result = run("diff", *snapshots, "--protocol", "tcp", "--ports", "80-80", "--format", "csv", "--fail-on-change")

    assert result.exit_code == 1, result.output
    rows = parsed_csv(result)
    assert len(rows) == 9
    assert {(r["protocol"], r["port_from"], r["port_to"], r["before_connected"], r["after_disposition"])
            for r in rows} == {("tcp", "80", "80", "True", "DENIED_IN")}  # fmt: skip
    assert run("diff", *snapshots, "--ports", "443", "--fail-on-change").exit_code == 0  # nothing changed on 443


def test_diff_of_a_network_with_itself_finds_nothing(snapshots: tuple[Path, Path]) -> None:
    result = run("diff", snapshots[0], snapshots[0], "--fail-on-change")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("No verdict changed")
    assert parsed_json(run("diff", snapshots[0], snapshots[0], "--format", "json")) == []


def test_diff_detects_terraform_in_both_forms() -> None:
    """show.json and terraform.tfstate hold the same network (tests/data/terraform/README.md)."""
    result = run("diff", SHOW, STATE, "--protocol", "tcp", "--ports", 443, "--fail-on-change", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert parsed_csv(result) == []
    assert result.stderr.count("3 load warnings") == 2  # each was loaded as Terraform


def test_diff_of_terraform_and_its_describe_export(tmp_path: Path) -> None:
    """A network loaded from Terraform, written as describe-* JSON, compares equal to the state it came from."""
    vpcsim.dump_aws(vpcsim.load_terraform(SHOW), tmp_path)

    result = run("diff", SHOW, tmp_path, "--protocol", "tcp", "--ports", 443, "--format", "json")

    assert result.exit_code == 0, result.output
    assert parsed_json(result) == []


# ---------------------------------------------------------------------------------------------------- check


def test_check_passes_a_policy_the_network_keeps() -> None:
    result = run("check", POLICIES / "three-tier.yaml")

    assert result.exit_code == 0, result.output
    assert "7 checks: 7 passed, 0 failed" in result.stdout
    for name in ("web-https", "office-ssh", "api-to-db", "web-skips-the-api", "internet -> api tcp 8080",
                 "db-private"):  # fmt: skip
        assert name in result.stdout
    assert "FAIL" not in result.stdout
    assert result.stdout.count(" pass ") == 7


def test_check_fails_on_each_violation_with_its_verdict_and_deciding_rule() -> None:
    result = run("check", POLICIES / "violations.yaml", "--format", "json")

    assert result.exit_code == 1, result.output
    out = parsed_json(result)
    assert out["passed"] is False
    checks = {c["name"]: c for c in out["checks"]}
    assert [(c["check"], c["name"], c["passed"]) for c in out["checks"]] == [
        ("allow", "web-to-db", False), ("allow", "web-https", True), ("deny", "no-public-https", False),
        ("scope", "no-ssh-from-outside", False),
    ]  # fmt: skip
    blocked = checks["web-to-db"]  # the database subnet's NACL admits the app subnet only
    assert (blocked["verdict"], blocked["decided_by"]["kind"], blocked["decided_by"]["rule"]) == (
        "DENIED_IN SUBNET_ACL_RESTRICTION", "nacl-ingress", 32767
    )  # fmt: skip
    let_in = checks["no-public-https"]  # connected: the rule that let it in
    assert (let_in["verdict"], let_in["decided_by"]["component"], let_in["decided_by"]["rule"]) == (
        "connected", "sg-0d673c39ad0eba7ea", "sgr-08d7d200102504d6c"
    )  # fmt: skip
    finding = checks["no-ssh-from-outside"]["findings"]
    assert [(f["destination"], f["ports"], f["sources"]) for f in finding] == [
        ("i-0bfaf16be0d166811 bastion (3.214.97.142)", [[22, 22]], ["203.0.113.0/24"])
    ]


def test_check_table_and_csv_name_the_failures() -> None:
    table = run("check", POLICIES / "violations.yaml", columns="250")
    rows = parsed_csv(run("check", POLICIES / "violations.yaml", "--format", "csv"))

    assert table.exit_code == 1, table.output
    assert "4 checks: 1 passed, 3 failed" in table.stdout
    assert table.stdout.count("FAIL") == 3
    assert "nacl-ingress acl-0e341047a0b194474 rule 32767" in table.stdout
    assert "internet -> i-0bfaf16be0d166811 bastion (3.214.97.142) tcp 22 from 203.0.113.0/24" in table.stdout
    assert [(r["check"], r["where"], r["result"], r["verdict"]) for r in rows] == [
        ("allow", "allow[0]", "FAIL", "DENIED_IN SUBNET_ACL_RESTRICTION"), ("allow", "allow[1]", "pass", "connected"),
        ("deny", "deny[0]", "FAIL", "connected"), ("scope", "scopes[0]", "FAIL", "1 finding"),
    ]  # fmt: skip


def test_check_loads_the_policys_own_network_relative_to_it() -> None:
    """tests/data/cli/hybrid.yaml names ../pybatfish-hybrid-cloud: a real describe-* export."""
    result = run("check", POLICIES / "hybrid.yaml", "--format", "json")

    assert result.exit_code == 0, result.output
    out = parsed_json(result)
    assert [(c["name"], c["verdict"]) for c in out["checks"]] == [
        ("mysql-from-the-internet", "connected"),
        ("ssh-across-the-transit-gateway", "connected"),
        ("no-public-ip", "NO_ROUTE NO_ROUTE_TO_DESTINATION"),
        ("regions-not-joined", "NO_ROUTE NO_ROUTE_TO_DESTINATION"),
    ]
    assert "8 load warnings" in result.stderr


def test_the_command_line_network_wins_over_the_policys(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("network: {aws: nowhere}\nallow:\n  - {src: internet, dst: web, port: 80}\n")

    assert run("check", policy, "--example", "three-tier").exit_code == 0
    assert run("check", policy, "--example", "nlb").exit_code == 2  # no instance named web there
    assert_user_error(run("check", policy), "nowhere", "no such file or folder")


def test_yaml_is_read_safely(tmp_path: Path) -> None:
    """yaml.safe_load: a tag that would run code is refused, and nothing runs."""
    marker = tmp_path / "ran"
    policy = tmp_path / "policy.yaml"
    policy.write_text(f'!!python/object/apply:pathlib.Path.touch ["{marker}"]\n')

    assert_user_error(run("check", policy, "--example", "three-tier"), str(policy), "not valid YAML")
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------------- bad input

BAD_POLICIES = {
    "broken YAML": ("allow:\n  - {src: web, dst: db, port: 5432\n", ["not valid YAML", "line 3, column 1"]),
    "an unknown key": ("allow:\n  - {src: web, dst: db, port: 1}\n  - {src: web, dst: db, port: 1}\n"
                       "  - {src: web, dst: db, prot: tcp}\n", ["allow[2].prot: unknown key"]),
    "a port of 70000": ("deny:\n  - {src: web, dst: db, port: 70000}\n", ["deny[0]", "port 70000 is invalid"]),
    "a port as text": ("deny:\n  - {src: web, dst: db, port: https}\n", ["deny[0].port", "'https'"]),
    "an unknown endpoint": ("allow:\n  - {src: web, dst: dbx, port: 1}\n", ["allow[0]", "'dbx'"]),
    "a missing end": ("deny:\n  - {src: web, port: 1}\n", ["deny[0].dst: missing"]),
    "an unknown top-level key": ("alow: []\n", ["alow: unknown key"]),
    "entries not in a list": ("allow: {src: web, dst: db}\n", ["allow must be a list"]),
    "no checks": ("network: {example: three-tier}\n", ["holds no checks"]),
    "two networks": ("network: {example: nlb, aws: x}\nallow: [{src: web, dst: db, port: 1}]\n",
                     ["network: give exactly one of aws, terraform, example"]),
    "a bad scope port range": ("scopes:\n  - {name: s, match: [{source: internet, ports: 22-x}]}\n",
                               ["scopes[0].match[0].ports", "'22-x'"]),
    "an unknown scope key": ("scopes:\n  - {name: s, match: [{source: internet, port: 22}]}\n",
                             ["scopes[0].match[0].port: unknown key"]),
    "a bad Network Access Analyzer scope": ("scopes:\n  - {MatchPaths: [{Source: {Foo: 1}}]}\n",
                                            ["scopes[0]: MatchPaths[0].Source", "Foo"]),
    "an unknown resource in a scope": ("scopes:\n  - {match: [{source: internet, through: nope}]}\n",
                                       ["scopes[0]", "'nope'"]),
}  # fmt: skip


@pytest.mark.parametrize(("text", "named"), list(BAD_POLICIES.values()), ids=list(BAD_POLICIES))
def test_a_bad_policy_exits_2_naming_what_is_wrong(tmp_path: Path, text: str, named: list[str]) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(text)

    assert_user_error(run("check", policy, "--example", "three-tier", "--format", "json"), *named)


BAD_COMMANDS = {
    "no network": (["trace", "web", "db", "--port", "1"], ["exactly one of --aws PATH, --terraform PATH"]),
    "two networks": (["trace", "web", "db", "--port", "1", "--example", "nlb", "--aws", "x"],
                     ["(got --aws and --example)"]),
    "an unknown example": (["exposure", "--example", "mesh"], ["'mesh'", "three-tier"]),
    "a missing export": (["trace", "web", "db", "--port", "1", "--aws", "/no/such/export"],
                         ["/no/such/export", "no such file or folder"]),
    "a missing state": (["exposure", "--terraform", "/no/such.tfstate"], ["/no/such.tfstate", "cannot read"]),
    "a state that is not JSON": (["exposure", "--terraform", str(POLICIES / "three-tier.yaml")],
                                 ["three-tier.yaml", "not JSON"]),
    "an export that is not JSON": (["exposure", "--aws", str(POLICIES / "hybrid.yaml")], ["hybrid.yaml", "not JSON"]),
    "an unknown endpoint": (["trace", "web", "nosuch", "--port", "1", "--example", "three-tier"], ["'nosuch'"]),
    "a bad internet host": (["trace", "internet:10.0.0.300", "web", "--port", "1", "--example", "three-tier"],
                            ["'10.0.0.300' is not an IP address"]),
    "a port of 70000": (["trace", "web", "db", "--port", "70000", "--example", "three-tier"], ["port 70000"]),
    "a port that is no number": (["trace", "web", "db", "--port", "http", "--example", "three-tier"],
                                 ["--port 'http' is not a number"]),
    "a bad protocol": (["trace", "web", "db", "--protocol", "tpc", "--port", "1", "--example", "three-tier"],
                       ["'tpc'"]),
    "no port for tcp": (["trace", "web", "db", "--example", "three-tier"], ["port is required"]),
    "a bad port range": (["exposure", "--ports", "80-x", "--example", "three-tier"], ["'80-x'"]),
    "a port range out of bounds": (["exposure", "--ports", "1-90000", "--example", "three-tier"], ["(1, 90000)"]),
    "an unknown source": (["exposure", "--source", "nosuch", "--example", "three-tier"], ["'nosuch'"]),
    "a missing diff side": (["diff", "/no/such/before", str(SHOW)], ["/no/such/before", "no such file"]),
    "a diff port out of bounds": (["diff", str(SHOW), str(STATE), "--ports", "65536"], ["65536"]),
    "a missing policy": (["check", "/no/such/policy.yaml"], ["/no/such/policy.yaml: No such file or directory"]),
}  # fmt: skip


@pytest.mark.parametrize(("args", "named"), list(BAD_COMMANDS.values()), ids=list(BAD_COMMANDS))
def test_bad_input_exits_2_with_one_line_naming_the_value(args: list[str], named: list[str]) -> None:
    assert_user_error(run(*args, "--format", "json"), *named)


def test_an_unknown_format_is_refused() -> None:
    result = run("exposure", "--example", "three-tier", "--format", "xml")

    assert result.exit_code == 2
    assert "'xml'" in result.output
    assert "Traceback" not in result.output


def test_a_programming_error_still_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(vpcsim.Network, "trace", broken)

    result = run("trace", "web", "db", "--port", 1, "--example", "three-tier")

    assert isinstance(result.exception, RuntimeError)
    assert result.exit_code == 1


def test_help_lists_every_command_with_one_line() -> None:
    result = run("--help")

    assert result.exit_code == 0, result.output
    lines = {line.strip("│ ").split(" ", 1)[0]: line for line in result.stdout.splitlines()}
    for command in ("demo", "trace", "exposure", "diff", "check", "version"):
        assert command in lines
        assert len(lines[command].strip("│ ").split(None, 1)) == 2  # its one-line help
    check_help = run("check", "--help", columns="150").stdout
    assert "allow:" in check_help
    assert "MatchPaths" in check_help  # the policy format


@pytest.mark.skipif(shutil.which("vpcsim") is None, reason="the vpcsim console script is not installed")
def test_the_installed_console_script_checks_a_policy_for_ci() -> None:
    executable = shutil.which("vpcsim")
    assert executable is not None

    done = subprocess.run([executable, "check", str(POLICIES / "violations.yaml"), "--format", "json"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["passed"] is False
    assert done.stderr == ""  # no progress bar off a terminal
