"""Tests of job planning: deduplication, chunking and the requests each chunk carries."""

import string
from collections import Counter
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from agent_fleet.contract import (
    INSTANCE_TARGETED,
    INVOCATION_TARGETED,
    MAX_HOSTS_PER_REQUEST,
    BatchCreateInvocationRequest,
    InvocationSpec,
    InvocationType,
    RemoteInstallHostInfo,
)
from agent_fleet.jobs import DuplicateTarget, Job, JobPlan, plan_job, target_field
from tests.jobs.factories import (
    PROJECT_ID,
    install_spec,
    instance_ids,
    make_job,
    remote_host,
    remote_install_spec,
    rollback_spec,
)

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)

_ID_ALPHABET = string.ascii_letters + string.digits + "-"

resource_ids = st.text(alphabet=_ID_ALPHABET, min_size=1, max_size=64)
chunk_sizes = st.integers(min_value=1, max_value=MAX_HOSTS_PER_REQUEST)


def ids_with_duplicates() -> st.SearchStrategy[list[str]]:
    """Draw up to 250 ids from a pool of up to 60, so duplicates are common."""
    pools = st.lists(resource_ids, min_size=1, max_size=60, unique=True)
    return pools.flatmap(lambda pool: st.lists(st.sampled_from(pool), min_size=1, max_size=250))


@st.composite
def remote_hosts_with_duplicates(draw: st.DrawFn) -> list[RemoteInstallHostInfo]:
    """Draw remote hosts whose ``ip:port`` keys repeat, each entry with its own name."""
    octets = st.integers(min_value=0, max_value=255)
    addresses = st.tuples(octets, octets, octets, octets).map(
        lambda parts: ".".join(map(str, parts))
    )
    ports = st.integers(min_value=1, max_value=65535).map(str)
    keys = draw(st.lists(st.tuples(addresses, ports), min_size=1, max_size=40, unique=True))
    picks = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=220))
    return [
        remote_host(address, port, name=f"host-{position}")
        for position, (address, port) in enumerate(picks)
    ]


def assert_plan_invariants(
    plan: JobPlan, keys: Sequence[str], chunk_size: int, spec: InvocationSpec
) -> None:
    """Check every planning invariant of ``plan`` made from targets ``keys``."""
    distinct = list(dict.fromkeys(keys))
    assert list(plan.targets) == distinct

    concatenated = [target for chunk in plan.chunks for target in chunk.targets]
    assert concatenated == distinct

    appearances = Counter(concatenated)
    assert all(count == 1 for count in appearances.values())

    assert [chunk.index for chunk in plan.chunks] == list(range(len(plan.chunks)))
    for chunk in plan.chunks:
        assert 1 <= len(chunk.targets) <= chunk_size

    extra = sum(duplicate.extra_occurrences for duplicate in plan.duplicates)
    assert extra == len(keys) - len(distinct)
    expected_duplicates = [
        DuplicateTarget(target=target, extra_occurrences=count - 1)
        for target, count in Counter(keys).items()
        if count > 1
    ]
    assert list(plan.duplicates) == expected_duplicates

    field = target_field(spec.invocation_type)
    for chunk in plan.chunks:
        request = chunk.request
        revalidated = BatchCreateInvocationRequest.model_validate(request.to_body())
        assert revalidated == request
        assert request.invocation_type == spec.invocation_type
        assert request.invocation_target == spec.invocation_target
        assert request.version_type == spec.version_type
        assert request.origin == spec.origin
        assert request.version == spec.version

        hosts = getattr(request, field)
        request_keys = [
            host.target_key if isinstance(host, RemoteInstallHostInfo) else host for host in hosts
        ]
        assert request_keys == list(chunk.targets)
        for other in {"instance_ids", "invocation_ids", "remote_install_meta"} - {field}:
            assert getattr(request, other) is None


