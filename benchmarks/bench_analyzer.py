"""Side by side with aws-vpc-analyzer (issue 6): one network built through boto3 on a loopback moto server, the same
flows asked of both, verdicts compared flow by flow, and the time each takes per flow.

Run by hand from the repository root (``pip install aws-vpc-analyzer boto3 'moto[server]'`` first; nothing leaves
127.0.0.1)::

    python benchmarks/bench_analyzer.py [--repeat 5] [--ports 22 80 443 5432] [--out benchmarks/results/analyzer.md]
                                        [--json] [--no-extras]

The network is ``build_network`` of tests/data/make_moto_export.py (prod with public, private and data subnets, an
internet gateway, a NAT gateway, SGs that name CIDRs, a prefix list and other SGs, a NACL with a deny, a peered
``shared`` VPC, an ALB, and ``edge`` in eu-west-1 with a transit gateway) plus, unless ``--no-extras``, two things
built here that exercise rules the analyzer reads differently: ``web2`` (public subnet, no public IP) and ``batch``
(its own subnet, whose NACL admits only SSH, so the replies to what it opens are dropped: SPEC N4).

vpcsim reads the account with ``vpcsim.io.live.from_boto3`` (and, as a check, ``load_aws`` of the same describe-*
documents). aws-vpc-analyzer (its package is ``netgraph``) is the MCP server's engine, called in process: an
``AWSClient`` on the same boto3 session (every client of which is pinned to the moto URL), a ``GraphManager`` warmed
with ``build_topology`` of every VPC of its region, ``PathAnalyzer.analyze`` (the ``analyze_path`` tool) for flows
from an instance, and ``ExposureDetector.find_exposed`` (the ``find_public_exposure`` tool) for flows from the
internet, which ``analyze_path`` cannot start from.

The flows: every ordered pair of instances x TCP ports, the internet (host 1.2.3.4) to every instance, and every
instance to that host. vpcsim's verdict is ``connected`` (request delivered and reply back); the analyzer's is
REACHABLE / BLOCKED / UNKNOWN. Every disagreement is printed with vpcsim's deciding hop and the SPEC rule
(../shared/SPEC.md) that says who is right. Times per flow: ``net.trace()`` (with and without the blocker walk),
``net.evaluate()`` of the whole batch (compiled tables cached), and the analyzer's (topology cache warm).
"""

from __future__ import annotations

import os

# One core: numpy's BLAS must not spread over the others (read when numpy loads, so before the imports below).
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

import argparse
import asyncio
import datetime
import json
import logging
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "data")]  # motoserver, make_moto_export

from bench_exposure import machine, pin_to_one_core  # noqa: E402

import vpcsim  # noqa: E402
from vpcsim.engine.compile import compile_network  # noqa: E402
from vpcsim.engine.trace import trace  # noqa: E402

PORTS = (22, 80, 443, 5432)
# A global address: the analyzer takes RFC 5737 documentation ranges (198.51.100.0/24...) for private ones
# (ipaddress' is_private), and would look for an interface holding them.
INTERNET_HOST = "1.2.3.4"
ACCOUNT = "123456789012"  # moto's account
RESULTS = REPO / "benchmarks" / "results" / "analyzer.md"
REGIONS = ("us-east-1", "eu-west-1")  # make_moto_export's REGION and OTHER_REGION


# ---------------------------------------------------------------------------------------------- the network


def _tags(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def add_extras(session: Any, ids: dict[str, str]) -> None:
    """Two additions to the builder's network, each testing a rule the analyzer may read otherwise.

    - ``web2`` 10.0.1.20: public subnet, SG web, *no* public IP (SPEC I1: cannot reach the internet; I2: the
      internet cannot reach it; R5: web <-> web2 is delivered inside the subnet).
    - ``batch`` 10.0.4.10 in subnet ``batch`` 10.0.4.0/24 (private route table) with NACL ``batch-acl``: ingress
      100 allow TCP 22 from 10.0.0.0/16 only, egress 100 allow all; SG batch: TCP 22 from 10.0.0.0/16. SSH to it
      works, but the replies to the connections it opens are dropped entering its subnet (SPEC N4).
    """
    ec2 = session.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    zone = f"{session.region_name}a"

    def instance(name: str, subnet: str, group: str, address: str) -> None:
        interface = {
            "DeviceIndex": 0, "SubnetId": subnet, "Groups": [group], "PrivateIpAddress": address,
            "AssociatePublicIpAddress": False,
        }  # fmt: skip
        ids[name] = ec2.run_instances(
            ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1, NetworkInterfaces=[interface],
            TagSpecifications=_tags("instance", name),
        )["Instances"][0]["InstanceId"]  # fmt: skip

    instance("web2", ids["public"], ids["web-sg"], "10.0.1.20")

    batch = ids["batch"] = ec2.create_subnet(
        VpcId=ids["prod"], CidrBlock="10.0.4.0/24", AvailabilityZone=zone, TagSpecifications=_tags("subnet", "batch")
    )["Subnet"]["SubnetId"]
    ec2.associate_route_table(RouteTableId=ids["private-rt"], SubnetId=batch)
    acl = ids["batch-acl"] = ec2.create_network_acl(
        VpcId=ids["prod"], TagSpecifications=_tags("network-acl", "batch-acl")
    )["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False, CidrBlock="10.0.0.0/16",
        PortRange={"From": 22, "To": 22},
    )  # fmt: skip
    ec2.create_network_acl_entry(
        NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=True, CidrBlock="0.0.0.0/0"
    )
    association = next(
        a["NetworkAclAssociationId"]
        for table in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [batch]}])[
            "NetworkAcls"
        ]
        for a in table["Associations"]
        if a["SubnetId"] == batch
    )
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    group = ids["batch-sg"] = ec2.create_security_group(
        VpcId=ids["prod"],
        GroupName="batch",
        Description="batch tier",
        TagSpecifications=_tags("security-group", "batch"),
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
    )
    instance("batch", batch, group, "10.0.4.10")


