"""shared.platform_tables: the tables the migrations' helpers build are the tables the
mixins declare (columns in the same order, types, nullability, keys, indexes), with and
without the assignments projection, on SQLite and on PostgreSQL; each drop undoes its
create."""

from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.orm import DeclarativeBase

from shared import migrate, platform_tables
from shared.consumer import InboxMixin
from shared.db import TYPE_ANNOTATION_MAP
from shared.idempotency import IdempotencyMixin
from shared.outbox import OutboxMixin
from shared.projections import declare_projections


def declared(*, assignments: bool) -> sa.MetaData:
    """The platform tables as a service's models declare them, on a throwaway base."""

    class Base(DeclarativeBase):
        type_annotation_map = TYPE_ANNOTATION_MAP

    type("Outbox", (OutboxMixin, Base), {})
    type("Inbox", (InboxMixin, Base), {})
    type("IdempotencyKey", (IdempotencyMixin, Base), {})
    declare_projections(Base, assignments=assignments)  # token_revocation among them
    return Base.metadata


def tables(*, assignments: bool) -> list[str]:
    names = ["outbox", "inbox", "idempotency_key", "token_revocation"]
    return names + [*platform_tables.PROJECTIONS] + (["mentor_assignment"] if assignments else [])


def create_all(op: Operations, *, assignments: bool) -> None:
    platform_tables.create(op, *tables(assignments=assignments))
    platform_tables.create_outbox_notify(op)


def drop_all(op: Operations, *, assignments: bool) -> None:
    platform_tables.drop_outbox_notify(op)
    platform_tables.drop(op, *tables(assignments=assignments))


def check_helpers_build_the_declared_tables(url: str, assignments: bool) -> None:
    metadata = declared(assignments=assignments)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            create_all(Operations(context), assignments=assignments)
            assert compare_metadata(context, metadata) == []
            inspector = sa.inspect(conn)
            assert set(inspector.get_table_names()) == set(metadata.tables)
            for name, table in metadata.tables.items():
                built = [column["name"] for column in inspector.get_columns(name)]
                assert built == [column.name for column in table.columns], name
            drop_all(Operations(context), assignments=assignments)
            assert sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("assignments", [True, False])
def test_the_helpers_build_the_tables_the_mixins_declare_on_sqlite(sqlite_url, assignments):
    check_helpers_build_the_declared_tables(sqlite_url, assignments)


@pytest.mark.integration
@pytest.mark.parametrize("assignments", [True, False])
def test_the_helpers_build_the_tables_the_mixins_declare_on_postgresql(pg_url, assignments):
    check_helpers_build_the_declared_tables(pg_url, assignments)


SERVICES = ["roster", "mentorship", "reporting", "welfare", "notifier"]


def check_down_to_base_and_up_again(url: str, service: str) -> None:
    """A service's migrations, all the way down and up again: each downgrade undoes its
    upgrade (the platform tables' ``drop`` included), leaving only alembic's own table."""
    spec = importlib.import_module(f"services.{service}.spec").SPEC
    config = migrate.alembic_config(spec.migrations_dir, url)
    command.upgrade(config, "head")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            built = set(sa.inspect(conn).get_table_names())
        assert {"outbox", "idempotency_key", "token_revocation"} & built
        command.downgrade(config, "base")
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) == built
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_migrates_down_to_base_and_up_again_on_sqlite(sqlite_url, service):
    check_down_to_base_and_up_again(sqlite_url, service)


@pytest.mark.integration
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_migrates_down_to_base_and_up_again_on_postgresql(pg_url, service):
    check_down_to_base_and_up_again(pg_url, service)
