"""The instance metadata service at the HTTP level (SPEC M1-M3): what 169.254.169.254 answers an instance.

No networking here: the simulator (:mod:`vpcsim.sim.simulator`) carries the packets, keeps every other host away
(M1) and sends the token response with IP TTL = the hop limit (M3); it calls :meth:`MetadataService.handle` with
the HTTP request and gets the HTTP answer back.

Rules (SPEC M2, M3 and the EC2 User Guide's "Use IMDSv2" and "error codes" pages):

- ``HttpEndpoint`` disabled: 403 for everything; an IPv6 request while ``HttpProtocolIpv6`` is disabled: 403.
- ``PUT /latest/api/token`` with ``X-aws-ec2-metadata-token-ttl-seconds`` in 1..21600: 200, the token, the TTL
  echoed in a header. A bad or missing TTL: 400. A PUT carrying ``X-Forwarded-For`` (it came through a proxy): 403.
  Another method on the token path, or PUT anywhere else: 405.
- GET with ``X-aws-ec2-metadata-token``: served when the token was issued to this instance and has not expired,
  else 401, whatever ``HttpTokens`` says. Without a token: 401 when ``HttpTokens`` is required, else served
  (IMDSv1).
- A path the instance has no value for: 404. Directory listings end sub-directories with ``/`` (except ``/`` and
  ``/latest/``, which list bare names, as IMDS does).

Values come from the model, formatted as IMDS formats them. ``public-hostname`` exists only when the instance has a
public IPv4 and its VPC has DNS hostnames enabled (as in AWS). IAM credentials are fake (``ASIAVPCSIMFAKE...``),
deterministic from the seed, valid 6 hours and renewed 5 minutes before they expire.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from vpcsim.io.export import _ACCOUNT  # the account id every AWS shape of vpcsim carries
from vpcsim.model.base import IdFactory
from vpcsim.model.interface import Instance, NetworkInterface

if TYPE_CHECKING:
    from vpcsim.network import Network

__all__ = [
    "DEFAULT_IP_TTL",
    "EPOCH",
    "MAX_TOKEN_TTL",
    "TOKEN_HEADER",
    "TOKEN_PATH",
    "TOKEN_TTL_HEADER",
    "HttpRequest",
    "HttpResponse",
    "IssuedToken",
    "MetadataService",
]

TOKEN_PATH = "/latest/api/token"
TOKEN_TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aws-ec2-metadata-token"
MAX_TOKEN_TTL = 21600  # SPEC M3: six hours
DEFAULT_IP_TTL = 64  # what every answer but the token leaves with (Linux's default TTL)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CREDENTIALS_LIFETIME = 6 * 3600
CREDENTIALS_RENEWAL = 300  # AWS makes new credentials available at least 5 minutes before the old ones expire

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
}
_DIGITS = re.compile(r"[0-9]+")
# The levels IMDS lists with bare names ("/" lists versions, "/latest/" its categories); below them, "name/".
_BARE_LISTINGS = ("", "latest")


def _lower_keys(headers: Mapping[str, str]) -> Mapping[str, str]:
    return types.MappingProxyType({str(k).lower(): str(v) for k, v in headers.items()})


def _upper(method: str) -> str:
    return str(method).upper()


@attrs.frozen
class HttpRequest:
    """An HTTP request to the metadata service. ``method`` is upper-cased; ``path`` is the URL path (a query string
    is ignored); ``headers`` are looked up case-insensitively (keys are stored lower-cased).

    Examples
    --------
    >>> r = HttpRequest("put", TOKEN_PATH, {"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
    >>> r.method, r.headers["x-aws-ec2-metadata-token-ttl-seconds"]
    ('PUT', '21600')
    """

    method: str = attrs.field(converter=_upper)
    path: str
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_lower_keys)

    @classmethod
    def get(cls, path: str, *, token: str | None = None) -> HttpRequest:
        """A GET, with an IMDSv2 token when one is given."""
        return cls("GET", path, {TOKEN_HEADER: token} if token is not None else {})

    @classmethod
    def token(cls, ttl_seconds: int | str = MAX_TOKEN_TTL) -> HttpRequest:
        """``PUT /latest/api/token`` asking for a token valid ``ttl_seconds`` (SPEC M3)."""
        return cls("PUT", TOKEN_PATH, {TOKEN_TTL_HEADER: str(ttl_seconds)})


@attrs.frozen
class HttpResponse:
    """The metadata service's answer.

    ``status`` None means no answer arrived (the simulator's verdict when the token response ran out of hops);
    ``ttl`` is the IP TTL the answer leaves with: the hop limit for ``PUT /latest/api/token`` (SPEC M3), else 64;
    ``explanation`` says in one line why, citing SPEC ids.
    """

    status: int | None
    reason: str
    body: str = ""
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_lower_keys)
    ttl: int = DEFAULT_IP_TTL
    explanation: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    def json(self) -> Any:
        """The body parsed as JSON (credentials, ``iam/info``, the identity document)."""
        return json.loads(self.body)

    @classmethod
    def no_response(cls, explanation: str) -> HttpResponse:
        """No answer arrived (e.g. the token response expired on the way, SPEC M3)."""
        return cls(None, "No Response", explanation=explanation)


@attrs.frozen
class IssuedToken:
    """An IMDSv2 session token: issued to one instance at ``issued_at`` (simulator seconds) for ``ttl`` seconds."""

    value: str
    instance_id: str
    issued_at: float
    ttl: int

    @property
    def expires_at(self) -> float:
        return self.issued_at + self.ttl

    def valid(self, instance_id: str, now: float) -> bool:
        """SPEC M3: usable only by the instance it was issued to, until it expires."""
        return instance_id == self.instance_id and now < self.expires_at


@attrs.frozen
class _Credentials:
    access_key_id: str
    secret_access_key: str
    token: str
    issued_at: float


# ------------------------------------------------------------------------------------------ the metadata table


def _lines(values: Iterable[object]) -> str | None:
    """One value a line, as IMDS lists several; None (-> 404) when there are none."""
    text = "\n".join(str(v) for v in values)
    return text or None


def _private_hostname(address: ipaddress.IPv4Address, region: str) -> str:
    """``ip-10-0-1-10.ec2.internal`` in us-east-1, ``ip-10-0-1-10.<region>.compute.internal`` elsewhere."""
    domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{str(address).replace('.', '-')}.{domain}"


def _public_hostname(eni: NetworkInterface) -> str | None:
    """``ec2-3-220-1-2.compute-1.amazonaws.com`` (us-east-1) or ``ec2-...<region>.compute.amazonaws.com``; only with
    DNS hostnames enabled in the VPC, as in AWS."""
    if eni.public_ip is None or not eni.vpc.enable_dns_hostnames:
        return None
    region = eni.vpc.region
    domain = "compute-1.amazonaws.com" if region == "us-east-1" else f"{region}.compute.amazonaws.com"
    return f"ec2-{str(eni.public_ip).replace('.', '-')}.{domain}"


_InterfaceField = Callable[[NetworkInterface], str | None]
_InstanceField = Callable[[Instance], str | None]

# meta-data/network/interfaces/macs/<mac>/<name>: one ENI's values.
_INTERFACE_FIELDS: dict[str, _InterfaceField] = {
    "device-number": lambda e: str(e.device_index if e.device_index is not None else 0),
    "interface-id": lambda e: e.id,
    "ipv6s": lambda e: _lines(e.ipv6_addresses),
    "local-hostname": lambda e: _private_hostname(e.private_ip, e.vpc.region),
    "local-ipv4s": lambda e: _lines(e.private_ip_addresses),
    "mac": lambda e: e.mac_address,
    "owner-id": lambda e: _ACCOUNT,
    "public-hostname": _public_hostname,
    "public-ipv4s": lambda e: _lines(e.public_ips[p] for p in e.private_ip_addresses if p in e.public_ips),
    "security-group-ids": lambda e: _lines(g.id for g in e.security_groups),
    "security-groups": lambda e: _lines(g.group_name for g in e.security_groups),
    "subnet-id": lambda e: e.subnet.id,
    "subnet-ipv4-cidr-block": lambda e: str(e.subnet.cidr_block),
    "subnet-ipv6-cidr-blocks": lambda e: _lines([e.subnet.ipv6_cidr_block] if e.subnet.ipv6_cidr_block else []),
    "vpc-id": lambda e: e.vpc.id,
    "vpc-ipv4-cidr-block": lambda e: str(e.vpc.cidr_block),
    "vpc-ipv4-cidr-blocks": lambda e: _lines(e.vpc.cidr_blocks),
    "vpc-ipv6-cidr-blocks": lambda e: _lines([e.vpc.ipv6_cidr_block] if e.vpc.ipv6_cidr_block else []),
}

# meta-data/<name>: the instance's values (its primary ENI's where IMDS gives one).
_INSTANCE_FIELDS: dict[str, _InstanceField] = {
    "hostname": lambda i: _private_hostname(i.private_ip, i.vpc.region),
    "instance-id": lambda i: i.id,
    "instance-type": lambda i: i.instance_type,
    "local-hostname": lambda i: _private_hostname(i.private_ip, i.vpc.region),
    "local-ipv4": lambda i: str(i.private_ip),
    "mac": lambda i: i.primary_network_interface.mac_address,
    "placement/availability-zone": lambda i: i.availability_zone,
    "placement/region": lambda i: i.vpc.region,
    "public-hostname": lambda i: _public_hostname(i.primary_network_interface),
    "public-ipv4": lambda i: None if i.public_ip is None else str(i.public_ip),
    "security-groups": lambda i: _lines(g.group_name for g in i.security_groups),
}

_Leaf = Callable[[], str]


class MetadataService:
    """The instance metadata service of every instance of ``net`` (SPEC M1-M3), driven by simulator time.

    Parameters
    ----------
    net : Network
        The network whose instances it describes (read at each request: changes show at once).
    epoch : datetime
        The wall-clock time of simulator second 0 (credentials' ``LastUpdated`` and ``Expiration``).
    seed : int
        Seed of the tokens and fake credentials: the same requests with the same seed give the same answers.

    Examples
    --------
    >>> from vpcsim import Network
    >>> net = Network()
    >>> vpc = net.create_vpc("10.0.0.0/16")
    >>> web = net.run_instance(net.create_subnet(vpc, "10.0.1.0/24"), private_ip="10.0.1.10", iam_role="web")
    >>> imds = MetadataService(net)
    >>> imds.handle(web, HttpRequest.get("/latest/meta-data/local-hostname"), now=0).body
    'ip-10-0-1-10.ec2.internal'
    >>> net.modify_instance_metadata_options(web, http_tokens="required").http_tokens
    'required'
    >>> imds.handle(web, HttpRequest.get("/latest/meta-data/iam/security-credentials/web"), now=0).status
    401
    >>> token = imds.handle(web, HttpRequest.token(60), now=0)
    >>> imds.handle(web, HttpRequest.get("/latest/meta-data/iam/security-credentials/web", token=token.body),
    ...             now=1).json()["Code"]
    'Success'
    """

    def __init__(self, net: Network, *, epoch: datetime = EPOCH, seed: int = 0) -> None:
        self.net = net
        self.epoch = epoch.replace(tzinfo=UTC) if epoch.tzinfo is None else epoch.astimezone(UTC)
        self._random = IdFactory(seed)
        self._tokens: dict[str, IssuedToken] = {}
        self._credentials: dict[tuple[str, str], _Credentials] = {}

    @property
    def tokens(self) -> Mapping[str, IssuedToken]:
        """The live tokens (a read-only view): token value -> :class:`IssuedToken`."""
        return types.MappingProxyType(self._tokens)

    def forget(self, instance: Instance) -> None:
        """The instance stopped or terminated: its tokens and credentials are void."""
        for value in [v for v, t in self._tokens.items() if t.instance_id == instance.id]:
            del self._tokens[value]
        for key in [k for k in self._credentials if k[0] == instance.id]:
            del self._credentials[key]

    # ------------------------------------------------------------------------------------------ requests

    def handle(self, instance: Instance, request: HttpRequest, *, now: float, ipv6: bool = False) -> HttpResponse:
        """Answer one request of ``instance`` at simulator time ``now`` (seconds since ``epoch``).

        Raises
        ------
        ValueError
            The instance is not running (the simulator delivers nothing to it then).
        """
        if instance.state != "running":
            raise ValueError(f"{instance.id} is {instance.state}: only a running instance reaches its IMDS (M1).")
        for value in [v for v, t in self._tokens.items() if now >= t.expires_at]:
            del self._tokens[value]
        options = instance.metadata_options
        path = request.path.split("?", 1)[0]
        is_token_put = request.method == "PUT" and path == TOKEN_PATH
        ttl = options.http_put_response_hop_limit if is_token_put else DEFAULT_IP_TTL

        def answer(
            status: int, explanation: str, body: str = "", headers: Mapping[str, str] | None = None
        ) -> HttpResponse:
            text = body if status == 200 else _error_page(status)
            return HttpResponse(status, _REASONS[status], text, headers or {}, ttl, explanation)

        where = f"{request.method} {path} on {instance.id}"
        if options.http_endpoint != "enabled":
            return answer(403, f"SPEC M2/M3: {where}: the metadata endpoint is disabled (HttpEndpoint disabled).")
        if ipv6 and options.http_protocol_ipv6 != "enabled":
            return answer(403, f"SPEC M1/M2: {where} over IPv6: HttpProtocolIpv6 is disabled.")
        if path == TOKEN_PATH:
            if request.method != "PUT":
                return answer(405, f"SPEC M3: {where}: a token is requested with PUT only.")
            return self._issue_token(instance, request, now, answer)
        if request.method != "GET":
            return answer(405, f"SPEC M3: {where}: only GET reads metadata (PUT is for {TOKEN_PATH}).")
        token = request.headers.get(TOKEN_HEADER)
        if token is not None:
            issued = self._tokens.get(token)
            if issued is None or not issued.valid(instance.id, now):
                why = "unknown or expired" if issued is None else f"issued to {issued.instance_id}, not this instance"
                return answer(401, f"SPEC M3: {where}: the token is {why}.")
            version = "IMDSv2 (token valid)"
        elif options.http_tokens == "required":
            return answer(401, f"SPEC M3: {where}: no token and HttpTokens is required (IMDSv2 only).")
        else:
            version = "IMDSv1 (HttpTokens optional)"
        key = path.strip("/")
        leaves = self._leaves(instance, now)
        if key in leaves:
            return answer(200, f"SPEC M3: {where}: {version}, answered from the model.", leaves[key]())
        listing = _listing(key, leaves)
        if listing is None:
            return answer(404, f"SPEC M3: {where}: {version}, but the instance has nothing at this path.")
        return answer(200, f"SPEC M3: {where}: {version}, a listing.", listing)

    def paths(self, instance: Instance) -> list[str]:
        """Every path the instance's IMDS answers with 200 (leaves, then directories, each ending with ``/``)."""
        leaves = self._leaves(instance, 0.0)
        directories = {"/".join(parts[:n]) for parts in (k.split("/") for k in leaves) for n in range(len(parts))}
        return [f"/{k}" for k in leaves] + sorted(f"/{d}/" if d else "/" for d in directories)

    def _issue_token(
        self, instance: Instance, request: HttpRequest, now: float, answer: Callable[..., HttpResponse]
    ) -> HttpResponse:
        """SPEC M3: ``PUT /latest/api/token``."""
        where = f"PUT {TOKEN_PATH} on {instance.id}"
        if "x-forwarded-for" in request.headers:
            return answer(403, f"SPEC M3: {where} carries X-Forwarded-For (it came through a proxy): refused.")
        asked = request.headers.get(TOKEN_TTL_HEADER)
        if asked is None or not _DIGITS.fullmatch(asked) or not 1 <= int(asked) <= MAX_TOKEN_TTL:
            shown = "missing" if asked is None else repr(asked)
            return answer(400, f"SPEC M3: {where}: {TOKEN_TTL_HEADER} is {shown}, not an integer in 1..21600.")
        ttl = int(asked)
        while True:
            value = "AQAE" + base64.b64encode(self._random.bits(256).to_bytes(32, "big")).decode()
            if value not in self._tokens:
                break
        self._tokens[value] = IssuedToken(value, instance.id, now, ttl)
        hops = instance.metadata_options.http_put_response_hop_limit
        return answer(200, f"SPEC M3: {where}: token valid {ttl} s, sent with IP TTL {hops} (the hop limit).",
                      value, {TOKEN_TTL_HEADER: str(ttl)})  # fmt: skip

    # ------------------------------------------------------------------------------------------ the tree

    def _leaves(self, instance: Instance, now: float) -> dict[str, _Leaf]:
        """Path (no leading ``/``) -> the function giving its value, for every value this instance has."""
        table: dict[str, _Leaf] = {}

        def put(path: str, value: str | None) -> None:
            if value is not None:
                table[path] = lambda: value

        base = "latest/meta-data"
        for name, field in _INSTANCE_FIELDS.items():
            put(f"{base}/{name}", field(instance))
        for eni in instance.network_interfaces:
            for name, eni_field in _INTERFACE_FIELDS.items():
                put(f"{base}/network/interfaces/macs/{eni.mac_address}/{name}", eni_field(eni))
        role = instance.iam_role
        if role is not None:
            table[f"{base}/iam/info"] = lambda: self._iam_info(instance, role, now)
            table[f"{base}/iam/security-credentials/{role}"] = lambda: self._credentials_json(instance, role, now)
        if instance.metadata_options.instance_metadata_tags == "enabled":
            for key, value in instance.tags.items():
                put(f"{base}/tags/instance/{key}", value)
        table["latest/dynamic/instance-identity/document"] = lambda: _identity_document(instance)
        return dict(sorted(table.items()))

    def _current_credentials(self, instance: Instance, role: str, now: float) -> _Credentials:
        """The role's credentials at ``now``: new ones when none are left with more than 5 minutes to run."""
        key = (instance.id, role)
        found = self._credentials.get(key)
        if found is None or now >= found.issued_at + CREDENTIALS_LIFETIME - CREDENTIALS_RENEWAL:
            r = self._random
            found = _Credentials(
                access_key_id="ASIAVPCSIMFAKE" + base64.b32encode(r.bits(40).to_bytes(5, "big")).decode()[:6],
                secret_access_key=f"vpcsim/fake/secret/{r.bits(128):032x}"[:40],
                token="vpcsim-fake-session-token-" + base64.b64encode(r.bits(256).to_bytes(32, "big")).decode(),
                issued_at=now,
            )
            self._credentials[key] = found
        return found

    def _time(self, seconds: float) -> str:
        return (self.epoch + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _credentials_json(self, instance: Instance, role: str, now: float) -> str:
        c = self._current_credentials(instance, role, now)
        return _json({
            "Code": "Success",
            "LastUpdated": self._time(c.issued_at),
            "Type": "AWS-HMAC",
            "AccessKeyId": c.access_key_id,
            "SecretAccessKey": c.secret_access_key,
            "Token": c.token,
            "Expiration": self._time(c.issued_at + CREDENTIALS_LIFETIME),
        })  # fmt: skip

    def _iam_info(self, instance: Instance, role: str, now: float) -> str:
        c = self._current_credentials(instance, role, now)
        profile_id = "AIPAVPCSIMFAKE" + base64.b32encode(role.encode()).decode().rstrip("=")[:7]
        return _json({
            "Code": "Success",
            "LastUpdated": self._time(c.issued_at),
            "InstanceProfileArn": f"arn:aws:iam::{_ACCOUNT}:instance-profile/{role}",
            "InstanceProfileId": profile_id,
        })  # fmt: skip


def _json(document: Mapping[str, object]) -> str:
    """JSON as IMDS prints it: two-space indent, ``"key" : value``."""
    return json.dumps(document, indent=2, separators=(",", " : "))


def _identity_document(instance: Instance) -> str:
    """``/latest/dynamic/instance-identity/document`` (no AMI, kernel or billing codes in the model: null)."""
    return _json({
        "accountId": _ACCOUNT,
        "availabilityZone": instance.availability_zone,
        "billingProducts": None,
        "devpayProductCodes": None,
        "imageId": None,
        "instanceId": instance.id,
        "instanceType": instance.instance_type,
        "kernelId": None,
        "marketplaceProductCodes": None,
        "privateIp": str(instance.private_ip),
        "ramdiskId": None,
        "region": instance.vpc.region,
        "version": "2017-09-30",
    })  # fmt: skip


def _listing(directory: str, leaves: Mapping[str, _Leaf]) -> str | None:
    """The children of ``directory`` (no slashes around it), in order; None when it is no directory."""
    prefix = f"{directory}/" if directory else ""
    children: dict[str, None] = {}
    for path in leaves:
        if path.startswith(prefix):
            head, _, rest = path[len(prefix) :].partition("/")
            bare = directory in _BARE_LISTINGS or not rest
            children[head if bare else f"{head}/"] = None
    return "\n".join(children) if children else None


def _error_page(status: int) -> str:
    """The small XHTML page IMDS sends with an error."""
    title = f"{status} - {_REASONS[status]}"
    return (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
        '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
        f" <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n </body>\n</html>\n"
    )
