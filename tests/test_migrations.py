"""Each service's migrations build exactly the schema its models declare, on PostgreSQL
and on SQLite."""

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from embedded.system import EmbeddedSystem
from tests.conftest import ROOT, migrated

SERVICES = EmbeddedSystem(ROOT / "var").available()


def _diff(spec, url):
    db = migrated(spec, url)
    models = importlib.import_module(f"services.{spec.name}.models")  # every table
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            return compare_metadata(context, models.Base.metadata)
    finally:
        db.dispose()


@pytest.mark.parametrize("name", SERVICES)
def test_migrations_match_the_models_on_sqlite(name, sqlite_url):
    spec = importlib.import_module(f"services.{name}.spec").SPEC
    assert _diff(spec, sqlite_url) == []


@pytest.mark.integration
@pytest.mark.parametrize("name", SERVICES)
def test_migrations_match_the_models_on_postgresql(name, pg_url):
    spec = importlib.import_module(f"services.{name}.spec").SPEC
    assert _diff(spec, pg_url) == []
