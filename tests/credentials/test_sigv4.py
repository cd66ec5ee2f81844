"""SigV4 signatures from httpx-auth, checked against botocore's signer as an independent reference.

LocalStack accepts any signature, so these tests recompute each signature
with botocore (allowed in tests) from the same request and the same
``x-amz-date``. That is how AWS verifies a signature: it reads
``SignedHeaders`` from the ``Authorization`` header and signs those headers
and the body again.
"""

import hashlib
import re

import httpx
import pytest
from botocore.auth import SigV4Auth  # noqa: TID251 (an independent signer, in tests only)
from botocore.awsrequest import AWSRequest  # noqa: TID251
from botocore.credentials import Credentials  # noqa: TID251
from pydantic import SecretStr

from agent_fleet.credentials import AwsCredentials, SecretsManagerSource
from tests.credentials.servers import Reply, scripted_server

AUTHORIZATION_PATTERN = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<access_key>[^/]+)/(?P<scope>[^,]+), "
    r"SignedHeaders=(?P<signed_headers>[^,]+), Signature=(?P<signature>[0-9a-f]{64})$"
)
# Keys from AWS's SigV4 documentation examples.
EXAMPLE_ACCESS_KEY = "AKIDEXAMPLE"
EXAMPLE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def reference_signature(
    *,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    credentials: AwsCredentials,
    service: str,
) -> tuple[str, str]:
    """Sign with botocore at the request's own x-amz-date.

    Returns the credential (access key and scope) and the signature.
    """
    session_token = (
        credentials.session_token.get_secret_value() if credentials.session_token else None
    )
    signer = SigV4Auth(
        Credentials(
            credentials.access_key_id.get_secret_value(),
            credentials.secret_access_key.get_secret_value(),
            session_token,
        ),
        service,
        credentials.region,
    )
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    request.context["timestamp"] = headers["x-amz-date"]
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    return signer.scope(request), signer.signature(string_to_sign, request)


def signed_subset(headers: httpx.Headers | dict[str, str], signed_headers: str) -> dict[str, str]:
    """Keep the headers the Authorization header says were signed."""
    lowered = {name.lower(): value for name, value in headers.items()}
    return {name: lowered[name] for name in signed_headers.split(";")}


@pytest.mark.parametrize(
    ("session_token", "body"),
    [
        pytest.param(
            "session-token-example", b'{"SecretId": "fleet/token"}', id="with-session-token"
        ),
        pytest.param(
            None,
            b'{"SecretId": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a/b+c=d-XyZ"}',
            id="without-session-token",
        ),
    ],
)
def test_sigv4_matches_botocore(session_token: str | None, body: bytes) -> None:
    """httpx-auth's signature of a GetSecretValue request equals botocore's for the same instant."""
    credentials = AwsCredentials(
        access_key_id=SecretStr(EXAMPLE_ACCESS_KEY),
        secret_access_key=SecretStr(EXAMPLE_SECRET_KEY),
        session_token=SecretStr(session_token) if session_token else None,
        region="eu-west-1",
    )
    request = httpx.Request(
        "POST",
        "https://secretsmanager.eu-west-1.amazonaws.com/",
        content=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "secretsmanager.GetSecretValue",
        },
    )

    signed = next(credentials.sigv4_auth("secretsmanager").sync_auth_flow(request))

    match = AUTHORIZATION_PATTERN.match(signed.headers["authorization"])
    assert match is not None
    signed_headers = match["signed_headers"].split(";")
    expected_headers = {"content-type", "host", "x-amz-date", "x-amz-target"}
    if session_token:
        expected_headers.add("x-amz-security-token")
    assert expected_headers <= set(signed_headers)
    assert signed.headers["x-amz-content-sha256"] == hashlib.sha256(body).hexdigest()
    scope, signature = reference_signature(
        method="POST",
        url=str(signed.url),
        headers=signed_subset(signed.headers, match["signed_headers"]),
        body=body,
        credentials=credentials,
        service="secretsmanager",
    )
    assert match["access_key"] == EXAMPLE_ACCESS_KEY
    assert f"{match['access_key']}/{match['scope']}" == scope
    assert match["signature"] == signature


def test_sigv4_signature_on_the_wire_verifies() -> None:
    """The request that reaches the server carries a signature botocore recomputes exactly."""
    credentials = AwsCredentials(
        access_key_id=SecretStr(EXAMPLE_ACCESS_KEY),
        secret_access_key=SecretStr(EXAMPLE_SECRET_KEY),
        session_token=SecretStr("session-token-example"),
        region="us-east-1",
    )
    success = Reply.json(200, {"Name": "fleet/token", "SecretString": "v"})
    with scripted_server(lambda request: success) as server:
        source = SecretsManagerSource(server.url, credentials=credentials, environ={})
        source.get_secret_string("fleet/token")
        source.close()

    received = server.requests[0]
    match = AUTHORIZATION_PATTERN.match(received.headers["authorization"])
    assert match is not None
    assert received.headers["x-amz-content-sha256"] == hashlib.sha256(received.body).hexdigest()
    scope, signature = reference_signature(
        method=received.method,
        url=f"{server.url}{received.path}",
        headers=signed_subset(received.headers, match["signed_headers"]),
        body=received.body,
        credentials=credentials,
        service="secretsmanager",
    )
    assert f"{match['access_key']}/{match['scope']}" == scope
    assert match["signature"] == signature


def test_sigv4_wrong_key_does_not_verify() -> None:
    """The comparison can fail: a different secret key gives a different reference signature."""
    credentials = AwsCredentials(
        access_key_id=SecretStr(EXAMPLE_ACCESS_KEY),
        secret_access_key=SecretStr(EXAMPLE_SECRET_KEY),
        region="us-east-1",
    )
    other = credentials.model_copy(update={"secret_access_key": SecretStr("another-secret-key")})
    request = httpx.Request(
        "POST",
        "https://secretsmanager.us-east-1.amazonaws.com/",
        content=b"{}",
        headers={"Content-Type": "application/x-amz-json-1.1"},
    )

    signed = next(credentials.sigv4_auth("secretsmanager").sync_auth_flow(request))

    match = AUTHORIZATION_PATTERN.match(signed.headers["authorization"])
    assert match is not None
    _, signature = reference_signature(
        method="POST",
        url=str(signed.url),
        headers=signed_subset(signed.headers, match["signed_headers"]),
        body=b"{}",
        credentials=other,
        service="secretsmanager",
    )
    assert match["signature"] != signature
