"""The Lambda handlers and the agent_fleet library never import boto3 or botocore.

boto3 is a test-only dependency: the handlers reach AWS over httpx. Two checks
enforce that. The static check parses every Python file under functions/ and
layers/ and reports each import of the AWS SDK by file and line. The runtime
check imports both handler modules and every agent_fleet module in a fresh
interpreter where the SDK cannot be imported. A module that needs the SDK then
fails to import, and the test prints the chain of imports that led there.

NOTE: aws-lambda-powertools 3.37.0 tries ``import botocore`` when it is imported
and carries on without it, because botocore only serves its User-Agent hook
(aws_lambda_powertools/shared/user_agent.py). So wherever botocore is
installed, as in this test environment, importing a handler loads it anyway.
The runtime check therefore blocks the SDK instead of only looking at
sys.modules afterwards. It tolerates such guarded imports by other packages and
fails on every import attempt made by our own modules.

Run as a script, this file is the child process of the runtime check.
"""

import ast
import importlib
import importlib.util
import json
import os
import pkgutil
import subprocess
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
SOURCE_ROOTS = (REPOSITORY / "functions", REPOSITORY / "layers")
LIBRARY_PATH = REPOSITORY / "layers" / "agent_fleet"
HANDLERS = {
    "http_api_handler": REPOSITORY / "functions" / "http_api" / "app.py",
    "scheduled_job_handler": REPOSITORY / "functions" / "scheduled_job" / "app.py",
}
"""The handler modules, under distinct names because both files are called app.py."""

SDK_PACKAGES = frozenset({"boto3", "botocore"})
IMPORT_FUNCTIONS = frozenset({"import_module", "__import__"})
CHILD_TIMEOUT_SECONDS = 120


# --- static check -------------------------------------------------------------------


def is_sdk_module(name: str) -> bool:
    """Tell whether the absolute module name ``name`` is boto3, botocore or one of their modules."""
    return name.partition(".")[0] in SDK_PACKAGES


def sdk_imports_in_source(source: str, filename: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line, statement)`` for each import of the AWS SDK in ``source``.

    Import statements, ``from`` imports and calls of ``import_module`` or
    ``__import__`` with a literal module name count. Relative imports do not,
    because they name a module of the package itself.

    Raises
    ------
    SyntaxError
        If ``source`` is not valid Python.
    """
    tree = ast.parse(source, filename=filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_sdk_module(alias.name):
                    yield node.lineno, f"import {alias.name}"

        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and is_sdk_module(node.module):
                yield node.lineno, f"from {node.module} import ..."

        elif isinstance(node, ast.Call) and _called_name(node.func) in IMPORT_FUNCTIONS:
            argument = node.args[0] if node.args else None
            if (
                isinstance(argument, ast.Constant)
                and isinstance(argument.value, str)
                and is_sdk_module(argument.value)
            ):
                yield node.lineno, f"{_called_name(node.func)}({argument.value!r})"


def _called_name(function: ast.expr) -> str | None:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None


def find_sdk_imports(roots: Sequence[Path]) -> list[str]:
    """Return ``path:line: statement`` for each AWS SDK import in the .py files under ``roots``."""
    findings = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            for line, statement in sdk_imports_in_source(source, str(path)):
                findings.append(f"{path}:{line}: {statement}")
    return findings


def test_boto3_free_sources_have_no_sdk_import() -> None:
    """No Python file under functions/ or layers/ imports boto3 or botocore."""
    scanned = [path for root in SOURCE_ROOTS for path in root.rglob("*.py")]
    assert set(HANDLERS.values()) <= set(scanned)
    assert len(scanned) > 10

    findings = find_sdk_imports(SOURCE_ROOTS)

    assert findings == [], "AWS SDK imports in Lambda code:\n" + "\n".join(findings)


def test_boto3_free_static_check_finds_each_form(tmp_path: Path) -> None:
    """The static check reports every import form, with file and line, in a scratch tree."""
    module = tmp_path / "functions" / "scratch" / "app.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import json\n"
        "import boto3\n"
        "import os, botocore.session\n"
        "from botocore.exceptions import ClientError\n"
        "from boto3 import client as make_client\n"
        "import importlib\n"
        "sdk = importlib.import_module('boto3')\n"
        "def lazy():\n"
        "    from importlib import import_module\n"
        "    return import_module('botocore.config'), __import__('boto3.session')\n"
        "from . import boto3\n"
        "import boto3_stubs_lite\n"
        "note = 'import boto3'\n",
        encoding="utf-8",
    )

    findings = find_sdk_imports([tmp_path / "functions"])

    assert findings == [
        f"{module}:2: import boto3",
        f"{module}:3: import botocore.session",
        f"{module}:4: from botocore.exceptions import ...",
        f"{module}:5: from boto3 import ...",
        f"{module}:7: import_module('boto3')",
        f"{module}:10: import_module('botocore.config')",
        f"{module}:10: __import__('boto3.session')",
    ]


# --- runtime check ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    """What the child interpreter saw while importing the Lambda code."""

    modules: list[str]
    """Every module imported on purpose, handlers first."""
    failures: list[str]
    """Modules that did not import, each with the error's last lines."""
    attempts: list[dict[str, str]]
    """Blocked SDK imports: the module requested, its importer and the chain of importers."""
    preloaded: list[str]
    """SDK modules already loaded before the check began."""
    loaded: list[str]
    """SDK modules in sys.modules at the end."""


