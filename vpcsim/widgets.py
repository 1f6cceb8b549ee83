"""A what-if panel for Jupyter (ipywidgets): pick a flow, untick rules, and read the verdict as it changes.

:class:`WhatIfPanel` shows a flow's verdict, the hop that decided it, the ports open between its ends and a picture
of the network with the trace drawn on it. A checkbox per security group rule and network ACL entry of the flow's
ends (and of every SG and NACL its path passes) lets you revoke rules; every change re-evaluates at once on a
what-if copy, so the network you gave is never edited. Everything the widgets do is a method too
(:meth:`WhatIfPanel.set_flow`, :meth:`WhatIfPanel.toggle`), so the panel is scripted and tested without a browser.
"""

from __future__ import annotations

import contextlib
import functools
import html
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

from vpcsim.engine.endpoints import INTERNET
from vpcsim.errors import InvalidEndpointError, InvalidFlowError, VpcsimError

if TYPE_CHECKING:
    from vpcsim.engine.verdict import Hop, Trace
    from vpcsim.network import Network

__all__ = ["PROTOCOLS", "WhatIfPanel"]

# The protocols the panel offers, with the port (ICMP: type) range of each.
PROTOCOLS: dict[str, tuple[int, int]] = {"tcp": (0, 65535), "udp": (0, 65535), "icmp": (0, 255)}
_ECHO_REQUEST = 8  # the ICMP type a ping sends
_PICTURES_KEPT = 16  # pictures a panel keeps, most recent first
_SG_KINDS = {"security-group-ingress": "ingress", "security-group-egress": "egress"}
_NACL_KINDS = {"nacl-ingress": "ingress", "nacl-egress": "egress"}


@attrs.frozen
class _Rule:
    """One rule a checkbox stands for: its label, its owner's id and the EC2 call that revokes it."""

    label: str
    owner: str
    operation: str
    arguments: dict[str, Any]


def _rules(net: Network) -> dict[str, _Rule]:
    """Every SG rule and NACL entry of ``net`` by key (``owner/direction/rule``), SGs first, in creation order.

    The ``*`` rules that end every NACL are not entries (SPEC N1): they cannot be revoked."""
    rules: dict[str, _Rule] = {}
    for sg in net.security_groups:
        for egress in (False, True):
            direction = "egress" if egress else "ingress"
            for rule in sg.rules(egress):
                rules[f"{sg.id}/{direction}/{rule.id}"] = _Rule(
                    f"{sg.group_name} {direction}: {rule}",
                    sg.id,
                    f"revoke_security_group_{direction}",
                    {"security_group": sg.id, "rule_id": rule.id},
                )
    for acl in net.network_acls:
        name = acl.name or ("default" if acl.is_default else acl.id)
        for entry in acl.entries:
            direction = "egress" if entry.egress else "ingress"
            rules[f"{acl.id}/{direction}/{entry.rule_number}"] = _Rule(
                f"NACL {name} {entry}",
                acl.id,
                "delete_network_acl_entry",
                {"network_acl": acl.id, "rule_number": entry.rule_number, "egress": entry.egress},
            )
    return rules


def _endpoint_options(net: Network) -> list[tuple[str, object]]:
    """The ends the dropdowns offer: the internet, each instance (by name when unique), each instance's other
    network interfaces, each load balancer."""
    names = [i.name for i in net.instances if i.name]
    options: list[tuple[str, object]] = [("internet", INTERNET)]
    for instance in net.instances:
        unique = instance.name is not None and names.count(instance.name) == 1
        label = instance.name or instance.id
        options.append((label, instance.name if unique else instance.id))
        options += [(f"{label} eth{eni.device_index}", eni.id) for eni in instance.network_interfaces[1:]]
    options += [(f"{lb.name} ({lb.type} load balancer)", lb.name) for lb in net.load_balancers]
    return options


def _clip(ranges: list[tuple[int, int]], window: tuple[int, int]) -> list[tuple[int, int]]:
    low, high = window
    return [(max(lo, low), min(hi, high)) for lo, hi in ranges if lo <= high and low <= hi]


def _call_text(operation: str, arguments: dict[str, Any]) -> str:
    return f"{operation}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})"


