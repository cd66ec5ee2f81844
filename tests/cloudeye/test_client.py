"""The Cloud Eye client against the emulator over real sockets."""

import pytest

from agent_fleet.cloudeye import (
    CloudEyeBadRequest,
    CloudEyeClient,
    CloudEyeForbidden,
    CloudEyeServerError,
    CloudEyeThrottled,
    ResponseLostError,
    RetryPolicy,
    parse_retry_after,
    submit_chunk,
)
from agent_fleet.cloudeye.retry import BackoffHook, is_retryable
from agent_fleet.contract import (
    AgentStatusQuery,
    BatchCreateInvocationRequest,
    InvocationType,
    ListInvocationsQuery,
)
from agent_fleet.jobs import OutcomeStatus
from agent_fleet_dev.emulator import CloudEyeEmulator

from .conftest import PROJECT_ID

BATCH_CREATE_ROUTE = "POST /v3/{project_id}/agent-invocations/batch-create"
LIST_ROUTE = "GET /v3/{project_id}/agent-invocations"


def _install(*instance_ids: str) -> BatchCreateInvocationRequest:
    return BatchCreateInvocationRequest(
        invocation_type=InvocationType.INSTALL, instance_ids=list(instance_ids)
    )


def test_batch_create_published_example(client: CloudEyeClient) -> None:
    """The published example gets one successful and one rejected host."""
    answer = client.batch_create(PROJECT_ID, _install("instancexxx001", "instancexxx002"))

    items = {item.instance_id: item for item in answer.response.invocations}
    assert items["instancexxx001"].ret_status == "successful"
    assert items["instancexxx001"].invocation_id
    assert items["instancexxx002"].ret_status == "error"
    assert items["instancexxx002"].error_msg == "do not meet the installation conditions"
    assert answer.request_id


def test_batch_create_bare_array_answer(client: CloudEyeClient, emulator: CloudEyeEmulator) -> None:
    """A 201 given as a bare JSON array is read like the object form."""
    emulator.faults.response_shape = "array"

    answer = client.batch_create(PROJECT_ID, _install("host-a", "host-b"))

    assert [item.instance_id for item in answer.response.invocations] == ["host-a", "host-b"]


def test_client_retries_server_errors_on_reads(
    client: CloudEyeClient, emulator: CloudEyeEmulator
) -> None:
    """A read that meets 5xx responses is retried until it succeeds."""
    emulator.faults.seed = 7
    emulator.faults.error_rate = 0.3

    pages = [client.list_invocations(PROJECT_ID) for _ in range(10)]

    assert all(page.invocations == [] for page in pages)
    assert emulator.counters().injected_errors > 0
    assert client.stats.snapshot().retries == emulator.counters().injected_errors


def test_client_gives_up_after_attempts(client: CloudEyeClient, emulator: CloudEyeEmulator) -> None:
    """Constant 5xx ends in CloudEyeServerError after exactly the policy's attempts."""
    emulator.faults.error_rate = 1.0

    with pytest.raises(CloudEyeServerError) as caught:
        client.list_invocations(PROJECT_ID)

    assert caught.value.status_code >= 500
    assert caught.value.error_code
    assert caught.value.request_id
    assert emulator.counters().requests_by_route[LIST_ROUTE] == client.retry.attempts


def test_client_retries_throttling(client: CloudEyeClient, emulator: CloudEyeEmulator) -> None:
    """A 429 burst shorter than the attempts is ridden out."""
    emulator.faults.throttle_every = 4
    emulator.faults.throttle_burst = 3

    pages = [client.list_invocations(PROJECT_ID) for _ in range(4)]

    assert [page.invocations for page in pages] == [[], [], [], []]
    assert emulator.counters().throttled == 3
    assert client.stats.snapshot().retries == 3


def test_batch_create_refreshes_expired_token_once(
    client: CloudEyeClient, emulator: CloudEyeEmulator
) -> None:
    """An expired token leads to one IAM exchange and one resend, and no double task."""
    client.batch_create(PROJECT_ID, _install("host-a"))
    issued_before = emulator.counters().tokens_issued
    emulator.expire_tokens()

    answer = client.batch_create(PROJECT_ID, _install("host-b"))

    assert answer.response.invocations[0].ret_status == "successful"
    assert emulator.counters().tokens_issued == issued_before + 1
    assert client.stats.snapshot().token_refreshes == 1
    assert emulator.counters().tasks_per_host["host-b"] == 1


