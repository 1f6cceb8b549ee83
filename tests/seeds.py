"""The AWS "two network interfaces" walkthrough ("seeds"), shared by the tests that ask questions of it.

One VPC with an internet gateway; a t2.micro with eth0 (its primary ENI, SG ``my-sg-1`` allowing HTTP from
anywhere) and eth1 (a second ENI in the same subnet at device index 1, SG ``my-sg-2`` with no inbound rules); an
Elastic IP on each. Always built from seed 11, so two builds hold the same ids (two "snapshots" of one account).
tests/test_walkthrough.py builds it step by step and checks every step.
"""

from __future__ import annotations

import attrs

import vpcsim


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
    """The seeds network; ``https`` adds one last rule (HTTPS from anywhere on ``my-sg-1``)."""
    net = vpcsim.Network(seed=11)
    vpc = net.create_vpc("10.0.0.0/16", name="seeds")
    igw = net.create_internet_gateway(name="seeds-igw")
    net.attach_internet_gateway(igw, vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="seeds-public")
    public_rt = net.create_route_table(vpc, name="seeds-public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.associate_route_table(public_rt, subnet)
    sg1 = net.create_security_group(vpc, "my-sg-1", description="HTTP from anywhere")
    net.authorize_security_group_ingress(sg1, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    sg2 = net.create_security_group(vpc, "my-sg-2", description="no inbound")
    instance = net.run_instance(subnet, instance_type="t2.micro", security_groups=[sg1], private_ip="10.0.1.10")
    eth0 = instance.primary_network_interface
    eth1 = net.create_network_interface(subnet, security_groups=[sg2], private_ip="10.0.1.11")
    net.attach_network_interface(eth1, instance, device_index=1)
    eip0 = net.allocate_address(name="eip-eth0")
    net.associate_address(eip0, network_interface=eth0)
    eip1 = net.allocate_address(name="eip-eth1")
    net.associate_address(eip1, network_interface=eth1)
    if https:
        net.authorize_security_group_ingress(sg1, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    return Seeds(net, vpc, igw, subnet, sg1, sg2, instance, eth0, eth1, eip0, eip1)
