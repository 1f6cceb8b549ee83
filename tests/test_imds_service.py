"""The instance metadata service at the HTTP level (vpcsim.sim.imds): SPEC M2/M3 answer codes, IMDSv2 tokens, and
every metadata value against the model, on the AWS two-ENI walkthrough ("seeds")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from seeds import Seeds, build_seeds

from vpcsim import Network
from vpcsim.sim.imds import (
    MAX_TOKEN_TTL,
    TOKEN_PATH,
    HttpRequest,
    HttpResponse,
    MetadataService,
)

META = "/latest/meta-data"


@pytest.fixture
def seeds() -> Seeds:
    s = build_seeds()
    s.net.associate_iam_instance_profile(s.instance, "web")
    return s


@pytest.fixture
def imds(seeds: Seeds) -> MetadataService:
    return MetadataService(seeds.net)


def get(imds: MetadataService, seeds: Seeds, path: str, *, token: str | None = None, now: float = 0) -> HttpResponse:
    return imds.handle(seeds.instance, HttpRequest.get(path, token=token), now=now)


def token(imds: MetadataService, seeds: Seeds, ttl: int = 60, now: float = 0) -> str:
    answer = imds.handle(seeds.instance, HttpRequest.token(ttl), now=now)
    assert answer.status == 200
    return answer.body


# ------------------------------------------------------------------------------------------------- requests


def test_request_headers_are_case_insensitive_and_method_upper_cased() -> None:
    r = HttpRequest("put", TOKEN_PATH, {"X-AWS-EC2-Metadata-Token-TTL-Seconds": "5"})
    assert r.method == "PUT"
    assert r.headers == {"x-aws-ec2-metadata-token-ttl-seconds": "5"}
    with pytest.raises(TypeError):
        r.headers["x"] = "y"  # type: ignore[index]


def test_no_response_has_no_status() -> None:
    r = HttpResponse.no_response("hop limit 1: the token response died one hop away (SPEC M3)")
    assert r.status is None
    assert not r.ok


# ------------------------------------------------------------------------------------------------- M3 tokens


def test_m3_token_put_returns_a_token_with_the_ttl_echoed_and_the_hop_limit_as_ip_ttl(
    seeds: Seeds, imds: MetadataService
) -> None:
    answer = imds.handle(seeds.instance, HttpRequest.token(21600), now=0)
    assert (answer.status, answer.reason, answer.ok) == (200, "OK", True)
    assert answer.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
    assert answer.ttl == 1  # the default hop limit
    assert "M3" in answer.explanation
    assert dict(imds.tokens)[answer.body].instance_id == seeds.instance.id
    seeds.net.modify_instance_metadata_options(seeds.instance, http_put_response_hop_limit=2)
    assert imds.handle(seeds.instance, HttpRequest.token(60), now=0).ttl == 2
    assert get(imds, seeds, f"{META}/instance-id").ttl == 64


@pytest.mark.parametrize(
    ("ttl", "status"),
    [("0", 400), ("1", 200), ("21600", 200), ("21601", 400), ("abc", 400), ("-1", 400), ("1.5", 400), ("", 400)],
)
def test_m3_token_ttl_must_be_an_integer_in_1_to_21600(
    seeds: Seeds, imds: MetadataService, ttl: str, status: int
) -> None:
    answer = imds.handle(seeds.instance, HttpRequest.token(ttl), now=0)
    assert answer.status == status
    assert (answer.body in imds.tokens) == (status == 200)


def test_m3_token_put_without_ttl_header_is_400(seeds: Seeds, imds: MetadataService) -> None:
    answer = imds.handle(seeds.instance, HttpRequest("PUT", TOKEN_PATH), now=0)
    assert (answer.status, answer.reason) == (400, "Bad Request")
    assert "<title>400 - Bad Request</title>" in answer.body
    assert not imds.tokens


def test_m3_token_put_with_x_forwarded_for_is_refused(seeds: Seeds, imds: MetadataService) -> None:
    request = HttpRequest(
        "PUT", TOKEN_PATH, {"X-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "1.2.3.4"}
    )
    answer = imds.handle(seeds.instance, request, now=0)
    assert (answer.status, answer.reason) == (403, "Forbidden")
    assert "X-Forwarded-For" in answer.explanation
    assert not imds.tokens


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "HEAD"])
def test_m3_token_path_takes_put_only(seeds: Seeds, imds: MetadataService, method: str) -> None:
    request = HttpRequest(method, TOKEN_PATH, {"x-aws-ec2-metadata-token-ttl-seconds": "60"})
    answer = imds.handle(seeds.instance, request, now=0)
    assert (answer.status, answer.reason) == (405, "Method Not Allowed")


@pytest.mark.parametrize("path", [f"{META}/", f"{META}/instance-id", "/latest/api/token/x", "/"])
def test_m3_put_anywhere_else_is_405(seeds: Seeds, imds: MetadataService, path: str) -> None:
    answer = imds.handle(seeds.instance, HttpRequest("PUT", path, {"x-aws-ec2-metadata-token-ttl-seconds": "60"}),
                         now=0)  # fmt: skip
    assert answer.status == 405
    assert answer.ttl == 64  # only the token response carries the hop limit


def test_m3_token_expires_after_its_ttl(seeds: Seeds, imds: MetadataService) -> None:
    value = token(imds, seeds, ttl=60, now=0)
    assert get(imds, seeds, f"{META}/instance-id", token=value, now=59.9).status == 200
    answer = get(imds, seeds, f"{META}/instance-id", token=value, now=60)
    assert (answer.status, answer.reason) == (401, "Unauthorized")
    assert value not in imds.tokens  # expired tokens are dropped


@pytest.mark.parametrize("tokens", ["optional", "required"])
def test_m3_an_invalid_token_is_401_whatever_http_tokens_says(
    seeds: Seeds, imds: MetadataService, tokens: str
) -> None:
    seeds.net.modify_instance_metadata_options(seeds.instance, http_tokens=tokens)
    assert get(imds, seeds, f"{META}/instance-id", token="AQAEnot-a-token").status == 401
    assert get(imds, seeds, f"{META}/instance-id", token="").status == 401


def test_m3_no_token_is_imdsv1_when_optional_and_401_when_required(seeds: Seeds, imds: MetadataService) -> None:
    answer = get(imds, seeds, f"{META}/instance-id")
    assert (answer.status, answer.body) == (200, seeds.instance.id)
    assert "IMDSv1" in answer.explanation
    seeds.net.modify_instance_metadata_options(seeds.instance, http_tokens="required")
    assert get(imds, seeds, f"{META}/instance-id").status == 401
    answer = get(imds, seeds, f"{META}/instance-id", token=token(imds, seeds))
    assert (answer.status, answer.body) == (200, seeds.instance.id)
    assert "IMDSv2" in answer.explanation


def test_m3_a_token_of_another_instance_is_401(seeds: Seeds, imds: MetadataService) -> None:
    other = seeds.net.run_instance(seeds.subnet, private_ip="10.0.1.20")
    theirs = imds.handle(other, HttpRequest.token(60), now=0).body
    answer = get(imds, seeds, f"{META}/instance-id", token=theirs)
    assert answer.status == 401
    assert other.id in answer.explanation
    assert imds.handle(other, HttpRequest.get(f"{META}/instance-id", token=theirs), now=0).body == other.id


def test_forget_voids_the_instance_tokens_only(seeds: Seeds, imds: MetadataService) -> None:
    other = seeds.net.run_instance(seeds.subnet, private_ip="10.0.1.20")
    mine, theirs = token(imds, seeds), imds.handle(other, HttpRequest.token(60), now=0).body
    imds.forget(seeds.instance)
    assert list(imds.tokens) == [theirs]
    assert get(imds, seeds, f"{META}/instance-id", token=mine).status == 401


def test_tokens_are_unique_deterministic_and_a_read_only_view(seeds: Seeds) -> None:
    a, b = MetadataService(seeds.net, seed=3), MetadataService(seeds.net, seed=3)
    first = [token(a, seeds) for _ in range(5)]
    assert len(set(first)) == 5
    assert first == [token(b, seeds) for _ in range(5)]
    assert token(MetadataService(seeds.net, seed=4), seeds) != first[0]
    with pytest.raises(TypeError):
        a.tokens["x"] = a.tokens[first[0]]  # type: ignore[index]


def test_a_stopped_instance_never_reaches_its_imds(seeds: Seeds, imds: MetadataService) -> None:
    seeds.net.stop_instance(seeds.instance)
    with pytest.raises(ValueError, match="stopped"):
        get(imds, seeds, f"{META}/instance-id")


# ------------------------------------------------------------------------------------------------- M2 options


@pytest.mark.parametrize("request_", [HttpRequest.get(f"{META}/instance-id"), HttpRequest.token(60),
                                      HttpRequest.get("/nowhere")])  # fmt: skip
def test_m2_a_disabled_endpoint_answers_403_to_everything(
    seeds: Seeds, imds: MetadataService, request_: HttpRequest
) -> None:
    seeds.net.modify_instance_metadata_options(seeds.instance, http_endpoint="disabled")
    answer = imds.handle(seeds.instance, request_, now=0)
    assert (answer.status, answer.reason) == (403, "Forbidden")
    assert "disabled" in answer.explanation


def test_m2_ipv6_requests_need_http_protocol_ipv6(seeds: Seeds, imds: MetadataService) -> None:
    request = HttpRequest.get(f"{META}/instance-id")
    assert imds.handle(seeds.instance, request, now=0, ipv6=True).status == 403
    seeds.net.modify_instance_metadata_options(seeds.instance, http_protocol_ipv6="enabled")
    assert imds.handle(seeds.instance, request, now=0, ipv6=True).status == 200


# ------------------------------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("instance-id", lambda s: s.instance.id),
        ("instance-type", lambda s: "t2.micro"),
        ("local-ipv4", lambda s: "10.0.1.10"),
        ("public-ipv4", lambda s: str(s.eip0.public_ip)),
        ("mac", lambda s: s.eth0.mac_address),
        ("local-hostname", lambda s: "ip-10-0-1-10.ec2.internal"),
        ("hostname", lambda s: "ip-10-0-1-10.ec2.internal"),
        ("placement/availability-zone", lambda s: "us-east-1a"),
        ("placement/region", lambda s: "us-east-1"),
        ("security-groups", lambda s: "my-sg-1"),
    ],
)
def test_m3_instance_values_come_from_the_model(seeds: Seeds, imds: MetadataService, path: str, expected) -> None:  # type: ignore[no-untyped-def]
    answer = get(imds, seeds, f"{META}/{path}")
    assert (answer.status, answer.body) == (200, expected(seeds))


def test_public_ipv4_and_hostname_only_when_public(seeds: Seeds, imds: MetadataService) -> None:
    private = seeds.net.run_instance(seeds.subnet, private_ip="10.0.1.20")
    answer = imds.handle(private, HttpRequest.get(f"{META}/public-ipv4"), now=0)
    assert answer.status == 404
    assert "public-ipv4" not in imds.handle(private, HttpRequest.get(f"{META}/"), now=0).body.split("\n")
    assert get(imds, seeds, f"{META}/public-hostname").status == 404  # the VPC has no DNS hostnames
    seeds.net.modify_vpc_attribute(seeds.vpc, enable_dns_hostnames=True)
    dashed = str(seeds.eip0.public_ip).replace(".", "-")
    assert get(imds, seeds, f"{META}/public-hostname").body == f"ec2-{dashed}.compute-1.amazonaws.com"


def test_hostnames_outside_us_east_1() -> None:
    net = Network(region="eu-west-1")
    vpc = net.create_vpc("10.0.0.0/16", enable_dns_hostnames=True)
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    instance = net.run_instance(subnet, private_ip="10.0.1.10", associate_public_ip=True)
    imds = MetadataService(net)
    assert imds.handle(instance, HttpRequest.get(f"{META}/local-hostname"), now=0).body == (
        "ip-10-0-1-10.eu-west-1.compute.internal"
    )
    dashed = str(instance.public_ip).replace(".", "-")
    assert imds.handle(instance, HttpRequest.get(f"{META}/public-hostname"), now=0).body == (
        f"ec2-{dashed}.eu-west-1.compute.amazonaws.com"
    )
    assert imds.handle(instance, HttpRequest.get(f"{META}/placement/region"), now=0).body == "eu-west-1"


def test_the_macs_listing_has_one_directory_per_eni(seeds: Seeds, imds: MetadataService) -> None:
    answer = get(imds, seeds, f"{META}/network/interfaces/macs/")
    assert sorted(answer.body.split("\n")) == sorted(f"{e.mac_address}/" for e in (seeds.eth0, seeds.eth1))


@pytest.mark.parametrize("eni", ["eth0", "eth1"])
def test_per_mac_values_are_the_enis(seeds: Seeds, imds: MetadataService, eni: str) -> None:
    e = getattr(seeds, eni)
    seeds.net.associate_vpc_cidr_block(seeds.vpc, "10.1.0.0/16")
    base = f"{META}/network/interfaces/macs/{e.mac_address}"
    eip = seeds.eip0 if eni == "eth0" else seeds.eip1
    expected = {
        "interface-id": e.id,
        "device-number": "0" if eni == "eth0" else "1",
        "mac": e.mac_address,
        "local-ipv4s": str(e.private_ip),
        "public-ipv4s": str(eip.public_ip),
        "security-group-ids": (seeds.sg1 if eni == "eth0" else seeds.sg2).id,
        "security-groups": "my-sg-1" if eni == "eth0" else "my-sg-2",
        "subnet-id": seeds.subnet.id,
        "subnet-ipv4-cidr-block": "10.0.1.0/24",
        "vpc-id": seeds.vpc.id,
        "vpc-ipv4-cidr-block": "10.0.0.0/16",
        "vpc-ipv4-cidr-blocks": "10.0.0.0/16\n10.1.0.0/16",
        "owner-id": "000000000000",
    }
    for name, value in expected.items():
        assert get(imds, seeds, f"{base}/{name}").body == value, name
    for absent in ("ipv6s", "subnet-ipv6-cidr-blocks", "vpc-ipv6-cidr-blocks"):
        assert get(imds, seeds, f"{base}/{absent}").status == 404
    listing = get(imds, seeds, f"{base}/").body.split("\n")
    assert set(expected) <= set(listing)
    assert "ipv6s" not in listing


def test_ipv6_values_when_the_eni_has_them() -> None:
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    v6 = next(iter(vpc.ipv6_cidr_block.subnets(new_prefix=64)))  # type: ignore[union-attr]
    subnet = net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block=str(v6))
    instance = net.run_instance(subnet, instance_type="t3.micro", ipv6_address_count=1)
    eni = instance.primary_network_interface
    imds = MetadataService(net)
    base = f"{META}/network/interfaces/macs/{eni.mac_address}"
    assert imds.handle(instance, HttpRequest.get(f"{base}/ipv6s"), now=0).body == str(eni.ipv6_addresses[0])
    assert imds.handle(instance, HttpRequest.get(f"{base}/subnet-ipv6-cidr-blocks"), now=0).body == str(v6)


def test_security_groups_list_one_name_a_line(seeds: Seeds, imds: MetadataService) -> None:
    seeds.net.modify_network_interface_attribute(seeds.eth0, security_groups=[seeds.sg1, seeds.sg2])
    assert get(imds, seeds, f"{META}/security-groups").body == "my-sg-1\nmy-sg-2"
    base = f"{META}/network/interfaces/macs/{seeds.eth0.mac_address}"
    assert get(imds, seeds, f"{base}/security-group-ids").body == f"{seeds.sg1.id}\n{seeds.sg2.id}"


# ------------------------------------------------------------------------------------------------- IAM


def test_m3_iam_listings_name_the_role(seeds: Seeds, imds: MetadataService) -> None:
    assert get(imds, seeds, f"{META}/iam/").body == "info\nsecurity-credentials/"
    assert get(imds, seeds, f"{META}/iam/security-credentials/").body == "web"
    info = get(imds, seeds, f"{META}/iam/info").json()
    assert info["Code"] == "Success"
    assert info["InstanceProfileArn"] == "arn:aws:iam::000000000000:instance-profile/web"
    assert "iam/" in get(imds, seeds, f"{META}/").body.split("\n")


def test_m4_credentials_json_shape_and_expiration(seeds: Seeds) -> None:
    imds = MetadataService(seeds.net, epoch=datetime(2026, 3, 1, tzinfo=UTC))
    answer = get(imds, seeds, f"{META}/iam/security-credentials/web", now=90)
    assert answer.body.startswith('{\n  "Code" : "Success",')
    creds = answer.json()
    assert list(creds) == ["Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"]
    assert (creds["Code"], creds["Type"]) == ("Success", "AWS-HMAC")
    assert creds["AccessKeyId"].startswith("ASIA")
    assert len(creds["AccessKeyId"]) == 20
    assert "FAKE" in creds["AccessKeyId"]
    assert "fake" in creds["Token"]
    assert len(creds["SecretAccessKey"]) == 40
    assert creds["LastUpdated"] == "2026-03-01T00:01:30Z"
    assert creds["Expiration"] == "2026-03-01T06:01:30Z"
    updated = datetime.strptime(creds["LastUpdated"], "%Y-%m-%dT%H:%M:%SZ")
    assert datetime.strptime(creds["Expiration"], "%Y-%m-%dT%H:%M:%SZ") - updated == timedelta(hours=6)


def test_credentials_stay_until_five_minutes_before_expiry_then_renew(seeds: Seeds, imds: MetadataService) -> None:
    path = f"{META}/iam/security-credentials/web"
    first = get(imds, seeds, path, now=0).json()
    assert get(imds, seeds, path, now=6 * 3600 - 301).json() == first
    renewed = get(imds, seeds, path, now=6 * 3600 - 300).json()
    assert renewed["AccessKeyId"] != first["AccessKeyId"]
    assert renewed["Expiration"] == "2026-01-01T11:55:00Z"


def test_no_role_no_iam(seeds: Seeds, imds: MetadataService) -> None:
    seeds.net.disassociate_iam_instance_profile(seeds.instance)
    assert get(imds, seeds, f"{META}/iam/").status == 404
    assert get(imds, seeds, f"{META}/iam/security-credentials/web").status == 404
    assert "iam/" not in get(imds, seeds, f"{META}/").body.split("\n")


# ------------------------------------------------------------------------------------------------- tags, listings


def test_m2_tags_only_when_instance_metadata_tags_is_enabled(seeds: Seeds, imds: MetadataService) -> None:
    seeds.instance.tags.update({"Name": "web", "tier": "front"})
    assert get(imds, seeds, f"{META}/tags/instance/").status == 404
    assert get(imds, seeds, f"{META}/tags/instance/tier").status == 404
    seeds.net.modify_instance_metadata_options(seeds.instance, instance_metadata_tags="enabled")
    assert get(imds, seeds, f"{META}/tags/instance/").body == "Name\ntier"
    assert get(imds, seeds, f"{META}/tags/instance/tier").body == "front"
    assert "tags/" in get(imds, seeds, f"{META}/").body.split("\n")


def test_listings_end_directories_with_a_slash_below_latest(seeds: Seeds, imds: MetadataService) -> None:
    assert get(imds, seeds, "/").body == "latest"
    assert get(imds, seeds, "/latest/").body == "dynamic\nmeta-data"
    listing = get(imds, seeds, f"{META}/").body.split("\n")
    assert listing == sorted(listing)
    assert {"instance-id", "local-ipv4", "mac", "network/", "placement/", "iam/"} <= set(listing)
    assert get(imds, seeds, f"{META}/placement").body == "availability-zone\nregion"  # no trailing slash: same
    assert get(imds, seeds, "/latest/dynamic/").body == "instance-identity/"


def test_identity_document(seeds: Seeds, imds: MetadataService) -> None:
    document = get(imds, seeds, "/latest/dynamic/instance-identity/document").json()
    assert {
        k: document[k]
        for k in ("accountId", "availabilityZone", "instanceId", "instanceType", "privateIp", "region", "version")
    } == {
        "accountId": "000000000000",
        "availabilityZone": "us-east-1a",
        "instanceId": seeds.instance.id,
        "instanceType": "t2.micro",
        "privateIp": "10.0.1.10",
        "region": "us-east-1",
        "version": "2017-09-30",
    }


def test_user_data_and_unknown_paths_are_404(seeds: Seeds, imds: MetadataService) -> None:
    for path in ("/latest/user-data", f"{META}/ami-id", "/2009-04-04/meta-data/", f"{META}/instance-id/x"):
        answer = get(imds, seeds, path)
        assert (answer.status, answer.reason) == (404, "Not Found"), path
        assert "<title>404 - Not Found</title>" in answer.body


def test_every_path_listed_is_served(seeds: Seeds, imds: MetadataService) -> None:
    """paths() is the table: each one answers 200, and each listing names exactly the next level."""
    paths = imds.paths(seeds.instance)
    for path in paths:
        assert get(imds, seeds, path).status == 200, path
    for path in (p for p in paths if p.endswith("/")):
        for child in get(imds, seeds, path).body.split("\n"):
            assert f"{path}{child}".rstrip("/") in {p.rstrip("/") for p in paths}


# ------------------------------------------------------------------------------------------------- properties

_SEEDS = build_seeds()
_SEEDS.net.associate_iam_instance_profile(_SEEDS.instance, "web")
_KNOWN = {p.rstrip("/") for p in MetadataService(_SEEDS.net).paths(_SEEDS.instance)}


@given(st.lists(st.text("abcdefghijklmnopqrstuvwxyz0123456789-:._", min_size=1, max_size=12), min_size=1, max_size=6),
       st.booleans())  # fmt: skip
def test_m3_any_path_not_in_the_table_is_404(segments: list[str], slash: bool) -> None:
    path = "/" + "/".join(segments) + ("/" if slash else "")
    imds = MetadataService(_SEEDS.net)
    answer = imds.handle(_SEEDS.instance, HttpRequest.get(path), now=0)
    known = path.rstrip("/") in _KNOWN or path.rstrip("/") == ""
    assert answer.status == (200 if known else 404)


@given(st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_TOKEN_TTL + 1)))
def test_m3_any_ttl_outside_1_to_21600_is_400(ttl: int) -> None:
    imds = MetadataService(_SEEDS.net)
    answer = imds.handle(_SEEDS.instance, HttpRequest.token(ttl), now=0)
    assert answer.status == 400
    assert not imds.tokens


@given(st.integers(min_value=1, max_value=MAX_TOKEN_TTL), st.floats(min_value=0, max_value=1e6))
def test_m3_a_token_is_valid_exactly_until_issue_plus_ttl(ttl: int, issued: float) -> None:
    imds = MetadataService(_SEEDS.net)
    value = imds.handle(_SEEDS.instance, HttpRequest.token(ttl), now=issued).body
    request = HttpRequest.get(f"{META}/instance-id", token=value)
    assert imds.handle(_SEEDS.instance, request, now=issued + ttl - 0.5).status == 200
    assert imds.handle(_SEEDS.instance, request, now=issued + ttl).status == 401


def test_response_json_is_plain_json(seeds: Seeds, imds: MetadataService) -> None:
    body = get(imds, seeds, f"{META}/iam/info").body
    assert json.loads(body) == get(imds, seeds, f"{META}/iam/info").json()
