"""Security suite fixtures: one seeded world per service on its own PostgreSQL database
(kept for the module: the suites only read it, or prove that nothing changed), the
committed OpenAPI documents, and the scenario table printed at the end of the run.

Halves: every world is split in two parties that must never see each other. Half A is
town 1, unit 1, trainees 1 and 3, and their mentors; half B is town 2, unit 2, trainee 2
and its mentors (see ``tests/worlds.py``; roster's own world has the same shape).
"""

from __future__ import annotations

import json
import os
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT

SERVICES = ("roster", "mentorship", "reporting", "welfare", "notifier")
# Examples per operation for schemathesis: a few in ``make test``, 100 in ``make security``.
EXAMPLES = int(os.environ.get("SECURITY_EXAMPLES", "5"))
FULL = EXAMPLES >= 100


def openapi(service: str) -> dict:
    """The committed OpenAPI document of ``service``."""
    return json.loads((ROOT / "services" / service / "openapi.json").read_text())


def operations(service: str):
    """(method, path, operation) of every operation in the committed document."""
    for path, item in openapi(service)["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, op


class Table:
    """Scenario counts, one row per (scenario, service), printed when the session ends."""

    COLUMNS = ("requests", "lost", "duplicated", "leaks", "5xx", "failures")

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(self.COLUMNS, 0)
        )

    def add(self, scenario: str, service: str, **counts: int) -> None:
        row = self.rows[(scenario, service)]
        for key, value in counts.items():
            row[key] += value

    def render(self) -> str:
        head = ("scenario", "service", *self.COLUMNS)
        lines = [head]
        totals = dict.fromkeys(self.COLUMNS, 0)
        for (scenario, service), row in sorted(self.rows.items()):
            lines.append((scenario, service, *(str(row[c]) for c in self.COLUMNS)))
            for c in self.COLUMNS:
                totals[c] += row[c]
        lines.append(("total", "", *(str(totals[c]) for c in self.COLUMNS)))
        widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
        out = []
        for n, line in enumerate(lines):
            out.append(" | ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)))
            if n == 0 or n == len(lines) - 2:
                out.append("-+-".join("-" * w for w in widths))
        return "\n".join(out)


TABLE = Table()


@pytest.fixture(scope="session")
def table() -> Table:
    return TABLE


def pytest_terminal_summary(terminalreporter):
    if TABLE.rows:
        terminalreporter.write_sep("=", "security scenarios")
        terminalreporter.write_line(TABLE.render())
        out = os.environ.get("SECURITY_TABLE")
        if out:
            Path(out).write_text(TABLE.render() + "\n")


def snapshot(db) -> dict:
    """Every row of every table, to prove that a refused request changed nothing."""
    out = {}
    with db.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            if table == "alembic_version":
                continue
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            out[table] = sorted(repr(tuple(r)) for r in rows)
    return out


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


class Worlds:
    """Security worlds built on first use, each on its own database, dropped at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.built: dict = {}
        self.names: list[str] = []

    def __getitem__(self, service: str):
        if service not in self.built:
            from tests.security.worlds import security_world

            name = f"gr_sec_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self.names.append(name)
            url = (
                sa.engine.make_url(self.admin_url)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
            self.built[service] = security_world(service, url)
        return self.built[service]

    def close(self) -> None:
        for world in self.built.values():
            world.db.dispose()
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def worlds(pg_admin_url):
    """``worlds["welfare"]``: the security world of a service, shared by the suites that
    leave it as it was (they prove that refused requests change nothing)."""
    built = Worlds(pg_admin_url)
    yield built
    built.close()


@pytest.fixture(scope="module")
def own_worlds(pg_admin_url):
    """Worlds of this module alone, for suites that change them (fuzzing, audited
    changes)."""
    built = Worlds(pg_admin_url)
    yield built
    built.close()
