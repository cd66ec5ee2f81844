"""The Cloud Eye client: the three agent APIs over one pooled httpx connection set.

Every call carries an explicit timeout, is retried under a
:class:`~agent_fleet.cloudeye.retry.RetryPolicy`, and refreshes the token
once on a 401. Failures surface as the exceptions drawn in
:mod:`agent_fleet.cloudeye.exceptions`.
"""

import email.utils
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import stamina
import stamina.instrumentation
from pydantic import BaseModel, SecretStr, ValidationError

from agent_fleet.cloudeye.exceptions import (
    CloudEyeAuthError,
    CloudEyeBadRequest,
    CloudEyeConnectError,
    CloudEyeForbidden,
    CloudEyeResponseError,
    CloudEyeServerError,
    CloudEyeStatusError,
    CloudEyeThrottled,
    ResponseLostError,
)
from agent_fleet.cloudeye.retry import BackoffHook, RetryPolicy, is_retryable
from agent_fleet.cloudeye.stats import ClientStats
from agent_fleet.contract import (
    AgentStatusQuery,
    AgentStatusResponse,
    BatchCreateInvocationRequest,
    BatchCreateInvocationResponse,
    ErrorBody,
    InvocationInfo,
    ListInvocationsQuery,
    ListInvocationsResponse,
    describe_validation_error,
    is_resource_id,
)

logger = logging.getLogger(__name__)

# BackoffHook logs each retry with the call's method, path and status. stamina's
# own logging hook would add a second, bare line per retry, so it is turned off.
stamina.instrumentation.set_on_retry_hooks([])

DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=15.0, write=10.0, pool=10.0)
"""Per-call timeouts in seconds; the read timeout bounds one Cloud Eye response."""

DEFAULT_MAX_CONNECTIONS = 20
MAX_LIST_PAGES = 50
"""Pages read by :meth:`CloudEyeClient.iter_invocations` before it stops (5,000 tasks)."""

CONTENT_TYPE = "application/json; charset=UTF-8"
REQUEST_ID_HEADER = "X-Request-Id"
USER_AGENT = "agent-fleet"
TOKEN_HEADER = "X-Auth-Token"  # noqa: S105 - a header name, not a secret


class TokenSource(Protocol):
    """A source of the project-scoped IAM token the client sends."""

    def get_token(self, *, stale: SecretStr | None = None) -> SecretStr:
        """Return a valid token; with ``stale``, a newer one than ``stale``."""
        ...


@dataclass(frozen=True)
class BatchCreateAnswer:
    """Cloud Eye's 201 to a batch-create call and the request id that returned it."""

    response: BatchCreateInvocationResponse
    request_id: str | None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Return a ``Retry-After`` header's wait in seconds, or None when absent or unreadable.

    Both forms of the header are read: delay seconds and an HTTP date.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


def _check_project_id(project_id: str) -> str:
    if not is_resource_id(project_id):
        raise ValueError(
            f"invalid project_id {project_id!r}: expected 1 to 64 letters, digits and hyphens"
        )
    return quote(project_id, safe="")