def test_client_never_retries_bad_request(client: CloudEyeClient) -> None:
    """A 400 propagates at once with Cloud Eye's code, message and request id."""
    query = ListInvocationsQuery.model_construct(limit=500, offset=0)

    with pytest.raises(CloudEyeBadRequest) as caught:
        client.list_invocations(PROJECT_ID, query)

    assert caught.value.status_code == 400
    assert "limit" in (caught.value.error_msg or "")
    assert client.stats.snapshot().calls == 1


def test_client_never_retries_forbidden(client: CloudEyeClient) -> None:
    """A token used on another project gets 403 once, without retries."""
    with pytest.raises(CloudEyeForbidden) as caught:
        client.list_invocations("another-project")

    assert caught.value.status_code == 403
    assert client.stats.snapshot().calls == 1


def test_batch_create_lost_answer_is_not_resent(
    client: CloudEyeClient, emulator: CloudEyeEmulator
) -> None:
    """A dropped connection after processing raises ResponseLostError and sends nothing more."""
    emulator.faults.drop_rate = 1.0

    with pytest.raises(ResponseLostError):
        client.batch_create(PROJECT_ID, _install("host-a"))

    assert emulator.counters().tasks_per_host == {"host-a": 1}
    assert emulator.counters().requests_by_route[BATCH_CREATE_ROUTE] == 1


def test_submit_chunk_reconciles_lost_answer(
    client: CloudEyeClient, emulator: CloudEyeEmulator
) -> None:
    """Hosts of a lost response are found in the task list, reported successful, and not resent."""
    emulator.faults.drop_rate = 1.0

    outcomes = submit_chunk(client, PROJECT_ID, _install("host-a", "instancexxx002", "host-c"))

    by_target = {outcome.target: outcome for outcome in outcomes}
    assert by_target["host-a"].status is OutcomeStatus.SUCCESSFUL
    assert by_target["host-a"].invocation_id
    assert by_target["host-c"].status is OutcomeStatus.SUCCESSFUL
    # The rejected host has no task, and its rejection was lost with the response.
    assert by_target["instancexxx002"].status is OutcomeStatus.UNKNOWN
    assert dict(emulator.counters().tasks_per_host) == {"host-a": 1, "host-c": 1}


def test_submit_chunk_resends_only_hosts_without_tasks(
    client: CloudEyeClient, emulator: CloudEyeEmulator
) -> None:
    """After 5xx answers the chunk ends with every host settled once and no host with two tasks."""
    emulator.faults.seed = 3
    emulator.faults.error_rate = 0.4
    hosts = [f"host-{index:03d}" for index in range(100)]

    outcomes = submit_chunk(client, PROJECT_ID, _install(*hosts))

    tasks = emulator.counters().tasks_per_host
    assert [outcome.target for outcome in outcomes] == hosts
    assert max(tasks.values()) == 1
    successful = [o.target for o in outcomes if o.status is OutcomeStatus.SUCCESSFUL]
    assert all(tasks[target] == 1 for target in successful)
    # At a 40% error rate a lookup fails all four of its attempts about 3% of
    # the time, and such a host stays unknown rather than being resent.
    assert len(successful) >= 80
    # A host whose task list lookup kept failing stays unknown rather than being resent.
    assert {outcome.status for outcome in outcomes} <= {
        OutcomeStatus.SUCCESSFUL,
        OutcomeStatus.UNKNOWN,
    }


def test_submit_chunk_reports_refusal_per_host(
    client: CloudEyeClient, emulator: CloudEyeEmulator
) -> None:
    """A 403 leaves each host failed with Cloud Eye's code and HTTP status, and sends once."""
    outcomes = submit_chunk(client, "another-project", _install("host-a", "host-b"))

    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.FAILED] * 2
    assert [outcome.http_status for outcome in outcomes] == [403, 403]
    assert all(outcome.error_code for outcome in outcomes)
    assert emulator.counters().requests_by_route[BATCH_CREATE_ROUTE] == 1


def test_submit_chunk_unreadable_task_list_gives_unknown(
    client: CloudEyeClient, emulator: CloudEyeEmulator
) -> None:
    """5xx answers plus an unreadable task list leave the hosts unknown, never resent."""
    emulator.faults.error_rate = 1.0

    outcomes = submit_chunk(client, PROJECT_ID, _install("host-a", "host-b"))

    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.UNKNOWN] * 2
    assert all("not resent" in (outcome.reason or "") for outcome in outcomes)
    assert emulator.counters().tasks_per_host == {}
    assert emulator.counters().requests_by_route[BATCH_CREATE_ROUTE] == 1


