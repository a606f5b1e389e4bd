"""Migration 0003 on existing data (SQLite and PostgreSQL): a reversed subsidy gets its
reversal's id, each month with subsidies gets a run record (the scheduler does not take it
for a month never generated), and the new unique index holds; down and up again."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from services.welfare.domain import subsidies
from services.welfare.models import Subsidy, SubsidyMonth
from shared import migrate
from tests.welfare.test_policy import add_policy


def _existing_data(world) -> dict[int, int | None]:
    """March and April generated, one of March's reversed; reversal ids by subsidy."""
    add_policy(world, "2026-01-01", monthly=100_000)
    with world.db.transaction() as s:
        subsidies.generate(s, "2026-03", "city", dt.date(2026, 4, 1))
        subsidies.generate(s, "2026-04", "city", dt.date(2026, 5, 1))
        first = s.scalars(sa.select(Subsidy).order_by(Subsidy.id)).first()
        subsidies.reverse(s, first, "重复", "city", dt.date(2026, 4, 2))
    with world.db.transaction() as s:
        return dict(s.execute(sa.select(Subsidy.id, Subsidy.reversal_id)).all())


def _down_and_up(world) -> None:
    world.db.dispose()
    config = migrate.alembic_config(world.spec.migrations_dir, str(world.config.DATABASE_URL))
    command.downgrade(config, "0002")
    command.upgrade(config, "head")


def _check(world) -> None:
    before = _existing_data(world)
    assert sorted(v for v in before.values() if v) == [max(before)]  # the reversal's id
    _down_and_up(world)
    with world.db.transaction() as s:
        assert dict(s.execute(sa.select(Subsidy.id, Subsidy.reversal_id)).all()) == before
        runs = {
            r.month: (r.runs, r.created, r.total_fen, r.stale, r.first_by)
            for r in s.scalars(sa.select(SubsidyMonth))
        }
    assert runs == {
        "2026-03": (1, 2, 200_000, False, "migration 0003"),
        "2026-04": (1, 2, 200_000, False, "migration 0003"),
    }
    # The months are known as generated: the tick adds nothing to them.
    assert subsidies.tick(world.db.sessionmaker, dt.date(2026, 5, 2))["generated"] == {}
    with pytest.raises(sa.exc.IntegrityError), world.db.transaction() as s:
        live = s.scalars(sa.select(Subsidy).where(subsidies.live(), Subsidy.month == "2026-04"))
        row = live.first()
        s.add(
            Subsidy(
                **{
                    c: getattr(row, c)
                    for c in (
                        "trainee_id",
                        "month",
                        "town_id",
                        "unit_id",
                        "village_id",
                        "days_stationed",
                        "days_in_month",
                        "amount_fen",
                    )
                }
            )
        )


def test_migration_0003_keeps_existing_subsidies_on_sqlite(world):
    _check(world)


@pytest.mark.integration
def test_migration_0003_keeps_existing_subsidies_on_postgresql(world_pg):
    _check(world_pg)
