"""The LocalStack fixture's helpers that run without starting LocalStack."""

from pathlib import Path

import pytest

from tests.support.localstack import (
    DEFAULT_LOCALSTACK_PYTHON,
    LocalStackError,
    localstack_environ,
    localstack_python,
)


def test_localstack_missing_python_names_make_target(tmp_path: Path) -> None:
    """A missing interpreter fails with the command that installs LocalStack."""
    missing = tmp_path / "no-venv" / "bin" / "python"

    with pytest.raises(LocalStackError) as caught:
        localstack_python({"AGENT_FLEET_LOCALSTACK_PYTHON": str(missing)})

    assert "make localstack" in str(caught.value)
    assert str(missing) in str(caught.value)


def test_localstack_python_defaults_to_repo_venv() -> None:
    """Without the variable, the interpreter is .localstack/venv/bin/python of the repository."""
    if not DEFAULT_LOCALSTACK_PYTHON.exists():
        with pytest.raises(LocalStackError):
            localstack_python({})
        return

    assert localstack_python({}) == DEFAULT_LOCALSTACK_PYTHON


def test_localstack_environ_binds_loopback_only(tmp_path: Path) -> None:
    """The server environment binds 127.0.0.1 on the given port with the hypercorn gateway."""
    environ = localstack_environ(45123, tmp_path)

    assert environ["GATEWAY_LISTEN"] == "127.0.0.1:45123"
    assert environ["LOCALSTACK_HOST"] == "127.0.0.1:45123"
    assert environ["GATEWAY_SERVER"] == "hypercorn"
    assert environ["SERVICES"] == "secretsmanager,sqs"
    assert environ["FILESYSTEM_ROOT"] == str(tmp_path)
    assert "AWS_SECRET_ACCESS_KEY" not in environ
