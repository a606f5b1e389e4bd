"""Mass assignment (issue 9, item 11), for every write operation of every committed
OpenAPI document: a valid body with extra fields (ids, scope fields, role, amounts,
statuses, authors, timestamps) is refused with a 422 naming each extra field, and the
database is unchanged; an import file with extra columns stores none of them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.security.conftest import SERVICES, changed_tables, snapshot
from tests.security.oas import Document
from tests.security.test_matrix import Attack
from tests.security.worlds import CITY

pytestmark = pytest.mark.security

#: What an attacker would like to set: identity, scope, role, money, state, authorship.
EXTRAS = {
    "id": 999_999,
    "trainee_id": 2,
    "town_id": 2,
    "unit_id": 2,
    "village_id": 21,
    "scope_id": 2,
    "owner_id": 2,
    "owner_role": "city",
    "role": "city",
    "is_admin": True,
    "status": "paid",
    "state": "approved",
    "amount_fen": 99_999_999,
    "amount": 99_999_999,
    "monthly_amount_fen": 99_999_999,
    "approved_by": "attacker",
    "created_by": "attacker",
    "actor": "attacker",
    "paid_at": "2020-01-01T00:00:00Z",
    "created_at": "2020-01-01T00:00:00Z",
    "version": 99,
    "secret": "attacker-chosen",
    "secret_hash": "x",
    "failed_logins": 0,
    "active": True,
}


def write_operations():
    for service in SERVICES:
        doc = Document(service)
        for method, path, op, _params in doc.operations():
            if method != "GET" and doc.body_schema(op)[0] == "application/json":
                yield pytest.param(service, method, path, id=f"{service} {method} {path}")


@pytest.mark.parametrize("service,method,path", list(write_operations()))
def test_extra_fields_in_a_write_body_are_refused_and_nothing_is_stored(
    worlds, table, service, method, path
):
    world = worlds[service]
    doc = Document(service)
    op, params = next((o, p) for m, pa, o, p in doc.operations() if (m, pa) == (method, path))
    attack = Attack(world, doc, method, path, op, params)
    url, _names, error = attack.url("A")  # the caller's own objects: a legitimate call
    assert error is None, error
    _kind, schema = doc.body_schema(op)
    body = doc.sample(schema, lambda kind: attack.party_value("A", kind))
    allowed = set(schema.get("properties", {}))
    extras = {k: v for k, v in EXTRAS.items() if k not in allowed}
    assert extras
    sent = 0
    response = None
    before = snapshot(world.db)
    for headers in (CITY, *world.tokens["A"].values()):
        response = world.client.open(
            f"{doc.prefix}{url}", method=method, headers=headers, json={**body, **extras}
        )
        sent += 1
        if response.status_code not in (401, 403):
            break
    table.add("11 mass assignment", service, requests=sent, **{"5xx": response.status_code >= 500})
    changed = changed_tables(before, snapshot(world.db))
    problems = []
    if response.status_code in (401, 403):
        problems.append("no role may call it: nothing to check (give it a caller)")
    elif response.status_code != 422:
        problems.append(f"answered {response.status_code}, not 422")
    else:
        errors = response.get_json().get("errors") or {}
        missing = sorted(k for k in extras if k not in errors)
        if missing:
            problems.append(f"the 422 does not name {missing}: {errors}")
    if changed:
        problems.append(f"stored something: {changed}")
    table.add("11 mass assignment", service, failures=1 if problems else 0)
    assert not problems, f"{method} {path}: " + "; ".join(problems)


IMPORTS = {
    # (service, path): (CSV with extra columns, the table it fills)
    ("roster", "/imports/trainees"): (
        "姓名,届别,单位编码,id,status,role,unit_id,scope_id\n导入学员,2025,UX,999999,withdrawn,city,2,2\n",
        "trainee",
    ),
    ("roster", "/imports/people"): (
        "姓名,职务类别,单位编码,id,role,scope_id\n导入干部,中层干部,UX,999999,city,2\n",
        "person",
    ),
    ("reporting", "/duty-items/import"): (
        "year,party_kind,party_code,title,due_date,id,status,percent,party_id,created_by\n"
        "2026,镇（街）,T1,导入事项,2026-12-31,999999,done,100,2,attacker\n",
        "duty_item",
    ),
}


@pytest.mark.parametrize("service,path", sorted(IMPORTS))
def test_extra_columns_in_an_import_are_not_stored(worlds, table, service, path):
    world = worlds[service]
    text, stored_in = IMPORTS[(service, path)]
    with world.db.engine.connect() as conn:
        before = conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {stored_in}")).scalar()
    response = world.client.post(
        f"/api/v1/{service}{path}",
        data=text.encode(),
        headers={**CITY, "Content-Type": "text/csv"},
    )
    table.add("11 mass assignment", service, requests=1, **{"5xx": response.status_code >= 500})
    assert response.status_code in (200, 201, 422), response.get_data(as_text=True)
    with world.db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT * FROM {stored_in} WHERE id > :before"), {"before": before}
        ).mappings()
        rows = [dict(r) for r in rows]
    if response.status_code == 422:
        assert rows == []
        return
    assert rows, "the import stored nothing"
    for row in rows:
        assert row["id"] != 999_999
        for column, injected in (
            ("status", "withdrawn"),
            ("status", "done"),
            ("percent", 100),
            ("created_by", "attacker"),
            ("unit_id", 2),
            ("party_id", 2),
        ):
            assert row.get(column, None) != injected or column not in row, (column, row)
