"""What many resources share: the trainee a form is about and the reason of a step, the
scope and year filters of a list, and the towns and units to choose from."""

from __future__ import annotations

from services.console.i18n import N_
from services.console.resources.base import Filter
from services.console.resources.fields import pick, textarea
from services.console.views.common import places

#: The trainee a form is about, picked by name: the same field on many forms.
TRAINEE = pick("trainee_id", N_("选调生"), "trainees", required=True)
#: Why a step is taken (an assignment ended, a trainee's status changed), in words.
REASON = textarea("reason", N_("原因"), nullable=False)


def towns() -> list[tuple]:
    """Every town as (id, name), for a select or a filter."""
    return [(t["id"], t["name"]) for t in places().towns()]


def units() -> list[tuple]:
    """Every unit as (id, name), for a select or a filter."""
    return [(u["id"], u["name"]) for u in places().units()]


#: The town and unit filters of a list that spans both: a town's clerk is not offered the
#: town filter, nor a unit's the unit filter (their own is the only one they see).
SCOPE_FILTERS = [
    Filter("town_id", N_("镇（街道）"), options=towns, roles=("city", "unit")),
    Filter("unit_id", N_("派出单位"), options=units, roles=("city", "town")),
]
#: The year filter of a list of yearly things (events, duties, evaluations, ratings).
YEAR_FILTER = Filter("year", N_("年度"), kind="number")
