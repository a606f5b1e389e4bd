"""Project-wide rules: services never import each other, the committed OpenAPI
documents match the code, and no service reads the wall clock."""

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from embedded import openapi
from embedded.system import EmbeddedSystem
from shared.idempotency import creates

ROOT = Path(__file__).resolve().parent.parent


def test_no_service_imports_another_and_shared_imports_no_service():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_each_committed_openapi_document_matches_the_code():
    for name in EmbeddedSystem(ROOT / "var").available():
        committed = (ROOT / "services" / name / "openapi.json").read_text()
        assert committed == openapi.render(openapi.spec_of(name)), (
            f"services/{name}/openapi.json is stale: run `make openapi`"
        )


def test_the_posts_guarded_by_idempotency_keys_are_those_the_document_says_create():
    """``shared.idempotency.install`` reads which POSTs create from the views' own
    declarations (the document is built only when read); each service's document marks
    the same POSTs with the ``Idempotency-Key`` parameter, no more and no fewer."""
    for name in EmbeddedSystem(ROOT / "var").available():
        document = openapi.spec_of(name)
        documented = {
            path
            for path, operations in document["paths"].items()
            if any(
                "IdempotencyKey" in str(parameter)
                for parameter in operations.get("post", {}).get("parameters", [])
            )
        }
        service = importlib.import_module(f"services.{name}.spec").SPEC
        app = importlib.import_module(f"services.{name}.app").create_app(
            service.config(DATABASE_URL="sqlite://", BROKER_URL="memory://")
        )
        guarded = {
            re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or ()) and creates(app.view_functions[rule.endpoint])
        }
        assert documented, name
        assert guarded == documented, name


#: Every way of reading the wall clock the lint bans (``pyproject.toml``, ruff's TID251).
WALL_CLOCK = """\
import datetime as dt
import time
from datetime import date, datetime

print(dt.date.today(), date.today(), dt.datetime.now(dt.UTC), datetime.now())
print(datetime.utcnow(), dt.datetime.today(), time.time())
"""


def banned_calls(path: str) -> int:
    """How many wall-clock calls ruff reports in :data:`WALL_CLOCK` as if it were ``path``."""
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), "check", "--select", "TID251", "--output-format", "concise", "--no-cache",
         "--stdin-filename", path, "-"],
        cwd=ROOT, input=WALL_CLOCK, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result.stdout.count("TID251")


@pytest.mark.parametrize(
    "path",
    [
        "services/reporting/domain/periods.py",
        "shared/auth.py",
        "tests/reporting/test_probe.py",
        "journey/steps.py",
        "bench/province.py",
    ],
)
def test_services_tests_and_the_journey_may_not_read_the_wall_clock(path):
    """Dates come from shared.clock (which a test run pins, and the journey or the calendar
    matrix moves), so the lint refuses every direct read of the real clock there."""
    assert banned_calls(path) == 7


@pytest.mark.parametrize("path", ["shared/clock.py", "tests/conftest.py"])
def test_the_clock_itself_and_the_runs_pinning_of_it_may(path):
    assert banned_calls(path) == 0


def test_no_module_reads_the_wall_clock_today():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), "check", "--select", "TID251", "--no-cache", "."],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


#: The entry points that build a service's settings from the environment (a bootstrap), and
#: the manage commands (a command line may take a secret from the environment);
#: everything else gets them from there (``shared.db.settings_of``, ``current_app.config``).
BOOTSTRAPS = {"config.py", "app.py", "scheduler.py", "worker.py", "spec.py", "manage.py",
              "commands.py"}  # fmt: skip
SERVICE_NAMES = ("roster", "mentorship", "reporting", "welfare", "notifier")


def _reads_the_environment(text: str) -> bool:
    return bool(re.search(r"os\.environ|os\.getenv|\benv\(|\benv_int\(|\bConfig\(\)", text))


def test_no_handler_or_domain_code_reads_the_environment():
    """Issue 23: settings are injected in one place (the entry point's config, carried by
    the service's database); a handler, a domain function, a view or a schema reading the
    environment would see another city's time zone than the app's."""
    offenders = []
    for name in SERVICE_NAMES:
        folder = ROOT / "services" / name
        for path in folder.rglob("*.py"):
            relative = path.relative_to(folder)
            if relative.parts[0] == "migrations" or (
                len(relative.parts) == 1 and relative.name in BOOTSTRAPS
            ):
                continue
            if _reads_the_environment(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], offenders


def test_every_service_has_the_one_layout():
    """Issue 23: models/, schemas/, domain/ and api/ packages in every service, and none
    of the old flat files beside them."""
    for name in SERVICE_NAMES:
        folder = ROOT / "services" / name
        for package in ("models", "schemas", "domain", "api"):
            assert (folder / package / "__init__.py").is_file(), f"{name}: no {package}/"
        flat = sorted(
            p.name
            for p in folder.glob("*.py")
            if re.fullmatch(r"(models|schemas|domain)(_\w+)?\.py|all_models\.py", p.name)
        )
        assert flat == [], f"{name}: {flat}"
        assert (folder / "models" / "base.py").is_file(), f"{name}: no models/base.py"