def test_iter_invocations_reads_every_page(client: CloudEyeClient) -> None:
    """Paging through the task list yields every task once."""
    hosts = [f"host-{index:03d}" for index in range(100)]
    client.batch_create(PROJECT_ID, _install(*hosts))
    client.batch_create(PROJECT_ID, _install(*[f"more-{index:02d}" for index in range(30)]))

    tasks = list(client.iter_invocations(PROJECT_ID, ListInvocationsQuery(limit=40)))

    assert len(tasks) == 130
    assert len({task.invocation_id for task in tasks}) == 130


def test_query_agent_status(client: CloudEyeClient) -> None:
    """The agent status query returns one entry per instance."""
    answer = client.query_agent_status(
        PROJECT_ID, AgentStatusQuery(instance_ids=["instancexxx001", "host-z"])
    )

    assert sorted(status.instance_id or "" for status in answer.agent_status) == [
        "host-z",
        "instancexxx001",
    ]


def test_client_rejects_bad_project_id(client: CloudEyeClient) -> None:
    """A project id that could change the URL path is refused before any call."""
    with pytest.raises(ValueError, match="invalid project_id"):
        client.list_invocations("../other")

    assert client.stats.snapshot().calls == 0


def test_client_connect_error_is_retried_then_raised() -> None:
    """Nothing listening: the call is retried and ends in CloudEyeConnectError."""
    import socket

    import stamina

    from agent_fleet.cloudeye import CloudEyeConnectError

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    class StaticTokens:
        def get_token(self, *, stale: object = None) -> object:
            from pydantic import SecretStr

            return SecretStr("unused")

    with (
        stamina.set_testing(True, attempts=3, cap=True),
        CloudEyeClient(f"http://127.0.0.1:{port}", StaticTokens(), retry=RetryPolicy()) as client,  # type: ignore[arg-type]
        pytest.raises(CloudEyeConnectError),
    ):
        client.list_invocations(PROJECT_ID)

    assert client.stats.snapshot().calls == 3


def test_backoff_honours_retry_after() -> None:
    """A 429 with Retry-After waits exactly that long when it fits the deadline."""
    hook = BackoffHook(
        RetryPolicy(deadline_seconds=30), retryable=lambda exc: True, method="GET", path="/x"
    )
    throttled = CloudEyeThrottled(
        method="GET",
        path="/x",
        error_code="APIGW.0308",
        error_msg="t",
        request_id="r",
        retry_after=7.0,
    )

    assert hook(throttled) == 7.0


def test_backoff_refuses_wait_past_deadline() -> None:
    """A Retry-After longer than the time left ends the retries."""
    hook = BackoffHook(
        RetryPolicy(deadline_seconds=5), retryable=lambda exc: True, method="GET", path="/x"
    )
    throttled = CloudEyeThrottled(
        method="GET",
        path="/x",
        error_code=None,
        error_msg=None,
        request_id=None,
        retry_after=60.0,
    )

    assert hook(throttled) is False


def test_backoff_full_jitter_bounds() -> None:
    """Full jitter stays within zero and the capped exponential ceiling."""
    policy = RetryPolicy(wait_initial=0.5, wait_max=4.0)

    for retry in range(1, 10):
        ceiling = min(4.0, 0.5 * 2 ** (retry - 1))
        waits = [policy.backoff(retry) for _ in range(200)]
        assert all(0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling / 2


@pytest.mark.parametrize(
    ("exc", "resend_safe", "expected"),
    [
        pytest.param(
            CloudEyeServerError(
                method="POST",
                path="/",
                status_code=500,
                error_code=None,
                error_msg=None,
                request_id=None,
            ),
            False,
            False,
            id="5xx-batch-create",
        ),
        pytest.param(
            CloudEyeServerError(
                method="GET",
                path="/",
                status_code=503,
                error_code=None,
                error_msg=None,
                request_id=None,
            ),
            True,
            True,
            id="5xx-read",
        ),
        pytest.param(ResponseLostError("x", method="POST", path="/"), False, False, id="lost"),
        pytest.param(
            CloudEyeBadRequest(
                method="GET",
                path="/",
                status_code=400,
                error_code=None,
                error_msg=None,
                request_id=None,
            ),
            True,
            False,
            id="400",
        ),
    ],
)
def test_is_retryable_policy(exc: Exception, resend_safe: bool, expected: bool) -> None:
    """Only failures that cannot double a task are retried for batch-create."""
    assert is_retryable(exc, resend_safe=resend_safe) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("3", 3.0, id="seconds"),
        pytest.param(None, None, id="absent"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("Thu, 01 Jan 1970 00:00:10 GMT", 5.0, id="http-date"),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    """Retry-After is read as seconds or as an HTTP date."""
    assert parse_retry_after(value, now=5.0) == expected