# ---------------------------------------------------------------------------------------------- the flows


@dataclass
class Flow:
    """One question: ``kind`` is ``pair`` (instance to instance), ``ingress`` (internet to instance) or ``egress``
    (instance to internet). ``dst_ip`` is what the analyzer is given (the private IP, or the internet host)."""

    kind: str
    src: str  # instance Name, or "internet"
    dst: str
    port: int
    dst_ip: str
    ours: dict[str, Any] = field(default_factory=dict)
    theirs: dict[str, Any] = field(default_factory=dict)
    verdict: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.src} -> {self.dst}:{self.port}"


def instances_of(net: vpcsim.Network) -> dict[str, vpcsim.Instance]:
    """The running instances by Name tag, in the order AWS listed them."""
    return {str(i.name): i for i in net.instances if i.state == "running" and i.name}


def make_flows(net: vpcsim.Network, ports: Sequence[int]) -> list[Flow]:
    named = instances_of(net)
    flows = []
    for a in named:
        for b, instance in named.items():
            if a != b:
                address = str(instance.primary_network_interface.private_ip)
                flows += [Flow("pair", a, b, port, address) for port in ports]
    for b in named:
        flows += [Flow("ingress", "internet", b, port, INTERNET_HOST) for port in ports]
    for a in named:
        flows += [Flow("egress", a, "internet", port, INTERNET_HOST) for port in ports]
    return flows


# ---------------------------------------------------------------------------------------------- vpcsim


def _ends(net: vpcsim.Network, flow: Flow) -> tuple[object, object]:
    named = instances_of(net)
    host = vpcsim.internet(INTERNET_HOST)
    if flow.kind == "pair":
        return named[flow.src], flow.dst_ip
    if flow.kind == "ingress":
        return host, named[flow.dst]  # from outside an instance is reached on its public IP, if it has one
    return named[flow.src], host


def _hop(hop: vpcsim.Hop | None) -> dict[str, Any] | None:
    if hop is None:
        return None
    return {"component": hop.component, "kind": hop.kind, "rule": hop.rule, "spec": hop.spec,
            "explanation": hop.explanation, "detail": hop.detail}  # fmt: skip


def vpcsim_verdicts(net: vpcsim.Network, flows: list[Flow]) -> None:
    for flow in flows:
        src, dst = _ends(net, flow)
        trace = net.trace(src, dst, "tcp", flow.port)
        reply = trace.reply
        flow.ours = {
            "connected": trace.connected,
            "delivered": trace.delivered,
            "disposition": str(trace.disposition),
            "explanation": trace.explanation,
            "decided_by": _hop(trace.decided_by),
            "reply_disposition": str(reply.disposition) if reply is not None else None,
            "reply_decided_by": _hop(reply.decided_by) if reply is not None else None,
            "hops": [h.kind for h in trace.hops],
            "allowed_by": [_hop(h) for h in trace.hops if h.kind.startswith("security-group") and not h.dropped],
        }


def batch_of(net: vpcsim.Network, flows: list[Flow]) -> vpcsim.FlowBatch:
    ends = [_ends(net, f) for f in flows]
    return vpcsim.FlowBatch.from_arrays([s for s, _ in ends], [d for _, d in ends], "tcp", [f.port for f in flows])


