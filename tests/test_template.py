"""Tests of the SAM template and of the sample events in events/.

The template is read with cfn-lint's own decoder, which turns the short
intrinsic tags (``!Ref``, ``!If``, ...) into their long JSON forms, so the
checks below compare plain dictionaries.
"""

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, cast

import pytest
from cfnlint.api import lint_file  # type: ignore[import-untyped]
from cfnlint.decode import decode_str  # type: ignore[import-untyped]

from agent_fleet.credentials.constants import SECRETS_SOURCE_CHOICES, SECRETS_SOURCE_ENV
from agent_fleet.jobs import ErrorThreshold
from agent_fleet.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
EVENTS_DIR = ROOT / "events"

FUNCTION_IDS = ("HttpApiFunction", "ScheduledJobFunction")
SECRET_PARAMETER = "CloudEyeTokenSecretArn"
SAMPLE_SECRET_ARN = (
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:agent-fleet/cloud-eye-AbC123"
)

# Cloud Eye's rule for instance ids: 1 to 64 letters, digits and hyphens.
INSTANCE_ID_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,64}$")
# A CloudFormation parameter value is at most 4,096 characters long.
MAX_PARAMETER_VALUE_CHARS = 4096

EXPECTED_ROUTES = {
    ("POST", "/v3/{project_id}/agent-invocations/batch-create"),
    ("GET", "/v3/{project_id}/agent-invocations"),
    ("POST", "/v3/{project_id}/agent-status/batch-query"),
    ("GET", "/openapi.json"),
}
EXPECTED_ENVIRONMENT = {
    "CLOUD_EYE_ENDPOINT",
    "CLOUD_EYE_REGION",
    "CLOUD_EYE_TOKEN_SECRET_ID",
    "AGENT_FLEET_MAX_CONCURRENCY",
    "AGENT_FLEET_MAX_HOSTS",
    "AGENT_FLEET_MAX_ERRORS",
    "AGENT_FLEET_REQUEST_TIMEOUT_SECONDS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "SECRETS_MANAGER_TTL",
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
}
FLEET_EVENTS = ("http-batch-create-2500-hosts.json", "scheduled-update-2500-hosts.json")
PUBLISHED_EXAMPLE_BODY = {
    "instance_ids": ["instancexxx001", "instancexxx002"],
    "invocation_type": "INSTALL",
    "invocation_target": "telescope",
}
VALID_INVOCATION_TYPES = {
    "INSTALL",
    "UPDATE",
    "ROLLBACK",
    "RETRY",
    "SET_REMOTE_INSTALLER",
    "REMOTE_INSTALL",
}


# Helpers ------------------------------------------------------------------


@cache
def load_template() -> dict[str, Any]:
    """Decode template.yaml once, failing on any parse error."""
    template, matches = decode_str(TEMPLATE_PATH.read_text())
    assert not matches, [str(match) for match in matches]
    assert template is not None
    return cast(dict[str, Any], template)


def resources() -> dict[str, Any]:
    return cast(dict[str, Any], load_template()["Resources"])


def properties(logical_id: str) -> dict[str, Any]:
    return cast(dict[str, Any], resources()[logical_id]["Properties"])


def function_setting(function_id: str, name: str) -> Any:
    """Return a function property, falling back to Globals.Function as SAM does."""
    own = properties(function_id)
    if name in own:
        return own[name]
    return load_template()["Globals"]["Function"].get(name)


def function_environment(function_id: str) -> dict[str, Any]:
    """Merge the Globals and function variables. As in SAM, a function's own value wins."""
    global_variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    own_variables = properties(function_id).get("Environment", {}).get("Variables", {})
    return {**global_variables, **own_variables}


def role_statements(function_id: str) -> list[Any]:
    """Return every statement of the inline policies of a function's execution role."""
    role_ref = properties(function_id)["Role"]
    assert role_ref == {"Fn::GetAtt": [f"{function_id}Role", "Arn"]}
    role = resources()[f"{function_id}Role"]
    assert role["Type"] == "AWS::IAM::Role"

    statements: list[Any] = []
    for policy in role["Properties"]["Policies"]:
        statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


