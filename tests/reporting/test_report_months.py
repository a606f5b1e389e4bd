"""The dashboard's read model of the forms (``report_month``) stays equal to a recount of
obligations and forms through every path that changes them (opening periods, the tick,
trainees arriving, moving and leaving, forms created, submitted, returned, approved), and
the dashboard read from it gives exactly what the former joins over obligations and forms
gave (kept below as the reference), for the city, each town and each unit."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa
from alembic import command

from services.reporting.domain import periods, report_months, reports
from services.reporting.domain.dashboard import (
    REPORT_KINDS,
    STATES,
    _scope,
    covered_where,
    dashboard,
    month_end,
    month_trainees,
    period_codes,
    roles_held,
    trainee_month,
)
from services.reporting.models import (
    MentorAssignment,
    Obligation,
    Period,
    Report,
    ReportMonth,
    Trainee,
)
from shared import migrate
from shared.clock import city_today

CONTENT = {
    "effectiveness": {"work_done": "走访农户", "days_in_village": 20},
    "mentoring": {"account": "每月一谈"},
    "quarterly": {"summary": "季度小结"},
}
SCOPES = [(None, None), (1, None), (2, None), (None, 1), (None, 2)]
#: The former computation knew no "not yet due": compare on a day after every deadline.
AFTER_EVERY_DEADLINE = dt.date(2100, 1, 1)
PLACES = [(1, 11), (1, 12), (2, 21)]  # (town, village)


# -- the former computation, kept as the reference -------------------------------------------


def old_forms(conn, period_ids: list[int], town_id, unit_id) -> tuple[dict, dict]:
    """Forms per kind and state, and trainees per state.

    A form is one obligation (trainee, period, kind) and its report. Everything is read
    from the two covering indexes (index-only scans) and the tables are joined only where
    a form is missing (an anti-join): forms per kind are one GROUP BY over the
    obligations and one over the reports (a missing form is an owed one not handed in);
    trainees are distinct counts of small sets (returned, late, missing)."""
    owed = {
        kind: number
        for kind, number in conn.execute(
            sa.select(Obligation.kind, sa.func.count())
            .where(
                Obligation.period_id.in_(period_ids),
                *_scope(Obligation.trainee_id, town_id, unit_id),
            )
            .group_by(Obligation.kind)
        )
    }
    forms = {
        kind: {"owed": owed[kind], **dict.fromkeys(STATES, 0), "approved": 0}
        for kind in REPORT_KINDS
        if owed.get(kind)
    }
    handed = conn.execute(
        sa.select(Report.kind, Report.status, Report.late, sa.func.count())
        .where(
            Report.period_id.in_(period_ids),
            Report.status != "draft",
            *_scope(Report.trainee_id, town_id, unit_id),
        )
        .group_by(Report.kind, Report.status, Report.late)
    ).all()
    for kind, status, late, number in handed:
        if kind not in forms:
            continue
        if status == "returned":
            forms[kind]["returned"] += number
        else:
            forms[kind]["late" if late else "on_time"] += number
            if status == "approved":
                forms[kind]["approved"] += number
    for counts in forms.values():
        counts["missing"] = counts["owed"] - counts["on_time"] - counts["late"] - counts["returned"]

    # Both covering indexes run (period, trainee, kind): the anti-join merges them in
    # order, with no sort and no hash of the whole month.
    missing = (
        sa.select(Obligation.trainee_id)
        .where(
            Obligation.period_id.in_(period_ids),
            *_scope(Obligation.trainee_id, town_id, unit_id),
            ~sa.exists().where(
                Report.period_id == Obligation.period_id,
                Report.trainee_id == Obligation.trainee_id,
                Report.kind == Obligation.kind,
                Report.status != "draft",
            ),
        )
        .cte("missing")
    )
    handed_in = [Report.period_id.in_(period_ids), *_scope(Report.trainee_id, town_id, unit_id)]
    returned = sa.select(Report.trainee_id).where(*handed_in, Report.status == "returned")
    late = sa.select(Report.trainee_id).where(
        *handed_in, Report.status.in_(("submitted", "approved")), Report.late.is_(True)
    )

    def distinct(query) -> sa.ScalarSelect:
        # GROUP BY hashes; COUNT(DISTINCT) would sort.
        inner = query.group_by(query.selected_columns[0]).subquery()
        return sa.select(sa.func.count()).select_from(inner).scalar_subquery()

    not_on_time = sa.union(sa.select(missing.c.trainee_id), returned, late).subquery()
    # A month alone: every trainee owing anything owes exactly one effectiveness form and
    # one mentoring form, so the count of either is the count of trainees (no hashing).
    month_only = set(owed) <= {"effectiveness", "mentoring"} and (
        owed.get("effectiveness") == owed.get("mentoring")
    )
    owing_count = distinct(
        sa.select(Obligation.trainee_id).where(
            Obligation.period_id.in_(period_ids),
            *_scope(Obligation.trainee_id, town_id, unit_id),
        )
    )
    if month_only:
        owing_count = sa.literal(owed.get("effectiveness", 0))
    row = conn.execute(
        sa.select(
            owing_count,
            distinct(sa.select(missing.c.trainee_id)),
            distinct(returned),
            distinct(late),
            sa.select(sa.func.count()).select_from(not_on_time).scalar_subquery(),
        )
    ).one()
    owing, missing_, returned_, late_, behind = (int(value or 0) for value in row)
    trainees = {
        "owing": owing,
        "on_time": owing - behind,
        "late": late_,
        "returned": returned_,
        "missing": missing_,
    }
    return forms, trainees


def old_month_trainees(period_id: int | None, town_id, unit_id) -> sa.Select:
    """The former "who counts": the trainees owing the month period's effectiveness form."""
    return sa.select(Obligation.trainee_id).where(
        Obligation.period_id == period_id,
        Obligation.kind == "effectiveness",
        *_scope(Obligation.trainee_id, town_id, unit_id),
    )