def per_flow(times: list[list[float]]) -> dict[str, float]:
    """Mean and median over the flows of each flow's best time (``times``: one list of per-flow seconds a pass)."""
    best = [min(run) for run in zip(*times, strict=True)]
    return {"mean": statistics.fmean(best), "median": statistics.median(best), "max": max(best)}


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def time_vpcsim(net: vpcsim.Network, flows: list[Flow], repeat: int) -> dict[str, Any]:
    """Seconds per flow of trace() (with, without the blocker walk) and of one evaluate() of the batch."""
    ends = [_ends(net, f) for f in flows]

    def traces(blockers: bool) -> list[float]:
        seconds = []
        for (src, dst), flow in zip(ends, flows, strict=True):
            start = time.perf_counter()
            trace(net, src, dst, "tcp", flow.port, blockers=blockers)
            seconds.append(time.perf_counter() - start)
        return seconds

    batch = batch_of(net, flows)
    fresh = net.copy()
    start = time.perf_counter()
    cold = fresh.evaluate(batch)
    cold_seconds = time.perf_counter() - start
    compile_network(net)
    evaluation = net.evaluate(batch)
    agree = [bool(c) == f.ours["connected"] for c, f in zip(evaluation.connected.tolist(), flows, strict=True)]
    return {
        "trace": per_flow([traces(True) for _ in range(repeat)]),
        "trace_no_blockers": per_flow([traces(False) for _ in range(repeat)]),
        "evaluate": min(timed(lambda: net.evaluate(batch)) for _ in range(repeat)) / len(flows),
        "evaluate_cold_total": cold_seconds,
        "evaluate_agrees_with_trace": all(agree) and bool((cold.connected == evaluation.connected).all()),
    }


# ---------------------------------------------------------------------------------------------- aws-vpc-analyzer


class Analyzer:
    """aws-vpc-analyzer's engine for one region, on a boto3 session whose clients all talk to the moto server."""

    def __init__(self, session: Any, region: str) -> None:
        from netgraph.aws.client import AWSClient
        from netgraph.aws.fetcher import EC2Fetcher
        from netgraph.core.exposure_detector import ExposureDetector
        from netgraph.core.graph_manager import GraphManager
        from netgraph.core.path_analyzer import PathAnalyzer

        logging.getLogger("netgraph").setLevel(logging.WARNING)  # set up on import; one INFO line per scan otherwise
        ec2 = session.client("ec2", region_name=region)
        # account_id given: AWSClient would otherwise ask STS (boto3.client, not the session: off the loopback).
        self.fetcher = EC2Fetcher(AWSClient(ec2=ec2, region=region, account_id=ACCOUNT))
        self.graph = GraphManager(self.fetcher, region=region, account_id=ACCOUNT, ttl_seconds=24 * 3600)
        self.paths = PathAnalyzer(self.graph)
        self.exposure = ExposureDetector(self.graph, self.fetcher)
        self.scans: dict[tuple[str, int], Any] = {}  # (VPC, port) -> find_exposed's answer
        self.scan_seconds = 0.0

    async def warm(self, vpc_ids: list[str]) -> None:
        """Fetch the region's VPCs into the topology cache (``refresh_topology``): find_eni_by_ip reads only it."""
        result = await self.graph.build_topology(vpc_ids)
        if not result.success:
            raise RuntimeError(f"aws-vpc-analyzer could not read {result.vpc_ids_failed}: {result.warnings}")

    async def path(self, instance_id: str, address: str, port: int) -> dict[str, Any]:
        """``analyze_path`` from an instance to an address."""
        result = await self.paths.analyze(instance_id, address, port, "tcp")
        blocked, where, evaluation = result.blocked_at, None, None
        if blocked is not None:
            checks = (("route", blocked.route_eval), ("nacl", blocked.nacl_eval), ("sg", blocked.sg_eval))
            where, evaluation = next(((k, e) for k, e in checks if e is not None and not e.allowed), (None, None))
        return {
            "status": result.status.name,  # REACHABLE, BLOCKED, UNKNOWN (the values are lower case)
            "summary": result.summary or result.unknown_reason or "",
            "blocked_in": where,
            "blocked_rule": getattr(evaluation, "matched_rule_id", None),
            "reason": getattr(evaluation, "reason", None) or result.unknown_reason,
            "hops": [h.node_type.name for h in result.hops],
        }

    async def exposed(self, vpc_id: str, eni_id: str, port: int) -> dict[str, Any]:
        """Whether ``find_public_exposure`` of the VPC and port lists the ENI (one scan per VPC and port)."""
        if (vpc_id, port) not in self.scans:
            start = time.perf_counter()
            self.scans[vpc_id, port] = await self.exposure.find_exposed(vpc_id, port, "tcp")
            self.scan_seconds += time.perf_counter() - start
        hit = next((r for r in self.scans[vpc_id, port].exposed_resources if r.resource_id == eni_id), None)
        return {
            "status": "REACHABLE" if hit else "BLOCKED",
            "summary": (f"exposed ({hit.exposure_type}; rules {', '.join(hit.allowing_rules) or '-'})" if hit
                        else "not in find_public_exposure's answer"),
            "exposure_type": hit.exposure_type if hit else None,
            "blocked_in": None,
            "reason": None,
            "hops": [],
        }  # fmt: skip


