"""The AWS "two network interfaces" walkthrough ("seeds"), shared by the tests that ask questions of it.

One VPC with an internet gateway; a t2.micro with eth0 (its primary ENI, SG ``my-sg-1`` allowing HTTP from
anywhere) and eth1 (a second ENI in the same subnet at device index 1, SG ``my-sg-2`` with no inbound rules); an
Elastic IP on each. Always built from seed 11, so two builds hold the same ids (two "snapshots" of one account).
tests/test_walkthrough.py builds it step by step and checks every step.
"""

from __future__ import annotations

import attrs

import vpcsim
from vpcsim.examples import two_enis_two_eips


@attrs.frozen
class Seeds:
    net: vpcsim.Network
    vpc: vpcsim.Vpc
    igw: vpcsim.InternetGateway
    subnet: vpcsim.Subnet
    sg1: vpcsim.SecurityGroup
    sg2: vpcsim.SecurityGroup
    instance: vpcsim.Instance
    eth0: vpcsim.NetworkInterface
    eth1: vpcsim.NetworkInterface
    eip0: vpcsim.ElasticIp
    eip1: vpcsim.ElasticIp


def build_seeds(*, https: bool = False) -> Seeds:
    """The seeds network (:func:`vpcsim.examples.two_enis_two_eips`); ``https`` adds one last rule (HTTPS from
    anywhere on ``my-sg-1``)."""
    net = two_enis_two_eips()
    (vpc,), (igw,), (subnet,), (instance,) = net.vpcs, net.internet_gateways, net.subnets, net.instances
    sg1, sg2 = (next(g for g in net.security_groups if g.group_name == name) for name in ("my-sg-1", "my-sg-2"))
    eth0, eth1 = instance.network_interfaces
    eip0, eip1 = (next(e for e in net.elastic_ips if e.name == name) for name in ("eip-eth0", "eip-eth1"))
    if https:
        net.authorize_security_group_ingress(sg1, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    return Seeds(net, vpc, igw, subnet, sg1, sg2, instance, eth0, eth1, eip0, eip1)
