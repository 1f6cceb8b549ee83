"""Built-in example networks: small, realistic, and the same every time."""

from __future__ import annotations

from collections.abc import Callable

from vpcsim.engine.endpoints import INTERNET, internet
from vpcsim.network import Network

__all__ = [
    "DEMO_QUESTIONS",
    "EXAMPLES",
    "NLB_QUESTIONS",
    "broken_network",
    "demo_network",
    "metadata_exposure",
    "private_api_behind_nlb",
    "two_enis_two_eips",
]

# What `vpcsim demo` asks of the demo network: (question, source, destination, protocol, port).
DEMO_QUESTIONS: list[tuple[str, object, object, str, int | None]] = [
    ("Can the internet reach the web server over HTTPS?", INTERNET, "web", "tcp", 443),
    ("Can the office SSH to the bastion?", internet("203.0.113.10"), "bastion", "tcp", 22),
    ("Can the rest of the internet SSH to the bastion?", INTERNET, "bastion", "tcp", 22),
    ("Can the office open web's admin console (its second ENI and EIP)?", internet("203.0.113.10"),
     "web-admin-eip", "tcp", 443),
    ("Can the web tier query the database directly?", "web", "db", "tcp", 5432),
    ("Can the app tier query the database?", "api", "db", "tcp", 5432),
    ("Can the app tier reach the internet (through the NAT gateway)?", "api", INTERNET, "tcp", 443),
    ("Can the internet reach the app tier?", INTERNET, "api", "tcp", 8080),
    ("Can the database reach the internet?", "db", INTERNET, "tcp", 443),
    ("Can monitoring scrape the app tier across the peering?", "monitoring", "api", "tcp", 9100),
    ("Can the app tier reach its instance metadata?", "api", "169.254.169.254", "tcp", 80),
]  # fmt: skip


