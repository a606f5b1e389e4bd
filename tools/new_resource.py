"""``python -m tools.new_resource <service> <resource>``: the skeleton of a new resource in
an existing service, as CONTRIBUTING.md's recipe 2 lays it out.

It writes, from the templates in ``tools/templates/resource/``:

- ``services/<service>/models/<resource>.py``  a model with an id and a name;
- ``services/<service>/schemas/<resource>.py`` its body in, its body out, a page of them;
- ``services/<service>/domain/<resource>.py``  create one, the query that lists them;
- ``services/<service>/api/<resource>.py``     a blueprint: GET a page of them (with the
  true total, ``shared.http.paginate``), POST one; behind ``protect`` and ``require``;

and registers the model in ``models/__init__.py`` and the module among those
``api/__init__.py`` serves. Then it prints the steps left: the Alembic revision, the access rules,
``openapi.json``, the tests and the console. It refuses to overwrite a file.

``<resource>`` is the plural snake-case name the four modules share (``gadgets``); the
model is its singular in CamelCase (``Gadget``; ``--model`` names it otherwise) and its
table the singular in snake case (``gadget``).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parent / "templates" / "resource"
#: template -> the service's package it goes to (as ``<package>/<resource>.py``).
PARTS = {"model": "models", "schema": "schemas", "domain": "domain", "api": "api"}
LINE_LENGTH = 100
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def singular(resource: str) -> str:
    """``gadgets`` -> ``gadget``, ``facilities`` -> ``facility`` (a plain English guess)."""
    if resource.endswith("ies"):
        return resource[:-3] + "y"
    if resource.endswith("s") and not resource.endswith("ss"):
        return resource[:-1]
    return resource


def camel(snake: str) -> str:
    """``talk_notes`` -> ``TalkNotes``."""
    return "".join(part.capitalize() for part in snake.split("_"))


def names(service: str, resource: str, model: str | None = None) -> dict[str, str]:
    """What the templates fill in."""
    one = singular(resource)
    title = resource.replace("_", " ")
    model = model or camel(one)
    views = camel(resource) if camel(resource) != model else f"{model}List"
    return {
        "service": service,
        "Service": service.capitalize(),
        "resource": resource,
        "path": resource.replace("_", "-"),
        "Model": model,
        "Models": views,
        "table": one,
        "title": title,
        "Title": title.capitalize(),
        "title_one": one.replace("_", " "),
    }


# -- editing the two __init__ files --------------------------------------------------


def _kind(name: str) -> tuple[int, str]:
    """isort's order (ruff's ``order-by-type``): constants, classes, then the rest."""
    if len(name) > 1 and name.isupper():
        return (0, name)
    return (1 if name[0].isupper() else 2, name)


def _render_import(module: str, aliases: list[str]) -> list[str]:
    """An import as ruff formats it: on one line if it fits, else one name a line."""
    line = f"from {module} import {', '.join(aliases)}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"from {module} import (", *(f"    {a}," for a in aliases), ")"]


def _alias(node: ast.alias) -> str:
    return f"{node.name} as {node.asname}" if node.asname else node.name


def _with_name(node: ast.ImportFrom, name: str) -> list[str]:
    """``node`` rendered again with ``name`` added in its place."""
    aliases = [_alias(a) for a in node.names]
    at = next((i for i, a in enumerate(aliases) if _kind(a) > _kind(name)), len(aliases))
    return _render_import(node.module, [*aliases[:at], name, *aliases[at:]])


def _list_insert(lines: list[str], node: ast.List, item: str) -> tuple[int, int, list[str]]:
    """An edit adding ``item`` (source text) to a list literal written one element a line:
    before the first element it sorts before (``_kind`` of string constants), else last."""
    first, last = node.lineno, node.end_lineno
    if first == last:  # written on one line: write it out one element a line
        items = [ast.get_source_segment("\n".join(lines), e) for e in node.elts]
        head = lines[first - 1][: node.col_offset]
        return first, last, [f"{head}[", *(f"    {e}," for e in [*items, item]), "]"]
    at = last  # the closing bracket's line
    name = ast.literal_eval(item) if item.startswith('"') else None
    if name is not None:
        for element in node.elts:
            if isinstance(element, ast.Constant) and _kind(element.value) > _kind(name):
                at = element.lineno
                break
    return at, at - 1, [f"    {item},"]


def _apply(text: str, edits: list[tuple[int, int, list[str]]]) -> str:
    """Replace lines ``start..end`` (1-based, inclusive; ``end = start - 1`` inserts
    before ``start``) by each edit's lines, from the bottom up (of two insertions at one
    line, the first listed ends up first)."""
    lines = text.splitlines()
    order = sorted(range(len(edits)), key=lambda i: (edits[i][0], i), reverse=True)
    for start, end, new in (edits[i] for i in order):
        lines[start - 1 : end] = new
    return "\n".join(lines) + "\n"


def _assignment(tree: ast.Module, target: str) -> ast.List | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == target for t in node.targets)
            and isinstance(node.value, ast.List)
        ):
            return node.value
    return None


def register_model(text: str, service: str, resource: str, model: str) -> str:
    """``models/__init__.py`` with ``from services.<service>.models.<resource> import
    <Model>`` among the package's imports, ``<Model>`` in ``__all__``, and, where the
    package also imports its modules by name (mentorship), the module too."""
    tree = ast.parse(text)
    lines = text.splitlines()
    package = f"services.{service}.models"
    module = f"{package}.{resource}"
    imports = [
        n
        for n in tree.body
        if isinstance(n, ast.ImportFrom) and (n.module or "").startswith(package)
    ]
    if not imports:
        raise SystemExit(f"{package}/__init__.py imports none of its modules: add it by hand")
    edits: list[tuple[int, int, list[str]]] = []
    new_line = _render_import(module, [model])
    after = next((n for n in imports if n.module > module), None)
    if after is not None:
        edits.append((after.lineno, after.lineno - 1, new_line))
    else:
        edits.append((imports[-1].end_lineno + 1, imports[-1].end_lineno, new_line))
    exported = [model]
    for node in imports:
        if node.module == package:  # ``from services.<s>.models import (assignments, …)``
            edits.append((node.lineno, node.end_lineno, _with_name(node, resource)))
            exported.append(resource)
    listed = _assignment(tree, "__all__")
    if listed is not None:
        for name in exported:
            edits.append(_list_insert(lines, listed, f'"{name}"'))
    return _apply(text, edits)


def register_blueprint(text: str, service: str, resource: str) -> str:
    """``api/__init__.py`` with ``resource`` last in ``blueprints_of(__name__, "…")``, the
    names of the modules whose ``BLUEPRINTS`` the service serves."""
    tree = ast.parse(text)
    call = next(
        (
            n.value
            for n in tree.body
            if isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Call)
            and getattr(n.value.func, "id", "") == "blueprints_of"
        ),
        None,
    )
    names = call.args[1] if call is not None and len(call.args) == 2 else None
    if not isinstance(names, ast.Constant):
        raise SystemExit(f'services/{service}/api/__init__.py has no blueprints_of(__name__, "…")')
    modules = f'"{names.value} {resource}"'
    head = f"BLUEPRINTS = blueprints_of(__name__, {modules})"
    new = (
        [head]
        if len(head) <= LINE_LENGTH
        else ["BLUEPRINTS = blueprints_of(", f"    __name__, {modules}", ")"]
    )
    return _apply(text, [(call.lineno, call.end_lineno, new)])


# -- the command ----------------------------------------------------------------------


def head_revision(versions: Path) -> tuple[str | None, int]:
    """The newest revision of a service's migrations (the one no other revises) and the
    highest file number."""
    revisions, parents, number = set(), set(), 0
    for path in versions.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = re.search(r'^revision = "([^"]+)"', text, re.MULTILINE)
        parent = re.search(r'^down_revision = "([^"]+)"', text, re.MULTILINE)
        if found:
            revisions.add(found.group(1))
        if parent:
            parents.add(parent.group(1))
        if match := re.match(r"(\d+)_", path.name):
            number = max(number, int(match.group(1)))
    heads = sorted(revisions - parents)
    return (heads[0] if len(heads) == 1 else None), number


def steps_left(root: Path, fill: dict[str, str]) -> str:
    """What the tool does not do: the recipe's remaining steps."""
    service, resource = fill["service"], fill["resource"]
    folder = root / "services" / service
    head, number = head_revision(folder / "migrations" / "versions")
    revision = f"{number + 1:04d}_{resource}"
    if (folder / "access.py").is_file():
        scope = f"services/{service}/access.py (trainee_scope, load_trainee)"
    else:
        scope = "shared.auth.check_scope"
    return f"""\
Steps left (CONTRIBUTING.md, recipe 2):
  1. Alembic revision: services/{service}/migrations/versions/{revision}.py with
     revision = "{revision}", down_revision = "{head}", creating the table
     `{fill["table"]}` (tests/test_migrations.py fails until the migrations build what
     the models declare).
  2. Access rules: the roles in the api module's `require`; a resource that belongs to a
     trainee, town or unit narrows its list and its items through {scope}.
  3. OpenAPI: python -m embedded.openapi   (rewrites services/{service}/openapi.json)
  4. Tests: tests/{service}/test_{resource}.py (tokens from tests.conftest.auth).
  5. Console, if clerks use it: a Resource in services/console/resources/{service}.py,
     listed in its RESOURCES; then `make translations` for its labels.
"""