def unwrap_conditional(statement: Any) -> tuple[str | None, dict[str, Any]]:
    """Split ``Fn::If [cond, statement, AWS::NoValue]`` into its condition and statement."""
    if "Fn::If" in statement:
        condition, when_true, when_false = statement["Fn::If"]
        assert when_false == {"Ref": "AWS::NoValue"}
        return condition, when_true
    return None, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def evaluate(value: Any, parameters: dict[str, str]) -> Any:
    """Evaluate Ref, Fn::Equals, Fn::Not and Fn::If against parameter values."""
    if not isinstance(value, dict) or len(value) != 1:
        return value

    ((function, argument),) = value.items()
    if function == "Ref":
        return parameters.get(argument, value)
    if function == "Fn::Equals":
        left, right = argument
        return str(evaluate(left, parameters)) == str(evaluate(right, parameters))
    if function == "Fn::Not":
        return not evaluate(argument[0], parameters)
    if function == "Fn::If":
        condition, when_true, when_false = argument
        holds = evaluate(load_template()["Conditions"][condition], parameters)
        return evaluate(when_true if holds else when_false, parameters)
    return value


def parameter_defaults(**overrides: str) -> dict[str, str]:
    """Return each parameter's default as a string, the way CloudFormation passes it."""
    values = {
        name: str(definition["Default"])
        for name, definition in load_template()["Parameters"].items()
        if "Default" in definition
    }
    values[SECRET_PARAMETER] = SAMPLE_SECRET_ARN
    values.update(overrides)
    return values


def iter_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from iter_strings(item)


def load_event(name: str) -> Any:
    return json.loads((EVENTS_DIR / name).read_text())


def event_names(prefix: str = "") -> list[str]:
    return sorted(path.name for path in EVENTS_DIR.glob(f"{prefix}*.json"))


def event_body(name: str) -> Any:
    return json.loads(load_event(name)["body"])


# Template -----------------------------------------------------------------


def test_template_cfn_lint_clean() -> None:
    """cfn-lint reports no error, warning or informational match on template.yaml."""
    matches = lint_file(TEMPLATE_PATH)

    assert [str(match) for match in matches] == []


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_runs_python313_on_arm64(function_id: str) -> None:
    """Each function runs on python3.13 and arm64 with its app.lambda_handler."""
    assert resources()[function_id]["Type"] == "AWS::Serverless::Function"
    assert function_setting(function_id, "Runtime") == "python3.13"
    assert function_setting(function_id, "Architectures") == ["arm64"]
    assert function_setting(function_id, "Handler") == "app.lambda_handler"
    assert function_setting(function_id, "MemorySize") == 512


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_uses_agent_fleet_layer(function_id: str) -> None:
    """Each function loads the agent_fleet layer, and the extension layer only when set."""
    layers = function_setting(function_id, "Layers")

    assert {"Ref": "AgentFleetLayer"} in layers
    extension = [layer for layer in layers if layer != {"Ref": "AgentFleetLayer"}]
    assert extension == [
        {
            "Fn::If": [
                "HasSecretsExtension",
                {"Ref": "SecretsExtensionLayerArn"},
                {"Ref": "AWS::NoValue"},
            ]
        }
    ]


