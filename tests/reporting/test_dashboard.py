"""Dashboards (工作看板): a month's forms per state, talks, mentor coverage and care for the
city, a town or a unit, from the service's own read models; the list of who is missing
what with drill-down; each party sees only its own; the read models stay equal to a
recount whatever order and however often the events arrive."""

from __future__ import annotations

import datetime as dt
import random
import threading

import sqlalchemy as sa

from services.reporting.domain import report_months
from services.reporting.domain.dashboard import dashboard
from services.reporting.models import Obligation, OversightMonth, Period, Report
from shared.bus import Bus
from shared.clock import city_today
from shared.events import build_event, validate_event
from tests.conftest import auth

API = "/api/v1/reporting"
MONTH = dt.date(2026, 3, 1)  # ends the first quarter: the quarterly report shows too
PROBLEM_JSON = "application/problem+json"
TODAY = city_today("Asia/Shanghai")


# -- helpers shared by the oversight tests ------------------------------------------------


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    return response.get_json()


def count(world, model, *where) -> int:
    with world.db.transaction() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def period(world, code: str, deadline: dt.date) -> int:
    """A period row as the tick opens it (the other area's table, written directly)."""
    if "Q" in code:
        year, quarter = int(code[:4]), int(code[-1])
        starts = dt.date(year, 3 * quarter - 2, 1)
        kind = "quarter"
    else:
        starts = dt.date(int(code[:4]), int(code[5:]), 1)
        kind = "month"
    with world.db.transaction() as s:
        row = Period(
            code=code,
            kind=kind,
            starts_on=starts,
            ends_on=deadline - dt.timedelta(days=5),
            policy_deadline=deadline,
            deadline=deadline,
        )
        s.add(row)
        s.flush()
        return row.id


def owe(world, period_id: int, trainee_id: int, kind: str, status: str | None = None, **report):
    """An obligation, and its form in ``status`` (None: no form at all), written directly
    and then recounted into the dashboard's read model, as the domain's paths keep it."""
    with world.db.transaction() as s:
        obligation = Obligation(trainee_id=trainee_id, period_id=period_id, kind=kind)
        s.add(obligation)
        s.flush()
        if status is not None:
            s.add(
                Report(
                    obligation_id=obligation.id,
                    trainee_id=trainee_id,
                    period_id=period_id,
                    kind=kind,
                    status=status,
                    content={},
                    **report,
                )
            )
        s.flush()
        report_months.recount(s, [trainee_id])


def march_reports(world) -> None:
    """March 2026 for the seeded trainees: 1 (town 1, unit 1) both forms on time, the
    quarterly report late; 2 (town 2, unit 2) one form returned, one missing (no form);
    3 (unit 1, not placed) one form approved late, one draft (missing)."""
    month = period(world, "2026-03", dt.date(2026, 4, 7))
    quarter = period(world, "2026-Q1", dt.date(2026, 4, 10))
    owe(world, month, 1, "effectiveness", "submitted")
    owe(world, month, 1, "mentoring", "approved")
    owe(world, quarter, 1, "quarterly", "submitted", late=True)
    owe(world, month, 2, "effectiveness", "returned", returned_reason="请补充驻村天数")
    owe(world, month, 2, "mentoring")
    owe(world, month, 3, "effectiveness", "approved", late=True)
    owe(world, month, 3, "mentoring", "draft")


def feed(world, type_: str, payload: dict) -> dict:
    """An event as its producer would publish it, applied through the inbox."""
    return world.feed(type_, payload)


def talk(world, talk_id: int, trainee_id: int, day: dt.date, unit_id=1, town_id=1) -> dict:
    return feed(
        world,
        "talk.recorded",
        {
            "talk_id": talk_id,
            "trainee_id": trainee_id,
            "mentor_id": 101,
            "mentor_role": "integrity",
            "talk_date": day,
            "mode": "in_person",
            "aspects": ["political"],
            "unit_id": unit_id,
            "town_id": town_id,
        },
    )


