"""shared.projections: a newer version is never overwritten by an older one, even when the
row was read before its lock was taken (found by the fault-injection suite: two consumers
applying one trainee's updates left mentorship one version behind)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.mentorship.models import Trainee
from services.mentorship.spec import SPEC
from shared.projections import upsert_versioned
from tests.conftest import migrated

pytestmark = pytest.mark.integration


def values(name: str) -> dict:
    return {"name": name, "gender": None, "cohort": 2026, "unit_id": 1, "town_id": None,
            "village_id": None, "placement_start": None, "status": "active", "phone": None,
            "email": None}  # fmt: skip


def test_an_older_version_never_overwrites_a_newer_one_read_after_the_lock(pg_url):
    db = migrated(SPEC, pg_url)
    try:
        with db.transaction() as session:
            upsert_versioned(session, Trainee, 7, 248, values("v248"))
        late = Session(db.engine)
        late.begin()
        seen = late.get(Trainee, 7)  # read, not locked, and held: as mentorship's handler
        assert seen.version == 248  # reads the row before its projection is updated
        with db.transaction() as session:  # meanwhile another consumer applies v250
            assert upsert_versioned(session, Trainee, 7, 250, values("v250"))
        # the late consumer now applies v249: it must see v250 once it holds the lock
        assert upsert_versioned(late, Trainee, 7, 249, values("v249")) is False
        late.commit()
        late.close()
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT name, version FROM trainee WHERE id = 7")).one()
        assert tuple(row) == ("v250", 250)
    finally:
        db.dispose()