class CloudEyeClient:
    """A client of Cloud Eye's agent maintenance APIs.

    One instance is meant to live at module scope in a Lambda handler, so that
    warm invocations reuse its connection pool. It is safe to share between
    threads.

    Parameters
    ----------
    endpoint:
        Base URL such as ``https://ces.ap-southeast-1.myhuaweicloud.com``
        (see :func:`agent_fleet.cloudeye.endpoints.ces_endpoint`).
    tokens:
        The token source; asked once per call and once more after a 401.
    retry:
        Bounds of the retries of each call.
    timeout:
        httpx timeouts of each HTTP exchange.
    http:
        An httpx client to use instead of the client's own (it is then not
        closed by :meth:`close`).
    """

    def __init__(
        self,
        endpoint: str,
        tokens: TokenSource,
        *,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        http: httpx.Client | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.stats = ClientStats()
        self._tokens = tokens
        self._owns_http = http is None
        self._http = http or httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            headers={"User-Agent": USER_AGENT},
        )

    def __repr__(self) -> str:
        return f"CloudEyeClient(endpoint={self.endpoint!r})"

    def close(self) -> None:
        """Close the connection pool, unless it was passed in."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> "CloudEyeClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the three APIs ------------------------------------------------------

    def batch_create(
        self,
        project_id: str,
        request: BatchCreateInvocationRequest,
        *,
        deadline: float | None = None,
    ) -> BatchCreateAnswer:
        """Create agent tasks for at most 100 hosts.

        Retries only what cannot create a task twice: connection failures and
        429. A 5xx or a lost response propagates, because Cloud Eye may have
        created the tasks; :func:`agent_fleet.cloudeye.submission.submit_chunk`
        reconciles those through the task list. No retry starts after
        ``deadline``, a :func:`time.monotonic` value.

        Raises
        ------
        ResponseLostError
            The request was sent and its response was lost.
        CloudEyeStatusError
            Cloud Eye returned an error status (after retries for 429).
        CloudEyeConnectError
            No connection could be made within the retry bounds.
        CloudEyeResponseError
            The 201 body is not JSON.
        """
        path = f"/v3/{_check_project_id(project_id)}/agent-invocations/batch-create"
        response = self._call(
            "POST", path, json=request.to_body(), resend_safe=False, deadline=deadline
        )
        answer = _parse(BatchCreateInvocationResponse, response, path=path)
        return BatchCreateAnswer(answer, _request_id(response))

    def list_invocations(
        self,
        project_id: str,
        query: ListInvocationsQuery | None = None,
        *,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> ListInvocationsResponse:
        """Return one page of the task list (tasks of the last three months).

        ``retry`` replaces the client's policy for this call; no retry starts
        after ``deadline``, a :func:`time.monotonic` value.
        """
        path = f"/v3/{_check_project_id(project_id)}/agent-invocations"
        params = (query or ListInvocationsQuery()).to_params()
        response = self._call(
            "GET", path, params=params, resend_safe=True, retry=retry, deadline=deadline
        )
        return _parse(ListInvocationsResponse, response, path=path)

    def iter_invocations(
        self,
        project_id: str,
        query: ListInvocationsQuery | None = None,
        *,
        max_pages: int = MAX_LIST_PAGES,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> Iterator[InvocationInfo]:
        """Yield every task matching ``query``, page after page, up to ``max_pages`` pages."""
        query = query or ListInvocationsQuery()
        offset = query.offset
        for _ in range(max_pages):
            page = self.list_invocations(
                project_id,
                query.model_copy(update={"offset": offset}),
                retry=retry,
                deadline=deadline,
            )
            yield from page.invocations
            offset += len(page.invocations)
            if not page.invocations or (page.count is not None and offset >= page.count):
                return
        logger.warning(
            "Task list paging stopped at the page limit",
            extra={"max_pages": max_pages, "offset": offset},
        )

    def query_agent_status(self, project_id: str, query: AgentStatusQuery) -> AgentStatusResponse:
        """Return the uniagent and telescope state of up to 2,000 instances."""
        path = f"/v3/{_check_project_id(project_id)}/agent-status/batch-query"
        response = self._call("POST", path, json=query.to_body(), resend_safe=True)
        return _parse(AgentStatusResponse, response, path=path)

    # -- the send path -------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        resend_safe: bool,
        json: Any = None,
        params: dict[str, str] | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> httpx.Response:
        policy = retry or self.retry
        hook = BackoffHook(
            policy,
            retryable=lambda exc: is_retryable(exc, resend_safe=resend_safe),
            method=method,
            path=path,
            on_retry=lambda _exc: self.stats.record_retry(),
            deadline=deadline,
        )
        for attempt in stamina.retry_context(
            on=hook,
            attempts=policy.attempts,
            timeout=policy.deadline_seconds,
        ):
            with attempt:
                return self._call_with_token_refresh(method, path, json=json, params=params)
        raise AssertionError("stamina ended the retry loop without a result or an error")

    def _call_with_token_refresh(
        self, method: str, path: str, *, json: Any, params: dict[str, str] | None
    ) -> httpx.Response:
        token = self._tokens.get_token()
        response = self._send(method, path, token, json=json, params=params)
        if response.status_code == 401:
            logger.info(
                "Cloud Eye rejected the token, refreshing it once",
                extra={
                    "method": method,
                    "path": path,
                    "cloud_eye_request_id": _request_id(response),
                },
            )
            self.stats.record_token_refresh()
            token = self._tokens.get_token(stale=token)
            response = self._send(method, path, token, json=json, params=params)
        _raise_for_status(method, path, response)
        return response

    def _send(
        self,
        method: str,
        path: str,
        token: SecretStr,
        *,
        json: Any,
        params: dict[str, str] | None,
    ) -> httpx.Response:
        request = self._http.build_request(
            method,
            self.endpoint + path,
            json=json,
            params=params,
            headers={TOKEN_HEADER: token.get_secret_value(), "Content-Type": CONTENT_TYPE},
        )
        started = time.perf_counter()
        try:
            response = self._http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            self.stats.record_call(latency_ms=_elapsed_ms(started), status_code=None)
            raise CloudEyeConnectError(
                f"could not connect to Cloud Eye for {method} {path}: {type(exc).__name__}; "
                f"check the endpoint {self.endpoint} and the network path to it",
                method=method,
                path=path,
            ) from exc
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            self.stats.record_call(latency_ms=_elapsed_ms(started), status_code=None)
            raise ResponseLostError(
                f"the response of Cloud Eye to {method} {path} was lost after the request was "
                f"sent: {type(exc).__name__}",
                method=method,
                path=path,
            ) from exc

        latency_ms = _elapsed_ms(started)
        self.stats.record_call(latency_ms=latency_ms, status_code=response.status_code)
        logger.info(
            "Cloud Eye call",
            extra={
                "method": method,
                "path": path,
                "status": response.status_code,
                "elapsed_ms": round(latency_ms, 1),
                "cloud_eye_request_id": _request_id(response),
            },
        )
        return response


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _request_id(response: httpx.Response) -> str | None:
    value: str | None = response.headers.get(REQUEST_ID_HEADER)
    return value


def _error_body(response: httpx.Response) -> ErrorBody:
    try:
        return ErrorBody.model_validate(response.json())
    except (ValueError, ValidationError):
        return ErrorBody()


def _raise_for_status(method: str, path: str, response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return

    body = _error_body(response)
    request_id = _request_id(response) or body.request_id
    fields: dict[str, Any] = {
        "method": method,
        "path": path,
        "error_code": body.error_code,
        "error_msg": body.error_msg,
        "request_id": request_id,
    }
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise CloudEyeThrottled(retry_after=retry_after, **fields)

    error_class: type[CloudEyeStatusError]
    if status >= 500:
        error_class = CloudEyeServerError
    elif status == 400:
        error_class = CloudEyeBadRequest
    elif status == 401:
        error_class = CloudEyeAuthError
    elif status == 403:
        error_class = CloudEyeForbidden
    else:
        error_class = CloudEyeStatusError
    raise error_class(status_code=status, **fields)


def _parse[ModelT: BaseModel](
    model: type[ModelT], response: httpx.Response, *, path: str
) -> ModelT:
    method = response.request.method
    try:
        data = response.json()
    except ValueError as exc:
        raise CloudEyeResponseError(
            f"Cloud Eye returned {response.status_code} for {method} {path} with a body that is "
            f"not JSON (request id {_request_id(response) or 'not given'})",
            method=method,
            path=path,
        ) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CloudEyeResponseError(
            f"Cloud Eye returned {response.status_code} for {method} {path} with a body that does "
            f"not match the contract ({describe_validation_error(exc)}; request id "
            f"{_request_id(response) or 'not given'})",
            method=method,
            path=path,
        ) from exc