def get_board(world, headers=None, **query) -> dict:
    args = "&".join(f"{k}={v}" for k, v in {"month": "2026-03", **query}.items())
    response = world.client.get(f"{API}/dashboard?{args}", headers=headers or auth("city"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# -- forms ---------------------------------------------------------------------------------


def test_each_form_counts_once_as_on_time_late_returned_or_missing(world):
    march_reports(world)
    board = get_board(world)
    assert board["forms"]["effectiveness"] == {
        "owed": 3,
        "on_time": 1,
        "late": 1,
        "returned": 1,
        "missing": 0,
        "not_due": 0,
        "approved": 1,
    }
    assert board["forms"]["mentoring"] == {
        "owed": 3,
        "on_time": 1,
        "late": 0,
        "returned": 0,
        "missing": 2,
        "not_due": 0,
        "approved": 1,
    }
    # March ends the first quarter: its quarterly report is on March's dashboard.
    assert board["forms"]["quarterly"]["late"] == 1
    assert [p["code"] for p in board["periods"]] == ["2026-03", "2026-Q1"]


def test_a_trainee_is_on_time_only_when_every_form_is(world):
    march_reports(world)
    # 1: late quarterly; 2: returned and missing; 3: late and missing.
    assert get_board(world)["trainees"] == {
        "owing": 3,
        "on_time": 0,
        "late": 2,
        "returned": 1,
        "missing": 2,
        "not_due": 0,
    }


def june_forms(world) -> None:
    """June 2026 (ends the second quarter; monthly forms due 6 July, the quarterly report
    10 July): trainee 1 filed both monthly forms on time, not the quarterly report;
    trainee 2 filed nothing; trainee 3 filed the effectiveness form only."""
    month = period(world, "2026-06", dt.date(2026, 7, 6))
    quarter = period(world, "2026-Q2", dt.date(2026, 7, 10))
    owe(world, month, 1, "effectiveness", "approved")
    owe(world, month, 1, "mentoring", "submitted")
    owe(world, quarter, 1, "quarterly")
    owe(world, month, 2, "effectiveness")
    owe(world, month, 2, "mentoring", "draft")
    owe(world, quarter, 2, "quarterly")
    owe(world, month, 3, "effectiveness", "submitted")
    owe(world, month, 3, "mentoring")
    owe(world, quarter, 3, "quarterly")


def test_a_form_whose_deadline_has_not_passed_is_not_yet_due_not_missing(world, travel):
    june_forms(world)
    travel(dt.date(2026, 7, 6))  # the monthly deadline itself: nothing is due yet
    board = get_board(world, month="2026-06")
    assert [(p["code"], p["due"]) for p in board["periods"]] == [
        ("2026-06", False),
        ("2026-Q2", False),
    ]
    assert board["forms"]["quarterly"] == {
        "owed": 3, "on_time": 0, "late": 0, "returned": 0, "missing": 0, "not_due": 3,
        "approved": 0,
    }  # fmt: skip
    assert board["forms"]["mentoring"]["not_due"] == 2
    assert board["forms"]["mentoring"]["missing"] == 0
    # 1 and 3 filed everything due so far (nothing yet), on time; 2 filed nothing
    assert board["trainees"] == {
        "owing": 3, "on_time": 2, "late": 0, "returned": 0, "missing": 0, "not_due": 1
    }  # fmt: skip
    assert board["timeliness"] == {"counted": 2, "on_time": 2, "not_due": 1, "rate": "1.0000"}

    travel(dt.date(2026, 7, 7))  # the monthly forms are due; the quarterly report is not
    board = get_board(world, month="2026-06")
    assert [p["due"] for p in board["periods"]] == [True, False]
    assert board["forms"]["mentoring"]["missing"] == 2
    assert board["forms"]["quarterly"]["not_due"] == 3
    assert board["trainees"] == {
        "owing": 3, "on_time": 1, "late": 0, "returned": 0, "missing": 2, "not_due": 0
    }  # fmt: skip
    assert board["timeliness"]["rate"] == "0.3333"

    travel(dt.date(2026, 7, 11))  # everything is due: trainee 1 lacks the quarterly report
    board = get_board(world, month="2026-06")
    assert board["forms"]["quarterly"]["missing"] == 3
    assert board["trainees"]["on_time"] == 0 and board["trainees"]["missing"] == 3


def test_nothing_due_yet_is_no_rate_at_all_not_zero_percent(world, travel):
    july = period(world, "2026-07", dt.date(2026, 8, 5))
    owe(world, july, 1, "effectiveness")
    owe(world, july, 1, "mentoring")
    travel(dt.date(2026, 7, 20))
    board = get_board(world, month="2026-07")
    assert board["timeliness"] == {"counted": 0, "on_time": 0, "not_due": 1, "rate": None}
    xlsx = world.client.get(f"{API}/dashboard?month=2026-07&format=csv", headers=auth("city"))
    text = xlsx.get_data().decode("utf-8-sig")
    assert "按时报送率,未到期" in text and "未到报送期限人数,1" in text


def test_the_missing_list_leaves_out_what_is_not_yet_due_and_lists_it_on_request(world, travel):
    june_forms(world)
    travel(dt.date(2026, 7, 7))

    def listed(state=""):
        query = f"&state={state}" if state else ""
        body = world.client.get(
            f"{API}/dashboard/missing?month=2026-06{query}", headers=auth("city")
        ).get_json()
        return {(row["trainee_id"], row["kind"], row["state"]) for row in body["items"]}

    assert listed() == {(2, "effectiveness", "missing"), (2, "mentoring", "missing"),
                        (3, "mentoring", "missing")}  # fmt: skip
    assert listed("not_due") == {(t, "quarterly", "not_due") for t in (1, 2, 3)}
    drill = world.client.get(
        f"{API}/dashboard/trainees/1?month=2026-06", headers=auth("city")
    ).get_json()
    assert {(f["kind"], f["state"]) for f in drill["forms"]} == {
        ("effectiveness", "on_time"), ("mentoring", "on_time"), ("quarterly", "not_due")
    }  # fmt: skip


def test_a_town_or_unit_dashboard_holds_only_its_trainees(world):
    march_reports(world)
    town = get_board(world, auth("town", 2))
    assert town["town_id"] == 2 and town["trainees"]["owing"] == 1
    assert town["forms"]["mentoring"]["missing"] == 1
    unit = get_board(world, auth("unit", 1))
    assert unit["unit_id"] == 1 and unit["trainees"]["owing"] == 2
    assert get_board(world, town_id=1)["trainees"]["owing"] == 1


def test_another_partys_dashboard_is_forbidden(world):
    assert_problem(world.client.get(f"{API}/dashboard?town_id=1", headers=auth("town", 2)), 403)
    assert_problem(world.client.get(f"{API}/dashboard?unit_id=2", headers=auth("unit", 1)), 403)
    for role, scope in (("trainee", 1), ("mentor", 101)):
        assert_problem(world.client.get(f"{API}/dashboard", headers=auth(role, scope)), 403)
        assert_problem(world.client.get(f"{API}/dashboard/missing", headers=auth(role, scope)), 403)


def test_bad_months_are_refused(world):
    for month in ("2026-13", "26-03", "1999-01", "abc"):
        body = assert_problem(
            world.client.get(f"{API}/dashboard?month={month}", headers=auth("city")), 422
        )
        assert "month" in body["errors"]["query"]
    later = assert_problem(
        world.client.get(f"{API}/dashboard?month=2999-01", headers=auth("city")), 422
    )
    assert later["detail"] == "该月尚未开始 / that month has not begun"
    assert later["errors"] == {"month": ["不能是将来的月份 / in the future"]}


# -- talks, coverage, care -----------------------------------------------------------------


def test_talk_compliance_counts_the_months_trainees_with_a_talk(world):
    march_reports(world)
    talk(world, 1, 1, dt.date(2026, 3, 31))
    talk(world, 2, 1, dt.date(2026, 3, 2))
    talk(world, 3, 2, dt.date(2026, 4, 1), unit_id=2, town_id=2)  # April, not March
    talks = get_board(world)["talks"]
    assert talks == {"trainees": 3, "with_talk": 1, "rate": "0.3333"}


def test_mentor_coverage_needs_every_required_seat_on_the_months_last_day(world):
    march_reports(world)
    # Trainee 3 is not stationed: integrity and business suffice.
    world.assign(1, 3, 101, "integrity", town_id=None, village_id=None)
    world.assign(2, 3, 102, "business", town_id=None, village_id=None)
    # Trainee 1 in a village needs all four; three are not enough.
    for number, (mentor, role) in enumerate(
        ((101, "integrity"), (102, "business"), (104, "responsible")), start=3
    ):
        world.assign(number, 1, mentor, role)
    assert get_board(world)["coverage"] == {"trainees": 3, "covered": 1, "rate": "0.3333"}
    world.assign(6, 1, 105, "practical")
    assert get_board(world)["coverage"]["covered"] == 2
    # A seat released before the month's last day no longer covers it.
    feed(
        world,
        "mentor.released",
        {
            "assignment_id": 1,
            "trainee_id": 3,
            "mentor_id": 101,
            "role": "integrity",
            "end_date": "2026-03-15",
            "reason": "manual",
            "vacated": False,
            "unit_id": 1,
        },
    )
    assert get_board(world)["coverage"]["covered"] == 1


def care_events(world) -> None:
    feed(
        world,
        "visit.recorded",
        {
            "visit_id": 1,
            "trainee_id": 1,
            "visit_date": "2026-03-10",
            "visitor": "组织部",
            "unit_id": 1,
            "town_id": 1,
        },
    )
    feed(
        world,
        "visit.recorded",
        {
            "visit_id": 2,
            "trainee_id": 1,
            "visit_date": "2026-03-20",
            "visitor": "单位",
            "unit_id": 1,
            "town_id": 1,
        },
    )
    for entitlement, (trainee, paid, due) in enumerate(
        ((1, "2026-03-05", "2026-03-10"), (2, "2026-03-25", "2026-03-10")), start=1
    ):
        feed(
            world,
            "placement_fee.paid",
            {
                "entitlement_id": entitlement,
                "trainee_id": trainee,
                "amount_fen": 300000,
                "payment_ref": f"P{entitlement}",
                "paid_on": paid,
                "due_on": due,
                "unit_id": trainee,
                "town_id": trainee,
            },
        )
    feed(
        world,
        "need.resolved",
        {
            "need_id": 7,
            "trainee_id": 2,
            "confidential": False,
            "resolved_on": "2026-03-09",
            "on_time": True,
            "unit_id": 2,
            "town_id": 2,
        },
    )


def test_care_counts_visits_fees_paid_on_time_and_needs_resolved_on_time(world):
    care_events(world)
    assert get_board(world)["care"] == {
        "visits": 2,
        "trainees_visited": 1,
        "fees_paid": 2,
        "fees_on_time": 1,
        "fees_on_time_rate": "0.5000",
        "needs_resolved": 1,
        "needs_on_time": 1,
        "needs_on_time_rate": "1.0000",
    }
    assert get_board(world, auth("town", 2))["care"]["visits"] == 0


def test_the_same_fact_in_a_second_envelope_counts_once(world):
    talk(world, 1, 1, dt.date(2026, 3, 3))
    talk(world, 1, 1, dt.date(2026, 3, 3))  # a replay: new envelope id, same talk
    with world.db.transaction() as s:
        assert s.get(OversightMonth, (1, MONTH)).talks == 1


# -- who is missing what -------------------------------------------------------------------


def test_the_missing_list_names_each_form_not_submitted_or_returned(world):
    march_reports(world)
    response = world.client.get(f"{API}/dashboard/missing?month=2026-03", headers=auth("city"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    got = {(row["trainee_id"], row["kind"], row["state"]) for row in body["items"]}
    assert got == {
        (2, "effectiveness", "returned"),
        (2, "mentoring", "missing"),
        (3, "mentoring", "missing"),
    }
    assert body["total"] == 3
    returned = next(row for row in body["items"] if row["state"] == "returned")
    assert returned["returned_reason"] == "请补充驻村天数"
    assert returned["town_name"] == "新塘镇"
    only_town_1 = world.client.get(
        f"{API}/dashboard/missing?month=2026-03", headers=auth("town", 1)
    ).get_json()
    assert only_town_1["total"] == 0
    returned_only = world.client.get(
        f"{API}/dashboard/missing?month=2026-03&state=returned", headers=auth("city")
    ).get_json()
    assert returned_only["total"] == 1
    by_kind = world.client.get(
        f"{API}/dashboard/missing?month=2026-03&sort=-kind,trainee_id", headers=auth("city")
    ).get_json()
    assert [(r["kind"], r["trainee_id"]) for r in by_kind["items"]] == [
        ("mentoring", 2), ("mentoring", 3), ("effectiveness", 2)
    ]  # fmt: skip
    bad = assert_problem(
        world.client.get(f"{API}/dashboard/missing?month=2026-03&sort=name", headers=auth("city")),
        400,
    )
    assert bad["detail"].startswith("只能按以下字段排序：")
    assert bad["errors"] == {"sort": ["不能按 name 排序 / unknown field name"]}


def test_the_drill_down_shows_one_trainees_month_within_scope(world):
    march_reports(world)
    talk(world, 1, 2, dt.date(2026, 3, 3), unit_id=2, town_id=2)
    world.assign(1, 2, 109, "integrity", unit_id=2, town_id=2, village_id=21)
    response = world.client.get(
        f"{API}/dashboard/trainees/2?month=2026-03", headers=auth("town", 2)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {(f["kind"], f["state"]) for f in body["forms"]} == {
        ("effectiveness", "returned"),
        ("mentoring", "missing"),
    }
    assert body["talks"] == 1
    assert body["mentor_roles"] == ["integrity"]
    assert body["missing_roles"] == ["business", "responsible", "practical"]
    assert_problem(
        world.client.get(f"{API}/dashboard/trainees/2?month=2026-03", headers=auth("town", 1)),
        404,
    )


# -- out of order and twice ----------------------------------------------------------------


def burst(rng: random.Random) -> list[tuple[str, dict]]:
    """Several hundred welfare and mentorship events for trainees 1 and 2 over three
    months, including releases that overtake their assignments."""
    places = {1: (1, 1, 11), 2: (2, 2, 21)}
    events: list[tuple[str, dict]] = []
    months = (dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    for number in range(1, 181):
        trainee = rng.choice((1, 2))
        unit, town, village = places[trainee]
        day = rng.choice(months) + dt.timedelta(days=rng.randrange(28))
        where = {"unit_id": unit, "town_id": town, "village_id": village}
        kind = number % 4
        if kind == 0:
            events.append(
                (
                    "talk.recorded",
                    {
                        "talk_id": number,
                        "trainee_id": trainee,
                        "mentor_id": 101,
                        "mentor_role": "business",
                        "talk_date": day,
                        "mode": "phone",
                        "aspects": ["practice"],
                        **where,
                    },
                )
            )
        elif kind == 1:
            events.append(
                (
                    "visit.recorded",
                    {
                        "visit_id": number,
                        "trainee_id": trainee,
                        "visit_date": day,
                        "visitor": "组织部",
                        **where,
                    },
                )
            )
        elif kind == 2:
            due = day + dt.timedelta(days=rng.randrange(-5, 6))
            events.append(
                (
                    "placement_fee.paid",
                    {
                        "entitlement_id": number,
                        "trainee_id": trainee,
                        "amount_fen": 100000,
                        "payment_ref": f"R{number}",
                        "paid_on": day,
                        "due_on": due,
                        **where,
                    },
                )
            )
        else:
            due = day + dt.timedelta(days=rng.randrange(-3, 4))
            events.append(
                (
                    "need.raised",
                    {
                        "need_id": number,
                        "trainee_id": trainee,
                        "category": "life",
                        "confidential": False,
                        "handler_role": "town",
                        "due_on": due,
                        **where,
                    },
                )
            )
            if rng.random() < 0.7:
                events.append(
                    (
                        "need.resolved",
                        {
                            "need_id": number,
                            "trainee_id": trainee,
                            "confidential": False,
                            "resolved_on": day,
                            "on_time": day <= due,
                            **where,
                        },
                    )
                )
    for number in range(1, 41):
        trainee = 1 + number % 2
        unit, town, village = places[trainee]
        role = ("integrity", "business", "responsible", "practical")[number % 4]
        start = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(80))
        where = {"unit_id": unit, "town_id": town, "village_id": village}
        events.append(
            (
                "mentor.assigned",
                {
                    "assignment_id": 500 + number,
                    "trainee_id": trainee,
                    "mentor_id": 101,
                    "role": role,
                    "start_date": start,
                    **where,
                },
            )
        )
        if rng.random() < 0.5:
            events.append(
                (
                    "mentor.released",
                    {
                        "assignment_id": 500 + number,
                        "trainee_id": trainee,
                        "mentor_id": 101,
                        "role": role,
                        "end_date": start + dt.timedelta(days=rng.randrange(5, 40)),
                        "reason": "manual",
                        "vacated": False,
                        **where,
                    },
                )
            )
    return events


def recount(events: list[tuple[str, dict]], month: dt.date, population: set[int]) -> dict:
    """The dashboard's figures computed straight from the event list."""

    def in_month(day: dt.date) -> bool:
        return (day.year, day.month) == (month.year, month.month)

    talked = {
        p["trainee_id"] for t, p in events if t == "talk.recorded" and in_month(p["talk_date"])
    }
    visits = [p for t, p in events if t == "visit.recorded" and in_month(p["visit_date"])]
    fees = [p for t, p in events if t == "placement_fee.paid" and in_month(p["paid_on"])]
    needs = [p for t, p in events if t == "need.resolved" and in_month(p["resolved_on"])]
    last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    ends = {p["assignment_id"]: p["end_date"] for t, p in events if t == "mentor.released"}
    held: dict[int, set] = {}
    for t, p in events:
        if t == "mentor.assigned" and p["start_date"] <= last:
            end = ends.get(p["assignment_id"])
            if end is None or end >= last:
                held.setdefault(p["trainee_id"], set()).add(p["role"])
    return {
        "with_talk": len(talked & population),
        "covered": sum(1 for t in population if len(held.get(t, set())) == 4),
        "visits": len(visits),
        "trainees_visited": len({p["trainee_id"] for p in visits}),
        "fees_paid": len(fees),
        "fees_on_time": sum(1 for p in fees if p["paid_on"] <= p["due_on"]),
        "needs_resolved": len(needs),
        "needs_on_time": sum(1 for p in needs if p["on_time"]),
    }


def test_dashboard_counts_equal_a_direct_recount_after_a_burst_out_of_order_and_twice(world):
    rng = random.Random(20260301)
    events = burst(rng)
    assert len(events) > 250
    envelopes = [validate_event(build_event(t, p, producer="test")) for t, p in events]
    # Every envelope once more (a redelivery the inbox drops), all shuffled together.
    deliveries = envelopes + rng.sample(envelopes, len(envelopes))
    rng.shuffle(deliveries)
    consumer = world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x"))
    outcomes = [consumer.apply(envelope) for envelope in deliveries]
    assert outcomes.count(True) == len(envelopes)
    with world.db.transaction() as s:
        for month in (dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)):
            board = dashboard(s, month, today=TODAY)  # no period opened: active trainees count
            expected = recount(events, month, {1, 2, 3})
            got = {
                "with_talk": board.talks["with_talk"],
                "covered": board.coverage["covered"],
                **{key: board.care[key] for key in expected if key in board.care},
            }
            assert got == expected, month


def test_a_month_inside_a_quarter_counts_its_two_forms_only(world):
    april = period(world, "2026-04", dt.date(2026, 5, 7))
    owe(world, april, 1, "effectiveness", "submitted")
    owe(world, april, 1, "mentoring")
    owe(world, april, 2, "effectiveness", "approved")
    owe(world, april, 2, "mentoring", "submitted")
    board = get_board(world, month="2026-04")
    assert [p["code"] for p in board["periods"]] == ["2026-04"]
    assert set(board["forms"]) == {"effectiveness", "mentoring"}
    assert board["trainees"] == {
        "owing": 2, "on_time": 1, "late": 0, "returned": 0, "missing": 1, "not_due": 0
    }  # fmt: skip
    empty = get_board(world, month="2026-05")
    assert empty["forms"] == {} and empty["trainees"]["owing"] == 0


def test_competing_consumers_on_postgresql_keep_the_counters_equal_to_a_recount(world_pg):
    """Two consumers apply the shuffled burst at once (as two replicas would): the atomic
    upsert of a month's counters and the fact rows' keys lose and double nothing."""
    world = world_pg
    rng = random.Random(7)
    events = burst(rng)
    envelopes = [validate_event(build_event(t, p, producer="test")) for t, p in events]
    deliveries = envelopes + rng.sample(envelopes, len(envelopes))
    rng.shuffle(deliveries)
    consumer = world.spec.consumer(world.config, world.db, Bus("memory://", "x", "x"))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def apply(share: list[dict]) -> None:
        try:
            barrier.wait(timeout=10)
            for envelope in share:
                for _attempt in range(5):  # a lost race on a new row is retried
                    try:
                        consumer.apply(envelope)
                        break
                    except sa.exc.IntegrityError:
                        continue
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    # Each consumer takes every other delivery; an assignment and its release stay in
    # one consumer's share, in order (see releases_after_their_assignments).
    shares: list[list[dict]] = [[], []]
    owner: dict = {}
    for index, envelope in enumerate(deliveries):
        key = envelope["payload"].get("assignment_id")
        if key is not None:
            index = owner.setdefault(key, index % 2)
        shares[index % 2].append(envelope)
    threads = [threading.Thread(target=apply, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with world.db.transaction() as s:
        for month in (dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)):
            board = dashboard(s, month, today=TODAY)
            expected = recount(events, month, {1, 2, 3})
            got = {
                "with_talk": board.talks["with_talk"],
                "covered": board.coverage["covered"],
                **{key: board.care[key] for key in expected if key in board.care},
            }
            assert got == expected, month
