"""The emulator and a local secret store, wired into the environment the handlers read.

The handlers then run exactly as deployed: they read a password secret
through the secrets extension's HTTP API, exchange it at the emulator's IAM
endpoint for a project-scoped token, and call the emulator's agent APIs.
"""

import json
import os
import secrets
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager

from pydantic import SecretStr

from agent_fleet.contract import is_resource_id
from agent_fleet.runtime import reset_runtime
from agent_fleet.settings import ENDPOINT_ENV, IAM_ENDPOINT_ENV, REGION_ENV, TOKEN_SECRET_ENV
from agent_fleet_dev.emulator import CloudEyeEmulator, EmulatorConfig, IamUser
from agent_fleet_dev.local_secrets import LocalSecretStore

LOCAL_DOMAIN = "local-domain"
DEFAULT_PROJECT = "0123456789abcdef0123456789abcdef"


def cloud_eye_configured(environ: MutableMapping[str, str] | None = None) -> bool:
    """Tell whether the environment already points the handlers at a Cloud Eye endpoint."""
    environ = os.environ if environ is None else environ
    return bool(environ.get(ENDPOINT_ENV) or environ.get(REGION_ENV))


def secret_id_for(project_id: str) -> str:
    """Return the id of the local secret that contains the IAM credentials of ``project_id``."""
    return f"local/agent-fleet/cloud-eye/{project_id}"


class LocalCloud:
    """A started emulator with one IAM user per project, and the secrets that name them."""

    def __init__(self, projects: Iterable[str], config: EmulatorConfig | None = None) -> None:
        # An event may name an invalid project on purpose; the handler rejects it
        # before asking for a token, so it needs no IAM user.
        valid = {project for project in projects if is_resource_id(project)}
        self.projects = sorted(valid or {DEFAULT_PROJECT})
        self.config = config or EmulatorConfig()
        self.secrets = LocalSecretStore()
        self.emulator: CloudEyeEmulator | None = None
        self._credentials: dict[str, tuple[str, str]] = {}
        for index, project_id in enumerate(self.projects):
            password = secrets.token_urlsafe(18)
            user = f"operator-{index}"
            self.config.users.append(
                IamUser(
                    domain=LOCAL_DOMAIN,
                    name=user,
                    password=SecretStr(password),
                    project_id=project_id,
                )
            )
            self._credentials[project_id] = (user, password)

    def start(self) -> "LocalCloud":
        """Start the emulator and the secret store on free loopback ports."""
        self.emulator = CloudEyeEmulator(self.config).start()
        self.secrets.start()
        for project_id, (user, password) in self._credentials.items():
            secret = {
                "domain": LOCAL_DOMAIN,
                "user": user,
                "password": password,
                "project_id": project_id,
                "iam_endpoint": self.emulator.url,
            }
            self.secrets.put(secret_id_for(project_id), json.dumps(secret))
        return self

    def stop(self) -> None:
        """Stop both servers."""
        self.secrets.stop()
        if self.emulator is not None:
            self.emulator.stop()

    def __enter__(self) -> "LocalCloud":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The emulator's base URL."""
        if self.emulator is None:
            raise RuntimeError("LocalCloud is not started")
        return self.emulator.url

    def environment(self, project_id: str) -> dict[str, str]:
        """Return the variables that point the handlers at this cloud for ``project_id``."""
        return {
            ENDPOINT_ENV: self.url,
            IAM_ENDPOINT_ENV: self.url,
            TOKEN_SECRET_ENV: secret_id_for(project_id),
            "AGENT_FLEET_SECRETS_SOURCE": "extension",
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(self.secrets.port),
            "AWS_SESSION_TOKEN": self.secrets.session_token,
        }

    @contextmanager
    def configured_for(self, project_id: str) -> Iterator[None]:
        """Point the process environment at this cloud for ``project_id`` while in the block."""
        saved = {name: os.environ.get(name) for name in self.environment(project_id)}
        os.environ.update(self.environment(project_id))
        reset_runtime()
        try:
            yield
        finally:
            reset_runtime()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