class Analyzers:
    """One :class:`Analyzer` per region of the network's instances; asks each flow of the region it starts in."""

    def __init__(self, session: Any, net: vpcsim.Network) -> None:
        self.net = net
        self.named = instances_of(net)
        regions = sorted({str(i.vpc.region) for i in self.named.values()})
        self.by_region = {region: Analyzer(session, region) for region in regions}
        self.warm_seconds: dict[str, float] = {}

    async def warm(self) -> None:
        for region, analyzer in self.by_region.items():
            start = time.perf_counter()
            await analyzer.warm([v.id for v in self.net.vpcs if v.region == region])
            self.warm_seconds[region] = time.perf_counter() - start

    async def ask(self, flow: Flow) -> dict[str, Any]:
        if flow.kind == "ingress":
            instance = self.named[flow.dst]
            return await self.by_region[str(instance.vpc.region)].exposed(
                instance.vpc.id, instance.primary_network_interface.id, flow.port
            )
        instance = self.named[flow.src]
        return await self.by_region[str(instance.vpc.region)].path(instance.id, flow.dst_ip, flow.port)

    async def ask_all(self, flows: Iterable[Flow]) -> list[dict[str, Any]]:
        return [await self.ask(flow) for flow in flows]


async def analyzer_verdicts(session: Any, net: vpcsim.Network, flows: list[Flow], repeat: int) -> dict[str, Any]:
    """Ask every flow (``flow.theirs``), then time ``analyze_path`` per flow, the topology cache warm."""
    sent = [0]  # HTTP requests to the moto server; clients copy the session's handlers when made, so register first

    def count(**_: Any) -> None:
        sent[0] += 1

    session.events.register("before-send", count)
    analyzers = Analyzers(session, net)
    await analyzers.warm()
    for flow, answer in zip(flows, await analyzers.ask_all(flows), strict=True):
        flow.theirs = answer
    paths = [f for f in flows if f.kind != "ingress"]  # exposure flows are timed by their scans
    times, requests = [], []
    for _ in range(repeat):
        one_pass = []
        for flow in paths:
            before, start = sent[0], time.perf_counter()
            await analyzers.ask(flow)
            one_pass.append(time.perf_counter() - start)
            requests.append(sent[0] - before)
        times.append(one_pass)
    calling = [i for i, n in enumerate(requests[: len(paths)]) if n]
    quiet = [[t for i, t in enumerate(run) if i not in calling] for run in times]
    scanners = analyzers.by_region.values()
    scanned = sum(scan.total_resources_scanned for a in scanners for scan in a.scans.values())
    return {
        "warm_seconds": analyzers.warm_seconds,
        "analyze_path": per_flow(times),
        "analyze_path_flows": len(paths),
        "analyze_path_calling_server": len(calling),
        "analyze_path_without_requests": per_flow(quiet) if calling and len(calling) < len(paths) else None,
        "find_exposed_per_eni": sum(a.scan_seconds for a in scanners) / scanned if scanned else None,
        "find_exposed_calls": sum(len(a.scans) for a in scanners),
    }


# ---------------------------------------------------------------------------------------------- who is right


# The causes of the disagreements, each read in aws-vpc-analyzer's source (netgraph 0.5.1) and checked flow by flow:
# (SPEC rules, who is right, why). judge() names one per disagreeing flow.
CAUSES: dict[str, tuple[str, str, str]] = {
    "sg-reference": (
        "G2",
        "vpcsim",
        "The destination's SG admits the source through a rule naming a security group the source's ENI carries; an "
        "SG reference matches the private IPs of every ENI in that group (G2). aws-vpc-analyzer never matches an "
        "SG-reference rule (SecurityGroupEvaluator._ip_matches: 'SG references don't match by IP address'), so it "
        "blocks every flow that only such a rule allows.",
    ),
    "peering-unchecked": (
        "I5, G1",
        "vpcsim",
        "aws-vpc-analyzer stops at the peering connection and answers REACHABLE without looking at the peer VPC "
        "(PathAnalyzer._handle_peering: 'TODO: Continue traversal in peer VPC'). The packet still needs the peer "
        "side's NACL and SG to admit it (and a route back, I5); vpcsim walks on and the peer's SG drops it (G1).",
    ),
    "reply-nacl-at-client": (
        "N4, N2",
        "vpcsim",
        "The request arrives, but the reply (a new packet to the client's ephemeral port, N4) is dropped "
        "entering the client's subnet (here batch-acl, which admits only TCP 22). NACLs check the reply on egress "
        "of the server's subnet and on ingress of the client's (N2); aws-vpc-analyzer checks only the server "
        "subnet's outbound ACL (evaluate_nacl_return_path), and for internet destinations not even that.",
    ),
    "igw-egress-no-public-ip": (
        "I1",
        "vpcsim",
        "Internet egress through an internet gateway needs a public IPv4 or Elastic IP on the source private IP "
        "(I1); the source has none, so the IGW drops the packet. aws-vpc-analyzer's IGW hop (_handle_igw) checks "
        "only that a route leads to it.",
    ),
    "exposure-no-public-ip": (
        "I2",
        "vpcsim",
        "The instance has no public IP or EIP, so no internet packet can address it ('a packet from the internet to "
        "a private address never enters the VPC', I2). find_public_exposure flags it anyway ('indirect' exposure): "
        "it checks only that the subnet routes 0.0.0.0/0 to an IGW and that an SG rule admits 0.0.0.0.",
    ),
    "exposure-ignores-nacl": (
        "I2, N2",
        "vpcsim",
        "find_public_exposure ignores network ACLs; internet ingress needs the NACL to admit the request and its "
        "reply (I2, N2).",
    ),
    "main-route-table": (
        "R1",
        "vpcsim",
        "The source subnet has no explicit route table association, so its table is its VPC's main table (R1). "
        "aws-vpc-analyzer's build_topology keeps the main table under '__main__' but never gives it to such a subnet "
        "(route table id ''), so every flow from it is UNKNOWN ('Cannot fetch route table '). vpcsim answers from "
        "the main table (here: no route, R2).",
    ),
}


