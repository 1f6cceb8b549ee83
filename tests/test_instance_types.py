"""Tests for vpcsim.model.instance_types: EC2 instance-type network limits (SPEC E3)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import vpcsim.model.instance_types
from vpcsim.errors import AwsError
from vpcsim.model.instance_types import InstanceTypeInfo, instance_type_info, instance_types


@pytest.mark.parametrize(
    ("instance_type", "enis", "ipv4_per_eni"),
    [
        ("t2.micro", 2, 2),
        ("t3.micro", 2, 2),
        ("m5.large", 3, 10),
        ("c5.large", 3, 10),
        ("m5.xlarge", 4, 15),
        ("c5.xlarge", 4, 15),
        ("m5.24xlarge", 15, 50),
    ],
)
def test_spec_e3_examples(instance_type: str, enis: int, ipv4_per_eni: int) -> None:
    info = instance_type_info(instance_type)
    assert info.instance_type == instance_type
    assert info.maximum_network_interfaces == enis
    assert info.ipv4_addresses_per_interface == ipv4_per_eni


def test_table_holds_current_and_previous_generations() -> None:
    table = instance_types()
    assert len(table) > 1000
    assert table["t3.micro"].current_generation
    assert not table["t1.micro"].current_generation
    assert list(table) == sorted(table)


def test_previous_generation_without_ipv6() -> None:
    assert instance_type_info("t1.micro") == InstanceTypeInfo(
        instance_type="t1.micro",
        maximum_network_interfaces=2,
        ipv4_addresses_per_interface=2,
        ipv6_addresses_per_interface=0,
        ipv6_supported=False,
        current_generation=False,
    )


def test_every_entry_is_sane() -> None:
    for name, info in instance_types().items():
        assert info.instance_type == name
        assert info.maximum_network_interfaces >= 2, name
        assert info.ipv4_addresses_per_interface >= 2, name
        # In the DescribeInstanceTypes data an ENI takes as many IPv6 addresses as IPv4 ones, if IPv6 is supported.
        expected_ipv6 = info.ipv4_addresses_per_interface if info.ipv6_supported else 0
        assert info.ipv6_addresses_per_interface == expected_ipv6, name


def test_table_is_read_only_and_cached() -> None:
    table = instance_types()
    assert instance_types() is table
    with pytest.raises(TypeError):
        table["x1.fake"] = table["t2.micro"]  # type: ignore[index]


def test_unknown_name_names_the_value_and_suggests_the_closest() -> None:
    with pytest.raises(AwsError) as excinfo:
        instance_type_info("t2.mircro")
    assert excinfo.value.code == "InvalidParameterValue"
    assert excinfo.value.message == "Invalid value 't2.mircro' for InstanceType. Did you mean 't2.micro'?"
    assert isinstance(excinfo.value, ValueError)


def test_names_are_case_sensitive_like_aws() -> None:
    with pytest.raises(AwsError, match=r"Invalid value 'T2\.MICRO' for InstanceType\. Did you mean 't2\.micro'\?"):
        instance_type_info("T2.MICRO")


@pytest.mark.parametrize("value", ["not-a-type", None, 3, ["t2.micro"]])
def test_nonsense_is_refused_without_a_suggestion(value: object) -> None:
    with pytest.raises(AwsError) as excinfo:
        instance_type_info(value)  # type: ignore[arg-type]
    assert excinfo.value.code == "InvalidParameterValue"
    assert excinfo.value.message == f"Invalid value {value!r} for InstanceType."


def test_import_does_not_read_the_data() -> None:
    # A fresh interpreter: this one has long since loaded the table.
    script = textwrap.dedent(
        """
        import sys

        opened = []
        sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)

        import vpcsim.model.instance_types as module

        def read_data():
            return any(path.endswith("instance_types.json") for path in opened)

        assert module.instance_types.cache_info().currsize == 0
        assert not read_data()
        module.instance_type_info("t2.micro")
        assert module.instance_types.cache_info().currsize == 1
        assert read_data()
        """
    )
    source_root = Path(vpcsim.model.instance_types.__file__).parents[2]
    subprocess.run([sys.executable, "-c", script], check=True, cwd=source_root)
