"""Builders of jobs and a rule-driven stand-in for the Cloud Eye submit function."""

import threading
import time
from collections.abc import Callable, Sequence

from agent_fleet.contract import (
    InvocationSpec,
    InvocationTarget,
    InvocationType,
    Origin,
    RemoteInstallHostInfo,
    VersionType,
)
from agent_fleet.jobs import Chunk, HostOutcome, Job, OutcomeStatus

PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
REMOTE_PASSWORD = "hunter2-remote"

OutcomeRule = Callable[[str], OutcomeStatus]


def instance_ids(count: int, prefix: str = "i-") -> list[str]:
    """Return ``count`` distinct ids such as ``i-0000``, in order."""
    return [f"{prefix}{number:04d}" for number in range(count)]


def install_spec(
    ids: Sequence[str], invocation_type: InvocationType = InvocationType.INSTALL
) -> InvocationSpec:
    """Return an instance-targeted spec with every optional field set."""
    return InvocationSpec(
        invocation_type=invocation_type,
        instance_ids=list(ids),
        invocation_target=InvocationTarget.TELESCOPE,
        version_type=VersionType.ADVANCE_VERSION,
        origin=Origin.CES,
        version="3.2.1",
    )


def rollback_spec(
    ids: Sequence[str], invocation_type: InvocationType = InvocationType.ROLLBACK
) -> InvocationSpec:
    """Return an invocation-targeted spec for earlier tasks ``ids``."""
    return InvocationSpec(
        invocation_type=invocation_type,
        invocation_ids=list(ids),
        invocation_target=InvocationTarget.TELESCOPE,
        origin=Origin.ADMIN_SERVER,
    )


def remote_host(
    remote_ip: str, port: str = "22", *, name: str = "web", password: str = REMOTE_PASSWORD
) -> RemoteInstallHostInfo:
    """Return a remote host that logs in with a password."""
    return RemoteInstallHostInfo(
        instance_name=name,
        remote_ip=remote_ip,
        user_name="root",
        port=port,
        password=password,
        remote_use_pem=False,
    )


def remote_install_spec(hosts: Sequence[RemoteInstallHostInfo]) -> InvocationSpec:
    """Return a REMOTE_INSTALL spec for ``hosts``."""
    return InvocationSpec(
        invocation_type=InvocationType.REMOTE_INSTALL,
        remote_install_meta=list(hosts),
        invocation_target=InvocationTarget.TELESCOPE,
        version_type=VersionType.BASIC_VERSION,
    )


def make_job(spec: InvocationSpec, job_id: str = "job-test-1") -> Job:
    """Return a job of ``spec`` in the test project."""
    return Job(job_id=job_id, project_id=PROJECT_ID, spec=spec)


def always_successful(target: str) -> OutcomeStatus:
    """Return ``successful`` for every target."""
    return OutcomeStatus.SUCCESSFUL


class RuleSubmitter:
    """A stand-in for the Cloud Eye submit function whose outcome per host follows a rule.

    It records the order of calls and the maximum number of calls in flight at
    once, and can sleep to make calls overlap.
    """

    def __init__(self, rule: OutcomeRule = always_successful, *, delay: float = 0.0) -> None:
        self.rule = rule
        self.delay = delay
        self.called_chunks: list[int] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, chunk: Chunk) -> list[HostOutcome]:
        with self._lock:
            self.called_chunks.append(chunk.index)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return [self.outcome_for(target) for target in chunk.targets]
        finally:
            with self._lock:
                self._in_flight -= 1

    def outcome_for(self, target: str) -> HostOutcome:
        """Return the outcome the rule gives ``target``, shaped as the real client would."""
        status = self.rule(target)
        if status is OutcomeStatus.SUCCESSFUL:
            return HostOutcome(
                target=target, status=status, instance_id=target, invocation_id=f"inv-{target}"
            )
        if status is OutcomeStatus.ERROR:
            return HostOutcome(
                target=target,
                status=status,
                instance_id=target,
                error_code="invocationmgr.0001",
                error_msg="do not meet the installation conditions",
            )
        return HostOutcome(target=target, status=status, reason=f"{status} by test rule")


class FakeClock:
    """A manual monotonic clock in seconds."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now += seconds
