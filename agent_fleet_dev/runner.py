"""Run a handler in-process, as Lambda would, without Docker.

A function is named by its template logical id (``HttpApiFunction``) or by its
folder under ``functions/`` (``http_api``). The handler's own output (JSON
logs, EMF metrics) goes to stderr, so that stdout carries only its return
value.
"""

import contextlib
import importlib.util
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
TEMPLATE = REPO_ROOT / "template.yaml"
DEFAULT_TIMEOUT_SECONDS = 900


class FunctionNotFound(LookupError):
    """The name matches neither a template logical id nor a folder under functions/."""


@dataclass(frozen=True)
class FunctionSpec:
    """A function's folder, timeout and memory size, as the template sets them."""

    logical_id: str
    folder: Path
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    memory_mb: int = 512


@dataclass
class LocalContext:
    """The subset of the Lambda context object that the handlers read."""

    function_name: str
    timeout_seconds: int
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        """A well-formed ARN in the local account 000000000000."""
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


def _template_functions() -> dict[str, FunctionSpec]:
    """Read the functions of template.yaml: logical id, CodeUri folder, Timeout, MemorySize."""
    if not TEMPLATE.exists():
        return {}
    from cfnlint.decode import decode  # dev dependency: reads SAM's YAML tags

    template, _matches = decode(str(TEMPLATE))
    if template is None:
        return {}
    globals_ = template.get("Globals", {}).get("Function", {})
    specs = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        code_uri = properties.get("CodeUri")
        if not isinstance(code_uri, str):
            continue
        timeout = properties.get("Timeout", globals_.get("Timeout", DEFAULT_TIMEOUT_SECONDS))
        memory = properties.get("MemorySize", globals_.get("MemorySize", 512))
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            folder=(REPO_ROOT / code_uri).resolve(),
            timeout_seconds=int(timeout) if isinstance(timeout, int | str) else 900,
            memory_mb=int(memory) if isinstance(memory, int | str) else 512,
        )
    return specs


def find_function(name: str) -> FunctionSpec:
    """Resolve a logical id or a folder name to a :class:`FunctionSpec`.

    Raises
    ------
    FunctionNotFound
        Listing the names that exist.
    """
    specs = _template_functions()
    if name in specs:
        return specs[name]
    for spec in specs.values():
        if spec.folder.name == name:
            return spec
    folder = FUNCTIONS_DIR / name
    if re.fullmatch(r"[A-Za-z0-9_-]+", name) and (folder / "app.py").exists():
        return FunctionSpec(logical_id=name, folder=folder)
    known = sorted(specs) + sorted(p.parent.name for p in FUNCTIONS_DIR.glob("*/app.py"))
    raise FunctionNotFound(f"no function named {name!r}; known: {', '.join(known)}")


def load_handler(spec: FunctionSpec) -> Callable[[Any, Any], Any]:
    """Import the function's app.py under a unique module name and return lambda_handler."""
    module_name = f"agent_fleet_function_{spec.folder.name}"
    module: ModuleType | None = sys.modules.get(module_name)
    if module is None:
        source = importlib.util.spec_from_file_location(module_name, spec.folder / "app.py")
        if source is None or source.loader is None:
            raise FunctionNotFound(f"cannot load {spec.folder / 'app.py'}")
        module = importlib.util.module_from_spec(source)
        sys.modules[module_name] = module
        source.loader.exec_module(module)
    handler: Callable[[Any, Any], Any] = module.lambda_handler
    return handler


def load_event(path: Path) -> Any:
    """Read an event file as JSON.

    Raises
    ------
    ValueError
        When the file is not JSON, with the line and column.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    with contextlib.redirect_stdout(sys.stderr):
        yield


def invoke(spec: FunctionSpec, event: Any) -> Any:
    """Run the function's handler on ``event`` and return what it returns."""
    context = LocalContext(
        function_name=spec.logical_id,
        timeout_seconds=spec.timeout_seconds,
        memory_limit_in_mb=spec.memory_mb,
    )
    with _stdout_to_stderr():
        handler = load_handler(spec)
        _send_handler_logs_to_stderr()
        return handler(event, context)


def _send_handler_logs_to_stderr() -> None:
    """Point the powertools Logger's stdout stream at stderr.

    The Logger keeps the stream it found when the handler module was first
    imported, which is stdout; stdout is reserved for the return value.
    A stream set by someone else (a test's buffer) is left alone.
    """
    observability = sys.modules.get("agent_fleet.observability")
    if observability is None:
        return
    for handler in observability.logger.handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.__stdout__:
            handler.setStream(_CurrentStderr())


class _CurrentStderr:
    """A stream that writes to whatever ``sys.stderr`` is at the time of the write."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def project_of(event: Any) -> str | None:
    """Return the Cloud Eye project an event targets, if it names one."""
    if not isinstance(event, dict):
        return None
    path_parameters = event.get("pathParameters") or {}
    project = path_parameters.get("project_id") or event.get("project_id")
    return project if isinstance(project, str) else None
