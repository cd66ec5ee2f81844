"""Command-line options of the emulator, for a command that runs it in the foreground.

Passwords and tokens given on the command line are visible to other local
users in the process list; these options are meant for local development.
"""

import argparse
from typing import Final

from pydantic import SecretStr

from agent_fleet_dev.emulator.config import EmulatorConfig, IamUser
from agent_fleet_dev.emulator.emulator import CloudEyeEmulator, require_loopback
from agent_fleet_dev.emulator.faults import Faults
from agent_fleet_dev.emulator.fleet import default_fleet, load_fleet
from agent_fleet_dev.emulator.identifiers import ID_RULE, is_valid_id

DEFAULT_PORT: Final = 8100


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's host, port, fleet, credential and fault options to a parser."""
    server = parser.add_argument_group("server")
    server.add_argument(
        "--host",
        type=_loopback_host,
        default="127.0.0.1",
        help="loopback address to listen on (default: %(default)s); other addresses are rejected",
    )
    server.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help="TCP port to listen on, 0 for a free one (default: %(default)s)",
    )
    server.add_argument(
        "--fleet",
        metavar="PATH",
        help="JSON fleet file (default: the built-in fleet of the published example)",
    )
    server.add_argument(
        "--step-seconds",
        type=_non_negative_float,
        default=1.0,
        help="seconds a task stays PENDING and then RUNNING before it ends (default: %(default)s)",
    )

    credentials = parser.add_argument_group("credentials")
    credentials.add_argument(
        "--user",
        dest="users",
        metavar="DOMAIN:NAME:PASSWORD:PROJECT",
        type=_iam_user,
        action="append",
        default=[],
        help="IAM user who may get a token for PROJECT (repeatable); PASSWORD may contain colons",
    )
    credentials.add_argument(
        "--token",
        dest="tokens",
        metavar="VALUE",
        action="append",
        default=[],
        help="static token accepted for any project (repeatable)",
    )
    credentials.add_argument(
        "--project",
        dest="projects",
        metavar="ID",
        type=_project_id,
        action="append",
        help="project id the agent APIs accept (repeatable; default: any valid id)",
    )
    credentials.add_argument(
        "--token-ttl",
        type=_positive_float,
        default=86_400.0,
        help="lifetime of IAM tokens in seconds (default: %(default)s)",
    )

    faults = parser.add_argument_group("faults")
    faults.add_argument(
        "--latency",
        type=_non_negative_float,
        default=0.0,
        help="minimum seconds from reading an agent API or IAM request to its response "
        "(default: %(default)s)",
    )
    faults.add_argument(
        "--error-rate",
        type=_fraction,
        default=0.0,
        help="fraction 0..1 of agent API requests that get 500, 502 or 503 (default: %(default)s)",
    )
    faults.add_argument(
        "--throttle-every",
        type=_non_negative_int,
        default=0,
        help="every N-th agent API request starts a burst of 429 responses, 0 to disable "
        "(default: %(default)s)",
    )
    faults.add_argument(
        "--throttle-burst",
        type=_non_negative_int,
        default=0,
        help="number of consecutive 429 responses in a burst (default: %(default)s)",
    )
    faults.add_argument(
        "--retry-after",
        type=_non_negative_float,
        default=1.0,
        help="Retry-After of 429 responses in seconds (default: %(default)s)",
    )
    faults.add_argument(
        "--drop-rate",
        type=_fraction,
        default=0.0,
        help=(
            "fraction 0..1 of batch-create requests processed and then closed without a "
            "response (default: %(default)s)"
        ),
    )
    faults.add_argument(
        "--response-shape",
        choices=("object", "array"),
        default="object",
        help='batch-create 201 body: {"invocations": [...]} or a bare array (default: %(default)s)',
    )
    faults.add_argument(
        "--expire-tokens-after",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="expire every token issued so far after N agent API requests, 0 to disable "
        "(default: %(default)s)",
    )
    faults.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the random error and drop faults, for reproducible runs",
    )


def config_from_args(namespace: argparse.Namespace) -> EmulatorConfig:
    """Build an emulator configuration from options added by :func:`add_cli_arguments`.

    Raises
    ------
    FleetError
        If the ``--fleet`` file cannot be read or is invalid.
    """
    fleet = default_fleet() if namespace.fleet is None else load_fleet(namespace.fleet)
    faults = Faults(
        latency_seconds=namespace.latency,
        error_rate=namespace.error_rate,
        throttle_every=namespace.throttle_every,
        throttle_burst=namespace.throttle_burst,
        retry_after_seconds=namespace.retry_after,
        drop_rate=namespace.drop_rate,
        response_shape=namespace.response_shape,
        seed=namespace.seed,
        expire_tokens_after_requests=namespace.expire_tokens_after,
    )
    return EmulatorConfig(
        fleet=fleet,
        projects=None if namespace.projects is None else set(namespace.projects),
        users=list(namespace.users),
        static_tokens=[SecretStr(token) for token in namespace.tokens],
        token_ttl_seconds=namespace.token_ttl,
        step_seconds=namespace.step_seconds,
        faults=faults,
    )


def emulator_from_args(namespace: argparse.Namespace) -> CloudEyeEmulator:
    """Build an emulator, not yet started, on the ``--host`` and ``--port`` options."""
    return CloudEyeEmulator(config_from_args(namespace), host=namespace.host, port=namespace.port)


def _loopback_host(value: str) -> str:
    try:
        return require_loopback(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _port(value: str) -> int:
    port = _non_negative_int(value)
    if port > 65_535:
        raise argparse.ArgumentTypeError(f"invalid port {port}: pass 0 to 65535")
    return port


def _non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"invalid whole number {value!r}") from exc
    if number < 0:
        raise argparse.ArgumentTypeError(f"invalid value {number}: pass 0 or more")
    return number


def _float(value: str) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"invalid number {value!r}") from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"invalid number {value!r}: pass a finite number")
    return number


def _non_negative_float(value: str) -> float:
    number = _float(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"invalid value {number}: pass 0 or more")
    return number


def _positive_float(value: str) -> float:
    number = _float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"invalid value {number}: pass a number above 0")
    return number


def _fraction(value: str) -> float:
    number = _float(value)
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError(f"invalid fraction {number}: pass 0 to 1")
    return number


def _project_id(value: str) -> str:
    if not is_valid_id(value):
        raise argparse.ArgumentTypeError(f"invalid project id {value!r}: it {ID_RULE}")
    return value


def _iam_user(value: str) -> IamUser:
    # NOTE: messages here must not repeat the value, because it contains a password.
    parts = value.split(":", 2)
    if len(parts) != 3 or ":" not in parts[2]:
        raise argparse.ArgumentTypeError(
            "invalid --user value: expected DOMAIN:NAME:PASSWORD:PROJECT"
        )

    domain, name, rest = parts
    password, project_id = rest.rsplit(":", 1)
    if not domain or not name or not password:
        raise argparse.ArgumentTypeError(
            "invalid --user value: DOMAIN, NAME and PASSWORD must not be empty"
        )
    if not is_valid_id(project_id):
        raise argparse.ArgumentTypeError(f"invalid --user value: PROJECT {ID_RULE}")
    return IamUser(domain=domain, name=name, password=SecretStr(password), project_id=project_id)
