"""Behaviour of the stand-ins that the credentials tests serve over HTTP."""

import threading

from tests.credentials.servers import RecordedRequest, Reply

CANARY_PASSWORD = "CANARY-PASSWORD-7f3a"
CANARY_TOKEN = "CANARY-TOKEN-91bd"
CANARY_SECRET_KEY = "CANARY-SECRET-KEY-c0de"
CANARY_SESSION_TOKEN = "CANARY-SESSION-TOKEN-5e55"
CANARIES = (CANARY_PASSWORD, CANARY_TOKEN, CANARY_SECRET_KEY, CANARY_SESSION_TOKEN)

NOT_READY_BODY = b"not ready to serve traffic\n"


class FakeExtension:
    """The AWS Parameters and Secrets extension as the tests need it.

    It checks the ``X-Aws-Parameters-Secrets-Token`` header, serves
    GetSecretValue JSON for the secrets in ``secrets``, responds 400 "not
    ready to serve traffic" to the first ``not_ready_answers`` requests, and
    responds with ``failure`` instead of the secret while it is set.
    """

    def __init__(self, session_token: str) -> None:
        self.session_token = session_token
        self.secrets: dict[str, str] = {}
        self.not_ready_answers = 0
        self.failure: Reply | None = None
        self._lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> Reply:
        with self._lock:
            if self.not_ready_answers > 0:
                self.not_ready_answers -= 1
                return Reply(400, NOT_READY_BODY, {"Content-Type": "text/plain"})

        if request.method != "GET" or request.path != "/secretsmanager/get":
            return Reply(404, b"not found\n")
        if request.headers.get("x-aws-parameters-secrets-token") != self.session_token:
            return Reply(401, b"invalid or missing X-Aws-Parameters-Secrets-Token\n")
        if self.failure is not None:
            return self.failure

        secret_id = request.query.get("secretId", [""])[0]
        if secret_id not in self.secrets:
            return Reply.json(
                400,
                {
                    "__type": "ResourceNotFoundException",
                    "message": "Secrets Manager can't find the specified secret.",
                },
            )
        return Reply.json(
            200,
            {
                "ARN": f"arn:aws:secretsmanager:us-east-1:000000000000:secret:{secret_id}-AbCdEf",
                "Name": secret_id,
                "SecretString": self.secrets[secret_id],
                "VersionId": "7c9a8f0e-0000-4000-8000-000000000001",
                "VersionStages": ["AWSCURRENT"],
            },
        )