def judge(net: vpcsim.Network, flow: Flow) -> dict[str, str]:
    """Compare the two verdicts; on a disagreement name its cause (:data:`CAUSES`), with the flow's own evidence."""
    ours, theirs = flow.ours, flow.theirs
    status = theirs["status"]
    evidence = f"{_ours(ours)} aws-vpc-analyzer: {status}: {theirs['reason'] or theirs['summary']}"
    if status != "UNKNOWN" and (status == "REACHABLE") == ours["connected"]:
        return {"outcome": "agree"}
    cause = _cause(net, flow)
    outcome = "no answer" if status == "UNKNOWN" else "disagree"
    if cause is None:
        return {"outcome": outcome, "cause": "?", "right": "to review", "spec": _spec_of(ours), "why": evidence}
    spec, right, _ = CAUSES[cause]
    return {"outcome": outcome, "cause": cause, "right": right, "spec": spec, "why": evidence}


def _cause(net: vpcsim.Network, flow: Flow) -> str | None:
    ours, theirs = flow.ours, flow.theirs
    decided = ours["decided_by"] or {}
    reply = ours["reply_decided_by"] or {}
    if theirs["status"] == "UNKNOWN":
        source = instances_of(net).get(flow.src)
        subnet = source.primary_network_interface.subnet if source is not None else None
        main = subnet is not None and subnet.route_table_association is None
        return "main-route-table" if main and "route table" in (theirs["reason"] or "") else None
    if ours["connected"]:
        peers = [_rule_peer(net, h) for h in ours["allowed_by"] if h["kind"].endswith("ingress")]
        if theirs.get("blocked_in") == "sg" and any(p.startswith("sg-") for p in peers):
            return "sg-reference"
        return None
    if "VPC_PEERING" in theirs["hops"]:
        return "peering-unchecked"
    if decided.get("explanation") == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS":
        return "igw-egress-no-public-ip"
    if flow.kind == "ingress" and theirs.get("exposure_type") == "indirect":
        return "exposure-no-public-ip"
    if flow.kind == "ingress" and decided.get("kind", "").startswith("nacl"):
        return "exposure-ignores-nacl"
    if ours["delivered"] and reply.get("kind", "").startswith("nacl"):
        return "reply-nacl-at-client"
    return None


def _rule_peer(net: vpcsim.Network, hop: dict[str, Any]) -> str:
    """The peer of the SG rule a hop names (its id), or ''."""
    for group in net.security_groups:
        for rule in [*group.ingress, *group.egress]:
            if rule.id == hop["rule"]:
                return rule.peer
    return ""


def _spec_of(ours: dict[str, Any]) -> str:
    hop = ours["decided_by"] or ours["reply_decided_by"] or {}
    return hop.get("spec") or "-"


def _ours(ours: dict[str, Any]) -> str:
    if ours["connected"]:
        return f"vpcsim: connected ({ours['disposition']})."
    hop, what = ours["decided_by"], "request"
    if hop is None and ours["reply_decided_by"] is not None:
        hop, what = ours["reply_decided_by"], "reply"
    if hop is None:
        return f"vpcsim: {ours['disposition']}, not connected."
    rule = f" rule {hop['rule']}" if hop["rule"] is not None else ""
    return (f"vpcsim: {what} dropped by {hop['kind']} {hop['component']}{rule} "
            f"({hop['explanation'] or ours['disposition']}, SPEC {hop['spec'] or '-'}).")  # fmt: skip


# ---------------------------------------------------------------------------------------------- the run