def old_covered(conn, month: dt.date, period_id: int, town_id, unit_id) -> int:
    """The former coverage: the month's trainees' spans held on its last day, grouped."""
    last = month_end(month)
    held = (
        sa.select(MentorAssignment.trainee_id.label("trainee_id"), roles_held(conn).label("bits"))
        .where(
            MentorAssignment.trainee_id.in_(old_month_trainees(period_id, town_id, unit_id)),
            sa.or_(MentorAssignment.start_date.is_(None), MentorAssignment.start_date <= last),
            sa.or_(MentorAssignment.end_date.is_(None), MentorAssignment.end_date >= last),
        )
        .group_by(MentorAssignment.trainee_id)
        .subquery()
    )
    return conn.execute(
        sa.select(sa.func.count())
        .select_from(held)
        .join(Trainee, Trainee.id == held.c.trainee_id)
        .where(covered_where(held.c.bits, Trainee.village_id))
    ).scalar()


# -- the randomized world ----------------------------------------------------------------------


def recounted(session) -> set[tuple]:
    """Every ``report_month`` row as a recount from scratch would write it."""
    codes = {pid: report_months.shown_in(code) for pid, code in session.execute(
        sa.select(Period.id, Period.code)
    )}  # fmt: skip
    forms = session.execute(
        sa.select(
            Obligation.trainee_id, Obligation.period_id, Obligation.kind, Report.status, Report.late
        ).outerjoin(Report, Report.obligation_id == Obligation.id)
    ).all()
    rows = report_months.rows_of(forms, codes, report_months.spans_of(session))
    return {tuple(row.values()) for row in rows}


def stored(session) -> set[tuple]:
    """The stored rows, without those owing nothing any more."""
    rows = session.execute(
        sa.select(
            ReportMonth.month,
            ReportMonth.trainee_id,
            ReportMonth.effectiveness,
            ReportMonth.mentoring,
            ReportMonth.quarterly,
            ReportMonth.seats,
        )
    ).all()
    return {tuple(row) for row in rows if any(state is not None for state in row[2:5])}


def check(world, months: list[dt.date]) -> int:
    """The read model equals a recount, and every month's dashboard in every scope equals
    the former computation. Returns the forms compared."""
    compared = 0
    with world.db.transaction() as s:
        assert stored(s) == recounted(s)
        conn = s.connection()
        for month in months:
            found = s.execute(
                sa.select(Period.id, Period.kind).where(Period.code.in_(period_codes(month)))
            ).all()
            period_ids = [pid for pid, _kind in found]
            month_period = next((pid for pid, kind in found if kind == "month"), None)
            for town_id, unit_id in SCOPES:
                board = dashboard(
                    s, month, today=AFTER_EVERY_DEADLINE, town_id=town_id, unit_id=unit_id
                )
                if period_ids:
                    forms, trainees = old_forms(conn, period_ids, town_id, unit_id)
                else:
                    forms, trainees = {}, dict.fromkeys(("owing", *STATES), 0)
                trainees = {**dict.fromkeys(STATES, 0), **trainees}
                where = f"{month:%Y-%m} town {town_id} unit {unit_id}"
                assert board.forms == forms, where
                assert list(board.forms) == list(forms), where
                assert board.trainees == trainees, where
                if month_period is not None:
                    new = set(s.scalars(month_trainees(month, True, town_id, unit_id)))
                    old = set(s.scalars(old_month_trainees(month_period, town_id, unit_id)))
                    assert new == old, where
                    assert board.talks["trainees"] == len(old), where
                    assert board.coverage["trainees"] == len(old), where
                    covered = old_covered(conn, month, month_period, town_id, unit_id)
                    assert board.coverage["covered"] == covered, where
                compared += sum(counts["owed"] for counts in forms.values())
    return compared


