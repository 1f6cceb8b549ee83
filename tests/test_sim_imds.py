"""IMDS through the simulator (SPEC M1-M4): requests take the walk, answers take the hop limit, time expires tokens.

The seeds' IMDSv1 -> IMDSv2 walkthrough is replayed with the curl command lines the AWS guide gives, step by step.
"""

from __future__ import annotations

import pytest
from seeds import Seeds, build_seeds

import vpcsim
from vpcsim.errors import InvalidFlowError

IMDS = "http://169.254.169.254"
TOKEN_PUT = f'curl -X PUT "{IMDS}/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600"'


@pytest.fixture
def seeds() -> Seeds:
    return build_seeds()


@pytest.fixture
def sim(seeds: Seeds) -> vpcsim.Simulator:
    return vpcsim.Simulator(seeds.net)


def test_seeds_walkthrough_imdsv1_to_imdsv2_step_by_step(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    """SPEC M2/M3: the guide's transition to IMDSv2, as an administrator types it on the instance."""
    instance = seeds.instance
    # 1. IMDSv1 works while tokens are optional (the default).
    listing = sim.curl(instance, f"curl {IMDS}/latest/meta-data/")
    assert listing.status == 200
    assert "instance-id" in listing.body.splitlines()
    assert sim.curl(instance, f"curl {IMDS}/latest/meta-data/instance-id").body == instance.id
    # 2. TOKEN=`curl -X PUT ... -H "X-aws-ec2-metadata-token-ttl-seconds: 21600"`
    put = sim.curl(instance, TOKEN_PUT)
    assert put.status == 200
    assert put.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
    assert put.ttl == 1  # sent with IP TTL = the hop limit (M3)
    token = put.body
    # 3. curl -H "X-aws-ec2-metadata-token: $TOKEN" .../meta-data/local-ipv4
    v2 = 'curl -H "X-aws-ec2-metadata-token: $TOKEN" ' + IMDS + "/latest/meta-data/local-ipv4"
    assert sim.curl(instance, v2, variables={"TOKEN": token}).body == "10.0.1.10"
    # 4. aws ec2 modify-instance-metadata-options --instance-id ... --http-tokens required --http-endpoint enabled
    sim.modify_instance_metadata_options(instance, http_tokens="required", http_endpoint="enabled")
    # 5. IMDSv1 is refused now...
    refused = sim.curl(instance, f"curl {IMDS}/latest/meta-data/instance-id")
    assert (refused.status, refused.reason) == (401, "Unauthorized")
    # 6. ...and the token of step 2 still works.
    assert sim.curl(instance, v2, variables={"TOKEN": token}).body == "10.0.1.10"
    # The log tells the story: the edit between the requests, and each HTTP answer.
    log = sim.log
    assert list(log[log.event == "edit"].detail.str.split("(").str[0]) == ["modify_instance_metadata_options"]
    answers = log[(log.event == "http") & (log.direction == "reply")].detail.str.split(":").str[0].tolist()
    assert answers == ["200 OK", "200 OK", "200 OK", "200 OK", "401 Unauthorized", "200 OK"]


def test_m2_container_needs_a_hop_limit_above_one(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    """SPEC M2/M3: a container adds a hop; with hop limit 1 the token answer dies on the way (no response)."""
    container = sim.container(seeds.instance)
    lost = sim.curl(container, TOKEN_PUT)
    assert lost.status is None
    row = sim.log.iloc[-1]
    assert (row.explanation, row.disposition, row.delivered) == ("IMDS_HOP_LIMIT", "DENIED_IN", False)
    assert row.rule == 1
    # IMDSv1 GETs have no hop limit: that is why containers can read v1 metadata.
    assert sim.curl(container, f"curl {IMDS}/latest/meta-data/instance-id").status == 200
    sim.modify_instance_metadata_options(seeds.instance, http_put_response_hop_limit=2)
    assert sim.curl(container, TOKEN_PUT).status == 200
    # Two hops away (a container in a VM in a container...), limit 2 is not enough.
    assert sim.curl(sim.container(seeds.instance, hops=2), TOKEN_PUT).status is None


def test_m3_token_expiry_follows_the_simulator_clock(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    token = sim.request(
        seeds.instance, "PUT", f"{IMDS}/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}
    ).body
    get = f'curl -H "X-aws-ec2-metadata-token: {token}" {IMDS}/latest/meta-data/mac'
    sim.advance(59.5)
    assert sim.curl(seeds.instance, get).body == seeds.eth0.mac_address
    sim.advance(0.5)
    assert sim.curl(seeds.instance, get).status == 401


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (f'curl -X PUT {IMDS}/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 0"', 400),
        (f'curl -X PUT {IMDS}/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 21601"', 400),
        (f"curl -X PUT {IMDS}/latest/api/token", 400),
        (TOKEN_PUT + ' -H "X-Forwarded-For: 203.0.113.9"', 403),
        (f"curl {IMDS}/latest/meta-data/no-such-thing", 404),
        (f"curl {IMDS}/latest/meta-data/iam/security-credentials/", 404),  # no role
        (f'curl -H "X-aws-ec2-metadata-token: forged" {IMDS}/latest/meta-data/', 401),
    ],
)
def test_m3_answer_codes_through_the_simulator(
    seeds: Seeds, sim: vpcsim.Simulator, command: str, status: int
) -> None:
    assert sim.curl(seeds.instance, command).status == status


def test_m2_disabled_endpoint_answers_403_and_the_packet_is_accepted(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    sim.modify_instance_metadata_options(seeds.instance, http_endpoint="disabled")
    answer = sim.curl(seeds.instance, f"curl {IMDS}/latest/meta-data/")
    assert answer.status == 403
    packet = sim.log[sim.log.event == "packet"].iloc[-1]
    assert (packet.disposition, packet.component) == ("ACCEPTED", f"{seeds.instance.id}:instance-metadata")


def test_m1_role_credentials_are_served_for_the_instance_profile() -> None:
    net = vpcsim.Network(seed=3)
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    instance = net.run_instance(subnet, iam_role="web-app")
    sim = vpcsim.Simulator(net)
    assert sim.curl(instance, f"curl {IMDS}/latest/meta-data/iam/security-credentials/").body == "web-app"
    credentials = sim.curl(instance, f"curl {IMDS}/latest/meta-data/iam/security-credentials/web-app").json()
    assert credentials["Code"] == "Success"
    assert credentials["AccessKeyId"].startswith("ASIA")
    sim.disassociate_iam_instance_profile(instance)
    assert sim.curl(instance, f"curl {IMDS}/latest/meta-data/iam/security-credentials/").status == 404


def test_stop_voids_tokens_and_a_stopped_instance_gets_no_answer(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    token = sim.curl(seeds.instance, TOKEN_PUT).body
    sim.stop_instance(seeds.instance)
    down = sim.curl(seeds.instance, f"curl {IMDS}/latest/meta-data/")
    assert down.status is None
    assert sim.log.iloc[-1].explanation == "BAD_STATE"
    sim.start_instance(seeds.instance)
    get = f'curl -H "X-aws-ec2-metadata-token: {token}" {IMDS}/latest/meta-data/'
    assert sim.curl(seeds.instance, get).status == 401  # a new boot, a new token needed


def test_ipv6_endpoint_needs_http_protocol_ipv6() -> None:
    net = vpcsim.Network(seed=5)
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    subnet = net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block=vpc.ipv6_cidr_block.subnets(8).__next__())  # type: ignore[union-attr]
    instance = net.run_instance(subnet, instance_type="t3.micro", ipv6_address_count=1)
    sim = vpcsim.Simulator(net)
    url = "curl http://[fd00:ec2::254]/latest/meta-data/instance-id"
    assert sim.curl(instance, url).status is None  # the IPv6 endpoint is off by default (M2)
    assert sim.log.iloc[-1].explanation == "IMDS_DISABLED"
    sim.modify_instance_metadata_options(instance, http_protocol_ipv6="enabled")
    assert sim.curl(instance, url).body == instance.id


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("curl http://10.0.1.11/", "only the instance metadata service"),
        ("curl https://169.254.169.254/latest/meta-data/", "plain http"),
        ("curl http://169.254.169.254:8080/", "port 80 only"),
        ("curl --data x http://169.254.169.254/", "--data is not supported"),
        ("curl -H NoColon http://169.254.169.254/", "is not 'Name: value'"),
        ("curl -s", "has no URL"),
        ('curl -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/', "$TOKEN"),
        ("curl 'unclosed", "No closing quotation"),
    ],
)
def test_bad_curl_commands_are_clear_errors(seeds: Seeds, sim: vpcsim.Simulator, command: str, message: str) -> None:
    rows = len(sim.events)
    with pytest.raises(InvalidFlowError, match=message.replace("$", r"\$")):
        sim.curl(seeds.instance, command)
    assert len(sim.events) == rows