def test_every_endpoint_is_declared_by_shared_api():
    """Issue 23: an endpoint is one ``shared.api.endpoint`` line over a function and a
    blueprint one ``shared.api.blueprint`` call, in every service and in ``shared/``: no
    MethodView class, no hand-made Blueprint, no ``@require`` apart from its endpoint."""
    modules = [*ROOT.glob("services/*/api/*.py"), *ROOT.glob("shared/*.py")]
    found = []
    for path in modules:
        if path.name == "api.py" and path.parent.name == "shared":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", getattr(base, "attr", None)) == "MethodView"
                for base in node.bases
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} class {node.name}")
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Blueprint":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} Blueprint(...)")
            elif isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    call = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if getattr(call, "id", None) == "require":
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} @require")
    assert found == []


def test_an_endpoint_with_an_unknown_method_is_refused_when_declared():
    from shared.api import blueprint, endpoint

    blp = blueprint("widgets", "/api/v1/test/widgets", "test")
    with pytest.raises(ValueError, match="GTE"):
        endpoint(blp, "GTE /<int:id>")


@pytest.mark.parametrize(
    "module",
    [f"services.{name}.consumer" for name in SERVICE_NAMES[1:]]
    + [f"services.{name}.app" for name in (*SERVICE_NAMES, "console")],
)
def test_no_process_loads_the_spreadsheet_library_before_a_sheet_is_read_or_written(module):
    """openpyxl (with lxml and PIL) costs every process that imports it ~14 MiB, and a
    process needs it only once a clerk uploads or downloads a sheet. A module-level import
    of it in shared code raised the stack's RSS from 2.19 to 2.35 GiB; the web workers'
    own imports kept it in six of them (docs/performance.md)."""
    code = (
        f"import sys, importlib; m = importlib.import_module({module!r}); "
        "getattr(m, 'create_app', lambda: None)(); print('openpyxl' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def _refusal_classes(trees: dict) -> set[str]:
    """The names of shared.errors.DomainError and of every class deriving from it."""
    names, grew = {"DomainError"}, True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
                    if bases & names:
                        names.add(node.name)
                        grew = True
    return names


def _english_only(node) -> bool:
    """A text written as one literal (or f-string), not through ``message(zh, en)``."""
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _texts(call, detail: int) -> list:
    """The texts of a refusal: its detail (the ``detail``-th argument) and the messages of
    its field errors (the argument after it, a dict of lists)."""
    texts = list(call.args[detail : detail + 1])
    if len(call.args) > detail + 1 and isinstance(call.args[detail + 1], ast.Dict):
        for value in call.args[detail + 1].values:
            texts += value.elts if isinstance(value, ast.List) else [value]
    return texts


def _pairs(call) -> list:
    """The (Chinese, English) texts of a one-field refusal: ``X.on(field, detail,
    reason)`` and ``field_problem(status, field, detail, reason)``."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "on":
        return call.args[1:3]
    if getattr(func, "id", None) == "field_problem":
        return call.args[2:4]
    return []


def _not_a_pair(node) -> bool:
    """A text written as one literal (or f-string), or a pair that is not two texts."""
    return _english_only(node) or (isinstance(node, ast.Tuple) and len(node.elts) != 2)


def test_every_refusal_the_services_write_is_in_chinese_first():
    """A refusal a clerk reads is written as ``shared.normalize.message(zh, en)``: a
    DomainError's detail and field messages, a ``problem(status, title, detail, errors)``'s
    detail and field messages, a schema's ``ValidationError``, and the (Chinese, English)
    pairs of ``DomainError.on`` and ``field_problem``. The console shows it in the
    clerk's language, a town's system gets both. (Marshmallow's own messages are put in both
    languages at the door by shared.i18n; a problem's title is its kind, in English.)"""
    files = [
        path
        for path in [*ROOT.glob("services/*/**/*.py"), *ROOT.glob("shared/**/*.py")]
        if "migrations" not in path.parts and "console" not in path.parts
    ]
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    detail_at = dict.fromkeys(_refusal_classes(trees), 0) | {"problem": 2, "ValidationError": 0}
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and any(  # get_or_404(..., detail="...")
                k.arg == "detail" and _english_only(k.value) for k in node.keywords
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Call) and any(_not_a_pair(text) for text in _pairs(node)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", None))
            if name in detail_at and any(
                _english_only(text) for text in _texts(node.exc, detail_at[name])
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "refusals in English only (use shared.normalize.message):\n" + "\n".join(
        found
    )
