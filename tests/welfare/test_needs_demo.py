"""The care part of the demo (housing, facilities, a past Spring Festival campaign, needs)
loads through the domain functions on the seeded world and shows every state."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.welfare import demo
from services.welfare.domain.common import city_today
from services.welfare.models import Campaign, Facility, HousingAllocation, Need, Outbox, Visit
from tests.conftest import auth
from tests.welfare.test_housing import copy_world


@pytest.fixture
def world(tmp_path):
    world = copy_world(tmp_path)
    yield world
    world.db.dispose()


def test_the_care_demo_shows_vacancies_mixed_facilities_a_past_campaign_and_every_need_state(
    world,
):
    today = city_today("Asia/Shanghai")
    with world.db.transaction() as session:
        assert not demo.needs.is_loaded(session)
        made = demo.load_care(session, today)
    assert made["needs"] == 14 and made["flagged"] == 1
    with world.db.transaction() as session:
        assert demo.needs.is_loaded(session)
        statuses = set(session.scalars(sa.select(Need.status)))
        assert statuses == {"open", "in_progress", "resolved", "closed"}
        assert session.scalar(sa.select(sa.func.max(Need.reopen_count))) == 1
        assert session.scalar(sa.select(sa.func.count()).where(Need.confidential.is_(True))) > 0
        states = set(session.scalars(sa.select(Facility.state)))
        assert states == {"none", "in_progress", "ready"}
        campaign = session.scalars(sa.select(Campaign)).one()
        assert campaign.ends_on < today and "春节" in campaign.name
        assert session.scalar(sa.select(sa.func.count()).select_from(Visit)) >= 1
        assert (
            session.scalar(
                sa.select(sa.func.count()).where(HousingAllocation.flagged_for_release.is_(True))
            )
            == 1
        )
        assert session.scalar(sa.select(sa.func.count()).select_from(Outbox)) > 0
    housing = world.client.get("/api/v1/welfare/housing", headers=auth("city")).get_json()
    assert sum(h["vacancies"] for h in housing["items"]) > 0
    overdue = world.client.get("/api/v1/welfare/needs/overdue", headers=auth("city")).get_json()
    assert overdue["total"] >= 1