def demo_network() -> Network:
    """A three-tier web application in one VPC, peered with a shared-services VPC.

    - ``app`` VPC 10.0.0.0/16 with an IPv6 block: public subnets in two AZs behind an internet gateway, private
      app subnets in both AZs and a database subnet reaching the internet through a NAT gateway per AZ, an
      egress-only IGW for IPv6.
    - ``web`` serves HTTP/HTTPS to the internet from its Elastic IP; a second ENI with a second Elastic IP serves an
      admin console to the office only (an instance with two ENIs and two EIPs, P2). ``api`` accepts 8080 from
      ``web``'s SG only; ``db`` accepts 5432 from ``api``'s SG; the database subnet's NACL admits 5432 from the app
      subnet only, so the database is reachable only from the app tier.
    - ``bastion`` (SSH from 203.0.113.0/24, an EIP) sits in ``public-a`` with a second ENI in the app subnet of
      the same AZ (E2), as in AWS's walkthrough of an instance with two ENIs; ``public-b`` is spare capacity.
    - ``shared`` VPC 10.1.0.0/16 holds a ``monitoring`` instance reached over VPC peering.

    Examples
    --------
    >>> net = demo_network()
    >>> sorted(i.name for i in net.instances)
    ['api', 'bastion', 'db', 'monitoring', 'web']
    """
    net = Network(region="us-east-1", seed=2026)
    vpc = net.create_vpc("10.0.0.0/16", name="app", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    v6 = list(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    public_a = net.create_subnet(
        vpc, "10.0.0.0/24", az="us-east-1a", name="public-a", map_public_ip_on_launch=True, ipv6_cidr_block=str(v6[0])
    )
    public_b = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1b", name="public-b", map_public_ip_on_launch=True)
    app = net.create_subnet(vpc, "10.0.10.0/24", az="us-east-1a", name="app-a", ipv6_cidr_block=str(v6[1]))
    app_b = net.create_subnet(vpc, "10.0.11.0/24", az="us-east-1b", name="app-b")
    data = net.create_subnet(vpc, "10.0.20.0/24", az="us-east-1a", name="data-a")

    igw = net.create_internet_gateway(name="app-igw")
    net.attach_internet_gateway(igw, vpc)
    eigw = net.create_egress_only_internet_gateway(vpc, name="app-eigw")
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.create_route(public_rt, "::/0", igw)
    for subnet in (public_a, public_b):
        net.associate_route_table(public_rt, subnet)
    # One NAT gateway per AZ, so an AZ failure leaves the other AZ's private subnets online.
    nat = net.create_nat_gateway(public_a, allocation=net.allocate_address(name="nat-a-eip"), name="nat-a")
    nat_b = net.create_nat_gateway(public_b, allocation=net.allocate_address(name="nat-b-eip"), name="nat-b")
    private_rt = net.create_route_table(vpc, name="private-rt-a")
    net.create_route(private_rt, "0.0.0.0/0", nat)
    net.create_route(private_rt, "::/0", eigw)
    for subnet in (app, data):
        net.associate_route_table(private_rt, subnet)
    private_rt_b = net.create_route_table(vpc, name="private-rt-b")
    net.create_route(private_rt_b, "0.0.0.0/0", nat_b)
    net.associate_route_table(private_rt_b, app_b)

    web_sg = net.create_security_group(vpc, "web", description="HTTP(S) from the internet")
    for port in (80, 443):
        net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=port, cidr="0.0.0.0/0")
    api_sg = net.create_security_group(vpc, "api", description="8080 from web")
    net.authorize_security_group_ingress(api_sg, protocol="tcp", ports=8080, source_group=web_sg)
    db_sg = net.create_security_group(vpc, "db", description="PostgreSQL from api")
    net.authorize_security_group_ingress(db_sg, protocol="tcp", ports=5432, source_group=api_sg)
    admin_sg = net.create_security_group(vpc, "admin", description="HTTPS admin console from the office")
    net.authorize_security_group_ingress(admin_sg, protocol="tcp", ports=443, cidr="203.0.113.0/24")
    bastion_sg = net.create_security_group(vpc, "bastion", description="SSH from the office")
    net.authorize_security_group_ingress(bastion_sg, protocol="tcp", ports=22, cidr="203.0.113.0/24")
    net.authorize_security_group_ingress(api_sg, protocol="tcp", ports=22, source_group=bastion_sg)

    data_acl = net.create_network_acl(vpc, name="data-acl")
    net.create_network_acl_entry(
        data_acl, rule_number=100, egress=False, protocol="tcp", action="allow", cidr="10.0.10.0/24", ports=5432
    )
    net.create_network_acl_entry(
        data_acl, rule_number=100, egress=True, protocol="tcp", action="allow", cidr="10.0.10.0/24",
        ports=(1024, 65535),
    )  # fmt: skip
    net.replace_network_acl_association(data_acl, data)

    web = net.run_instance(
        public_a, instance_type="t3.micro", security_groups=[web_sg], name="web", ipv6_address_count=1
    )
    net.associate_address(net.allocate_address(name="web-eip"), instance=web)
    admin = net.create_network_interface(public_a, security_groups=[admin_sg], description="web admin eth1")
    net.attach_network_interface(admin, web, device_index=1)
    net.associate_address(net.allocate_address(name="web-admin-eip"), network_interface=admin)
    net.run_instance(app, instance_type="m5.large", security_groups=[api_sg], name="api", ipv6_address_count=1)
    net.run_instance(data, instance_type="r5.large", security_groups=[db_sg], name="db")
    bastion = net.run_instance(public_a, instance_type="t3.micro", security_groups=[bastion_sg], name="bastion")
    net.associate_address(net.allocate_address(name="bastion-eip"), instance=bastion)
    inside = net.create_network_interface(app, security_groups=[bastion_sg], description="bastion eth1")
    net.attach_network_interface(inside, bastion, device_index=1)

    shared = net.create_vpc("10.1.0.0/16", name="shared")
    tools = net.create_subnet(shared, "10.1.0.0/24", az="us-east-1a", name="tools-a")
    monitoring_sg = net.create_security_group(shared, "monitoring", description="scrapes app metrics")
    net.run_instance(tools, instance_type="t3.small", security_groups=[monitoring_sg], name="monitoring")
    pcx = net.create_vpc_peering_connection(vpc, shared, name="app-shared")
    net.create_route(private_rt, "10.1.0.0/16", pcx)
    net.create_route(shared.main_route_table, "10.0.10.0/24", pcx)
    net.authorize_security_group_ingress(api_sg, protocol="tcp", ports=9100, source_group=monitoring_sg)
    return net


# What `vpcsim demo` asks of the private-API-behind-an-NLB network: (question, source, destination, protocol, port).
NLB_QUESTIONS: list[tuple[str, object, object, str, int | None]] = [
    ("Can the internet call the API through the NLB (TCP 443)?", INTERNET, "api-nlb", "tcp", 443),
    ("Can the internet use plain HTTP on the NLB?", INTERNET, "api-nlb", "tcp", 80),
    ("Can the internet reach an API server directly?", INTERNET, "api-a", "tcp", 8443),
    ("Can api-a call out to the internet (through nat-a)?", "api-a", INTERNET, "tcp", 443),
    ("Can api-b call out to the internet (through nat-b)?", "api-b", INTERNET, "tcp", 443),
    ("Can api-a reach api-b's port directly?", "api-a", "api-b", "tcp", 8443),
]  # fmt: skip


def private_api_behind_nlb() -> Network:
    """The founding example: API servers in private subnets of two AZs behind an internet-facing Network Load
    Balancer, with a NAT gateway per AZ.

    - ``api`` VPC 10.0.0.0/16: public subnets ``public-a``/``public-b`` (10.0.0.0/24, 10.0.1.0/24) route to the
      internet gateway; each holds a NAT gateway (``nat-a``, ``nat-b``) and a node of the NLB.
    - Private subnets ``private-a``/``private-b`` (10.0.10.0/24, 10.0.11.0/24) route 0.0.0.0/0 to their own AZ's
      NAT gateway. ``api-a`` and ``api-b`` (one per AZ, SG ``api``) serve TCP 8443.
    - ``api-nlb`` (internet-facing, no security groups, cross-zone off as NLBs default) listens on TCP 443 and
      forwards to target group ``api-tg`` (TCP 8443, instance targets, TCP health checks on the traffic port).
      Instance targets keep the client's IP (L1), so the ``api`` SG allows 8443 from 0.0.0.0/0; the servers have
      no public address, so only the NLB reaches them from outside.

    Examples
    --------
    >>> net = private_api_behind_nlb()
    >>> net.reachable(INTERNET, "api-nlb", "tcp", 443)
    True
    >>> [h.state for h in net.describe_target_health("api-tg")]
    ['healthy', 'healthy']
    >>> with net.what_if() as alt:
    ...     alt.fail_az("us-east-1a")
    ...     alt.reachable(INTERNET, "api-nlb", "tcp", 443), alt.reachable("api-b", INTERNET, "tcp", 443)
    (True, True)
    """
    net = Network(region="us-east-1", seed=8)
    vpc = net.create_vpc("10.0.0.0/16", name="api")
    igw = net.create_internet_gateway(name="api-igw")
    net.attach_internet_gateway(igw, vpc)
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    api_sg = net.create_security_group(vpc, "api", description="8443 from clients (the NLB keeps their IPs)")
    net.authorize_security_group_ingress(api_sg, protocol="tcp", ports=8443, cidr="0.0.0.0/0")
    publics = []
    servers = []
    for index, zone in enumerate(("a", "b")):
        public = net.create_subnet(vpc, f"10.0.{index}.0/24", az=f"us-east-1{zone}", name=f"public-{zone}")
        net.associate_route_table(public_rt, public)
        publics.append(public)
        nat = net.create_nat_gateway(
            public, allocation=net.allocate_address(name=f"nat-{zone}-eip"), name=f"nat-{zone}"
        )
        private = net.create_subnet(vpc, f"10.0.{10 + index}.0/24", az=f"us-east-1{zone}", name=f"private-{zone}")
        private_rt = net.create_route_table(vpc, name=f"private-rt-{zone}")
        net.create_route(private_rt, "0.0.0.0/0", nat)
        net.associate_route_table(private_rt, private)
        servers.append(
            net.run_instance(private, instance_type="m5.large", security_groups=[api_sg], name=f"api-{zone}")
        )
    nlb = net.create_load_balancer("api-nlb", publics, type="network", scheme="internet-facing")
    group = net.create_target_group("api-tg", protocol="TCP", port=8443, vpc=vpc, health_check_protocol="TCP")
    net.register_targets(group, servers)
    net.create_listener(nlb, protocol="TCP", port=443, target_group=group)
    return net


# Every built-in example network by name: the CLI's --example choices, and the networks the tests draw.
EXAMPLES: dict[str, Callable[[], Network]] = {
    "nlb": private_api_behind_nlb,
    "three-tier": demo_network,
}


def two_enis_two_eips() -> Network:
    """AWS's walkthrough of one instance with two network interfaces and two Elastic IPs ("seeds").

    - ``seeds`` VPC 10.0.0.0/16 with an internet gateway; subnet ``seeds-public`` (10.0.1.0/24, us-east-1a) routes
      0.0.0.0/0 to it.
    - A t2.micro with eth0 (its primary ENI, 10.0.1.10, SG ``my-sg-1``: HTTP from anywhere) and eth1 (a second ENI in
      the same subnet at device index 1, 10.0.1.11, SG ``my-sg-2``: no inbound rules), an Elastic IP on each (P2).
    - Built from seed 11, so every build holds the same ids and addresses.

    Examples
    --------
    >>> from vpcsim.engine.endpoints import INTERNET
    >>> net = two_enis_two_eips()
    >>> [instance] = net.instances
    >>> eth0, eth1 = instance.network_interfaces
    >>> net.open_ports(eth0, source=INTERNET), net.open_ports(eth1, source=INTERNET)
    ([(80, 80)], [])
    """
    net = Network(seed=11)
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
    eth1 = net.create_network_interface(subnet, security_groups=[sg2], private_ip="10.0.1.11")
    net.attach_network_interface(eth1, instance, device_index=1)
    net.associate_address(net.allocate_address(name="eip-eth0"), network_interface=instance.primary_network_interface)
    net.associate_address(net.allocate_address(name="eip-eth1"), network_interface=eth1)
    return net


EXAMPLES["two-enis"] = two_enis_two_eips


def metadata_exposure() -> Network:
    """A shop's public subnet where an SSRF bug in a web server could reach instance metadata (SPEC M4).

    - ``shop`` VPC 10.0.0.0/16: ``public-a`` (10.0.1.0/24) routes to the internet gateway and gives new instances
      a public IP; ``private-a`` (10.0.2.0/24) reaches the internet through the NAT gateway ``nat-a``.
    - ``storefront`` serves HTTP/HTTPS to the internet with IMDSv1 allowed and the role ``storefront-role``: an SSRF
      reads its credentials with one GET (high).
    - ``containers`` runs containers behind HTTP 8080 with IMDSv2 required but the hop limit 2 that container
      hosts often set: a container one hop away still gets a token (medium).
    - ``checkout`` serves HTTPS with IMDSv2 required and hop limit 1 (no finding); ``worker`` allows IMDSv1 in the
      private subnet, which the internet cannot reach (no finding).

    Examples
    --------
    >>> net = metadata_exposure()
    >>> [(net.get(f.instance).name, f.severity) for f in net.imds_findings()]
    [('storefront', 'high'), ('containers', 'medium')]
    """
    net = Network(region="us-east-1", seed=9)
    vpc = net.create_vpc("10.0.0.0/16", name="shop")
    igw = net.create_internet_gateway(name="shop-igw")
    net.attach_internet_gateway(igw, vpc)
    public = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="public-a", map_public_ip_on_launch=True)
    private = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="private-a")
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.associate_route_table(public_rt, public)
    nat = net.create_nat_gateway(public, allocation=net.allocate_address(name="nat-a-eip"), name="nat-a")
    private_rt = net.create_route_table(vpc, name="private-rt")
    net.create_route(private_rt, "0.0.0.0/0", nat)
    net.associate_route_table(private_rt, private)
    web_sg = net.create_security_group(vpc, "web", description="HTTP(S) from the internet")
    for port in (80, 443):
        net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=port, cidr="0.0.0.0/0")
    app_sg = net.create_security_group(vpc, "containers", description="8080 from the internet")
    net.authorize_security_group_ingress(app_sg, protocol="tcp", ports=8080, cidr="0.0.0.0/0")
    worker_sg = net.create_security_group(vpc, "worker", description="no inbound")
    v2 = {"http_tokens": "required"}
    net.run_instance(public, security_groups=[web_sg], name="storefront", iam_role="storefront-role")
    net.run_instance(public, security_groups=[app_sg], name="containers", iam_role="ecs-tasks",
                     metadata_options=v2 | {"http_put_response_hop_limit": 2})  # fmt: skip
    net.run_instance(public, security_groups=[web_sg], name="checkout", iam_role="checkout-role", metadata_options=v2)
    net.run_instance(private, security_groups=[worker_sg], name="worker", iam_role="worker-role")
    return net


