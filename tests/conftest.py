"""Shared pytest fixtures."""

import os
from collections.abc import Iterator

import pytest

from tests.support.localstack import LocalStackServer, localstack_python, run_localstack

# --- LocalStack -------------------------------------------------------------
# One LocalStack server per test session, started on first use by a test
# marked @pytest.mark.localstack. See tests/support/localstack.py.


@pytest.fixture(scope="session")
def localstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackServer]:
    """Run LocalStack (Secrets Manager and SQS) on a free loopback port for the session."""
    python = localstack_python(os.environ)
    with run_localstack(python, tmp_path_factory.mktemp("localstack")) as server:
        yield server


# --- end of LocalStack --------------------------------------------------------
