"""shared.platform_tables: the tables the migrations' helpers build are the tables the
mixins declare (columns in the same order, types, nullability, keys, indexes), with and
without the assignments projection, on SQLite and on PostgreSQL; each drop undoes its
create."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.orm import DeclarativeBase

from shared import platform_tables
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


def create_all(op: Operations, *, assignments: bool) -> None:
    platform_tables.create_outbox(op)
    platform_tables.create_outbox_notify(op)
    platform_tables.create_inbox(op)
    platform_tables.create_idempotency_key(op)
    platform_tables.create_token_revocation(op)
    platform_tables.create_projections(op, assignments=assignments)


def drop_all(op: Operations, *, assignments: bool) -> None:
    platform_tables.drop_projections(op, assignments=assignments)
    platform_tables.drop_token_revocation(op)
    platform_tables.drop_idempotency_key(op)
    platform_tables.drop_inbox(op)
    platform_tables.drop_outbox_notify(op)
    platform_tables.drop_outbox(op)


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