def test_layer_builds_for_python313_arm64() -> None:
    """The layer is built by SAM for python3.13 on arm64 from layers/agent_fleet/."""
    layer = resources()["AgentFleetLayer"]

    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"] == {"BuildMethod": "python3.13"}
    assert layer["Properties"]["ContentUri"] == "layers/agent_fleet/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_role_reads_only_token_secret(function_id: str) -> None:
    """The only Secrets Manager grant is GetSecretValue on the secret parameter."""
    secret_statements = []
    for statement in role_statements(function_id):
        _, body = unwrap_conditional(statement)
        actions = as_list(body["Action"])
        if any(action.lower().startswith("secretsmanager:") for action in actions):
            secret_statements.append(body)

    assert len(secret_statements) == 1
    assert secret_statements[0]["Effect"] == "Allow"
    assert as_list(secret_statements[0]["Action"]) == ["secretsmanager:GetSecretValue"]
    assert secret_statements[0]["Resource"] == {"Ref": SECRET_PARAMETER}


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_role_has_no_wildcards(function_id: str) -> None:
    """No statement of a function role grants a wildcard action or resource."""
    for statement in role_statements(function_id):
        _, body = unwrap_conditional(statement)

        for action in as_list(body["Action"]):
            assert "*" not in action, body
        for resource in iter_strings(body["Resource"]):
            assert "*" not in resource, body


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_role_decrypts_only_with_key_parameter(function_id: str) -> None:
    """kms:Decrypt is granted only when KmsKeyArn is set, on that key, via Secrets Manager."""
    kms_statements = []
    for statement in role_statements(function_id):
        condition, body = unwrap_conditional(statement)
        if any(action.startswith("kms:") for action in as_list(body["Action"])):
            kms_statements.append((condition, body))

    assert len(kms_statements) == 1
    condition, body = kms_statements[0]
    assert condition == "HasKmsKey"
    assert as_list(body["Action"]) == ["kms:Decrypt"]
    assert body["Resource"] == {"Ref": "KmsKeyArn"}
    assert "kms:ViaService" in body["Condition"]["StringEquals"]


def test_secret_parameter_requires_full_arn() -> None:
    """The secret parameter accepts a full secret ARN and rejects a name or partial ARN."""
    pattern = re.compile(load_template()["Parameters"][SECRET_PARAMETER]["AllowedPattern"])

    assert pattern.fullmatch(SAMPLE_SECRET_ARN)
    assert not pattern.fullmatch("agent-fleet/cloud-eye")
    assert not pattern.fullmatch(SAMPLE_SECRET_ARN.removesuffix("-AbC123"))
    assert not pattern.fullmatch("*")


@pytest.mark.parametrize("value", ["0", "25", "999999", "0%", "10%", "100%"])
def test_max_errors_pattern_accepts_library_thresholds(value: str) -> None:
    """Each MaxErrors value the template admits is one the job library parses."""
    pattern = re.compile(load_template()["Parameters"]["MaxErrors"]["AllowedPattern"])

    assert pattern.fullmatch(value)
    assert ErrorThreshold.parse(value) is not None


@pytest.mark.parametrize("value", ["101%", "-1", "1.5", "ten", "10 %", "1000000"])
def test_max_errors_pattern_rejects_bad_thresholds(value: str) -> None:
    """MaxErrors rejects values the operator most likely mistyped."""
    pattern = re.compile(load_template()["Parameters"]["MaxErrors"]["AllowedPattern"])

    assert not pattern.fullmatch(value)