@PROPERTY_SETTINGS
@given(
    ids=ids_with_duplicates(),
    chunk_size=chunk_sizes,
    invocation_type=st.sampled_from(sorted(INSTANCE_TARGETED)),
)
def test_plan_job_instance_targets_property(
    ids: list[str], chunk_size: int, invocation_type: InvocationType
) -> None:
    """Instance-targeted jobs keep every planning invariant for any ids and chunk size."""
    spec = install_spec(ids, invocation_type)

    plan = plan_job(make_job(spec), chunk_size=chunk_size)

    assert_plan_invariants(plan, ids, chunk_size, spec)


@PROPERTY_SETTINGS
@given(
    ids=ids_with_duplicates(),
    chunk_size=chunk_sizes,
    invocation_type=st.sampled_from(sorted(INVOCATION_TARGETED)),
)
def test_plan_job_invocation_targets_property(
    ids: list[str], chunk_size: int, invocation_type: InvocationType
) -> None:
    """ROLLBACK and RETRY jobs keep every planning invariant, with invocation ids as targets."""
    spec = rollback_spec(ids, invocation_type)

    plan = plan_job(make_job(spec), chunk_size=chunk_size)

    assert_plan_invariants(plan, ids, chunk_size, spec)


@PROPERTY_SETTINGS
@given(hosts=remote_hosts_with_duplicates(), chunk_size=chunk_sizes)
def test_plan_job_remote_install_property(
    hosts: list[RemoteInstallHostInfo], chunk_size: int
) -> None:
    """REMOTE_INSTALL jobs keep every planning invariant and send the first entry of each key."""
    spec = remote_install_spec(hosts)

    plan = plan_job(make_job(spec), chunk_size=chunk_size)

    keys = [host.target_key for host in hosts]
    assert_plan_invariants(plan, keys, chunk_size, spec)

    first_entries: dict[str, RemoteInstallHostInfo] = {}
    for host in hosts:
        first_entries.setdefault(host.target_key, host)
    sent = [host for chunk in plan.chunks for host in chunk.request.remote_install_meta or []]
    assert sent == list(first_entries.values())


def test_plan_job_default_chunk_size_is_100() -> None:
    """250 distinct ids become chunks of 100, 100 and 50 hosts by default."""
    plan = plan_job(make_job(install_spec(instance_ids(250))))

    assert [len(chunk.targets) for chunk in plan.chunks] == [100, 100, 50]
    assert plan.chunks[2].request.instance_ids == instance_ids(250)[200:]


def test_plan_job_reports_duplicates_in_first_occurrence_order() -> None:
    """Repeated ids are sent once and reported with their extra occurrences."""
    spec = install_spec(["i-b", "i-a", "i-b", "i-c", "i-a", "i-b"])

    plan = plan_job(make_job(spec), chunk_size=2)

    assert plan.targets == ("i-b", "i-a", "i-c")
    assert plan.duplicates == (
        DuplicateTarget(target="i-b", extra_occurrences=2),
        DuplicateTarget(target="i-a", extra_occurrences=1),
    )
    assert [chunk.targets for chunk in plan.chunks] == [("i-b", "i-a"), ("i-c",)]


def test_plan_job_without_duplicates_reports_none() -> None:
    """A job of distinct ids has an empty duplicate list."""
    plan = plan_job(make_job(install_spec(instance_ids(5))))

    assert plan.duplicates == ()


@pytest.mark.parametrize(
    "chunk_size",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(101, id="over-100"),
        pytest.param(True, id="bool"),
        pytest.param(2.5, id="float"),
    ],
)
def test_plan_job_rejects_invalid_chunk_size(chunk_size: int) -> None:
    """A chunk size outside 1..100 raises ValueError naming the value and the range."""
    job = make_job(install_spec(instance_ids(3)))

    with pytest.raises(ValueError, match="chunk_size") as caught:
        plan_job(job, chunk_size=chunk_size)

    assert repr(chunk_size) in str(caught.value)
    assert "from 1 to 100" in str(caught.value)


def test_plan_job_keeps_unset_fields_unset() -> None:
    """Fields the spec leaves out stay out of every chunk's JSON body."""
    spec = InvocationSpec(invocation_type=InvocationType.UPDATE, instance_ids=["i-1", "i-2"])

    plan = plan_job(make_job(spec))

    assert plan.chunks[0].request.to_body() == {
        "invocation_type": "UPDATE",
        "instance_ids": ["i-1", "i-2"],
    }


