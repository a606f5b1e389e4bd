"""Assessment (组织工作考核): scores of towns and units per quarter or year from weighted
indicators (Decimal arithmetic, hand-computed here), a ranking where equal scores share a
rank, an explanation per score, weights the city sets (adding up to 100), publication
announced once as ``assessment.published``, and who may read what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from services.reporting.domain.assessment import DEFAULT_WEIGHTS, explain, period_range, rank
from services.reporting.models import Assessment, AssessmentWeight, Outbox
from tests.conftest import auth
from tests.reporting.test_dashboard import (
    API,
    assert_problem,
    count,
    feed,
    june_forms,
    march_reports,
    talk,
)

ASSESS = f"{API}/assessments"


def test_points_lost_are_weight_times_the_missing_share_rounded_half_up():
    score, rows = explain(
        {
            "report_timeliness": [2, 3],  # 0.6667 -> 25 x 0.3333 = 8.3325 -> 8.33
            "talk_compliance": [1, 8],  # 0.1250 -> 20 x 0.875 = 17.50
            "mentor_coverage": [0, 0],  # nothing to measure: nothing lost
            "rectification": [1, 2],  # 0.5 -> 7.50
        },
        DEFAULT_WEIGHTS,
    )
    lost = {row["indicator"]: row["lost"] for row in rows}
    assert lost["report_timeliness"] == "8.33"
    assert lost["talk_compliance"] == "17.50"
    assert lost["mentor_coverage"] == "0.00"
    assert lost["rectification"] == "7.50"
    assert score == Decimal("66.67")  # 100 - 8.33 - 17.50 - 7.50
    timeliness = rows[0]
    assert (timeliness["value"], timeliness["weight"], timeliness["points"]) == (
        "0.6667",
        "25.00",
        "16.67",
    )
    assert isinstance(score, Decimal)


def test_equal_scores_share_a_rank_and_the_next_rank_is_skipped():
    ranked = rank([(3, Decimal("80")), (1, Decimal("90")), (2, Decimal("80")), (4, Decimal("70"))])
    assert ranked == [
        (1, Decimal("90"), 1),
        (2, Decimal("80"), 2),
        (3, Decimal("80"), 2),
        (4, Decimal("70"), 4),
    ]


def test_periods_are_quarters_or_years():
    assert period_range("2026-Q1") == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert period_range("2024-Q4") == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    assert period_range("2026") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def quarter_world(world) -> None:
    """The first quarter of 2026 (see the hand computation in the test below)."""
    march_reports(world)
    talk(world, 1, 1, dt.date(2026, 3, 5))
    feed(
        world,
        "visit.recorded",
        {
            "visit_id": 1,
            "trainee_id": 1,
            "visit_date": "2026-02-10",
            "visitor": "组织部",
            "unit_id": 1,
            "town_id": 1,
        },
    )
    for need, due, resolved in ((1, "2026-03-10", True), (2, "2026-02-01", False)):
        feed(
            world,
            "need.raised",
            {
                "need_id": need,
                "trainee_id": 2,
                "category": "life",
                "confidential": False,
                "handler_role": "town",
                "due_on": due,
                "unit_id": 2,
                "town_id": 2,
            },
        )
        if resolved:
            feed(
                world,
                "need.resolved",
                {
                    "need_id": need,
                    "trainee_id": 2,
                    "confidential": False,
                    "resolved_on": "2026-03-08",
                    "on_time": True,
                    "unit_id": 2,
                    "town_id": 2,
                },
            )
    response = world.client.post(
        f"{API}/supervision-visits",
        json={
            "kind": "inspection",
            "visit_date": "2026-02-01",
            "party_kind": "town",
            "party_id": 1,
            "team": "组织部",
            "checked": "导师制落实",
            "findings": [
                {"finding": "谈话记录不全", "due_date": "2026-03-01"},
                {"finding": "周转房未落实", "due_date": "2026-03-15"},
            ],
        },
        headers=auth("city"),
    )
    assert response.status_code == 201, response.get_json()
    first = response.get_json()["rectifications"][0]["id"]
    closed = world.client.post(
        f"{API}/rectifications/{first}/close",
        json={"evidence": "已补齐", "closed_on": "2026-02-20"},
        headers=auth("city"),
    )
    assert closed.status_code == 200, closed.get_json()
    duty = world.client.post(
        f"{API}/duty-items",
        json={
            "year": 2026,
            "party_kind": "town",
            "party_id": 1,
            "title": "建成五小设施",
            "due_date": "2026-03-31",
        },
        headers=auth("city"),
    )
    assert duty.status_code == 201


def compute(world, period="2026-Q1", party="town", headers=None):
    return world.client.post(
        ASSESS, json={"period": period, "party_kind": party}, headers=headers or auth("city")
    )


def test_a_quarters_town_scores_add_up_from_hand_computed_indicators(world):
    quarter_world(world)
    response = compute(world)
    assert response.status_code == 201, response.get_json()
    scores = {s["party_id"]: s for s in response.get_json()["scores"]}
    lost = {pid: {r["indicator"]: r["lost"] for r in s["indicators"]} for pid, s in scores.items()}
    # Town 1: forms 2 of 3 on time (8.33); talks 1 of 1; no mentor (15); items 1 of 2
    # closed on time (7.50); visited 1 of 1; no needs; duty 0 of 1 (10) -> 100 - 40.83.
    assert lost[1] == {
        "report_timeliness": "8.33",
        "talk_compliance": "0.00",
        "mentor_coverage": "15.00",
        "rectification": "7.50",
        "visit_coverage": "0.00",
        "needs_on_time": "0.00",
        "duty_completion": "10.00",
    }
    assert scores[1]["score"] == "59.17"
    # Town 2: forms 0 of 2 (25); talks 0 of 1 (20); no mentor (15); no items; not
    # visited (10); needs 1 of 2 on time (2.50); no duty items -> 100 - 72.50.
    assert scores[2]["score"] == "27.50"
    assert (scores[1]["rank"], scores[2]["rank"]) == (1, 2)
    assert scores[1]["indicators"][0]["name"] == "报表按时报送率"


def test_units_are_scored_on_their_employees(world):
    quarter_world(world)
    scores = {s["party_id"]: s for s in compute(world, party="unit").get_json()["scores"]}
    timeliness = scores[1]["indicators"][0]
    # Unit 1 employs trainees 1 (2 of 3 on time) and 3 (0 of 2): 2 of 5.
    assert (timeliness["numerator"], timeliness["denominator"], timeliness["lost"]) == (
        2,
        5,
        "15.00",
    )


def test_the_city_sets_weights_that_add_up_to_100_and_they_change_the_score(world):
    quarter_world(world)
    weights = {
        "report_timeliness": "50",
        "talk_compliance": "10",
        "mentor_coverage": "10",
        "rectification": "10",
        "visit_coverage": "10",
        "needs_on_time": "5",
        "duty_completion": "5",
    }
    response = world.client.put(
        f"{ASSESS}/weights", json={"weights": weights}, headers=auth("city")
    )
    assert response.status_code == 200, response.get_json()
    scores = {s["party_id"]: s for s in compute(world).get_json()["scores"]}
    # Town 2: 50 + 10 + 10 + 0 + 10 + 2.50 + 0 lost.
    assert scores[2]["score"] == "17.50"


def test_weights_not_adding_up_to_100_are_refused_and_change_nothing(world):
    full = {name: str(value) for name, value in DEFAULT_WEIGHTS.items()}
    for weights in (
        full | {"report_timeliness": "26"},
        {"report_timeliness": "100"},
        full | {"report_timeliness": "-5", "talk_compliance": "50"},
        full | {"bogus": "1"},
        full | {"talk_compliance": "abc"},
    ):
        response = world.client.put(
            f"{ASSESS}/weights", json={"weights": weights}, headers=auth("city")
        )
        assert 400 <= response.status_code < 500, weights
    assert_problem(
        world.client.put(f"{ASSESS}/weights", json={"weights": full}, headers=auth("town", 1)), 403
    )
    assert count(world, AssessmentWeight) == 0


def published(world) -> list[dict]:
    with world.db.transaction() as s:
        return [
            row.envelope
            for row in s.scalars(sa.select(Outbox).where(Outbox.type == "assessment.published"))
        ]


def test_publishing_announces_the_ranking_once_and_freezes_the_assessment(world):
    quarter_world(world)
    assessment_id = compute(world).get_json()["id"]
    assert compute(world).get_json()["id"] == assessment_id  # a draft recomputes in place
    response = world.client.post(f"{ASSESS}/{assessment_id}/publish", headers=auth("city"))
    assert response.status_code == 200 and response.get_json()["status"] == "published"
    assert_problem(
        world.client.post(f"{ASSESS}/{assessment_id}/publish", headers=auth("city")), 409
    )
    assert_problem(compute(world), 409)
    events = published(world)
    assert len(events) == 1
    payload = events[0]["payload"]
    assert payload["period"] == "2026-Q1" and payload["party"] == "town"
    assert payload["ranking"][0] == {"party_id": 1, "score": "59.17", "rank": 1}
    assert count(world, Assessment) == 1


def test_a_town_reads_only_published_assessments_and_only_its_own_score(world):
    quarter_world(world)
    assessment_id = compute(world).get_json()["id"]
    assert_problem(world.client.get(f"{ASSESS}/{assessment_id}", headers=auth("town", 2)), 404)
    world.client.post(f"{ASSESS}/{assessment_id}/publish", headers=auth("city"))
    own = world.client.get(f"{ASSESS}/{assessment_id}", headers=auth("town", 2)).get_json()
    assert [s["party_id"] for s in own["scores"]] == [2]
    assert_problem(world.client.get(f"{ASSESS}/{assessment_id}", headers=auth("unit", 1)), 404)
    for role, scope in (("trainee", 1), ("mentor", 101)):
        assert_problem(
            world.client.get(f"{ASSESS}/{assessment_id}", headers=auth(role, scope)), 403
        )
        assert_problem(world.client.get(ASSESS, headers=auth(role, scope)), 403)
    assert_problem(compute(world, headers=auth("town", 1)), 403)


def test_bad_assessment_requests_are_refused_and_store_nothing(world):
    for body in (
        {},
        {"period": "2026-Q5", "party_kind": "town"},
        {"period": "26", "party_kind": "town"},
        {"period": "0000-Q1", "party_kind": "town"},
        {"period": "2026", "party_kind": "village"},
        {"period": "2026", "party_kind": "town", "x": 1},
    ):
        response = world.client.post(ASSESS, json=body, headers=auth("city"))
        assert 400 <= response.status_code < 500, body
    assert count(world, Assessment) == 0


def test_forms_not_yet_due_count_neither_for_nor_against_report_timeliness(world, travel):
    june_forms(world)

    def timeliness() -> dict[int, str | None]:
        body = compute(world, period="2026-Q2", party="unit").get_json()
        return {s["party_id"]: s["indicators"][0]["value"] for s in body["scores"]}

    # Unit 1 employs trainees 1 and 3, unit 2 trainee 2 (see the seeded world).
    travel(dt.date(2026, 7, 6))  # nothing is due: only the three forms filed count
    assert timeliness() == {1: "1.0000", 2: None}
    travel(dt.date(2026, 7, 7))  # the monthly forms are due: 3 of 4 for unit 1, 0 of 2
    assert timeliness() == {1: "0.7500", 2: "0.0000"}
    travel(dt.date(2026, 7, 11))  # the quarterly reports too: 3 of 6, 0 of 3
    assert timeliness() == {1: "0.5000", 2: "0.0000"}