def test_only_instances_have_an_imds(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    with pytest.raises(InvalidFlowError, match="is not an instance or a container"):
        sim.curl(seeds.sg1, f"curl {IMDS}/")
    with pytest.raises(InvalidFlowError, match="hops"):
        sim.container(seeds.instance, hops=0)


def test_m4_findings_and_the_simulated_ssrf_fix_agree(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    """SPEC M4: the seeds instance serves HTTP to the internet with IMDSv1 on; the fix closes both."""
    (finding,) = seeds.net.imds_findings()
    assert (finding.instance, finding.severity) == (seeds.instance.id, "high")
    assert finding.trace.connected
    assert "--http-tokens required" in finding.fix
    sim.modify_instance_metadata_options(seeds.instance, http_tokens="required", http_put_response_hop_limit=1)
    assert len(seeds.net.imds_findings()) == 0
    assert sim.curl(seeds.instance, f"curl {IMDS}/latest/meta-data/").status == 401


def test_iam_instance_profile_operations_refuse_with_aws_codes(seeds: Seeds) -> None:
    net = seeds.net
    with pytest.raises(vpcsim.AwsError, match="not a valid IAM role name") as bad:
        net.run_instance(seeds.subnet, iam_role="no spaces allowed")
    assert bad.value.code == "InvalidParameterValue"
    with pytest.raises(vpcsim.AwsError) as missing:
        net.disassociate_iam_instance_profile(seeds.instance)
    assert missing.value.code == "InvalidAssociationID.NotFound"
    net.associate_iam_instance_profile(seeds.instance, "web-app")
    before = net.snapshot()
    with pytest.raises(vpcsim.AwsError) as twice:
        net.associate_iam_instance_profile(seeds.instance, "other")
    assert twice.value.code == "IncorrectState"
    assert net.snapshot() == before
    assert seeds.instance.iam_role == "web-app"
