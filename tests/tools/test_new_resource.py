"""CONTRIBUTING.md's recipes stay true: ``python -m tools.new_resource`` builds a throwaway
resource (welfare's ``gadgets``) in a copy of ``services/`` that answers a POST and a paged
GET; every path recipe 2 lists exists in that copy once the tool ran, and every path
recipes 1 and 3 name exists in the repository. A recipe naming a file that was moved or
removed fails here."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_token

CONTRIBUTING = ROOT / "CONTRIBUTING.md"
#: The folders a recipe's paths start from (or a file at the repository's root).
ROOTS = ("services", "shared", "deploy", "tests", "docs", "tools", "embedded")
SERVICE, RESOURCE = "welfare", "gadgets"

#: Run in the copy: welfare's app on SQLite (the throwaway table by create_all), one
#: gadget created by the city, then the list.
BUILD_AND_CALL = """
import json, os, sys
import services
assert services.__file__.startswith(os.getcwd()), services.__file__  # the copy's services
from services.welfare.app import create_app
from services.welfare.models import Base
from services.welfare.spec import SPEC
from shared.db import Database

config = SPEC.config(DATABASE_URL="sqlite:///" + os.path.abspath("gadgets.db"),
                     BROKER_URL="memory://")
db = Database.of(config)
Base.metadata.create_all(db.engine)
client = create_app(config, db).test_client()
headers = {"Authorization": "Bearer " + os.environ["CITY_TOKEN"]}
created = client.post("/api/v1/welfare/gadgets", json={"name": "水壶"}, headers=headers)
listed = client.get("/api/v1/welfare/gadgets", headers=headers)
anonymous = client.get("/api/v1/welfare/gadgets")
print(json.dumps({"created": [created.status_code, created.get_json()],
                  "listed": [listed.status_code, listed.get_json()],
                  "anonymous": anonymous.status_code}))
"""


def recipe(number: int) -> str:
    """The text of recipe ``number`` (its ``### <number>.`` section)."""
    text = CONTRIBUTING.read_text(encoding="utf-8")
    found = re.search(rf"^### {number}\. .*?(?=^#{{2,3}} |\Z)", text, re.MULTILINE | re.DOTALL)
    assert found, f"CONTRIBUTING.md has no recipe {number}"
    return found.group(0)


def paths_in(section: str) -> list[str]:
    """Every path a section names in backticks (a folder ends with ``/``)."""
    found = []
    for token in re.findall(r"`([^`\s]+)`", section):
        if token.split("/")[0] in ROOTS and "/" in token or re.fullmatch(r"[A-Z]+\.md", token):
            found.append(token)
    return list(dict.fromkeys(found))


def expand(path: str) -> list[str]:
    """``a/{zh,en}/b`` -> ``a/zh/b``, ``a/en/b``."""
    parts = re.split(r"\{([^}]*)\}", path)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(combo) for combo in itertools.product(*choices)]


def as_glob(path: str) -> str:
    """A recipe's path with each ``<placeholder>`` matching any name."""
    return re.sub(r"<[^>]+>", "*", path)


def missing(root: Path, paths: list[str], fill: dict[str, str]) -> list[str]:
    """The paths that name nothing under ``root``: placeholders in ``fill`` are put in,
    any other ``<placeholder>`` must match at least one file or folder."""
    absent = []
    for path in paths:
        for one in expand(path):
            for key, value in fill.items():
                one = one.replace(f"<{key}>", value)
            if not any(root.glob(as_glob(one).rstrip("/"))):
                absent.append(path)
    return absent


