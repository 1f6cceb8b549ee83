"""Read a live AWS account through boto3 (Describe*, Get* and Search* calls only) into a Network.

Every call's result goes into a :class:`~vpcsim.io.aws.Document` per region in the describe-* shapes the loader
reads, so a live account and its saved export load the same way. A call the account or endpoint cannot answer
(access denied, an action the endpoint does not implement) is reported in ``net.load_report``, not raised.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from vpcsim.errors import AwsError
from vpcsim.io.aws import Document, load_documents
from vpcsim.io.report import LoadReport

if TYPE_CHECKING:
    from vpcsim.network import Network

__all__ = ["fetch_documents", "from_boto3"]

# Region-wide calls: (service, operation, top-level key of the document = key of the response list but where
# _RESPONSE_KEYS says otherwise).
_CALLS = (
    ("ec2", "describe_availability_zones", "AvailabilityZones"),
    ("ec2", "describe_vpcs", "Vpcs"),
    ("ec2", "describe_subnets", "Subnets"),
    ("ec2", "describe_route_tables", "RouteTables"),
    ("ec2", "describe_network_acls", "NetworkAcls"),
    ("ec2", "describe_security_groups", "SecurityGroups"),
    ("ec2", "describe_network_interfaces", "NetworkInterfaces"),
    ("ec2", "describe_addresses", "Addresses"),
    ("ec2", "describe_instances", "Reservations"),
    ("ec2", "describe_internet_gateways", "InternetGateways"),
    ("ec2", "describe_egress_only_internet_gateways", "EgressOnlyInternetGateways"),
    ("ec2", "describe_nat_gateways", "NatGateways"),
    ("ec2", "describe_vpc_peering_connections", "VpcPeeringConnections"),
    ("ec2", "describe_prefix_lists", "PrefixLists"),
    ("ec2", "describe_managed_prefix_lists", "ManagedPrefixLists"),
    ("ec2", "describe_transit_gateways", "TransitGateways"),
    ("ec2", "describe_transit_gateway_attachments", "TransitGatewayAttachments"),
    ("ec2", "describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments"),
    ("ec2", "describe_transit_gateway_route_tables", "TransitGatewayRouteTables"),
    ("ec2", "describe_vpn_gateways", "VpnGateways"),
    ("ec2", "describe_vpn_connections", "VpnConnections"),
    ("ec2", "describe_customer_gateways", "CustomerGateways"),
    ("ec2", "describe_vpc_endpoints", "VpcEndpoints"),
    ("elbv2", "describe_load_balancers", "LoadBalancers"),
    ("elbv2", "describe_target_groups", "TargetGroups"),
)
_RESPONSE_KEYS = {"ManagedPrefixLists": "PrefixLists"}  # vpcsim's (and Batfish's) name for the managed lists
# With vpc_ids, these calls are narrowed on the server too ("vpc-id" filter; AWS takes up to 200 values).
_VPC_FILTERED = {
    "describe_subnets", "describe_route_tables", "describe_network_acls", "describe_security_groups",
    "describe_network_interfaces", "describe_instances", "describe_nat_gateways", "describe_vpc_endpoints",
}  # fmt: skip
_MAX_FILTER_VALUES = 200
_READ_ONLY = ("describe_", "get_", "search_")
_ELSEWHERE = ""  # the VPC of a resource that is not listed: none of the wanted ones
# Error codes that mean "this account or endpoint does not answer that call here", not "the export is wrong".
_UNSUPPORTED_CODES = {
    "UnsupportedOperation", "InvalidAction", "NotImplemented", "AccessDenied", "AccessDeniedException",
    "UnauthorizedOperation",
}  # fmt: skip


def from_boto3(
    session: Any,
    regions: Sequence[str] | None = None,
    vpc_ids: Sequence[str] | None = None,
    *,
    progress: bool | None = None,
) -> Network:
    """Load the VPC networks of a live AWS account: read-only, one region after another.

    Parameters
    ----------
    session : boto3.Session
        Credentials and default region; its clients are used as configured (endpoint, retries, profile).
    regions : list of str, optional
        Regions to read (default: the session's region).
    vpc_ids : list of str, optional
        Keep only these VPCs and what belongs to them (subnets, ENIs, gateways attached to them, ...); regional
        resources (transit gateways, customer gateways, prefix lists, ...) stay.
    progress : bool, optional
        Show a progress bar on stderr (needs ``rich``, the ``cli`` extra; silently none without it).
        Default: when stderr is a terminal.

    Returns
    -------
    Network
        With ``net.load_report``; a call the account may not make (``AccessDenied``, ``UnauthorizedOperation``,
        ``UnsupportedOperation``, an action the endpoint has not implemented) is a warning of kind
        ``unsupported-resource`` with file ``boto3:<region>:<operation>``.

    Raises
    ------
    AwsError
        ``InvalidVpcID.NotFound`` when a VPC of ``vpc_ids`` is in none of the regions.
    botocore.exceptions.ClientError
        Any other error of a call (bad credentials, throttling after boto3's retries, ...).

    Examples
    --------
    ::

        import boto3, vpcsim
        net = vpcsim.from_boto3(boto3.Session(profile_name="prod"), regions=["us-east-1", "eu-west-1"])
        net.trace(vpcsim.INTERNET, "web", port=443)
    """
    report = LoadReport()
    documents = fetch_documents(session, regions, vpc_ids, progress=progress, report=report)
    return load_documents(documents, report=report)


def fetch_documents(
    session: Any,
    regions: Sequence[str] | None = None,
    vpc_ids: Sequence[str] | None = None,
    *,
    progress: bool | None = None,
    report: LoadReport | None = None,
) -> list[Document]:
    """The describe-* documents :func:`from_boto3` loads: one per region, file ``boto3:<region>``.

    Times are ISO 8601 strings (as the AWS CLI prints them), so each document can be written as JSON as it is.
    Calls that are not supported are added to ``report`` (see :func:`from_boto3`).
    """
    regions = list(regions) if regions is not None else [session.region_name]
    if not regions or not all(isinstance(r, str) and r for r in regions):
        raise ValueError(f"regions must name at least one region (the session has none): {regions!r}")
    wanted = list(dict.fromkeys(vpc_ids)) if vpc_ids is not None else None
    report = report if report is not None else LoadReport()
    with _progress_bar(progress) as bar:
        bar.grow(len(regions) * len(_CALLS))
        documents = [_Region(session, region, wanted, report, bar).fetch() for region in regions]
    if wanted is not None:
        found = {vpc["VpcId"] for doc in documents for vpc in doc.data.get("Vpcs", [])}
        missing = [vpc for vpc in wanted if vpc not in found]
        if missing:
            raise AwsError(
                "InvalidVpcID.NotFound",
                f"The vpc ID(s) {', '.join(map(repr, missing))} do not exist in {', '.join(regions)}.",
            )
    return documents


class _Region:
    """The calls of one region, and the document they fill."""

    def __init__(self, session: Any, region: str, vpc_ids: list[str] | None, report: LoadReport, bar: _Bar) -> None:
        self.session, self.region, self.vpc_ids, self.report, self.bar = session, region, vpc_ids, report, bar
        self.clients: dict[str, Any] = {}
        self.data: dict[str, list[Any]] = {}

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = self.session.client(service, region_name=self.region)
        return self.clients[service]

    def fetch(self) -> Document:
        for service, operation, key in _CALLS:
            kwargs: dict[str, Any] = {}
            if self.vpc_ids and operation in _VPC_FILTERED and len(self.vpc_ids) <= _MAX_FILTER_VALUES:
                kwargs["Filters"] = [{"Name": "vpc-id", "Values": self.vpc_ids}]
            items = self.items(service, operation, _RESPONSE_KEYS.get(key, key), **kwargs)
            if items is not None:
                self.data[key] = items
        if self.vpc_ids is not None:
            self.data = _keep_vpcs(self.data, set(self.vpc_ids))
        self.details()
        return Document(_plain(self.data), f"boto3:{self.region}", self.region)

    def details(self) -> None:
        """The calls made per item: VPC attributes, prefix list entries, transit gateway routes, and for load
        balancing listeners (and ALB listener rules), attributes and target health."""
        data = self.data
        vpcs, lists = data.get("Vpcs", []), data.get("ManagedPrefixLists", [])
        tables = [t["TransitGatewayRouteTableId"] for t in data.get("TransitGatewayRouteTables", [])]
        balancers = [lb["LoadBalancerArn"] for lb in data.get("LoadBalancers", [])]
        groups = [tg["TargetGroupArn"] for tg in data.get("TargetGroups", [])]
        self.bar.grow(2 * len(vpcs) + len(lists) + 2 * len(tables) + 2 * len(balancers) + 2 * len(groups))
        for vpc in vpcs:
            for attribute, key in (
                ("enableDnsSupport", "EnableDnsSupport"),
                ("enableDnsHostnames", "EnableDnsHostnames"),
            ):
                answer = self.one("ec2", "describe_vpc_attribute", VpcId=vpc["VpcId"], Attribute=attribute)
                if answer is not None and key in answer:
                    vpc[key] = answer[key]
        for prefix_list in lists:
            entries = self.items(
                "ec2", "get_managed_prefix_list_entries", "Entries", PrefixListId=prefix_list["PrefixListId"]
            )
            if entries is not None:
                prefix_list["Entries"] = entries
        route_types = {"Name": "type", "Values": ["static", "propagated"]}
        self.per_item(
            "TransitGatewayStaticRoutes", "TransitGatewayRouteTableId", tables, "Routes",
            lambda table: self.items(
                "ec2", "search_transit_gateway_routes", "Routes",
                TransitGatewayRouteTableId=table, Filters=[route_types],
            ),
        )  # fmt: skip
        propagations = "TransitGatewayRouteTablePropagations"
        self.per_item(
            "TransitGatewayPropagations", "TransitGatewayRouteTableId", tables, propagations,
            lambda table: self.items(
                "ec2", "get_transit_gateway_route_table_propagations", propagations, TransitGatewayRouteTableId=table
            ),
        )  # fmt: skip
        listeners = [self.items("elbv2", "describe_listeners", "Listeners", LoadBalancerArn=arn) for arn in balancers]
        if balancers and any(found is not None for found in listeners):
            data["Listeners"] = [listener for found in listeners for listener in found or []]
        self.per_item(
            "LoadBalancerAttributes", "LoadBalancerArn", balancers, "Attributes",
            lambda arn: self.items("elbv2", "describe_load_balancer_attributes", "Attributes", LoadBalancerArn=arn),
        )  # fmt: skip
        self.per_item(
            "TargetGroupAttributes", "TargetGroupArn", groups, "Attributes",
            lambda arn: self.items("elbv2", "describe_target_group_attributes", "Attributes", TargetGroupArn=arn),
        )  # fmt: skip
        self.per_item(
            "TargetHealthDescriptions", "TargetGroupArn", groups, "TargetHealthDescriptions",
            lambda arn: self.items("elbv2", "describe_target_health", "TargetHealthDescriptions", TargetGroupArn=arn),
        )  # fmt: skip
        # Listener rules other than the default action are reported (not modelled): ALB listeners only have them.
        rules = [x["ListenerArn"] for x in data.get("Listeners", []) if x.get("Protocol") in ("HTTP", "HTTPS")]
        self.bar.grow(len(rules))
        self.per_item(
            "Rules", "ListenerArn", rules, "Rules",
            lambda arn: self.items("elbv2", "describe_rules", "Rules", ListenerArn=arn),
        )  # fmt: skip

    def per_item(
        self, key: str, id_key: str, ids: list[str], list_key: str, call: Callable[[str], list[Any] | None]
    ) -> None:
        """Batfish's convention for per-item calls: ``{key: [{id_key: id, list_key: [...]}, ...]}``."""
        answers = [(rid, call(rid)) for rid in ids]
        if ids and any(found is not None for _, found in answers):
            self.data[key] = [{id_key: rid, list_key: found} for rid, found in answers if found is not None]

    def items(self, service: str, operation: str, response_key: str, **kwargs: Any) -> list[Any] | None:
        """Every item of a listing call, over all its pages; None when the call is not supported here."""
        pages = self.call(service, operation, **kwargs)
        if pages is None:
            return None
        items = [item for page in pages for item in page.get(response_key, [])]
        if any(page.get("AdditionalRoutesAvailable") for page in pages):
            self.report.add(
                f"boto3:{self.region}:{operation}", "$.Routes", "partial",
                f"{operation} returned its limit of routes for {kwargs.get('TransitGatewayRouteTableId')}: the other "
                "routes of that table are not loaded",
                kwargs.get("TransitGatewayRouteTableId"),
            )  # fmt: skip
        return items

    def one(self, service: str, operation: str, **kwargs: Any) -> dict[str, Any] | None:
        pages = self.call(service, operation, **kwargs)
        return pages[0] if pages else None

    def call(self, service: str, operation: str, **kwargs: Any) -> list[dict[str, Any]] | None:
        """The pages of one call (``get_paginator`` when the operation pages, else a NextToken loop)."""
        if not operation.startswith(_READ_ONLY):  # the read-only promise, kept here for every call
            raise AssertionError(f"from_boto3 makes read-only calls only, not {operation}")
        client = self.client(service)
        self.bar.step(f"{self.region} {operation}")
        try:
            if client.can_paginate(operation):
                return [_strip(page) for page in client.get_paginator(operation).paginate(**kwargs)]
            return list(_token_pages(getattr(client, operation), kwargs))
        except Exception as err:
            reason = _unsupported(err)
            if reason is None:
                raise
            self.report.add(
                f"boto3:{self.region}:{operation}", "$", "unsupported-resource",
                f"{service} {operation} is not available here ({reason}): what it lists is not loaded",
            )  # fmt: skip
            return None


def _token_pages(method: Callable[..., dict[str, Any]], kwargs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        page = method(**kwargs, **({"NextToken": token} if token else {}))
        yield _strip(page)
        token = page.get("NextToken")
        if not token:
            return


def _strip(page: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in page.items() if key not in ("ResponseMetadata", "NextToken", "NextMarker")}


def _unsupported(err: Exception) -> str | None:
    """Why ``err`` means "not supported here" (reported, not raised), or None when it must propagate."""
    if isinstance(err, NotImplementedError):  # moto's in-process mocks
        return f"not implemented: {err}"
    response = getattr(err, "response", None)
    if isinstance(response, Mapping):  # botocore ClientError
        code = response.get("Error", {}).get("Code")
        return f"{code}: {response['Error'].get('Message', '')}".rstrip(": ") if code in _UNSUPPORTED_CODES else None
    # moto's server answers an action it has not implemented with an HTML "500 Internal Server Error" page,
    # which botocore cannot parse (ResponseParserError); AWS itself always answers in its own format.
    if type(err).__name__ == "ResponseParserError" and "500 Internal Server Error" in str(err):
        return "the endpoint answered HTTP 500 with a non-AWS page, as moto does for an action it has not implemented"
    return None


# A top-level key's item -> the VPCs it belongs to (empty: regional, always kept).
def _vpcs_of(key: str, item: Mapping[str, Any], owners: Mapping[str, set[str]]) -> set[str]:
    if key in ("InternetGateways", "EgressOnlyInternetGateways"):
        return {a["VpcId"] for a in item.get("Attachments", []) if "VpcId" in a}
    if key == "VpnGateways":
        return {a["VpcId"] for a in item.get("VpcAttachments", []) if "VpcId" in a}
    if key == "VpcPeeringConnections":
        return {item.get(side, {}).get("VpcId") for side in ("RequesterVpcInfo", "AccepterVpcInfo")} - {None}
    if key == "TransitGatewayAttachments":
        return {item["ResourceId"]} if item.get("ResourceType") == "vpc" and "ResourceId" in item else set()
    if item.get("VpcId"):
        return {item["VpcId"]}
    # Items that name no VPC belong to the VPC of what they name (an EIP to its ENI's, a VPN to its gateway's);
    # what is not listed was filtered out on the server (another VPC's) or is gone: not one of the wanted VPCs.
    for ref in ("SubnetId", "NetworkInterfaceId", "InstanceId", "VpnGatewayId", "LoadBalancerArn", "TargetGroupArn"):
        if item.get(ref):
            return owners.get(item[ref], {_ELSEWHERE})
    return set()


def _keep_vpcs(data: dict[str, list[Any]], vpc_ids: set[str]) -> dict[str, list[Any]]:
    """The items of ``data`` that belong to ``vpc_ids`` or to no VPC (see :func:`_vpcs_of`)."""
    owners: dict[str, set[str]] = {}
    # Owners first: what the later kinds refer to (subnets, ENIs, instances, VPN gateways, load balancers).
    for key, id_key in (("Subnets", "SubnetId"), ("NetworkInterfaces", "NetworkInterfaceId"),
                        ("VpnGateways", "VpnGatewayId"), ("LoadBalancers", "LoadBalancerArn"),
                        ("TargetGroups", "TargetGroupArn")):  # fmt: skip
        for item in data.get(key, []):
            owners[item[id_key]] = _vpcs_of(key, item, owners)
    for reservation in data.get("Reservations", []):
        for instance in reservation.get("Instances", []):
            owners[instance["InstanceId"]] = _vpcs_of("Instances", instance, owners)

    def kept(key: str, item: Mapping[str, Any]) -> bool:
        vpcs = _vpcs_of(key, item, owners)
        return not vpcs or bool(vpcs & vpc_ids)

    out: dict[str, list[Any]] = {}
    for key, items in data.items():
        if key == "Reservations":
            reservations = [dict(r, Instances=[i for i in r["Instances"] if kept("Instances", i)]) for r in items]
            out[key] = [r for r in reservations if r["Instances"]]
        else:
            out[key] = [item for item in items if kept(key, item)]
    return out


def _plain(value: Any) -> Any:
    """Times as ISO 8601 strings (as the AWS CLI prints them), everything else as it is."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------------- progress


class _Bar:
    """No progress shown: the interface :class:`_RichBar` fills."""

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def grow(self, calls: int) -> None:
        """``calls`` more calls are to come."""

    def step(self, description: str) -> None:
        """One call is being made."""


class _RichBar(_Bar):
    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.task = progress.add_task("AWS", total=0)

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def grow(self, calls: int) -> None:
        total = self.progress.tasks[0].total or 0
        self.progress.update(self.task, total=total + calls)

    def step(self, description: str) -> None:
        self.progress.update(self.task, advance=1, description=description)


def _progress_bar(progress: bool | None) -> _Bar:
    """A rich progress bar on stderr when asked (or, by default, when stderr is a terminal) and rich is installed."""
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return _Bar()
    try:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    except ImportError:  # rich is the optional "cli" extra: no bar without it
        return _Bar()
    return _RichBar(
        Progress(
            TextColumn("{task.description:<60}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
    )