class WhatIfPanel:
    """A live what-if panel over one network: a flow, rule checkboxes, the verdict, open ports and a picture.

    Parameters
    ----------
    net : Network
        The network to ask about. It is never edited: each evaluation runs on a fresh what-if copy with the
        unticked rules revoked.
    source, destination
        The flow's ends, anything :meth:`vpcsim.Network.trace` accepts (default: the internet to the first
        instance). The dropdowns offer the internet, the instances, their other interfaces and the load balancers;
        any other end given here is added to them.
    protocol : {"tcp", "udp", "icmp"}
    port : int, optional
        The destination port, or the ICMP type (default 443, or echo request for ICMP).
    picture : bool
        Draw the network with the trace highlighted (:func:`vpcsim.viz.draw`) after each change.

    Attributes
    ----------
    result : Trace or None
        The latest verdict (None while the widgets hold a flow that cannot be traced: the panel says why).
    open_ports : list of (int, int) or None
        The ports (ICMP: types) on which the source connects to the destination, inside the port window (None when
        :meth:`vpcsim.Network.open_ports` does not take these ends, e.g. the metadata service: the panel says why).
    picture : bytes or None
        The latest picture as PNG.

    Examples
    --------
    >>> from vpcsim import INTERNET
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> panel = WhatIfPanel(net, INTERNET, "web", "tcp", 443, picture=False)
    >>> panel.result.connected, panel.open_ports
    (True, [(80, 80), (443, 443)])
    >>> admits = next(h for h in panel.result.hops if h.kind == "security-group-ingress")
    >>> panel.toggle(panel.rule_key(admits), False)
    >>> panel.result.explanation, panel.result.decided_by.component == admits.component, panel.open_ports
    ('ENI_SG_RULES_MISMATCH', True, [(80, 80)])
    >>> panel.changes
    [('revoke_security_group_ingress', {'security_group': 'sg-...', 'rule_id': 'sgr-...'})]
    >>> net.reachable(INTERNET, "web", "tcp", 443)  # the panel edits copies only
    True
    """

    def __init__(
        self,
        net: Network,
        source: object = INTERNET,
        destination: object = None,
        protocol: str = "tcp",
        port: int | None = None,
        *,
        picture: bool = True,
    ) -> None:
        import ipywidgets as widgets

        self.net = net
        self.result: Trace | None = None
        self.open_ports: list[tuple[int, int]] | None = None
        self.picture: bytes | None = None
        self._draws = picture
        self._pictures: dict[tuple[object, ...], bytes] = {}  # see _picture
        self._off: dict[str, None] = {}  # revoked rule keys, in the order they were unticked
        self._index: tuple[int, dict[str, _Rule]] = (-1, {})
        self._quiet = 0  # > 0 while the panel sets its own widgets: their observers stay silent
        self._boxes: dict[str, Any] = {}
        options = _endpoint_options(net)
        if destination is None:
            destination = options[1][1] if len(options) > 1 else None
        wide = {"description_width": "initial"}
        self.controls: dict[str, Any] = {
            "source": widgets.Dropdown(options=options, description="source", style=wide),
            "destination": widgets.Dropdown(options=options, description="destination", style=wide),
            "protocol": widgets.Dropdown(options=list(PROTOCOLS), description="protocol"),
            "port": widgets.IntSlider(value=443, min=0, max=65535, description="port", continuous_update=False),
            "ports": widgets.IntRangeSlider(value=(0, 65535), min=0, max=65535, description="open ports in",
                                            continuous_update=False, style=wide),
        }  # fmt: skip
        for control in self.controls.values():
            control.observe(self._on_control, names="value")
        self.outputs: dict[str, Any] = {
            "rules": widgets.VBox(),
            "changes": widgets.HTML(),
            "verdict": widgets.HTML(),
            "open_ports": widgets.HTML(),
            "picture": widgets.Image(format="png", layout=widgets.Layout(max_width="760px")),
        }
        c, o = self.controls, self.outputs
        self.widget = widgets.VBox([
            widgets.HBox([c["source"], c["destination"]]),
            widgets.HBox([c["protocol"], c["port"], c["ports"]]),
            widgets.HBox([
                widgets.VBox([widgets.HTML("<b>Rules</b> (untick to revoke)"), o["rules"], o["changes"]]),
                widgets.VBox([o["verdict"], o["open_ports"], o["picture"]]),
            ]),
        ])  # fmt: skip
        self.set_flow(source, destination, protocol, port)

    # ------------------------------------------------------------------ what the widgets do, as methods

    def set_flow(self, source: object, destination: object, protocol: str = "tcp", port: int | None = None) -> None:
        """Pick the flow and re-evaluate. ``port`` None keeps the port shown (ICMP: echo request).

        Raises
        ------
        ValueError
            An end :meth:`vpcsim.Network.trace` does not accept (``InvalidEndpointError``), a protocol the panel
            does not offer or a port out of its range (``InvalidFlowError``). The panel is left as it was.
        """
        if protocol not in PROTOCOLS:
            raise InvalidFlowError(f"protocol {protocol!r} is not one the panel offers: {', '.join(PROTOCOLS)}.")
        if port is None:
            port = _ECHO_REQUEST if protocol == "icmp" else self.controls["port"].value
        low, high = PROTOCOLS[protocol]
        if isinstance(port, bool) or not isinstance(port, int) or not low <= port <= high:
            raise InvalidFlowError(f"port {port!r} is invalid for {protocol}: an integer in {low}..{high}.")
        window = self.controls["ports"].value if self.controls["protocol"].value == protocol else (low, high)
        outcome = self._evaluate(source, destination, protocol, port, window)
        with self._holding():
            for name, end in (("source", source), ("destination", destination)):
                control = self.controls[name]
                if not any(value is end or value == end for _, value in control.options):
                    control.options = [*control.options, (str(end), end)]
                control.value = end
            self._set_protocol(protocol)
            self.controls["port"].value = port
            self.controls["ports"].value = window
        self._show(*outcome)

    def toggle(self, rule_key: str, on: bool) -> None:
        """Tick (keep) or untick (revoke in the what-if) one rule, named by its key (see :attr:`rules`,
        :meth:`rule_key`), and re-evaluate.

        Raises
        ------
        KeyError
            No SG rule or NACL entry of the network has that key.
        """
        rules = self._rules()
        if rule_key not in rules:
            raise KeyError(f"{rule_key!r} is no security group rule or network ACL entry of this network.")
        if on:
            self._off.pop(rule_key, None)
        else:
            self._off[rule_key] = None
        self._refresh()

    def rule_key(self, hop: Hop) -> str | None:
        """The key of the SG rule or NACL entry that decided ``hop`` (None for other hops, the ``*`` NACL rules and
        the replies of tracked connections, G4: nothing to revoke there)."""
        direction = _SG_KINDS.get(hop.kind) or _NACL_KINDS.get(hop.kind)
        key = f"{hop.component}/{direction}/{hop.rule}"
        return key if direction is not None and key in self._rules() else None

    @property
    def rules(self) -> dict[str, str]:
        """The rules with a checkbox now (key -> label): those of the ends' and the path's SGs and NACLs, and
        every rule unticked."""
        rules = self._rules()
        return {key: rules[key].label for key in self._boxes_shown()}

    @property
    def checkboxes(self) -> dict[str, Any]:
        """The rules' checkboxes now shown (key -> ipywidgets.Checkbox): ticked = kept, unticked = revoked."""
        return {key: self._boxes[key] for key in self._boxes_shown()}

    @property
    def changes(self) -> list[tuple[str, dict[str, Any]]]:
        """The edits applied in the what-if, as ``(Network operation, keyword arguments)``: replay them with
        ``getattr(alt, operation)(**arguments)``."""
        rules = self._rules()
        return [(rules[key].operation, dict(rules[key].arguments)) for key in self._off]

    @contextlib.contextmanager
    def what_if(self) -> Iterator[Network]:
        """A what-if copy of the network with :attr:`changes` applied (the panel evaluates on these)."""
        with self.net.what_if() as alt:
            for operation, arguments in self.changes:
                getattr(alt, operation)(**arguments)
            yield alt

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Jupyter shows the panel's widgets."""
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<WhatIfPanel {self.result!r} with {len(self._off)} rule(s) revoked>"

    # ------------------------------------------------------------------ evaluation

    @contextlib.contextmanager
    def _holding(self) -> Iterator[None]:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _rules(self) -> dict[str, _Rule]:
        """The rule index, rebuilt when the network changed (a rule it lost can no longer be unticked)."""
        version, rules = self._index
        if version != self.net.version:
            rules = _rules(self.net)
            self._index = (self.net.version, rules)
            self._off = {key: None for key in self._off if key in rules}
        return rules

    def _evaluate(
        self, source: object, destination: object, protocol: str, port: int, window: tuple[int, int]
    ) -> tuple[Trace, list[tuple[int, int]] | str, bytes | None]:
        """The trace, the open ports in ``window`` (or why they cannot be had) and the picture of one flow."""
        with self.what_if() as alt:
            trace = alt.trace(source, destination, protocol, port)
            ports: list[tuple[int, int]] | str
            try:
                ports = _clip(alt.open_ports(destination, source=source, protocol=protocol), window)
            except InvalidEndpointError as err:  # open_ports asks of groups of hosts: trace takes a few ends more
                ports = str(err)
            picture = self._picture(alt, trace, (source, destination, protocol, port)) if self._draws else None
        return trace, ports, picture

    def _picture(self, alt: Network, trace: Trace, flow: tuple[object, ...]) -> bytes:
        """The picture of ``flow`` on the what-if copy, drawn once per flow and set of revoked rules (the most recent
        are kept: moving the port window or ticking a rule back on redraws nothing)."""
        key = (self.net.version, *map(repr, flow), *sorted(self._off))
        picture = self._pictures.pop(key, None) or self._draw(alt, trace)
        self._pictures = {key: picture, **dict(list(self._pictures.items())[: _PICTURES_KEPT - 1])}
        return picture

    def _draw(self, alt: Network, trace: Trace) -> bytes:
        # A bare Figure, not pyplot's: an inline backend would show every pyplot figure under the cell.
        from matplotlib.figure import Figure

        from vpcsim.viz import draw, png_bytes

        figure = Figure(figsize=(10, 6.5))
        figure.subplots_adjust(left=0, right=1, bottom=0, top=1)
        return png_bytes(draw(alt, ax=figure.subplots(), highlight=trace))

    def _refresh(self) -> None:
        """Re-evaluate the flow the widgets hold; a flow trace refuses is shown, not raised (an observer's caller
        is the browser)."""
        c = self.controls
        try:
            outcome = self._evaluate(c["source"].value, c["destination"].value, c["protocol"].value,
                                     c["port"].value, c["ports"].value)  # fmt: skip
        except VpcsimError as err:
            self.result, self.open_ports, self.picture = None, None, None
            why = html.escape(str(err))
            self.outputs["verdict"].value = f"<p style='color:#b00'><b>Cannot trace this flow:</b> {why}</p>"
            self.outputs["open_ports"].value = ""
            self._show_rules()
            return
        self._show(*outcome)

    def _show(self, trace: Trace, ports: list[tuple[int, int]] | str, picture: bytes | None) -> None:
        self.result, self.open_ports, self.picture = trace, None if isinstance(ports, str) else ports, picture
        if trace.connected:
            verdict = f"<b style='color:#080'>connected</b> ({trace.disposition})"
        else:
            hop = trace.decided_by or (trace.reply.decided_by if trace.reply is not None else None)
            where = f" at <code>{html.escape(str(hop))}</code>" if hop is not None else ""
            verdict = f"<b style='color:#b00'>not connected</b>: {trace.disposition} {trace.explanation or ''}{where}"
            if trace.delivered and trace.reply is not None:
                verdict += f" (the reply: {trace.reply.disposition} {trace.reply.explanation or ''})"
        self.outputs["verdict"].value = f"<p>{verdict}</p>{trace._repr_html_()}"
        protocol = self.controls["protocol"].value
        if isinstance(ports, str):
            shown = f"not available: {ports}"
        else:
            shown = ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports) or "none"
        what = "types" if protocol == "icmp" else "ports"
        self.outputs["open_ports"].value = f"<p><b>open {protocol} {what}:</b> {html.escape(shown)}</p>"
        if picture is not None:
            self.outputs["picture"].value = picture
        self._show_rules()

    def _boxes_shown(self) -> list[str]:
        """Keys of the rules of the ends' and the path's SGs and NACLs, plus the unticked ones, in index order."""
        owners: set[str] = set()
        trace = self.result
        walks = [] if trace is None else [trace, *([trace.reply] if trace.reply is not None else [])]
        for walk in walks:
            for end in (walk.source, walk.destination):
                eni = end.network_interface
                if eni is not None:
                    owners |= {sg.id for sg in eni.security_groups} | {eni.subnet.network_acl.id}
            owners |= {h.component for h in [*walk.hops, *walk.blockers] if h.kind in {**_SG_KINDS, **_NACL_KINDS}}
        return [key for key, rule in self._rules().items() if rule.owner in owners or key in self._off]

    def _show_rules(self) -> None:
        import ipywidgets as widgets

        shown = self._boxes_shown()
        rules = self._rules()
        with self._holding():
            for key in shown:
                if key not in self._boxes:
                    box = widgets.Checkbox(description=rules[key].label, indent=False,
                                           layout=widgets.Layout(width="auto"))  # fmt: skip
                    box.observe(functools.partial(self._on_box, key), names="value")
                    self._boxes[key] = box
                self._boxes[key].value = key not in self._off
        self.outputs["rules"].children = tuple(self._boxes[key] for key in shown)
        calls = "".join(f"<li><code>{html.escape(_call_text(op, args))}</code></li>" for op, args in self.changes)
        self.outputs["changes"].value = f"<p><b>What-if changes:</b></p><ul>{calls}</ul>" if calls else ""

    def _set_protocol(self, protocol: str) -> None:
        """Select ``protocol`` and fit the sliders to its range (ports, or ICMP types)."""
        low, high = PROTOCOLS[protocol]
        self.controls["protocol"].value = protocol
        for name in ("port", "ports"):
            self.controls[name].min, self.controls[name].max = low, high

    # ------------------------------------------------------------------ observers

    def _on_control(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["owner"] is self.controls["protocol"]:
            low, high = PROTOCOLS[change["new"]]
            with self._holding():
                self._set_protocol(change["new"])
                self.controls["ports"].value = (low, high)
                if change["new"] == "icmp":
                    self.controls["port"].value = _ECHO_REQUEST
        self._refresh()

    def _on_box(self, key: str, change: dict[str, Any]) -> None:
        if not self._quiet:
            self.toggle(key, bool(change["new"]))
