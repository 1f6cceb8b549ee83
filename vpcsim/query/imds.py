"""SSRF exposure of the instance metadata service (SPEC M4): instances whose IMDS a web request from the internet
can be bounced to.

A server-side request forgery (SSRF) makes a web application fetch a URL the attacker chose; pointed at
``http://169.254.169.254/latest/meta-data/iam/security-credentials/<role>``, it hands out the instance role's
credentials. That needs (1) an HTTP service the internet reaches, (2) IMDS enabled, and (3) IMDSv1 allowed (a plain
GET works: severity ``high``), or IMDSv2 with a hop limit above 1 (a proxy or container one hop away can still fetch
a token and use it: severity ``medium``). IMDSv2 with hop limit 1 blocks both (SPEC M3, M4).
"""

from __future__ import annotations

import html
import ipaddress
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from vpcsim.addr import IPAddress
from vpcsim.engine.endpoints import INTERNET, internet
from vpcsim.engine.verdict import Trace
from vpcsim.errors import InvalidFlowError
from vpcsim.model.interface import Instance
from vpcsim.query.exposure import exposure, parse_ports
from vpcsim.query.headerspace import merge_ranges

if TYPE_CHECKING:
    import pandas as pd

    from vpcsim.network import Network

__all__ = ["HTTP_PORTS", "ImdsFinding", "ImdsFindings", "imds_findings"]

HTTP_PORTS: tuple[int, ...] = (80, 443, 8000, 8080, 8443, 8888, 3000, 5000, 9000)
"""Ports where web applications (and so SSRF bugs) listen: 80/443 (HTTP/HTTPS), 8080/8443 (alternative HTTP/HTTPS,
Tomcat, proxies), 8000 (Django, Python's http.server), 8888 (Jupyter), 3000 (Node/Express, Rails, Grafana), 5000
(Flask), 9000 (PHP-FPM fronts, SonarQube, MinIO). Any other port may host HTTP too: pass ``ports=`` to widen."""

_SEVERITY_ORDER = {"high": 0, "medium": 1}
# Documentation addresses (RFC 5737, RFC 3849): the trace's internet host when the open sources hold one.
_EXAMPLE_HOSTS = tuple(ipaddress.ip_address(a) for a in ("198.51.100.7", "203.0.113.7", "2001:db8::7"))


@attrs.frozen
class ImdsFinding:
    """One public address of one instance through which an SSRF can reach the instance's IMDS (SPEC M4).

    ``instance`` and ``network_interface`` are ids; ``address`` the address the internet connects to (a public IPv4
    or Elastic IP, or an IPv6 address: those are global);
    ``ports`` the open TCP port ranges (from the internet, reply included) holding a port asked about; ``trace``
    an internet host's connection to the first such port; ``fix`` the AWS CLI command and the vpcsim call that
    close it.
    """

    instance: str
    network_interface: str
    address: IPAddress
    ports: tuple[tuple[int, int], ...]
    severity: str
    reason: str
    has_role: bool
    fix: str
    trace: Trace = attrs.field(eq=False, repr=False)

    def row(self) -> dict[str, Any]:
        """The finding as a flat dict (a row of :meth:`ImdsFindings.frame`)."""
        return {
            "instance": self.instance,
            "network_interface": self.network_interface,
            "address": str(self.address),
            "ports": _ports_text(self.ports),
            "severity": self.severity,
            "has_role": self.has_role,
            "reason": self.reason,
            "fix": self.fix,
        }


