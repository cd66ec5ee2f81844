"""Fleet files: the built-in fleet and loading, with clear errors for bad files."""

import json
from pathlib import Path

import pytest

from agent_fleet_dev.emulator import Fleet, FleetError, InstanceProfile, default_fleet, load_fleet
from agent_fleet_dev.emulator.fleet import derived_intranet_ip


def test_fleet_default_matches_published_example() -> None:
    """The built-in fleet accepts instancexxx001, rejects instancexxx002 and accepts others."""
    fleet = default_fleet()

    rejected = fleet.profile("instancexxx002")

    assert fleet.profile("instancexxx001").eligible
    assert not rejected.eligible
    assert rejected.error_code == "invocationmgr.0001"
    assert rejected.error_msg == "do not meet the installation conditions"
    assert fleet.profile("any-other-host").eligible
    assert fleet.fail_instances == frozenset()


def test_fleet_load_file(tmp_path: Path) -> None:
    """A fleet file sets hosts, the unlisted policy and the failing hosts."""
    path = tmp_path / "fleet.json"
    path.write_text(
        json.dumps(
            {
                "instances": {
                    "bms-1": {"name": "bare-metal", "instance_type": "BMS", "eligible": True}
                },
                "unlisted": "reject",
                "fail_instances": ["bms-1"],
            }
        )
    )

    fleet = load_fleet(path)

    assert fleet.profile("bms-1") == InstanceProfile(name="bare-metal", instance_type="BMS")
    assert not fleet.profile("other").eligible
    assert fleet.fails("bms-1")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{", "invalid fleet file", id="not-json"),
        pytest.param('{"hosts": {}}', "hosts", id="unknown-field"),
        pytest.param('{"unlisted": "maybe"}', "unlisted", id="bad-policy"),
        pytest.param('{"instances": {"bad_id": {}}}', "bad_id", id="bad-instance-id"),
        pytest.param(
            '{"instances": {"h-1": {"error_code": "E1"}}}', "error_code", id="bad-error-code"
        ),
        pytest.param(
            '{"instances": {"h-1": {"uniagent_status": "asleep"}}}',
            "uniagent_status",
            id="bad-status",
        ),
    ],
)
def test_fleet_load_rejects_invalid_file(tmp_path: Path, content: str, message: str) -> None:
    """An invalid fleet file raises FleetError naming the file and the field."""
    path = tmp_path / "fleet.json"
    path.write_text(content)

    with pytest.raises(FleetError, match=message) as raised:
        load_fleet(path)

    assert str(path) in str(raised.value)


def test_fleet_load_missing_file(tmp_path: Path) -> None:
    """A missing fleet file raises FleetError, which is a ValueError."""
    with pytest.raises(ValueError, match="cannot read fleet file"):
        load_fleet(tmp_path / "absent.json")


def test_fleet_derived_address_is_stable() -> None:
    """Unset private addresses derive from the id: the same id, the same 10.x.y.z address."""
    address = derived_intranet_ip("web-1")

    octets = [int(part) for part in address.split(".")]
    assert address == derived_intranet_ip("web-1")
    assert octets[0] == 10
    assert all(0 <= octet <= 255 for octet in octets)
    assert Fleet().profile("web-1").addresses("web-1") == (address,)