def act_on_a_form(world, rng: random.Random, today: dt.date) -> None:
    """One step of a random form: created (a draft, or submitted at once), submitted,
    returned or approved (by the city, or at the step it awaits), at a moment around the
    deadline so that some are late."""
    with world.db.transaction() as s:
        open_ = s.execute(
            sa.select(Obligation, Period, Report)
            .join(Period, Period.id == Obligation.period_id)
            .outerjoin(Report, Report.obligation_id == Obligation.id)
            .where(Period.starts_on <= today)
            .order_by(Obligation.id)
        ).all()
        if not open_:
            return
        obligation, period, report = rng.choice(open_)
        trainee = s.get(Trainee, obligation.trainee_id)
        if trainee is None:
            return
        moment = dt.datetime.combine(
            period.deadline + dt.timedelta(days=rng.randint(-6, 4)), dt.time(4), dt.UTC
        )
        if report is None:
            reports.create_report(
                s,
                trainee,
                period.code,
                obligation.kind,
                CONTENT[obligation.kind],
                by="t",
                config=world.config,
                submit=rng.random() < 0.6,
                now=moment,
            )
        elif report.status in ("draft", "returned"):
            reports.submit_report(
                s, report, trainee, by="t", role="trainee", config=world.config, now=moment
            )
        elif report.status == "submitted":
            if rng.random() < 0.3:
                reports.return_report(
                    s, report, trainee, "请补充", by="c", role="city", scope_id=None
                )
            else:
                role = report.step if rng.random() < 0.5 else "city"
                scope = {"town": trainee.town_id, "unit": trainee.unit_id}.get(role)
                reports.approve_report(
                    s, report, trainee, by="c", role=role if scope else "city", scope_id=scope
                )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_read_model_and_the_dashboard_equal_the_former_computation(world, seed):
    randomized_world(world, random.Random(seed))


@pytest.mark.integration
def test_on_postgresql_too(world_pg):
    """PostgreSQL's upserts and row counts (the production path)."""
    randomized_world(world_pg, random.Random(4))


def seat(world, rng: random.Random, trainee_id: int, first: dt.date, today: dt.date) -> None:
    """A mentor assignment's start or end (``mentor.assigned``/``mentor.released``), at a
    random day of the six months, often a month's last."""
    number = rng.randrange(1, 40)  # an assignment may get its other end later
    role = ("integrity", "business", "responsible", "practical")[number % 4]
    day = first + dt.timedelta(days=rng.randrange((today - first).days + 1))
    if rng.random() < 0.3:
        day = month_end(day)
    common = {"assignment_id": 1000 * trainee_id + number, "trainee_id": trainee_id}
    common |= {"mentor_id": 101, "role": role, "unit_id": 1, "town_id": 1, "village_id": 11}
    if rng.random() < 0.6:
        world.feed("mentor.assigned", {**common, "start_date": day})
    else:
        world.feed(
            "mentor.released",
            {**common, "end_date": day, "reason": "manual", "vacated": False},
        )