def test_globals_environment_sets_every_setting() -> None:
    """Globals give both functions every variable the handlers read."""
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]

    assert set(variables) >= EXPECTED_ENVIRONMENT
    assert variables["CLOUD_EYE_TOKEN_SECRET_ID"] == {"Ref": SECRET_PARAMETER}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "agent-fleet"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "AgentFleet"
    assert variables["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert variables["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == "2773"


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_environment_defaults_load_into_settings(function_id: str) -> None:
    """The environment a default deploy gives each function passes the library's Settings."""
    environ = {}
    for name, value in function_environment(function_id).items():
        resolved = evaluate(value, parameter_defaults())
        if resolved != {"Ref": "AWS::NoValue"}:
            environ[name] = str(resolved)

    settings = Settings.from_environ(environ)

    assert "CLOUD_EYE_ENDPOINT" not in environ
    assert "AGENT_FLEET_MAX_ERRORS" not in environ
    assert settings.token_secret_id == SAMPLE_SECRET_ARN
    assert settings.cloud_eye_endpoint == "https://ces.ap-southeast-1.myhuaweicloud.com"
    assert settings.max_concurrency == 10
    assert settings.max_hosts == 10_000


@pytest.mark.parametrize(
    ("extension_arn", "expected_source"),
    [
        ("", "secretsmanager"),
        (
            "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:12",
            "extension",
        ),
    ],
)
def test_secrets_source_follows_extension_layer(extension_arn: str, expected_source: str) -> None:
    """The secret source variable names the extension only when its layer is attached."""
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    parameters = parameter_defaults(SecretsExtensionLayerArn=extension_arn)

    source = evaluate(variables[SECRETS_SOURCE_ENV], parameters)

    assert source == expected_source
    assert source in SECRETS_SOURCE_CHOICES


@pytest.mark.parametrize(
    ("function_id", "max_timeout"),
    [("HttpApiFunction", 29), ("ScheduledJobFunction", 900)],
)
def test_function_deadline_leaves_margin(function_id: str, max_timeout: int) -> None:
    """Each job deadline ends before its function's Timeout, which fits its trigger."""
    timeout = function_setting(function_id, "Timeout")
    deadline = float(function_environment(function_id)["AGENT_FLEET_JOB_DEADLINE_SECONDS"])
    request_timeout = float(parameter_defaults()["RequestTimeoutSeconds"])

    assert timeout <= max_timeout
    assert deadline < timeout
    assert request_timeout < deadline


def test_http_api_requires_iam_auth() -> None:
    """The HTTP API authorises every route with AWS_IAM."""
    api = resources()["HttpApi"]

    assert api["Type"] == "AWS::Serverless::HttpApi"
    assert api["Properties"]["Auth"] == {
        "EnableIamAuthorizer": True,
        "DefaultAuthorizer": "AWS_IAM",
    }
    for event in properties("HttpApiFunction")["Events"].values():
        assert "Auth" not in event["Properties"]


def test_http_api_routes_use_payload_v2() -> None:
    """HttpApiFunction serves exactly the four routes, with payload format 2.0."""
    routes = set()
    for event in properties("HttpApiFunction")["Events"].values():
        assert event["Type"] == "HttpApi"
        assert event["Properties"]["ApiId"] == {"Ref": "HttpApi"}
        assert event["Properties"]["PayloadFormatVersion"] == "2.0"
        routes.add((event["Properties"]["Method"], event["Properties"]["Path"]))

    assert routes == EXPECTED_ROUTES


def schedule_event() -> dict[str, Any]:
    events = properties("ScheduledJobFunction")["Events"]
    assert len(events) == 1
    (event,) = events.values()
    assert event["Type"] == "ScheduleV2"
    return cast(dict[str, Any], event["Properties"])


def test_schedule_disabled_by_default() -> None:
    """The schedule is DISABLED with default parameters and ENABLED only on request."""
    state = schedule_event()["State"]

    assert evaluate(state, parameter_defaults()) == "DISABLED"
    assert evaluate(state, parameter_defaults(ScheduleEnabled="true")) == "ENABLED"


def test_schedule_delivery_settings() -> None:
    """The schedule passes the job spec, retries twice and dead-letters to its queue."""
    schedule = schedule_event()

    assert schedule["Input"] == {"Ref": "ScheduledJobSpec"}
    assert schedule["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "ScheduleTimezone"}
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["RetryPolicy"]["MaximumRetryAttempts"] == 2
    assert 60 <= schedule["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 86400
    assert schedule["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
    }
    assert resources()["ScheduleDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"


def test_job_spec_default_is_small_update() -> None:
    """The default ScheduledJobSpec is a valid UPDATE job that Scheduler gives a run id."""
    default = load_template()["Parameters"]["ScheduledJobSpec"]["Default"]
    spec = json.loads(default)

    assert len(default) <= MAX_PARAMETER_VALUE_CHARS
    assert spec["invocation_type"] == "UPDATE"
    assert spec["version_type"] in {"BASIC_VERSION", "ADVANCE_VERSION"}
    assert 1 <= len(spec["project_id"]) <= 64
    assert 1 <= len(spec["instance_ids"]) <= 100
    assert all(INSTANCE_ID_PATTERN.fullmatch(host) for host in spec["instance_ids"])
    assert spec["job_id"] == "<aws.scheduler.execution-id>"


@pytest.mark.parametrize(
    ("function_id", "metric"),
    [(function_id, metric) for function_id in FUNCTION_IDS for metric in ("Errors", "Throttles")],
)
def test_alarm_watches_function_metric(function_id: str, metric: str) -> None:
    """The function has one alarm on the metric, and it notifies the optional topic."""
    alarms = [
        resource["Properties"]
        for resource in resources().values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and resource["Properties"]["MetricName"] == metric
        and {"Name": "FunctionName", "Value": {"Ref": function_id}}
        in resource["Properties"]["Dimensions"]
    ]

    assert len(alarms) == 1
    assert alarms[0]["Namespace"] == "AWS/Lambda"
    assert alarms[0]["AlarmActions"] == {
        "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
    }


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_logs_to_retained_log_group(function_id: str) -> None:
    """Each function writes to its own log group, kept for LogRetentionDays."""
    log_group_id = properties(function_id)["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = resources()[log_group_id]

    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert load_template()["Parameters"]["LogRetentionDays"]["Default"] == 30


def test_stack_outputs_complete() -> None:
    """The stack outputs the API URL, both function ARNs, the layer ARN and the DLQ URL."""
    outputs = load_template()["Outputs"]

    assert "${HttpApi}" in outputs["HttpApiUrl"]["Value"]["Fn::Sub"]
    assert outputs["HttpApiFunctionArn"]["Value"] == {"Fn::GetAtt": ["HttpApiFunction", "Arn"]}
    assert outputs["ScheduledJobFunctionArn"]["Value"] == {
        "Fn::GetAtt": ["ScheduledJobFunction", "Arn"]
    }
    assert outputs["AgentFleetLayerArn"]["Value"] == {"Ref": "AgentFleetLayer"}
    assert outputs["ScheduleDeadLetterQueueUrl"]["Value"] == {"Ref": "ScheduleDeadLetterQueue"}


# Events -------------------------------------------------------------------


@pytest.mark.parametrize("name", event_names())
def test_event_parses_as_json(name: str) -> None:
    """Every sample event is one JSON object."""
    assert isinstance(load_event(name), dict)


@pytest.mark.parametrize("name", event_names("http-"))
def test_http_event_matches_template_route(name: str) -> None:
    """Each HTTP event is a payload 2.0, IAM-authorised event for a route of the template."""
    event = load_event(name)
    context = event["requestContext"]
    method, path = event["routeKey"].split(" ", 1)

    assert event["version"] == "2.0"
    assert (method, path) in EXPECTED_ROUTES
    assert context["routeKey"] == event["routeKey"]
    assert context["http"]["method"] == method
    assert context["http"]["path"] == event["rawPath"]
    assert context["stage"] == "$default"
    assert context["authorizer"]["iam"]["userArn"].startswith("arn:aws:sts::")
    assert isinstance(context["timeEpoch"], int)
    assert event["isBase64Encoded"] is False

    expected_path = path.replace(
        "{project_id}", event.get("pathParameters", {}).get("project_id", "")
    )
    assert event["rawPath"] == expected_path


@pytest.mark.parametrize(
    "name", [name for name in event_names("http-") if "body" in load_event(name)]
)
def test_http_event_content_length_matches(name: str) -> None:
    """Each HTTP body is a string whose length matches its content-length header."""
    event = load_event(name)

    assert isinstance(event["body"], str)
    assert event["headers"]["content-length"] == str(len(event["body"].encode()))


def test_published_example_body_unchanged() -> None:
    """The published-example event carries Huawei's example request body unchanged."""
    event = load_event("http-batch-create-published-example.json")

    assert event["pathParameters"] == {"project_id": "0123456789abcdef0123456789abcdef"}
    assert event_body("http-batch-create-published-example.json") == PUBLISHED_EXAMPLE_BODY


def job_spec(name: str) -> dict[str, Any]:
    spec = event_body(name) if name.startswith("http-") else load_event(name)
    return cast(dict[str, Any], spec)


@pytest.mark.parametrize("name", FLEET_EVENTS)
def test_fleet_event_has_2500_distinct_valid_ids(name: str) -> None:
    """Each fleet event names 2,500 distinct ids that follow Cloud Eye's id rule."""
    spec = job_spec(name)
    instance_ids = spec["instance_ids"]

    assert len(instance_ids) == 2500
    assert len(set(instance_ids)) == 2500
    invalid = [host for host in instance_ids if not INSTANCE_ID_PATTERN.fullmatch(host)]
    assert invalid == []
    assert spec["invocation_type"] == "UPDATE"
    assert spec["version_type"] == "BASIC_VERSION"


@pytest.mark.parametrize("name", event_names("scheduled-"))
def test_scheduled_event_is_job_spec_with_run_id(name: str) -> None:
    """Each scheduled event is a bare job spec whose job_id is a Scheduler run id."""
    spec = load_event(name)

    assert "requestContext" not in spec
    assert "detail-type" not in spec
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", spec["job_id"]
    )
    assert spec["project_id"] == "0123456789abcdef0123456789abcdef"


def test_scheduled_small_event_is_valid_update() -> None:
    """The small scheduled event is a valid UPDATE of three hosts."""
    spec = load_event("scheduled-update-small.json")

    assert spec["invocation_type"] == "UPDATE"
    assert len(set(spec["instance_ids"])) == 3
    assert all(INSTANCE_ID_PATTERN.fullmatch(host) for host in spec["instance_ids"])


def test_invalid_json_event_body_is_malformed() -> None:
    """The invalid-json event's body does not parse as JSON."""
    body = load_event("http-batch-create-invalid-json.json")["body"]

    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_not_an_object_event_body_is_array() -> None:
    """The not-an-object event's body is a JSON array."""
    assert isinstance(event_body("http-batch-create-not-an-object.json"), list)


@pytest.mark.parametrize("name", ["http-batch-create-bad-enum.json", "scheduled-invalid-spec.json"])
def test_bad_enum_event_names_unknown_type(name: str) -> None:
    """The bad-enum events name an invocation type Cloud Eye does not offer."""
    spec = job_spec(name)

    assert spec["invocation_type"] == "REINSTALL"
    assert spec["invocation_type"] not in VALID_INVOCATION_TYPES


def test_missing_instance_ids_event_omits_field() -> None:
    """The missing-instance-ids event is an INSTALL without instance_ids."""
    body = event_body("http-batch-create-missing-instance-ids.json")

    assert body["invocation_type"] == "INSTALL"
    assert "instance_ids" not in body


def test_bad_instance_id_event_breaks_id_rule() -> None:
    """The bad-instance-id event has one id with a slash and one of 65 characters."""
    instance_ids = event_body("http-batch-create-bad-instance-id.json")["instance_ids"]

    assert any("/" in host for host in instance_ids)
    assert any(len(host) == 65 for host in instance_ids)


def test_bad_remote_meta_event_has_impossible_address() -> None:
    """The bad-remote-meta event has an IPv4 octet above 255 and a port above 65535."""
    body = event_body("http-batch-create-bad-remote-meta.json")
    (host,) = body["remote_install_meta"]

    assert body["invocation_type"] == "REMOTE_INSTALL"
    assert max(int(octet) for octet in host["remote_ip"].split(".")) > 255
    assert int(host["port"]) > 65535


def test_empty_list_event_has_no_hosts() -> None:
    """The empty-list event sends instance_ids as an empty list."""
    assert event_body("http-batch-create-empty-list.json")["instance_ids"] == []


def test_wrong_types_event_has_wrong_types() -> None:
    """The wrong-types event sends instance_ids as a string and version as a number."""
    body = event_body("http-batch-create-wrong-types.json")

    assert isinstance(body["instance_ids"], str)
    assert isinstance(body["version"], int | float)


def test_list_invocations_event_has_query() -> None:
    """The list event is a GET with instance_id and limit in its query string."""
    event = load_event("http-list-invocations.json")

    assert event["queryStringParameters"] == {"instance_id": "instancexxx001", "limit": "50"}
    assert event["rawQueryString"] == "instance_id=instancexxx001&limit=50"
    assert "body" not in event


def test_events_readme_lists_every_event() -> None:
    """events/README.md describes every sample event file."""
    readme = (EVENTS_DIR / "README.md").read_text()

    missing = [name for name in event_names() if f"`{name}`" not in readme]
    assert missing == []
