"""Issue 7, first increment: the journey of a month in a city, run against the embedded
default (``python -m embedded`` as a subprocess on a free port, a fresh var directory)."""

from __future__ import annotations

import pytest

from journey.embedded import embedded
from journey.steps import SERVICES, Journey, report

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with embedded(tmp_path_factory.mktemp("journey")) as url:
        yield url


def test_a_month_in_a_city_end_to_end_in_the_embedded_default(base, capsys):
    journey = Journey({service: base for service in SERVICES})
    results = journey.execute()
    with capsys.disabled():
        print("\n" + report(results))
    failed = [r for r in results if not r.ok]
    assert not failed, report(results)
    assert journey.ok, report(results)
    # on a fresh demo city the town's deputy secretary and each village's secretary are
    # the only eligible persons: gap filling takes those 2 seats of every trainee at once,
    # the unit's (several eligible) are assigned by hand
    assert journey.filled_by_gap_fill == 2 * journey.size
    assert journey.assigned_by_hand == 2 * journey.size