def test_plan_job_remote_install_first_entry_wins() -> None:
    """A later entry with the same address and port is not sent, whatever its other fields."""
    first = remote_host("10.0.0.5", "22", name="first", password="first-secret")
    second = remote_host("10.0.0.5", "22", name="second", password="second-secret")
    other_port = remote_host("10.0.0.5", "2222", name="other-port")

    plan = plan_job(make_job(remote_install_spec([first, second, other_port])))

    assert plan.targets == ("10.0.0.5:22", "10.0.0.5:2222")
    assert plan.duplicates == (DuplicateTarget(target="10.0.0.5:22", extra_occurrences=1),)
    body = plan.chunks[0].request.to_body()
    assert [host["instance_name"] for host in body["remote_install_meta"]] == [
        "first",
        "other-port",
    ]
    assert body["remote_install_meta"][0]["password"] == "first-secret"


def test_plan_job_repr_hides_passwords() -> None:
    """The plan's repr masks remote-install passwords."""
    plan = plan_job(make_job(remote_install_spec([remote_host("10.0.0.7", password="s3cr3t-pw")])))

    assert "s3cr3t-pw" not in repr(plan)


@pytest.mark.parametrize(
    ("spec_fields", "foreign_field"),
    [
        pytest.param(
            {"invocation_type": "INSTALL", "instance_ids": ["i-1"], "invocation_ids": ["v-1"]},
            "invocation_ids",
            id="install-with-invocation-ids",
        ),
        pytest.param(
            {"invocation_type": "ROLLBACK", "invocation_ids": ["v-1"], "instance_ids": ["i-1"]},
            "instance_ids",
            id="rollback-with-instance-ids",
        ),
        pytest.param(
            {
                "invocation_type": "REMOTE_INSTALL",
                "remote_install_meta": [
                    {
                        "instance_name": "web",
                        "remote_ip": "10.0.0.1",
                        "user_name": "root",
                        "port": "22",
                        "password": "pw",
                    }
                ],
                "instance_ids": ["i-1"],
            },
            "instance_ids",
            id="remote-install-with-instance-ids",
        ),
    ],
)
def test_job_rejects_host_list_of_other_type(
    spec_fields: dict[str, object], foreign_field: str
) -> None:
    """A spec that sets a host list its invocation type does not use is invalid."""
    with pytest.raises(ValidationError, match=f"{foreign_field} must not be set"):
        InvocationSpec.model_validate(spec_fields)


@pytest.mark.parametrize(
    ("job_id", "project_id"),
    [
        pytest.param("", PROJECT_ID, id="empty-job-id"),
        pytest.param("j" * 129, PROJECT_ID, id="long-job-id"),
        pytest.param("job-1", "", id="empty-project-id"),
        pytest.param("job-1", "project/../x", id="project-id-with-slash"),
        pytest.param("job-1", "p" * 65, id="long-project-id"),
    ],
)
def test_job_rejects_invalid_ids(job_id: str, project_id: str) -> None:
    """Empty or over-long job ids and project ids outside the path rules are invalid."""
    with pytest.raises(ValidationError):
        Job(job_id=job_id, project_id=project_id, spec=install_spec(["i-1"]))


@pytest.mark.parametrize(
    ("invocation_type", "field"),
    [
        pytest.param(InvocationType.INSTALL, "instance_ids", id="install"),
        pytest.param(InvocationType.UPDATE, "instance_ids", id="update"),
        pytest.param(InvocationType.SET_REMOTE_INSTALLER, "instance_ids", id="set-installer"),
        pytest.param(InvocationType.ROLLBACK, "invocation_ids", id="rollback"),
        pytest.param(InvocationType.RETRY, "invocation_ids", id="retry"),
        pytest.param(InvocationType.REMOTE_INSTALL, "remote_install_meta", id="remote-install"),
    ],
)
def test_target_field_per_invocation_type(invocation_type: InvocationType, field: str) -> None:
    """Each invocation type takes its hosts from the documented list."""
    assert target_field(invocation_type) == field
