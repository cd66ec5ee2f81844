"""The agent-fleet command as a user runs it: a subprocess with real stdout and stderr."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "events"


def _agent_fleet(*args: str) -> subprocess.CompletedProcess[str]:
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CLOUD_EYE_", "AGENT_FLEET_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "agent_fleet_dev.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
        cwd=REPO,
        check=False,
    )


def test_runner_invoke_prints_only_json() -> None:
    """invoke prints the return value alone on stdout and its notes and logs on stderr."""
    result = _agent_fleet(
        "invoke", "HttpApiFunction", str(EVENTS / "http-batch-create-published-example.json")
    )

    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["statusCode"] == 201
    items = json.loads(reply["body"])["invocations"]
    assert [item["ret_status"] for item in items] == ["successful", "error"]
    assert "started the emulator at http://127.0.0.1:" in result.stderr


def test_runner_invoke_by_folder_name() -> None:
    """A folder under functions/ names a function as well as its logical id."""
    result = _agent_fleet("invoke", "scheduled_job", str(EVENTS / "scheduled-update-small.json"))

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "completed"
    assert report["counts"]["successful"] == report["counts"]["total"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ("invoke", "NoSuchFunction", str(EVENTS / "scheduled-update-small.json")),
            "no function named 'NoSuchFunction'",
            id="unknown-function",
        ),
        pytest.param(
            ("invoke", "HttpApiFunction", "events/missing.json"),
            "missing.json",
            id="missing-event",
        ),
    ],
)
def test_runner_invoke_bad_arguments(args: tuple[str, ...], expected: str) -> None:
    """Bad arguments exit 2 with a message naming what is wrong, and no traceback."""
    result = _agent_fleet(*args)

    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_runner_invoke_non_utf8_event(tmp_path: Path) -> None:
    """An event file that is not UTF-8 is named in the error."""
    event = tmp_path / "latin1.json"
    event.write_bytes(b'{"name": "caf\xe9"}')

    result = _agent_fleet("invoke", "HttpApiFunction", str(event))

    assert result.returncode == 2
    assert "latin1.json: not UTF-8 text" in result.stderr


def test_demo_shows_published_example_and_job() -> None:
    """make demo's script shows the published example's two hosts and the 2,500-host counts."""
    result = subprocess.run(
        [sys.executable, "-m", "agent_fleet_dev.demo"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "-> HTTP 201" in result.stdout
    assert "instancexxx001   successful" in result.stdout
    assert "do not meet the installation conditions" in result.stdout
    assert "successful 2,500" in result.stdout
    assert "25 Cloud Eye calls" in result.stdout
