"""RemoteInstallHostInfo rules, each checked on both sides of its boundary."""

import json
from typing import Any

import pytest

from agent_fleet.contract import RemoteInstallHostInfo
from tests.contract.builders import (
    ABSENT,
    CANARY_PASSWORD,
    host_body,
    json_rejection,
    rejection,
)


def test_host_accepts_complete_body() -> None:
    """A complete host validates, keeps its fields and sends them back unchanged."""
    host = RemoteInstallHostInfo.model_validate(host_body())

    assert host.instance_name == "legacy-db-01"
    assert host.remote_ip == "192.168.0.10"
    assert host.user_name == "root"
    assert host.port == "22"
    assert host.password.get_secret_value() == CANARY_PASSWORD
    assert host.remote_use_pem is False
    assert host.target_key == "192.168.0.10:22"


@pytest.mark.parametrize(
    "field",
    [
        pytest.param("instance_name", id="instance-name"),
        pytest.param("remote_ip", id="remote-ip"),
        pytest.param("user_name", id="user-name"),
        pytest.param("port", id="port"),
        pytest.param("password", id="password"),
    ],
)
def test_host_rejects_missing_required_field(field: str) -> None:
    """Every field but remote_use_pem is required."""
    message = rejection(RemoteInstallHostInfo, host_body(**{field: ABSENT}))

    assert message == f"{field}: Field required"


# --- instance_name and user_name -------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("instance_name", "n", id="name-1-char"),
        pytest.param("instance_name", "n" * 128, id="name-128-chars"),
        pytest.param("instance_name", "数据库-01" + "x" * 122, id="name-128-non-ascii-chars"),
        pytest.param("user_name", "u", id="user-1-char"),
        pytest.param("user_name", "u" * 16, id="user-16-chars"),
    ],
)
def test_host_names_accept_length_limits(field: str, value: str) -> None:
    """instance_name takes 1 to 128 characters and user_name 1 to 16."""
    host = RemoteInstallHostInfo.model_validate(host_body(**{field: value}))

    assert getattr(host, field) == value


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("instance_name", "", id="name-empty"),
        pytest.param("instance_name", "n" * 129, id="name-129-chars"),
        pytest.param("instance_name", 7, id="name-number"),
        pytest.param("instance_name", None, id="name-null"),
        pytest.param("user_name", "", id="user-empty"),
        pytest.param("user_name", "u" * 17, id="user-17-chars"),
        pytest.param("user_name", 0, id="user-number"),
    ],
)
def test_host_names_reject_out_of_range(field: str, value: Any) -> None:
    """Empty, too long or non-string names are rejected at their field."""
    message = rejection(RemoteInstallHostInfo, host_body(**{field: value}))

    assert message.startswith(f"{field}: ")


# --- remote_ip --------------------------------------------------------------------


@pytest.mark.parametrize(
    "remote_ip",
    [
        pytest.param("0.0.0.0", id="all-zeros"),  # noqa: S104 - an address, not a bind
        pytest.param("255.255.255.255", id="all-255-15-chars"),
        pytest.param("1.2.3.4", id="7-chars"),
        pytest.param("192.168.0.10", id="private"),
        pytest.param("10.0.0.0", id="zero-octet"),
    ],
)
def test_remote_ip_accepts_dotted_ipv4(remote_ip: str) -> None:
    """Dotted IPv4 addresses from 0.0.0.0 to 255.255.255.255 are accepted."""
    host = RemoteInstallHostInfo.model_validate(host_body(remote_ip=remote_ip))

    assert host.remote_ip == remote_ip


@pytest.mark.parametrize(
    "remote_ip",
    [
        pytest.param("256.0.0.1", id="octet-256"),
        pytest.param("10.0.0.999", id="octet-999"),
        pytest.param("10.0.0", id="3-octets"),
        pytest.param("10.0.0.1.2", id="5-octets"),
        pytest.param("10..0.1", id="empty-octet"),
        pytest.param("10.0.0.1.", id="trailing-dot"),
        pytest.param("10.0.0.a", id="letter"),
        pytest.param("db.internal", id="host-name"),
        pytest.param("192.168.100.2001", id="16-chars"),
        pytest.param("01.2.3.4", id="leading-zero-first-octet"),
        pytest.param("192.168.001.010", id="leading-zero-octets"),
        pytest.param("", id="empty"),
        pytest.param(" 10.0.0.1", id="leading-blank"),
        pytest.param("10.0.0.1\n", id="trailing-newline"),
        pytest.param("\uff110.0.0.1", id="full-width-digit"),
        pytest.param("10.0.0.1/32", id="cidr"),
        pytest.param("::1", id="ipv6"),
        pytest.param(167772161, id="number"),
    ],
)
def test_remote_ip_rejects_other_text(remote_ip: Any) -> None:
    """Anything but a dotted IPv4 address (leading zeros rejected, as ipaddress does) fails."""
    message = rejection(RemoteInstallHostInfo, host_body(remote_ip=remote_ip))

    assert message.startswith("remote_ip: ")


