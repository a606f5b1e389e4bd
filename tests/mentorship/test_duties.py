"""The mentor roles' duties (导师职责) as data: seeded by the migration, read by everyone,
changed by the city only (audited); a bad body is a 422 and changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.mentorship.models import Audit
from tests.conftest import auth
from tests.mentorship.test_talks import API

DUTIES = f"{API}/role-duties"


def test_the_four_roles_duties_are_seeded_and_read_by_everyone(world):
    for role, scope in (("city", None), ("town", 1), ("unit", 1), ("mentor", 101), ("trainee", 1)):
        response = world.client.get(DUTIES, headers=auth(role, scope))
        assert response.status_code == 200, response.get_json()
        duties = response.get_json()
        assert duties["total"] == 4
        assert [d["role"] for d in duties["items"]] == [
            "integrity",
            "business",
            "responsible",
            "practical",
        ]
    practical = world.client.get(f"{DUTIES}/practical", headers=auth("mentor", 105)).get_json()
    assert "村党组织书记" in practical["statement"] and practical["aspects"] == ["practice", "care"]
    assert world.client.get(f"{DUTIES}/mayor", headers=auth("city")).status_code == 404


def test_the_city_changes_a_roles_duties_and_it_is_audited(world):
    body = {"statement": "  加强政治引领，每季度谈心谈话。𠀾 ", "aspects": ["political", "care"]}
    for role, scope in (("town", 1), ("unit", 1), ("mentor", 101), ("trainee", 1)):
        response = world.client.put(f"{DUTIES}/integrity", json=body, headers=auth(role, scope))
        assert response.status_code == 403
    response = world.client.put(f"{DUTIES}/integrity", json=body, headers=auth("city"))
    assert response.status_code == 200, response.get_json()
    changed = world.client.get(f"{DUTIES}/integrity", headers=auth("trainee", 1)).get_json()
    assert changed["statement"].endswith("𠀾") and changed["aspects"] == ["political", "care"]
    assert changed["updated_by"] and changed["updated_at"]
    with world.db.transaction() as s:
        row = s.scalars(sa.select(Audit).where(Audit.entity == "role_duty")).one()
        assert row.before["aspects"] == ["political", "conduct"]
        assert row.after["aspects"] == ["political", "care"]


@pytest.mark.parametrize(
    "body",
    [
        {"statement": "", "aspects": ["care"]},
        {"statement": "　 ", "aspects": ["care"]},
        {"statement": "x" * 2001, "aspects": ["care"]},
        {"statement": "职责", "aspects": []},
        {"statement": "职责", "aspects": ["care", "care"]},
        {"statement": "职责", "aspects": ["sports"]},
        {"statement": "职责"},
        {"statement": "职责", "aspects": ["care"], "cadence": "monthly"},
    ],
)
def test_a_bad_duty_is_a_422_and_changes_nothing(world, body):
    before = world.client.get(f"{DUTIES}/business", headers=auth("city")).get_json()
    response = world.client.put(f"{DUTIES}/business", json=body, headers=auth("city"))
    assert response.status_code == 422, response.get_json()
    assert world.client.get(f"{DUTIES}/business", headers=auth("city")).get_json() == before
