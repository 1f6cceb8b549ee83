"""Built-in example networks: small, realistic, and the same every time."""

from __future__ import annotations

from vpcsim.engine.endpoints import INTERNET, internet
from vpcsim.network import Network

__all__ = ["DEMO_QUESTIONS", "NLB_QUESTIONS", "demo_network", "private_api_behind_nlb"]

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
