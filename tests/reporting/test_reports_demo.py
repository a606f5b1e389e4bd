"""The demo's periods and reports: six months back and the current one, with approved,
awaiting, late, returned and missing forms, all through the domain (announced)."""

from __future__ import annotations

import datetime as dt

from services.reporting.demo import reports as demo_reports
from services.reporting.models import Period, Report, ReportAudit
from tests.reporting.test_reports import count, events


def test_the_demo_opens_six_months_with_a_realistic_mix_of_reports(world):
    for trainee_id in range(20, 30):
        world.trainee(trainee_id, 1 + trainee_id % 2)
        world.place(trainee_id, 1 + trainee_id % 2, 1, 11, start=dt.date(2026, 1, 1))
    today = dt.date(2026, 11, 27)
    with world.db.transaction() as session:
        counts = demo_reports.load(session, today)
    assert count(world, Period, Period.kind == "month") == 7
    assert count(world, Period, Period.kind == "quarter") == 3
    assert len(events(world, "period.opened")) == 10
    for key in ("approved", "awaiting", "late", "returned", "missing", "drafts"):
        assert counts[key] > 0, key
    assert count(world, Report, Report.status == "approved") == counts["approved"]
    assert count(world, Report, Report.status == "returned") == counts["returned"]
    assert count(world, Report, Report.late.is_(True)) == counts["late"]
    assert len(events(world, "report.submitted")) == count(
        world, ReportAudit, ReportAudit.action == "submit"
    )
    with world.db.transaction() as session:
        assert demo_reports.load(session, today)["periods"] == 0
