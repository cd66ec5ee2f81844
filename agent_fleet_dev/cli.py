"""The ``agent-fleet`` command: run a handler locally, or run the Cloud Eye emulator.

::

    agent-fleet invoke FUNCTION EVENT_FILE   run a handler in-process, print its return value
    agent-fleet emulator [options]           run the emulator in the foreground
"""

import argparse
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from agent_fleet_dev import runner


def _invoke(args: argparse.Namespace) -> int:
    try:
        spec = runner.find_function(args.function)
        event = runner.load_event(Path(args.event_file))
    except (runner.FunctionNotFound, ValueError, OSError) as exc:
        print(f"agent-fleet: {exc}", file=sys.stderr)
        return 2

    try:
        if runner_needs_local_cloud():
            result = _invoke_on_local_cloud(spec, event)
        else:
            result = runner.invoke(spec, event)
    except Exception as exc:  # noqa: BLE001 - report like Lambda: type and message, exit 1
        print(
            json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}),
            file=sys.stdout,
        )
        return 1

    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def runner_needs_local_cloud() -> bool:
    """True when no Cloud Eye endpoint is configured, so the emulator is used in its place."""
    from agent_fleet_dev.local_cloud import cloud_eye_configured

    return not cloud_eye_configured()


def _invoke_on_local_cloud(spec: runner.FunctionSpec, event: object) -> object:
    from agent_fleet_dev.local_cloud import DEFAULT_PROJECT, LocalCloud

    project_id = runner.project_of(event) or DEFAULT_PROJECT
    with LocalCloud([project_id]) as cloud:
        print(
            f"agent-fleet: no Cloud Eye endpoint configured (CLOUD_EYE_ENDPOINT, "
            f"CLOUD_EYE_REGION); started the emulator at {cloud.url} and a local secret "
            f"store on 127.0.0.1:{cloud.secrets.port}",
            file=sys.stderr,
        )
        with cloud.configured_for(project_id):
            return runner.invoke(spec, event)


def _emulator(args: argparse.Namespace) -> int:
    from agent_fleet_dev.emulator import CloudEyeEmulator, config_from_args

    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"agent-fleet emulator: {exc}", file=sys.stderr)
        return 2

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with CloudEyeEmulator(config, host=args.host, port=args.port) as emulator:
        print(f"Cloud Eye emulator listening on {emulator.url} (Ctrl-C stops it)", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            stopped.wait()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the command's argument parser."""
    from agent_fleet_dev.emulator import add_cli_arguments

    parser = argparse.ArgumentParser(prog="agent-fleet", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    invoke = commands.add_parser(
        "invoke",
        help="run a handler in-process and print its return value as JSON",
        description=(
            "Run a handler in-process. Without CLOUD_EYE_ENDPOINT or CLOUD_EYE_REGION set, "
            "the emulator and a local secret store are started on free loopback ports."
        ),
    )
    invoke.add_argument(
        "function", help="template logical id (HttpApiFunction) or functions/ folder"
    )
    invoke.add_argument("event_file", help="path of a JSON event, e.g. events/*.json")
    invoke.set_defaults(run=_invoke)

    emulator = commands.add_parser("emulator", help="run the Cloud Eye emulator in the foreground")
    add_cli_arguments(emulator)
    emulator.set_defaults(run=_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``agent-fleet`` console script."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
