"""The IAM token endpoint: a password exchanged for a project-scoped token.

Only the password method with a project scope given by id is supported, which
is what Cloud Eye needs. The token travels in the ``X-Subject-Token`` header
and the body states its lifetime.
"""

import datetime
import hmac
import json
from collections.abc import Mapping

from agent_fleet_dev.emulator.config import IamUser
from agent_fleet_dev.emulator.errors import IamError
from agent_fleet_dev.emulator.identifiers import is_valid_id
from agent_fleet_dev.emulator.messages import Request, Response
from agent_fleet_dev.emulator.state import EmulatorState

_WRONG_CREDENTIALS = "The username or password is wrong."


def exchange_password(state: EmulatorState, request: Request) -> Response:
    """Issue a token for valid password credentials.

    Returns
    -------
    Response
        201 with the ``X-Subject-Token`` header and a ``token`` body.

    Raises
    ------
    IamError
        400 for a malformed body, 401 for wrong credentials or a project the
        user cannot access. Messages never contain the password.
    """
    document = _parse_json(request.body)
    domain, name, password, project_id = _credentials(document)

    user = _find_user(state.users, domain, name, password)
    if user is None:
        raise IamError(401, "Unauthorized", _WRONG_CREDENTIALS)
    if user.project_id != project_id or not state.project_allowed(project_id):
        raise IamError(401, "Unauthorized", f"The user has no access to project {project_id}.")

    issued = state.tokens.issue(project_id)
    state.counters.token_issued()

    token: dict[str, object] = {
        "expires_at": _iso8601(issued.expires_at),
        "issued_at": _iso8601(issued.issued_at),
        "methods": ["password"],
        "project": {"id": project_id},
        "user": {"name": user.name, "domain": {"name": user.domain}},
    }
    if request.query.get("nocatalog", [""])[0].lower() != "true":
        token["catalog"] = []

    return Response(
        status=201,
        body={"token": token},
        headers={"X-Subject-Token": issued.value.get_secret_value()},
    )


def _parse_json(body: bytes) -> object:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise IamError(400, "Bad Request", "The request body is not valid JSON.") from exc


def _credentials(document: object) -> tuple[str, str, str, str]:
    """Return domain name, user name, password and project id from a password body."""
    auth = _member(document, "auth", "")
    identity = _member(auth, "identity", "auth")

    methods = identity.get("methods") if isinstance(identity, Mapping) else None
    if methods != ["password"]:
        raise IamError(
            400,
            "Bad Request",
            'auth.identity.methods must be ["password"], the only supported method.',
        )

    password_block = _member(identity, "password", "auth.identity")
    user = _member(password_block, "user", "auth.identity.password")
    domain = _member(user, "domain", "auth.identity.password.user")
    scope = _member(auth, "scope", "auth")
    project = _member(scope, "project", "auth.scope")

    domain_name = _text(domain, "name", "auth.identity.password.user.domain")
    user_name = _text(user, "name", "auth.identity.password.user")
    password = _text(user, "password", "auth.identity.password.user")
    project_id = _text(project, "id", "auth.scope.project")
    if not is_valid_id(project_id):
        raise IamError(
            400,
            "Bad Request",
            "auth.scope.project.id must be 1 to 64 characters of letters, digits and hyphens.",
        )
    return domain_name, user_name, password, project_id


def _member(parent: object, name: str, parent_path: str) -> Mapping[str, object]:
    path = f"{parent_path}.{name}" if parent_path else name
    value = parent.get(name) if isinstance(parent, Mapping) else None
    if not isinstance(value, Mapping):
        raise IamError(400, "Bad Request", f"{path} must be a JSON object.")
    return value


def _text(parent: Mapping[str, object], name: str, parent_path: str) -> str:
    value = parent.get(name)
    if not isinstance(value, str) or not value:
        raise IamError(400, "Bad Request", f"{parent_path}.{name} must be a non-empty string.")
    return value


def _find_user(users: tuple[IamUser, ...], domain: str, name: str, password: str) -> IamUser | None:
    for user in users:
        if user.domain != domain or user.name != name:
            continue
        expected = user.password.get_secret_value().encode("utf-8", "surrogatepass")
        if hmac.compare_digest(expected, password.encode("utf-8", "surrogatepass")):
            return user
        return None
    return None


def _iso8601(epoch_seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