def build(session: Any, extras: bool = True) -> dict[str, str]:
    """The builder's network (and :func:`add_extras`) in ``session``'s account; the ids by name."""
    from make_moto_export import build_network

    ids = build_network(session)
    if extras:
        add_extras(session, ids)
    return ids


def run(args: argparse.Namespace) -> dict[str, Any]:
    from make_moto_export import REGION
    from motoserver import moto_server, moto_session

    from vpcsim.io.live import fetch_documents, from_boto3

    report: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "machine": machine(),
        "versions": {p: metadata.version(p) for p in ("aws-vpc-analyzer", "moto", "boto3", "numpy")},
        "repeat": args.repeat,
        "ports": list(args.ports),
        "extras": not args.no_extras,
    }
    with moto_server() as url:
        session = moto_session(url, REGION)
        start = time.perf_counter()
        build(session, extras=not args.no_extras)
        report["build_seconds"] = time.perf_counter() - start

        start = time.perf_counter()
        net = from_boto3(session, regions=REGIONS, progress=False)
        report["from_boto3_seconds"] = time.perf_counter() - start
        report["load_report"] = dict(net.load_report.kinds())
        documents = [d.data for d in fetch_documents(session, REGIONS, progress=False)]
        reloaded = vpcsim.load_aws(documents)
        report["load_aws_same_network"] = reloaded.snapshot() == net.snapshot()
        report["network"] = {
            "vpcs": len(net.vpcs), "subnets": len(net.subnets), "instances": len(instances_of(net)),
            "network_interfaces": len(net.network_interfaces), "security_groups": len(net.security_groups),
            "network_acls": len(net.network_acls), "route_tables": len(net.route_tables),
        }  # fmt: skip

        flows = make_flows(net, args.ports)
        vpcsim_verdicts(net, flows)
        report["analyzer_time"] = asyncio.run(analyzer_verdicts(session, net, flows, args.repeat))
    report["vpcsim_time"] = time_vpcsim(net, flows, args.repeat)
    for flow in flows:
        flow.verdict = judge(net, flow)
    report["flows"] = flows
    report["instances"] = {name: _instance_row(i) for name, i in instances_of(net).items()}
    return report


def _instance_row(instance: vpcsim.Instance) -> dict[str, Any]:
    eni = instance.primary_network_interface
    return {
        "id": instance.id,
        "private_ip": str(eni.private_ip),
        "public_ip": str(eni.public_ip) if eni.public_ip is not None else None,
        "subnet": eni.subnet.name or eni.subnet.id,
        "region": str(instance.vpc.region),
    }


def _us(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e6:,.0f} us"


def _ours_cell(ours: dict[str, Any]) -> str:
    if ours["connected"]:
        return f"connected ({ours['disposition']})"
    hop = ours["decided_by"] or ours["reply_decided_by"] or {}
    reply = ours["decided_by"] is None and ours["reply_decided_by"] is not None
    disposition = f"reply {ours['reply_disposition']}" if reply else ours["disposition"]
    rule = f" #{hop['rule']}" if hop.get("rule") is not None else ""
    return f"{disposition} {hop.get('explanation') or ''} @{hop.get('kind', '?')}{rule}"


def _theirs_cell(theirs: dict[str, Any]) -> str:
    where = (
        f" @{theirs['blocked_in']} {theirs.get('blocked_rule') or ''}".rstrip() if theirs.get("blocked_in") else ""
    )
    return f"{theirs['status']}{where}"