def run_import_check(
    handlers: dict[str, Path], packages: Sequence[str], search_path: Sequence[Path]
) -> ImportReport:
    """Import ``handlers`` and every module of ``packages`` in a child interpreter without the SDK.

    Parameters
    ----------
    handlers:
        Module name to give each handler file, and the file.
    packages:
        Packages whose modules are all imported, found through ``search_path``.
    search_path:
        Folders put in front of the child's sys.path.
    """
    config = {
        "handlers": {name: str(path) for name, path in handlers.items()},
        "packages": list(packages),
        "search_path": [str(folder) for folder in search_path],
    }
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert completed.returncode == 0, f"the import check crashed:\n{completed.stderr}"
    return ImportReport(**json.loads(completed.stdout.splitlines()[-1]))


def first_party_attempts(report: ImportReport, packages: Sequence[str]) -> list[str]:
    """Return the blocked SDK imports made by a module of one of the top-level ``packages``."""
    return [
        f"{attempt['module']} imported by {attempt['chain']}"
        for attempt in report.attempts
        if attempt["importer"].partition(".")[0] in packages
    ]


def test_boto3_free_handlers_import_without_sdk() -> None:
    """Both handlers and all agent_fleet modules import, and load no SDK, without boto3/botocore."""
    report = run_import_check(HANDLERS, ["agent_fleet"], [LIBRARY_PATH])
    chains = "\n".join(f"{item['module']} imported by {item['chain']}" for item in report.attempts)

    assert report.preloaded == [], f"loaded before the check began: {report.preloaded}"
    assert report.modules[:2] == list(HANDLERS)
    assert "agent_fleet.settings" in report.modules
    assert report.failures == [], "\n\n".join(report.failures) + "\n\nSDK imports:\n" + chains
    assert first_party_attempts(report, ["agent_fleet", *HANDLERS]) == []
    assert report.loaded == [], f"loaded: {report.loaded}\nSDK imports:\n{chains}"


def test_boto3_free_runtime_check_reports_chain(tmp_path: Path) -> None:
    """In a scratch package, a hard and a guarded SDK import both fail the check, with chains."""
    package = tmp_path / "scratch_fleet"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "aws.py").write_text("import boto3\n", encoding="utf-8")
    (package / "optional.py").write_text(
        "try:\n    import botocore.session\nexcept ImportError:\n    botocore = None\n",
        encoding="utf-8",
    )
    handler = tmp_path / "app.py"
    handler.write_text("import scratch_fleet.aws\n", encoding="utf-8")

    report = run_import_check({"scratch_handler": handler}, ["scratch_fleet"], [tmp_path])

    assert any(
        "scratch_handler" in failure and "No module named 'boto3'" in failure
        for failure in report.failures
    )
    assert first_party_attempts(report, ["scratch_fleet", "scratch_handler"]) == [
        "boto3 imported by scratch_fleet.aws <- scratch_handler <- __main__",
        "boto3 imported by scratch_fleet.aws <- __main__",
        "botocore imported by scratch_fleet.optional <- __main__",
    ]


# --- the child process of the runtime check ------------------------------------------


class _SdkBlocker:
    """A meta path finder that records and rejects every import of the AWS SDK."""

    def __init__(self) -> None:
        self.attempts: list[dict[str, str]] = []

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not is_sdk_module(name):
            return None

        caller = sys._getframe(1)
        self.attempts.append(
            {"module": name, "importer": _importer_of(caller), "chain": _module_chain(caller)}
        )
        raise ModuleNotFoundError(f"No module named {name!r} (blocked by the check)", name=name)


def _importer_of(frame: FrameType | None) -> str:
    """Return the name of the first module outside importlib on the stack."""
    while frame is not None:
        name = str(frame.f_globals.get("__name__", "?"))
        if not name.startswith(("importlib", "_frozen_importlib")):
            return name
        frame = frame.f_back
    return "?"


def _module_chain(frame: FrameType | None) -> str:
    """Return the modules whose top-level code is running, innermost first."""
    names = []
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            names.append(str(frame.f_globals.get("__name__", "?")))
        frame = frame.f_back
    return " <- ".join(names)


def _describe_failure(name: str) -> str:
    lines = traceback.format_exc().strip().splitlines()
    return f"{name} failed to import:\n" + "\n".join(lines[-6:])


def _import_everything(config: dict[str, Any]) -> dict[str, Any]:
    """Import the handlers and packages of ``config`` with the SDK blocked, and report."""
    preloaded = sorted(name for name in sys.modules if is_sdk_module(name))
    blocker = _SdkBlocker()
    sys.meta_path.insert(0, blocker)
    sys.path[:0] = config["search_path"]
    modules: list[str] = []
    failures: list[str] = []

    for name, path in config["handlers"].items():
        modules.append(name)
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load a module from {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except Exception:  # noqa: BLE001 - every failure is reported to the parent
            failures.append(_describe_failure(name))

    for package_name in config["packages"]:
        modules.append(package_name)
        try:
            package = importlib.import_module(package_name)
        except Exception:  # noqa: BLE001 - every failure is reported to the parent
            failures.append(_describe_failure(package_name))
            continue
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}.", onerror=_skip):
            modules.append(info.name)
            try:
                importlib.import_module(info.name)
            except Exception:  # noqa: BLE001 - every failure is reported to the parent
                failures.append(_describe_failure(info.name))

    return {
        "modules": modules,
        "failures": failures,
        "attempts": blocker.attempts,
        "preloaded": preloaded,
        "loaded": sorted(name for name in sys.modules if is_sdk_module(name)),
    }


def _skip(name: str) -> None:
    # walk_packages calls this when a subpackage fails to import. The loop
    # imports every listed module again and records the failure there.
    pass


if __name__ == "__main__":
    print(json.dumps(_import_everything(json.loads(sys.argv[1]))))