# --- port -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "port",
    [
        pytest.param("1", id="1"),
        pytest.param("22", id="22"),
        pytest.param("65535", id="65535"),
        pytest.param("00022", id="5-digits-leading-zeros"),
    ],
)
def test_port_accepts_1_to_65535(port: str) -> None:
    """A port is a string of 1 to 5 digits valued from 1 to 65535."""
    host = RemoteInstallHostInfo.model_validate(host_body(port=port))

    assert host.port == port


@pytest.mark.parametrize(
    "port",
    [
        pytest.param("0", id="0"),
        pytest.param("00000", id="5-zeros"),
        pytest.param("65536", id="65536"),
        pytest.param("99999", id="99999"),
        pytest.param("123456", id="6-digits"),
        pytest.param("", id="empty"),
        pytest.param("22a", id="letter"),
        pytest.param("-1", id="negative"),
        pytest.param("+22", id="plus-sign"),
        pytest.param(" 22", id="leading-blank"),
        pytest.param("22\n", id="trailing-newline"),
        pytest.param("٢٢", id="arabic-indic-digits"),
        pytest.param(22, id="int"),
        pytest.param(22.0, id="float"),
        pytest.param(None, id="null"),
    ],
)
def test_port_rejects_other_values(port: Any) -> None:
    """Out-of-range numbers, non-digits and non-strings are rejected at port."""
    message = rejection(RemoteInstallHostInfo, host_body(port=port))

    assert message.startswith("port: ")


def test_port_rejects_json_number() -> None:
    """A JSON number for port is rejected rather than converted to a string."""
    message = json_rejection(RemoteInstallHostInfo, json.dumps(host_body(port=22)))

    assert message.startswith("port: ")


# --- password ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("p", id="1-char"),
        pytest.param(CANARY_PASSWORD + "x" * (3000 - len(CANARY_PASSWORD)), id="3000-chars"),
        pytest.param("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n", id="pem-text"),
    ],
)
def test_password_accepts_1_to_3000_chars(password: str) -> None:
    """A password of 1 to 3,000 characters is accepted and kept whole."""
    host = RemoteInstallHostInfo.model_validate(host_body(password=password))

    assert host.password.get_secret_value() == password


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("", id="empty"),
        pytest.param(CANARY_PASSWORD + "x" * (3001 - len(CANARY_PASSWORD)), id="3001-chars"),
        pytest.param(1234, id="number"),
        pytest.param([CANARY_PASSWORD], id="list"),
        pytest.param(None, id="null"),
    ],
)
def test_password_rejects_other_values(password: Any) -> None:
    """Empty, over-long or non-string passwords are rejected at password."""
    message = rejection(RemoteInstallHostInfo, host_body(password=password))

    assert message.startswith("password: ")


# --- remote_use_pem ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, True, id="true"),
        pytest.param(False, False, id="false"),
        pytest.param(ABSENT, None, id="absent"),
        pytest.param(None, None, id="null"),
    ],
)
def test_remote_use_pem_accepts_booleans(value: Any, expected: bool | None) -> None:
    """remote_use_pem is a JSON boolean or absent; absent is left out of the body."""
    host = RemoteInstallHostInfo.model_validate(host_body(remote_use_pem=value))

    assert host.remote_use_pem is expected
    body = host.model_dump(mode="json", exclude_none=True)
    assert body.get("remote_use_pem") is expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("true", id="string-true"),
        pytest.param("false", id="string-false"),
        pytest.param("yes", id="string-yes"),
        pytest.param(1, id="one"),
        pytest.param(0, id="zero"),
    ],
)
def test_remote_use_pem_rejects_non_booleans(value: Any) -> None:
    """Strings and numbers are rejected at remote_use_pem instead of being coerced."""
    message = rejection(RemoteInstallHostInfo, host_body(remote_use_pem=value))

    assert message.startswith("remote_use_pem: ")


def test_host_rejects_unknown_field() -> None:
    """An unknown host field is rejected instead of being dropped."""
    message = rejection(RemoteInstallHostInfo, host_body(private_key="k"))

    assert message == "private_key: Extra inputs are not permitted"