@attrs.frozen(eq=False)
class ImdsFindings:
    """Every :class:`ImdsFinding` of a network, most severe first. Iterate, ``len()``, ``.frame()``; Jupyter shows
    a table."""

    findings: tuple[ImdsFinding, ...]
    ports: tuple[tuple[int, int], ...]

    def __iter__(self) -> Iterator[ImdsFinding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __bool__(self) -> bool:
        return bool(self.findings)

    def __getitem__(self, index: int) -> ImdsFinding:
        return self.findings[index]

    @property
    def instances(self) -> list[str]:
        """The instances with a finding, in order."""
        return list(dict.fromkeys(f.instance for f in self.findings))

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["instance", "network_interface", "address", "ports", "severity", "has_role", "reason", "fix"]
        return pd.DataFrame([f.row() for f in self.findings], columns=columns)

    def _counts(self) -> str:
        high = sum(f.severity == "high" for f in self.findings)
        count = len(self.instances)
        return f"{count} instance{'' if count == 1 else 's'} ({high} high, {len(self.findings) - high} medium)"

    def __repr__(self) -> str:
        return f"<ImdsFindings on tcp {_ports_text(self.ports)}: {self._counts()}>"

    def _repr_html_(self) -> str:
        head = (f"<p><b>IMDS reachable by SSRF</b> (SPEC M4) through tcp {html.escape(_ports_text(self.ports))} "
                f"from the internet: {self._counts()}.</p>")  # fmt: skip
        if not self.findings:
            return head + "<p>No finding.</p>"
        table: str = self.frame().to_html(index=False)
        return head + table


def imds_findings(net: Network, *, ports: Sequence[object] = HTTP_PORTS) -> ImdsFindings:
    """Running instances whose IMDS an SSRF from the internet can reach (SPEC M4), exactly.

    An instance is found when the internet connects to one of its public addresses on a TCP port of ``ports`` (a
    port or a ``(lo, hi)`` range each; :data:`HTTP_PORTS` by default), computed over every packet as
    :meth:`vpcsim.Network.exposure` does, its IMDS is enabled, and it allows IMDSv1 (``high``) or requires IMDSv2
    with a hop limit above 1 (``medium``).

    Raises
    ------
    InvalidFlowError
        ``ports`` empty or holding something that is no port or range.

    Examples
    --------
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> found = imds_findings(net)
    >>> [(f.severity, f.ports) for f in found]
    [('high', ((80, 80), (443, 443))), ('high', ((443, 443),))]
    >>> net.modify_instance_metadata_options(found[0].instance, http_tokens="required").http_tokens
    'required'
    >>> len(imds_findings(net))
    0
    """
    if isinstance(ports, str | bytes) or not isinstance(ports, Sequence) or not ports:
        raise InvalidFlowError(f"ports {ports!r} is invalid: give a sequence of ports or (low, high) ranges.")
    wanted = merge_ranges(parse_ports(p) for p in ports)
    candidates = {eni.id: (instance, eni) for instance in net.instances for eni in instance.network_interfaces
                  if _severity(instance) is not None}  # fmt: skip
    if not candidates:
        return ImdsFindings((), tuple(wanted))
    # Every TCP port, not only the wanted ones: a finding reports its open ranges whole (1-65535 says more than 80).
    exposed = exposure(net, destinations=[eni for _, eni in candidates.values()], protocols="tcp")
    rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in exposed:
        lo, hi = row["port_from"], row["port_to"]
        if row["network_interface"] in candidates and any(a <= hi and lo <= b for a, b in wanted):
            rows[(row["network_interface"], row["address"])].append(row)
    findings = []
    for (eni_id, address), found in rows.items():
        instance, _ = candidates[eni_id]
        open_ranges = merge_ranges((r["port_from"], r["port_to"]) for r in found)
        held = [r for r in open_ranges if any(a <= r[1] and r[0] <= b for a, b in wanted)]
        port = min(max(a, r[0]) for r in held for a, b in wanted if a <= r[1] and r[0] <= b)
        sources = next(r["sources"] for r in found if r["port_from"] <= port <= r["port_to"])
        findings.append(_finding(net, instance, eni_id, ipaddress.ip_address(address), tuple(held), port, sources))
    findings.sort(key=lambda f: _SEVERITY_ORDER[f.severity])
    return ImdsFindings(tuple(findings), tuple(wanted))


def _severity(instance: Instance) -> tuple[str, str] | None:
    """SPEC M4: (severity, why) for a running instance with IMDS enabled; None when SSRF cannot reach it."""
    options = instance.metadata_options
    if instance.state != "running" or options.http_endpoint != "enabled":
        return None
    if options.http_tokens == "optional":
        return "high", "IMDSv1 is allowed (HttpTokens optional): one forged GET reads the metadata"
    hops = options.http_put_response_hop_limit
    if hops > 1:
        return "medium", (f"IMDSv2 is required but the hop limit is {hops}: a proxy or container one hop away gets "
                          "a token")  # fmt: skip
    return None


def _finding(
    net: Network,
    instance: Instance,
    eni_id: str,
    address: IPAddress,
    ports: tuple[tuple[int, int], ...],
    port: int,
    sources: list[str],
) -> ImdsFinding:
    severity = _severity(instance)
    assert severity is not None  # only candidates get here
    level, why = severity
    role = instance.iam_role
    stake = f"the credentials of role {role!r}" if role else "the instance's metadata (no role: no credentials)"
    reason = (
        f"{why}; the internet reaches HTTP on tcp {_ports_text(ports)} of {address}: an SSRF there leaks {stake}."
    )
    fix = (f"aws ec2 modify-instance-metadata-options --instance-id {instance.id} --http-tokens required "
           "--http-put-response-hop-limit 1 --http-endpoint enabled\n"
           f"net.modify_instance_metadata_options({instance.id!r}, http_tokens='required', "
           "http_put_response_hop_limit=1, http_endpoint='enabled')")  # fmt: skip
    return ImdsFinding(instance.id, eni_id, address, ports, level, reason, role is not None, fix,
                       _trace(net, address, port, sources))  # fmt: skip


def _trace(net: Network, address: IPAddress, port: int, sources: list[str]) -> Trace:
    """An internet host's connection to ``address:port``: the first of a few hosts taken from the sources that get
    through (a documentation address, else the middle of each source CIDR: never its network address)."""
    hosts = []
    for network in (ipaddress.ip_network(s) for s in sources):
        if network.version == address.version:
            hosts += [h for h in _EXAMPLE_HOSTS if h in network] + [network[network.num_addresses // 2]]
    trace = None
    for host in hosts[:4]:
        trace = net.trace(internet(host), str(address), "tcp", port)
        if trace.connected:
            return trace
    return trace if trace is not None else net.trace(INTERNET, str(address), "tcp", port)


def _ports_text(ranges: Sequence[tuple[int, int]]) -> str:
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)