@pytest.fixture
def copy(tmp_path) -> Path:
    """The repository's ``services/`` in ``tmp_path``, without caches."""
    shutil.copytree(
        ROOT / "services", tmp_path / "services", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


def run(copy: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """``python *args`` in the copy, whose ``services`` comes first; ``shared`` and
    ``tools`` are the repository's."""
    environment = {**os.environ, "PYTHONPATH": f"{copy}{os.pathsep}{ROOT}", **env}
    result = subprocess.run(
        [sys.executable, *args],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_tool_builds_a_resource_that_creates_and_lists(copy):
    told = run(copy, "-m", "tools.new_resource", SERVICE, RESOURCE).stdout
    assert "Steps left" in told and "python -m embedded.openapi" in told

    answer = json.loads(
        run(copy, "-c", BUILD_AND_CALL, CITY_TOKEN=make_token("city")).stdout.splitlines()[-1]
    )

    status, body = answer["created"]
    assert status == 201
    assert body == {"id": body["id"], "name": "水壶"}
    status, page = answer["listed"]
    assert status == 200
    assert page["total"] == 1
    assert page["items"] == [body]
    assert answer["anonymous"] == 401


def test_every_path_of_the_new_resource_recipe_exists_once_the_tool_ran(copy):
    run(copy, "-m", "tools.new_resource", SERVICE, RESOURCE)
    paths = paths_in(recipe(2))
    assert "services/<service>/api/<resource>.py" in paths  # the list was read
    # The copy holds services/; the rest (tests/, embedded/, …) is the repository's.
    fill = {"service": SERVICE, "resource": RESOURCE}
    in_copy = [p for p in paths if p.startswith("services/")]
    elsewhere = [p for p in paths if not p.startswith("services/")]
    assert missing(copy, in_copy, fill) == []
    assert missing(ROOT, elsewhere, fill) == []


def test_the_generated_files_are_lint_clean(copy):
    run(copy, "-m", "tools.new_resource", SERVICE, RESOURCE)
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed beside this Python")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "shared").symlink_to(ROOT / "shared")  # first-party, as in the repository
    folder = f"services/{SERVICE}"
    files = [
        *(f"{folder}/{part}/{RESOURCE}.py" for part in ("models", "schemas", "domain", "api")),
        f"{folder}/models/__init__.py",
        f"{folder}/api/__init__.py",
    ]
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(ruff), *command, *files], cwd=copy, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("number", [1, 3])
def test_every_path_of_the_event_and_rule_recipes_exists(number):
    paths = paths_in(recipe(number))
    assert paths, f"recipe {number} names no file"
    assert missing(ROOT, paths, {}) == []


def tables_to_edit(section: str) -> list[tuple[str, str]]:
    """Each ``(NAME, path)`` a recipe tells to edit: "`NAME` in `path.py`" anywhere, and a
    step's own file with the upper-case names of its first sentence ("`rules.py`: the
    `RULES` entry …")."""
    pairs = re.findall(r"`([A-Z][A-Z_]{2,})` in\s+`([^`]+\.py)`", section)
    named = {name for name, _ in pairs}  # a file of their own: not their step's
    for step in re.findall(r"^\d+\. (.*?)(?=^\d+\. |\Z)", section, re.MULTILINE | re.DOTALL):
        head = re.match(r"`([^`]+\.py)`[^:]*:(.*?)(?:\.\s|\Z)", step, re.DOTALL)
        if head:
            pairs += [
                (name, head.group(1))
                for name in re.findall(r"`([A-Z][A-Z_]{2,})`", head.group(2))
                if name not in named
            ]
    return list(dict.fromkeys(pairs))


def defined_in(name: str, path: str) -> bool:
    """Whether some file ``path`` matches (a placeholder matches any) defines ``name`` at
    module level: an assignment, a function or a class, not an import."""
    pattern = re.compile(rf"^(?:{name}\s*(?::[^=\n]*)?=|def {name}\b|class {name}\b)", re.M)
    files = ROOT.glob(as_glob(path))
    return any(pattern.search(f.read_text(encoding="utf-8")) for f in files)


@pytest.mark.parametrize("number", [1, 2, 3])
def test_every_table_a_recipe_says_to_edit_is_defined_in_the_file_it_names(number):
    pairs = tables_to_edit(recipe(number))
    assert pairs, f"recipe {number} names no table"
    assert [f"{name} in {path}" for name, path in pairs if not defined_in(name, path)] == []


def test_a_table_named_in_the_wrong_file_is_caught():
    """The check itself: LINKS moved to the notifier's schemas once while the recipes
    still sent the reader to its domain module, which only imports it."""
    stale = "5. `services/notifier/domain/rules.py`: see recipe 3. Add it to `LINKS` in\n"
    stale += "   `services/notifier/domain/notifications.py`.\n"
    pairs = tables_to_edit(stale)
    assert pairs == [("LINKS", "services/notifier/domain/notifications.py")]
    assert not defined_in(*pairs[0])
    assert defined_in("RULES", "services/notifier/domain/rules.py")
    assert defined_in("HANDLERS", "services/<consumer>/handlers.py")


def test_the_tool_refuses_to_overwrite_a_resource(copy):
    run(copy, "-m", "tools.new_resource", SERVICE, RESOURCE)
    result = subprocess.run(
        [sys.executable, "-m", "tools.new_resource", SERVICE, RESOURCE],
        cwd=copy,
        env={**os.environ, "PYTHONPATH": f"{copy}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "already there" in result.stderr