EXAMPLES["imds"] = metadata_exposure


def broken_network() -> Network:
    """A shop whose web server cannot serve the internet and whose app server cannot reach its database, each for
    several independent reasons at once: the bench of the troubleshooting checklist (:meth:`Network.checklist`).

    - ``shop`` VPC 10.20.0.0/16 with the internet gateway ``shop-igw`` attached. ``web`` sits in ``public-a``
      (10.20.0.0/24), yet the internet cannot open HTTPS to it:

      1. it has no public IP or Elastic IP (P3): ``public-a`` does not map public IPs at launch;
      2. its security group ``web`` admits SSH from the office only, not 443 (G1);
      3. the network ACL ``public-acl`` lets 80 and 443 in, but only 80 and 443 out: the replies to the clients'
         ephemeral ports are denied (N4);
      4. its route table ``public-rt`` has no 0.0.0.0/0 route to the internet gateway (I1, I2).

    - ``app`` in ``app-a`` (10.20.10.0/24) cannot query ``db`` on PostgreSQL (5432). ``db`` sits in ``data-a``
      (10.30.0.0/24) of the ``data`` VPC 10.30.0.0/16, peered with ``shop`` (``shop-data``); ``app-rt`` routes
      10.30.0.0/16 to the peering, but:

      5. the security group ``app`` lets only HTTPS out (its default allow-all egress was revoked, G1);
      6. the security group ``db`` admits 5432 from 10.20.20.0/24, a typo for the app subnet (G1);
      7. the ``data`` VPC's route table has no route back to ``shop`` through the peering (R2, I5).

    - ``app`` cannot fetch updates from the internet either: ``app-rt`` sends 0.0.0.0/0 to the NAT gateway
      ``nat-b``, but

      8. ``nat-b`` was created in ``private-b`` (10.20.11.0/24), a private subnet whose route table (the VPC's main
         one) has no route to the internet gateway (I4).

    Examples
    --------
    >>> from vpcsim.engine.endpoints import INTERNET
    >>> net = broken_network()
    >>> net.reachable(INTERNET, "web", "tcp", 443), net.reachable("app", "db", "tcp", 5432)
    (False, False)
    >>> [item.name for item in net.checklist("app", "db", "tcp", 5432).failed]
    ['security-group-egress', 'security-group-ingress', 'return-route']
    """
    net = Network(region="us-east-1", seed=6)
    shop = net.create_vpc("10.20.0.0/16", name="shop")
    igw = net.create_internet_gateway(name="shop-igw")
    net.attach_internet_gateway(igw, shop)
    public = net.create_subnet(shop, "10.20.0.0/24", az="us-east-1a", name="public-a")
    app_subnet = net.create_subnet(shop, "10.20.10.0/24", az="us-east-1a", name="app-a")
    private_b = net.create_subnet(shop, "10.20.11.0/24", az="us-east-1b", name="private-b")
    net.associate_route_table(net.create_route_table(shop, name="public-rt"), public)  # cause 4: no 0.0.0.0/0
    public_acl = net.create_network_acl(shop, name="public-acl")
    for egress in (False, True):  # cause 3: no outbound 1024-65535 for the replies
        for rule_number, port in ((100, 443), (110, 80)):
            net.create_network_acl_entry(public_acl, rule_number=rule_number, egress=egress, protocol="tcp",
                                         action="allow", cidr="0.0.0.0/0", ports=port)  # fmt: skip
    net.replace_network_acl_association(public_acl, public)
    web_sg = net.create_security_group(shop, "web", description="SSH from the office")  # cause 2: no 443
    net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=22, cidr="203.0.113.0/24")
    net.run_instance(public, instance_type="t3.micro", security_groups=[web_sg], name="web")  # cause 1: no public IP

    nat = net.create_nat_gateway(private_b, allocation=net.allocate_address(name="nat-b-eip"), name="nat-b")  # 8
    data = net.create_vpc("10.30.0.0/16", name="data")
    pcx = net.create_vpc_peering_connection(shop, data, name="shop-data")  # cause 7: no route back in data's table
    app_rt = net.create_route_table(shop, name="app-rt")
    net.create_route(app_rt, "0.0.0.0/0", nat)
    net.create_route(app_rt, "10.30.0.0/16", pcx)
    net.associate_route_table(app_rt, app_subnet)
    app_sg = net.create_security_group(shop, "app", description="HTTPS out only")
    net.revoke_security_group_egress(app_sg, protocol="-1", cidr="0.0.0.0/0")  # cause 5: no 5432 out
    net.authorize_security_group_egress(app_sg, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    net.run_instance(app_subnet, instance_type="m5.large", security_groups=[app_sg], name="app")

    data_subnet = net.create_subnet(data, "10.30.0.0/24", az="us-east-1a", name="data-a")
    db_sg = net.create_security_group(data, "db", description="PostgreSQL from the app subnet")
    net.authorize_security_group_ingress(db_sg, protocol="tcp", ports=5432, cidr="10.20.20.0/24")  # cause 6: typo
    net.run_instance(data_subnet, instance_type="r5.large", security_groups=[db_sg], name="db")
    return net


EXAMPLES["broken"] = broken_network
