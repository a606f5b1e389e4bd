"""Audit (issue 9, item 15): every money change, mentor assignment and report decision
writes its audit row in the same transaction as the change, and the audit tables (and
welfare's ledger) are append-only in the database itself.

Same transaction, shown two ways on PostgreSQL for each audited operation:
- an insert into the audit table made to fail (a trigger injected for the test) fails the
  whole request and leaves every table as it was;
- done for real, the new audit rows and the changed rows carry the same ``xmin`` (the id
  of the transaction that wrote them).
Append-only: UPDATE, DELETE and TRUNCATE on the audit tables through the application's own
connection fail; inserts (the audited operations above) still work.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import sqlalchemy as sa

from tests.security.conftest import changed_tables, snapshot
from tests.security.worlds import CITY, TODAY, bearer

pytestmark = pytest.mark.security

AUDIT_TABLES = {
    "mentorship": ["audit"],
    "welfare": ["money_audit", "ledger_entry"],
    "reporting": ["report_audit"],
}
#: Tables a request may touch besides the audited change (events, counters).
BOOKKEEPING = {"outbox", "inbox"}


def _report_step(world, report_id: int) -> dict:
    report = world.call("GET", f"/reports/{report_id}", CITY)
    step = report["step"]
    half = "A" if report["trainee_id"] in world.owned["trainees"]["A"] else "B"
    scope = None if step == "city" else world.scopes[half][step]
    return bearer(step, scope)


def audited_operations(service: str, world):
    """(label, callable doing one audited change through the API) of a service, in an
    order where each applies to the state the previous ones left."""
    if service == "mentorship":
        new = {}

        def assign():
            body = {"trainee_id": 1, "mentor_id": 102, "role": "business"}
            new["id"] = world.call(
                "POST", "/assignments", CITY, {**body, "start_date": "2026-01-01"}
            )["id"]

        def end():
            world.call(
                "POST",
                f"/assignments/{new['id']}/end",
                CITY,
                {"end_date": TODAY.isoformat(), "reason": "调整"},
            )

        return [("assign a mentor", assign), ("end an assignment", end)]
    if service == "welfare":
        subsidy = min(world.owned["subsidies"]["A"])
        fee = min(world.owned["placement-fees"]["A"])
        month = f"{TODAY.replace(day=1) - dt.timedelta(days=40):%Y-%m}"
        return [
            (
                "add a policy",
                lambda: world.call(
                    "POST",
                    "/policies",
                    CITY,
                    {
                        "effective_from": f"{TODAY.year + 1}-01-01",
                        "monthly_amount_fen": 120_000,
                        "placement_fee_fen": 300_000,
                    },
                ),
            ),
            (
                "generate a month",
                lambda: world.call("POST", "/subsidies/generate", CITY, {"month": month}),
            ),
            (
                "approve a subsidy",
                lambda: world.call("POST", f"/subsidies/{subsidy}/approve", bearer("town", 1)),
            ),
            (
                "pay a subsidy",
                lambda: world.call(
                    "POST", f"/subsidies/{subsidy}/pay", CITY, {"payment_ref": "ZF-1"}
                ),
            ),
            (
                "reverse a subsidy",
                lambda: world.call(
                    "POST",
                    f"/subsidies/{subsidy}/reverse",
                    CITY,
                    {"reason": "多发"},
                    expect=(200, 201),
                ),
            ),
            (
                "re-issue a subsidy",
                lambda: world.call(
                    "POST",
                    f"/subsidies/{subsidy}/reissue",
                    CITY,
                    {"days_stationed": 10, "reason": "补发10天"},
                    expect=(201,),
                ),
            ),
            (
                "pay a placement fee",
                lambda: world.call(
                    "POST",
                    f"/placement-fees/{fee}/pay",
                    CITY,
                    {"paid_on": TODAY.isoformat(), "payment_ref": "AZ-1"},
                ),
            ),
            (
                "set a town's budget",
                lambda: world.call(
                    "PUT", f"/budgets/1/{TODAY.year}", CITY, {"amount_fen": 2_000_000}
                ),
            ),
        ]
    if service == "reporting":
        report = min(world.owned["reports"]["A"])
        other = min(world.owned["reports"]["B"])
        return [
            (
                "move a deadline",
                lambda: world.call(
                    "PATCH",
                    f"/periods/{world.literals['code']}",
                    CITY,
                    {"deadline": f"{TODAY.year + 1}-01-10", "reason": "节假日"},
                ),
            ),
            (
                "return a report",
                lambda: world.call(
                    "POST",
                    f"/reports/{report}/return",
                    _report_step(world, report),
                    {"reason": "补充"},
                ),
            ),
            (
                "resubmit a report",
                lambda: world.call("POST", f"/reports/{report}/submit", bearer("trainee", 1), {}),
            ),
            (
                "approve a report",
                lambda: world.call(
                    "POST", f"/reports/{other}/approve", _report_step(world, other), {}
                ),
            ),
        ]
    raise AssertionError(service)


def _xmins(conn, table: str) -> set[str]:
    return {r[0] for r in conn.execute(sa.text(f'SELECT xmin::text FROM "{table}"'))}


def _audit_max(conn, table: str) -> int:
    return conn.execute(sa.text(f'SELECT coalesce(max(id), 0) FROM "{table}"')).scalar_one()


@pytest.mark.parametrize("service", sorted(AUDIT_TABLES))
def test_each_audited_change_and_its_audit_row_share_one_transaction(own_worlds, table, service):
    world = own_worlds[service]
    audit = AUDIT_TABLES[service][0]
    engine = world.db.engine
    sent = 0
    for label, do in audited_operations(service, world):
        # 1. The audit insert fails: the change must fail with it.
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'injected audit failure'; END $$"
                )
            )
            conn.execute(
                sa.text(
                    f"CREATE TRIGGER test_refuse BEFORE INSERT ON {audit} "
                    "FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()"
                )
            )
        before = snapshot(world.db)
        try:
            with pytest.raises(AssertionError):  # the request fails (a 5xx)
                do()
            sent += 1
        finally:
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP TRIGGER test_refuse ON {audit}"))
                conn.execute(sa.text("DROP FUNCTION test_refuse_audit()"))
        assert changed_tables(before, snapshot(world.db)) == [], label

        # 2. For real: the audit rows and the changed rows have one writer transaction.
        with engine.connect() as conn:
            last = _audit_max(conn, audit)
        before = snapshot(world.db)
        do()
        sent += 1
        changed = set(changed_tables(before, snapshot(world.db))) - BOOKKEEPING
        with engine.connect() as conn:
            new = conn.execute(
                sa.text(f'SELECT DISTINCT xmin::text FROM "{audit}" WHERE id > :last'),
                {"last": last},
            ).all()
            assert len(new) == 1, f"{label}: {len(new)} transactions wrote audit rows"
            xmin = new[0][0]
            for name in changed - {audit}:
                assert xmin in _xmins(conn, name), f"{label}: {name} changed in another transaction"
        assert changed - {audit}, f"{label}: changed nothing"
    table.add("15 audit in the change's transaction", service, requests=sent)


@pytest.mark.parametrize("service", sorted(AUDIT_TABLES))
def test_the_application_connection_cannot_update_or_delete_audit_rows(own_worlds, table, service):
    world = own_worlds[service]
    refused = 0
    if service == "welfare":  # a ledger entry to try, whatever ran before on these worlds
        for fee in world.call("GET", "/placement-fees?status=due&per_page=1", CITY)["items"]:
            world.call(
                "POST",
                f"/placement-fees/{fee['id']}/pay",
                CITY,
                {"paid_on": TODAY.isoformat(), "payment_ref": "AUDIT-TRY"},
            )
    for name in AUDIT_TABLES[service]:
        with world.db.engine.connect() as conn:
            count = conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
        assert count > 0, f"{name} has no rows to try"  # the seeded world wrote some
        for statement in (
            f'UPDATE "{name}" SET id = id',
            f'DELETE FROM "{name}"',
            f'TRUNCATE "{name}"',
        ):
            with pytest.raises(sa.exc.ProgrammingError, match="append-only"):
                with world.db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
            refused += 1
        # also through the ORM session the services use
        with pytest.raises(sa.exc.ProgrammingError, match="append-only"):
            with world.db.transaction() as session:
                session.execute(
                    sa.text(f'DELETE FROM "{name}" WHERE id = (SELECT min(id) FROM "{name}")')
                )
        refused += 1
        with world.db.engine.connect() as conn:
            after = conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
        assert after == count
    table.add("15 audit append-only", service, requests=refused)


def test_audit_tables_are_append_only_on_sqlite_too(tmp_path):
    """The embedded default (SQLite) gets the same triggers from the same migration."""
    from shared.db import Database
    from shared.migrate import upgrade

    for service, tables in AUDIT_TABLES.items():
        spec = importlib.import_module(f"services.{service}.spec").SPEC
        url = f"sqlite:///{tmp_path / service}.db"
        upgrade(spec.migrations_dir, url)
        db = Database(url)
        try:
            for name in tables:
                with db.engine.connect() as conn:
                    cols = [c["name"] for c in sa.inspect(conn).get_columns(name)]
                # an insert of any row works; changing it does not
                with db.engine.begin() as conn:
                    conn.execute(sa.text(f'INSERT INTO "{name}" ({cols[0]}) SELECT 1 WHERE 0'))
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(_seed_row_sql(conn, name))
                for statement in (f'UPDATE "{name}" SET id = id', f'DELETE FROM "{name}"'):
                    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                        with db.engine.begin() as conn:
                            conn.execute(sa.text(statement))
        finally:
            db.dispose()


def _seed_row_sql(conn, name: str) -> str:
    """An INSERT with a value for every NOT NULL column (SQLite is lenient on types)."""
    columns = [c for c in sa.inspect(conn).get_columns(name) if not c["nullable"]]
    values = []
    for c in columns:
        values.append("NULL" if c["name"] == "id" else "'1'")
    names = ", ".join(c["name"] for c in columns)
    return f'INSERT INTO "{name}" ({names}) VALUES ({", ".join(values)})'
