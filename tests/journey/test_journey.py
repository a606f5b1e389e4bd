"""Issue 7: the journey of a month in a city, written once (journey/steps.py), run twice:

- against every production process on this machine (gunicorn web processes, relays,
  consumers, the scheduler, the notifier's worker; a new PostgreSQL database per service;
  RabbitMQ under names of its own), started from the Procfile as docker-compose runs them;
- against the embedded default (one process, SQLite, the in-process broker, demo city).

Both get a real SMTP server, an SMS gateway stand-in and a webhook receiver, and a clock
the journey moves past the month's deadline."""

from __future__ import annotations

import pytest

from journey.runner import run
from journey.steps import report

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


@pytest.mark.parametrize("mode", ["production", "embedded"])
def test_a_month_in_a_city_end_to_end(mode, tmp_path, capsys, request):
    options = {}
    if mode == "production":  # the local PostgreSQL and RabbitMQ (CI=true: must be up)
        options = {
            "pg_admin_url": request.getfixturevalue("pg_admin_url"),
            "amqp_url": request.getfixturevalue("amqp_url"),
        }
    outcome = run(mode, tmp_path, **options)
    journey = outcome.journey
    with capsys.disabled():
        print(f"\n{mode}: start-up {outcome.startup:.1f}s, in all {outcome.total:.1f}s")
        print(report(journey.results))
    assert journey.ok, report(journey.results)
    # the journey's own corner of the city: in each of its towns only one deputy secretary
    # and one secretary per village are eligible, so gap filling takes those two seats of
    # every trainee at once; the unit's (two leaders, two middle cadres) are assigned by hand
    assert journey.filled_by_gap_fill == 2 * len(journey.c.trainees)
    assert journey.assigned_by_hand == 2 * len(journey.c.trainees)
    assert journey.travelled
