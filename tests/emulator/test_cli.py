"""Command-line options: parsing, defaults, loopback-only hosts and secret-safe errors."""

import argparse
import json
from pathlib import Path

import pytest

from agent_fleet_dev.emulator import (
    FleetError,
    add_cli_arguments,
    config_from_args,
    emulator_from_args,
)
from tests.emulator.conftest import LIST_INVOCATIONS, make_client


def parse(*arguments: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="agent-fleet emulator")
    add_cli_arguments(parser)
    return parser.parse_args(list(arguments))


def test_cli_defaults() -> None:
    """Without options the emulator listens on 127.0.0.1:8100 with no faults."""
    namespace = parse()

    config = config_from_args(namespace)

    assert namespace.host == "127.0.0.1"
    assert namespace.port == 8100
    assert config.projects is None
    assert config.users == []
    assert config.static_tokens == []
    assert config.step_seconds == 1.0
    assert config.token_ttl_seconds == 86_400
    assert config.faults.settings() == {
        "latency_seconds": 0.0,
        "error_rate": 0.0,
        "throttle_every": 0,
        "throttle_burst": 0,
        "retry_after_seconds": 1.0,
        "drop_rate": 0.0,
        "response_shape": "object",
        "seed": None,
        "expire_tokens_after_requests": 0,
    }


def test_cli_every_option() -> None:
    """Every option lands in the configuration it names."""
    namespace = parse(
        "--port=0",
        "--latency=0.1",
        "--error-rate=0.2",
        "--throttle-every=10",
        "--throttle-burst=3",
        "--retry-after=0.5",
        "--drop-rate=0.05",
        "--response-shape=array",
        "--step-seconds=0",
        "--token-ttl=60",
        "--seed=42",
        "--expire-tokens-after=7",
        "--project=p-1",
        "--user=acme:bot:pa:ss:word:p-1",
        "--token=static-1",
        "--token=static-2",
    )

    config = config_from_args(namespace)

    faults = config.faults
    assert (faults.latency_seconds, faults.error_rate, faults.drop_rate) == (0.1, 0.2, 0.05)
    assert (faults.throttle_every, faults.throttle_burst) == (10, 3)
    assert faults.retry_after_seconds == 0.5
    assert faults.response_shape == "array"
    assert faults.seed == 42
    assert faults.expire_tokens_after_requests == 7
    assert config.step_seconds == 0
    assert config.token_ttl_seconds == 60
    assert config.projects == {"p-1"}
    (user,) = config.users
    assert (user.domain, user.name, user.project_id) == ("acme", "bot", "p-1")
    assert user.password.get_secret_value() == "pa:ss:word"
    assert [token.get_secret_value() for token in config.static_tokens] == ["static-1", "static-2"]


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param(["--host=0.0.0.0"], id="any-address"),
        pytest.param(["--host=192.168.1.5"], id="lan-address"),
        pytest.param(["--port=65536"], id="port-too-large"),
        pytest.param(["--error-rate=1.5"], id="error-rate-above-1"),
        pytest.param(["--latency=-1"], id="latency-negative"),
        pytest.param(["--latency=nan"], id="latency-nan"),
        pytest.param(["--token-ttl=0"], id="ttl-zero"),
        pytest.param(["--throttle-every=-2"], id="throttle-negative"),
        pytest.param(["--response-shape=list"], id="shape-unknown"),
        pytest.param(["--project=bad_id"], id="project-underscore"),
    ],
)
def test_cli_rejects_invalid_option(arguments: list[str]) -> None:
    """An invalid option value stops parsing with a usage error."""
    with pytest.raises(SystemExit) as stopped:
        parse(*arguments)

    assert stopped.value.code == 2


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("acme:bot:topsecret", id="no-project"),
        pytest.param("acme::topsecret:p-1", id="empty-name"),
        pytest.param("acme:bot:topsecret:bad_project", id="bad-project"),
    ],
)
def test_cli_user_errors_hide_password(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid --user value is rejected without printing its password."""
    with pytest.raises(SystemExit):
        parse(f"--user={value}")

    error = capsys.readouterr().err
    assert "--user" in error
    assert "topsecret" not in error


def test_cli_fleet_file(tmp_path: Path) -> None:
    """--fleet loads the fleet from a JSON file."""
    fleet_file = tmp_path / "fleet.json"
    fleet_file.write_text(json.dumps({"instances": {"web-1": {"eligible": False}}}))

    config = config_from_args(parse(f"--fleet={fleet_file}"))

    assert config.fleet.profile("web-1").eligible is False


def test_cli_fleet_file_missing(tmp_path: Path) -> None:
    """A missing --fleet file raises FleetError naming it."""
    missing = tmp_path / "missing.json"

    with pytest.raises(FleetError, match=r"missing\.json"):
        config_from_args(parse(f"--fleet={missing}"))


def test_cli_emulator_from_args() -> None:
    """emulator_from_args builds an emulator that serves with the options given."""
    emulator = emulator_from_args(parse("--port=0", "--token=cli-token", "--error-rate=1"))

    with emulator, make_client(emulator, headers={"X-Auth-Token": "cli-token"}) as client:
        response = client.get(LIST_INVOCATIONS)

    assert response.status_code in {500, 502, 503}
