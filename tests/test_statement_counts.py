"""The hot month-end writes cost a fixed, small number of statements and round trips on
PostgreSQL (issue 22): each test sends one request through the Flask test client after one
of the same kind (warm caches), counts what reaches the database (``tests/statement_count``:
every statement, plus BEGIN and COMMIT) and fails if it grows past today's figure.

Before → after (statements / round trips), the figures pinned below:

- ``POST /mentorship/talks`` (the month-end body, no follow-up): 3 / 5 → 2 / 4
  (the trainee and seats query now draws the talk's id; the talk and ``talk.recorded`` are
  one statement);
- the same with one follow-up: 4 / 6 → 3 / 5;
- ``POST /reporting/reports`` with ``submit: true``, effectiveness: 5 / 7 → 2 / 4
  (the owed-form query draws the report's id; report, ``report_month``, audit row and
  ``report.submitted`` are one statement);
- the same, mentoring form (its talks read too): 6 / 8 → 2 / 4;
- the same, quarterly form: 5 / 7 → 2 / 4;
- ``POST /reporting/reports/{id}/submit`` of a draft (not sent at month end): 6 / 8 → 5 / 7
  (the audit row and the event in one statement; the rest is the ORM's load of the report
  and the trainee, its versioned UPDATE and the read model's upsert).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.mentorship.models import Outbox as MentorshipOutbox
from services.reporting.models import Outbox as ReportingOutbox
from services.reporting.models import Report, ReportAudit
from tests.conftest import auth
from tests.mentorship.test_talks import LONG_AGO, assign, talk_body
from tests.reporting.test_reports import CURRENT, EFFECTIVENESS, TODAY, open_period, talk
from tests.statement_count import Counted, counting
from tests.worlds import build_world

pytestmark = pytest.mark.integration

QUARTER = f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}"
CONTENTS = {
    "effectiveness": EFFECTIVENESS,
    "mentoring": {"account": "导师每月与我谈心。"},
    "quarterly": {"summary": "本季度驻村工作总结。"},
}


#: The revocation list is re-read at most once a second per worker (one statement in its own
#: transaction, shared by every request of that second): not a request's cost, so it is
#: kept out of the counts by reading it only on the warming request.
STILL_REVOCATIONS = {"REVOCATION_REFRESH_SECONDS": 3600}


@pytest.fixture
def mentorship_pg(pg_url):
    world = build_world("mentorship", pg_url, **STILL_REVOCATIONS)
    yield world
    world.db.dispose()


@pytest.fixture
def reporting_pg(pg_url):
    world = build_world("reporting", pg_url, **STILL_REVOCATIONS)
    yield world
    world.db.dispose()


def counted_post(world, path: str, body: dict, headers: dict) -> tuple[dict, Counted]:
    with counting(world.db.engine) as counted:
        response = world.client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.get_json(), counted


def rows(world, model, *where) -> int:
    with world.db.transaction() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.mark.parametrize(("follow_ups", "statements"), [([], 2), ([{"action": "整理民情日记"}], 3)])
def test_recording_a_talk_is_two_statements_and_one_per_follow_up_batch(
    mentorship_pg, follow_ups, statements
):
    world = mentorship_pg
    assign(world, 1, 105, "practical", LONG_AGO)
    assign(world, 2, 108, "practical", LONG_AGO)
    follow_ups = [{**f, "due_date": TODAY.isoformat()} for f in follow_ups]
    path, body = "/api/v1/mentorship/talks", talk_body(2, follow_ups=follow_ups)
    counted_post(world, path, body, auth("mentor", 108))  # warm
    talk, counted = counted_post(
        world, path, talk_body(1, follow_ups=follow_ups), auth("mentor", 105)
    )
    assert len(counted.statements) <= statements, counted
    assert counted.round_trips <= statements + 2, counted
    assert len(talk["follow_ups"]) == len(follow_ups)
    assert rows(world, MentorshipOutbox) == 2  # the event in the request's transaction


@pytest.mark.parametrize("kind", ["effectiveness", "mentoring", "quarterly"])
def test_creating_and_submitting_a_form_is_two_statements(reporting_pg, kind):
    world = reporting_pg
    period = QUARTER if kind == "quarterly" else CURRENT
    open_period(world, period)
    talk(world, 501, 1, TODAY)
    body = {"period": period, "kind": kind, "content": CONTENTS[kind], "submit": True}
    counted_post(world, "/api/v1/reporting/reports", body, auth("trainee", 2))  # warm
    report, counted = counted_post(world, "/api/v1/reporting/reports", body, auth("trainee", 1))
    assert len(counted.statements) <= 2, counted
    assert counted.round_trips <= 4, counted
    assert report["status"] == "submitted"
    if kind == "mentoring":
        assert [t["talk_id"] for t in report["content"]["talks"]] == [501]
    # the report, its audit row and its event, all in the request's transaction
    submitted = ReportingOutbox.type == "report.submitted"
    assert (
        rows(world, Report) == rows(world, ReportAudit) == rows(world, ReportingOutbox, submitted)
    )
    assert rows(world, Report) == 2


def test_submitting_a_draft_sends_its_audit_row_and_event_together(reporting_pg):
    world = reporting_pg
    open_period(world, CURRENT)
    ids = []
    for trainee_id in (2, 1):
        body = {"period": CURRENT, "kind": "effectiveness", "content": EFFECTIVENESS}
        ids.append(
            counted_post(world, "/api/v1/reporting/reports", body, auth("trainee", trainee_id))[0][
                "id"
            ]
        )
    counted_post(world, f"/api/v1/reporting/reports/{ids[0]}/submit", {}, auth("trainee", 2))
    _, counted = counted_post(
        world, f"/api/v1/reporting/reports/{ids[1]}/submit", {}, auth("trainee", 1)
    )
    assert len(counted.statements) <= 5, counted
    assert counted.round_trips <= 7, counted


def test_a_second_form_is_a_409_and_its_one_statement_stores_nothing(reporting_pg):
    """The writes sent as one statement fail together: no audit row, no event, no second
    report when the form already exists."""
    world = reporting_pg
    open_period(world, CURRENT)
    body = {"period": CURRENT, "kind": "effectiveness", "content": EFFECTIVENESS, "submit": True}
    counted_post(world, "/api/v1/reporting/reports", body, auth("trainee", 1))
    submitted = ReportingOutbox.type == "report.submitted"
    before = (
        rows(world, Report),
        rows(world, ReportAudit),
        rows(world, ReportingOutbox, submitted),
    )
    response = world.client.post("/api/v1/reporting/reports", json=body, headers=auth("trainee", 1))
    assert response.status_code == 409, response.get_data(as_text=True)
    after = (rows(world, Report), rows(world, ReportAudit), rows(world, ReportingOutbox, submitted))
    assert after == before == (1, 1, 1)
