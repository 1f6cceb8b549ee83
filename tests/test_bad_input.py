"""Bad input to any operation gets an AwsError (a ValueError) and changes nothing (SPEC X): never a TypeError,
KeyError or AttributeError from deep inside. Hypothesis calls every public operation with junk arguments."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim.testing import assert_refused


def populated() -> tuple[vpcsim.Network, list[Any]]:
    """A small network with one of most things, and its resources (valid arguments to mix with junk)."""
    net = vpcsim.Network(seed=9)
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24", map_public_ip_on_launch=True)
    table = net.create_route_table(vpc)
    sg = net.create_security_group(vpc, "web")
    web = net.run_instance(subnet, security_groups=[sg])
    eip = net.allocate_address()
    nat = net.create_nat_gateway(subnet, allocation=eip)
    acl = net.create_network_acl(vpc)
    pl = net.create_managed_prefix_list("office", max_entries=2, entries=["192.0.2.0/24"])
    other = vpcsim.Network(seed=10).create_vpc("10.9.0.0/16")  # an object of another network
    resources = [vpc, igw, subnet, table, sg, web, web.primary_network_interface, eip, nat, acl, pl, other]
    return net, resources


OPERATIONS = sorted(
    name
    for name, member in inspect.getmembers(vpcsim.Network, inspect.isfunction)
    if not name.startswith("_") and hasattr(member, "__wrapped__")
)

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["10.0.0.0/16", "10.0.1.300/24", "tcp", "tpc", "-1", "pl-0", "vpc-0", "eni-0", "::/0", "all"]),
    st.lists(st.sampled_from([None, 1, "x", "10.0.0.0/24"]), max_size=3),
    st.dictionaries(st.sampled_from(["Name", "k", 1]), st.sampled_from(["v", 2, None]), max_size=2),
    st.tuples(st.integers(-2, 70000), st.integers(-2, 70000)),
)


def test_every_operation_is_covered() -> None:
    assert len(OPERATIONS) > 80
    assert "create_vpc" in OPERATIONS
    assert "associate_address" in OPERATIONS


@settings(max_examples=800)
@given(data=st.data(), name=st.sampled_from(OPERATIONS))
def test_junk_arguments_give_aws_errors_and_change_nothing(data: st.DataObject, name: str) -> None:
    net, resources = populated()
    signature = inspect.signature(getattr(vpcsim.Network, name))
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    values = st.one_of(JUNK, st.sampled_from(resources))
    for parameter in list(signature.parameters.values())[1:]:
        if parameter.kind is parameter.VAR_KEYWORD:
            kwargs.update(data.draw(st.dictionaries(st.sampled_from(["http_tokens", "bogus"]), JUNK, max_size=2)))
            continue
        required = parameter.default is parameter.empty
        if not required and not data.draw(st.booleans()):
            continue
        value = data.draw(values)
        if parameter.kind is parameter.KEYWORD_ONLY:
            kwargs[parameter.name] = value
        else:
            args.append(value)
    before, version = net.snapshot(), net.version
    error: Exception | None = None
    try:
        getattr(net, name)(*args, **kwargs)
    except (vpcsim.AwsError, TypeError) as caught:
        error = caught
    if error is None:
        return
    # Only Python's own call checks (a missing or unexpected argument) may raise TypeError.
    assert isinstance(error, vpcsim.AwsError) or "argument" in str(error), f"{name} raised {error!r}"
    assert net.snapshot() == before, f"{name} was refused ({error}) but changed the network"
    assert net.version == version


def test_tags_must_be_a_mapping() -> None:
    net, resources = populated()
    with assert_refused(net, "InvalidParameterValue", "[('a', 'b')]"):
        net.create_route_table(resources[0], tags=[("a", "b")])


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("modify_network_interface_attribute", {"security_groups": True}),
        ("modify_network_interface_attribute", {"connection_tracking": 1}),
        ("unassign_private_ip_addresses", {"private_ips": None}),
    ],
)
def test_scalars_where_lists_or_mappings_are_due_are_refused(operation: str, kwargs: dict[str, Any]) -> None:
    net, resources = populated()
    eni = resources[6]
    with assert_refused(net, "InvalidParameterValue"):
        getattr(net, operation)(eni, **kwargs)