def randomized_world(world, rng: random.Random) -> None:
    """Six months of a small city through the domain's paths, checked after each month."""
    today = city_today(world.config.TIME_ZONE)
    first = today.replace(day=1)
    months = [first]
    while len(months) < 6:
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
    # Trainee 9 (out of the random events' reach) holds every seat from the start and
    # loses the practical one before the third month's last day: coverage changes.
    world.trainee(9, 1)
    world.place(9, 1, *PLACES[0], start=months[0] - dt.timedelta(days=10))
    for number, role in enumerate(("integrity", "business", "responsible", "practical")):
        common = {"assignment_id": 900 + number, "trainee_id": 9, "mentor_id": 101}
        common |= {"role": role, "unit_id": 1, "town_id": 1, "village_id": 11}
        world.feed("mentor.assigned", {**common, "start_date": months[0] - dt.timedelta(days=5)})
        if role == "practical":
            released_on = month_end(months[2]) - dt.timedelta(days=1)
            world.feed(
                "mentor.released",
                {**common, "end_date": released_on, "reason": "manual", "vacated": False},
            )
    next_id = 10
    for _ in range(12):  # trainees from the start, some placed, some not
        place = rng.choice(PLACES + [None])
        unit = rng.choice((1, 2))
        world.trainee(next_id, unit)
        if place:
            world.place(next_id, unit, *place, start=months[0] - dt.timedelta(days=10))
        if rng.random() < 0.7:  # every seat held from the start
            for number, role in enumerate(("integrity", "business", "responsible", "practical")):
                world.feed(
                    "mentor.assigned",
                    {
                        "assignment_id": 1000 * next_id + number,
                        "trainee_id": next_id,
                        "mentor_id": 101,
                        "role": role,
                        "start_date": months[0] - dt.timedelta(days=5),
                        "unit_id": 1,
                        "town_id": 1,
                        "village_id": 11,
                    },
                )
        next_id += 1
    compared = 0
    for month in months:
        day = min(month + dt.timedelta(days=rng.randint(0, 20)), today)
        periods.tick(world.db.sessionmaker, world.config, day)
        for _ in range(25):
            roll = rng.random()
            if roll < 0.06:  # arrives (owes from this month on: tick, or its events)
                unit = rng.choice((1, 2))
                world.trainee(next_id, unit)
                world.place(next_id, unit, *rng.choice(PLACES), start=day)
                next_id += 1
            elif roll < 0.1:  # leaves from this month's first day: its unwritten forms go
                # (not earlier: a period whose deadline notices went out cannot drop them)
                world.status(rng.randrange(10, next_id), "withdrawn", 1, month)
            elif roll < 0.25:  # a mentor seat starts or ends (either may come first)
                seat(world, rng, rng.randrange(10, next_id), months[0], today)
            elif roll < 0.3:  # moves: the scopes follow the current placement
                trainee_id = rng.randrange(10, next_id)
                world.place(trainee_id, rng.choice((1, 2)), *rng.choice(PLACES), start=day)
            else:
                act_on_a_form(world, rng, day)
        compared += check(world, months)
    assert compared > 100  # the world was not empty
    with world.db.transaction() as s:
        covered = [dashboard(s, month, today=today).coverage["covered"] for month in months]
        nine = s.get(Trainee, 9)
        missing = [trainee_month(s, nine, month, today)["missing_roles"] for month in months]
    assert 0 < min(covered), covered
    assert missing[:2] == [[], []] and missing[2:] == [["practical"]] * 4, missing


def test_a_form_changed_behind_the_read_models_back_is_caught(world):
    """The comparison can fail: a form approved without its hook shows in the recount."""
    today = city_today(world.config.TIME_ZONE)
    periods.tick(world.db.sessionmaker, world.config, today)
    with world.db.transaction() as s:
        trainee = s.get(Trainee, 1)
        code = periods.month_code(today)
        report = reports.create_report(
            s, trainee, code, "mentoring", CONTENT["mentoring"], by="t",
            config=world.config, submit=True,
        )  # fmt: skip
        report.status = "approved"  # not through approve_report
    with world.db.transaction() as s:
        assert stored(s) != recounted(s)
    with pytest.raises(AssertionError):
        check(world, [today.replace(day=1)])


def rebuilt_by_the_migration(world) -> None:
    """Back to before ``report_month`` and up again: the migration's backfill must write
    what the domain's paths wrote."""
    with world.db.transaction() as s:
        before = stored(s)
    world.db.dispose()
    config = migrate.alembic_config(world.spec.migrations_dir, str(world.config.DATABASE_URL))
    command.downgrade(config, "0002")
    command.upgrade(config, "head")
    with world.db.transaction() as s:
        assert stored(s) == before == recounted(s)
        assert len(before) > 50


def test_the_migration_fills_the_read_model_from_existing_data(world):
    randomized_world(world, random.Random(5))
    rebuilt_by_the_migration(world)


@pytest.mark.integration
def test_the_migration_fills_the_read_model_on_postgresql_too(world_pg):
    randomized_world(world_pg, random.Random(6))
    rebuilt_by_the_migration(world_pg)