def markdown(report: dict[str, Any]) -> str:
    flows: list[Flow] = report["flows"]
    outcomes = Counter(f.verdict["outcome"] for f in flows)
    by_kind = Counter((f.kind, f.verdict["outcome"]) for f in flows)
    net, vt, at = report["network"], report["vpcsim_time"], report["analyzer_time"]
    v = report["versions"]
    lines = [
        "# vpcsim vs aws-vpc-analyzer: one moto-built network, flow by flow",
        "",
        f"Generated by `python benchmarks/bench_analyzer.py` on {report['date']} (Python {report['python']}, "
        f"aws-vpc-analyzer {v['aws-vpc-analyzer']}, moto {v['moto']}, boto3 {v['boto3']}; {report['machine']}, "
        "pinned to one core). Rules cited are ../shared/SPEC.md's.",
        "",
        "## The network",
        "",
        "`build_network` of tests/data/make_moto_export.py, created through boto3 on a moto server on 127.0.0.1"
        + (
            ", plus `add_extras` of this benchmark (`web2`: public subnet, no public IP; `batch`: a subnet whose "
            "NACL admits only SSH)"
            if report["extras"]
            else ""
        )
        + f": {net['vpcs']} VPCs, {net['subnets']} subnets, {net['instances']} instances, "
        f"{net['network_interfaces']} ENIs, {net['security_groups']} SGs, {net['network_acls']} NACLs, "
        f"{net['route_tables']} route tables. vpcsim read it with `from_boto3` in "
        f"{report['from_boto3_seconds']:.2f} s (load report: {report['load_report'] or 'empty'}); `load_aws` of the "
        f"same describe-* documents gives {'the same' if report['load_aws_same_network'] else 'a DIFFERENT'} "
        "network.",
        "",
        "| instance | id | subnet | private IP | public IP | region |",
        "|---|---|---|---|---|---|",
    ]
    for name, i in report["instances"].items():
        lines.append(f"| {name} | `{i['id']}` | {i['subnet']} | {i['private_ip']} | {i['public_ip'] or '-'} "
                     f"| {i['region']} |")  # fmt: skip
    lines += [
        "",
        "## The flows and how each tool is asked",
        "",
        f"{len(flows)} TCP flows on ports {', '.join(map(str, report['ports']))}: every ordered pair of instances "
        f"(to the destination's private IP), the internet host {INTERNET_HOST} to every instance (vpcsim: to its "
        "public IP, if any), and every instance to that host. vpcsim: `net.trace()` (`connected`: the request "
        "arrives and its reply comes back), checked against `net.evaluate()` of the batch "
        f"({'same verdicts' if vt['evaluate_agrees_with_trace'] else 'DIFFERENT verdicts'}). aws-vpc-analyzer: "
        "`PathAnalyzer.analyze` (the `analyze_path` tool) from an instance; it cannot start from the internet, so "
        "internet-to-instance is `ExposureDetector.find_exposed` (the `find_public_exposure` tool): the flow is "
        "REACHABLE when the instance's ENI is in the answer for its VPC and port. One analyzer per region, its "
        "topology cache warmed with `build_topology` of the region's VPCs.",
        "",
        "## Verdicts",
        "",
        "| flows | agree | disagree | analyzer has no answer (UNKNOWN) |",
        "|---|---:|---:|---:|",
    ]
    for kind, title in (("pair", "instance -> instance"), ("ingress", "internet -> instance"),
                        ("egress", "instance -> internet")):  # fmt: skip
        total = sum(n for (k, _), n in by_kind.items() if k == kind)
        lines.append(f"| {title} ({total}) | {by_kind[(kind, 'agree')]} | {by_kind[(kind, 'disagree')]} "
                     f"| {by_kind[(kind, 'no answer')]} |")  # fmt: skip
    lines.append(f"| **all ({len(flows)})** | **{outcomes['agree']}** | **{outcomes['disagree']}** "
                 f"| **{outcomes['no answer']}** |")  # fmt: skip
    differ = [f for f in flows if f.verdict["outcome"] != "agree"]
    rights = Counter(f.verdict["right"] for f in differ)
    lines += [
        "",
        f"Who is right per SPEC, over the {len(differ)} flows that differ: "
        + (", ".join(f"{who}: {n}" for who, n in rights.most_common()) or "-")
        + ".",
        "",
        "## Why they differ",
        "",
        "| cause | flows | SPEC | right | why |",
        "|---|---:|---|---|---|",
    ]
    causes = Counter(f.verdict["cause"] for f in differ)
    for cause, count in causes.most_common():
        spec, right, why = CAUSES.get(cause, ("?", "to review", "not one of the known causes: read the flows below"))
        lines.append(f"| `{cause}` | {count} | {spec} | {right} | {why} |")
    lines += [
        "",
        "## Every disagreement",
        "",
        "| # | flow | vpcsim | aws-vpc-analyzer | cause | SPEC | right | evidence |",
        "|---:|---|---|---|---|---|---|---|",
    ]
    for n, f in enumerate(differ, 1):
        why = f.verdict["why"].replace("|", "\\|")
        lines.append(f"| {n} | {f.label} | {_ours_cell(f.ours)} | {_theirs_cell(f.theirs)} | `{f.verdict['cause']}` "
                     f"| {f.verdict['spec']} | {f.verdict['right']} | {why} |")  # fmt: skip
    lines += [
        "",
        "## Time per flow",
        "",
        f"Each flow timed alone, its best of {report['repeat']} passes; mean and median over the flows (one core, "
        "warm caches). `evaluate()` is the whole batch's best time divided by the flows.",
        "",
        "| engine | mean per flow | median per flow |",
        "|---|---:|---:|",
        f"| vpcsim `trace()` (walk, reply, blocker walk when blocked) | {_us(vt['trace']['mean'])} "
        f"| {_us(vt['trace']['median'])} |",
        f"| vpcsim `trace(blockers=False)` | {_us(vt['trace_no_blockers']['mean'])} "
        f"| {_us(vt['trace_no_blockers']['median'])} |",
        f"| vpcsim `evaluate()` of the {len(flows)} flows at once (compiled tables cached) | {_us(vt['evaluate'])} "
        "| |",
        f"| vpcsim `evaluate()` cold (compile + walk), whole batch | {vt['evaluate_cold_total'] * 1e3:,.1f} ms | |",
        f"| aws-vpc-analyzer `analyze_path` (instance sources) | {_us(at['analyze_path']['mean'])} "
        f"| {_us(at['analyze_path']['median'])} |",
    ]
    quiet = at["analyze_path_without_requests"]
    if quiet:
        lines.append(
            f"| aws-vpc-analyzer `analyze_path`, the {at['analyze_path_flows'] - at['analyze_path_calling_server']}"
            f" flows that send no request to the server | {_us(quiet['mean'])} | {_us(quiet['median'])} |"
        )
    lines += [
        f"| aws-vpc-analyzer `find_public_exposure`, per ENI scanned ({at['find_exposed_calls']} scans) "
        f"| {_us(at['find_exposed_per_eni'])} | |",
        "",
        "aws-vpc-analyzer's topology warm-up (`build_topology`, HTTP calls to moto): "
        + ", ".join(f"{r} {s:.2f} s" for r, s in at["warm_seconds"].items())
        + f"; vpcsim's `from_boto3`: {report['from_boto3_seconds']:.2f} s for both regions. The analyzer still "
        f"sends requests to the server in {at['analyze_path_calling_server']} of the {at['analyze_path_flows']} "
        "flows "
        "(where an SG rule it reaches names a prefix list: `get_managed_prefix_list_entries` is not cached; and for "
        "a subnet on its VPC's main table, whose route table `''` it looks up again every time; the slowest flow "
        f"took {_us(at['analyze_path']['max'])}), which its mean includes. `find_public_exposure` lists the VPC's "
        "ENIs from the server on every scan.",
        "",
        "<details><summary>All flows</summary>",
        "",
        "| flow | vpcsim | aws-vpc-analyzer | outcome |",
        "|---|---|---|---|",
    ]
    lines += [f"| {f.label} | {_ours_cell(f.ours)} | {_theirs_cell(f.theirs)} | {f.verdict['outcome']} |"
              for f in flows]  # fmt: skip
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def print_summary(report: dict[str, Any], stream: Any = None) -> None:
    flows: list[Flow] = report["flows"]
    outcomes = Counter(f.verdict["outcome"] for f in flows)
    vt, at = report["vpcsim_time"], report["analyzer_time"]
    print(f"{len(flows)} flows: {outcomes['agree']} agree, {outcomes['disagree']} disagree, "
          f"{outcomes['no answer']} UNKNOWN from the analyzer", file=stream)  # fmt: skip
    for f in flows:
        if f.verdict["outcome"] != "agree":
            print(f"  {f.label:<32} vpcsim: {_ours_cell(f.ours)}; analyzer: {_theirs_cell(f.theirs)}", file=stream)
            print(f"  {'':<32} {f.verdict['cause']}: right {f.verdict['right']} (SPEC {f.verdict['spec']})",
                  file=stream)  # fmt: skip
    differ = Counter(f.verdict["cause"] for f in flows if f.verdict["outcome"] != "agree")
    for cause, count in differ.most_common():
        spec, right, why = CAUSES.get(cause, ("?", "to review", "not a known cause"))
        print(f"{cause} ({count} flows; SPEC {spec}; right: {right}): {why}", file=stream)
    print("per flow (mean / median): vpcsim trace "
          f"{_us(vt['trace']['mean'])} / {_us(vt['trace']['median'])}, trace(blockers=False) "
          f"{_us(vt['trace_no_blockers']['mean'])} / {_us(vt['trace_no_blockers']['median'])}, evaluate "
          f"{_us(vt['evaluate'])}; aws-vpc-analyzer analyze_path {_us(at['analyze_path']['mean'])} / "
          f"{_us(at['analyze_path']['median'])}, find_public_exposure per ENI {_us(at['find_exposed_per_eni'])}",
          file=stream)  # fmt: skip
    print(f"from_boto3 {report['from_boto3_seconds']:.2f} s; analyzer warm-up "
          + ", ".join(f"{r} {s:.2f} s" for r, s in at["warm_seconds"].items()), file=stream)  # fmt: skip


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the flows; the best counts (default 5)")
    parser.add_argument(
        "--ports", type=int, nargs="+", default=list(PORTS), help="TCP ports (default 22 80 443 5432)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"the markdown report (default {RESULTS})")
    parser.add_argument("--no-extras", action="store_true", help="the builder's network alone, without web2/batch")
    parser.add_argument("--json", action="store_true", help="print the figures and every flow as JSON")
    args = parser.parse_args(None if argv is None else list(argv))
    pin_to_one_core()
    report = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(report))
    if args.json:
        flows = report.pop("flows")
        report["flows"] = [vars(f) for f in flows]
        print(json.dumps(report, indent=2, default=str))
    else:
        print_summary(report)
        print(f"report written to {args.out}")


if __name__ == "__main__":
    main()