def create(root: Path, service: str, resource: str, model: str | None = None) -> list[Path]:
    """Write the four modules and register them; the paths written or changed."""
    folder = root / "services" / service
    if not (folder / "models" / "__init__.py").is_file():
        raise SystemExit(f"no service {service!r} under {root / 'services'}")
    if not _NAME.match(resource):
        raise SystemExit(f"{resource!r}: a resource is a snake-case name (gadgets)")
    fill = names(service, resource, model)
    targets = {part: folder / PARTS[part] / f"{resource}.py" for part in PARTS}
    existing = [str(p.relative_to(root)) for p in targets.values() if p.exists()]
    if existing:
        raise SystemExit(f"already there: {', '.join(existing)}")
    models_init, api_init = folder / "models" / "__init__.py", folder / "api" / "__init__.py"
    new_models_init = register_model(
        models_init.read_text(encoding="utf-8"), service, resource, fill["Model"]
    )
    new_api_init = register_blueprint(api_init.read_text(encoding="utf-8"), service, resource)
    for part, path in targets.items():
        text = (TEMPLATES / f"{part}.py.tmpl").read_text(encoding="utf-8")
        path.write_text(Template(text).substitute(fill), encoding="utf-8")
    models_init.write_text(new_models_init, encoding="utf-8")
    api_init.write_text(new_api_init, encoding="utf-8")
    return [*targets.values(), models_init, api_init]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.new_resource", description=__doc__)
    parser.add_argument("service", help="an existing service: roster, mentorship, welfare, …")
    parser.add_argument("resource", help="the plural snake-case name: gadgets")
    parser.add_argument("--model", help="the model's class name (default: the singular)")
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="the repository (default: here)"
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    for path in create(root, args.service, args.resource, args.model):
        print(f"wrote {path.relative_to(root)}")
    print(steps_left(root, names(args.service, args.resource, args.model)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
