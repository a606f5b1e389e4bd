"""Mentors' workload (导师工作量): the city every mentor's, a town or unit those of its own
trainees (counting those trainees only), a mentor only their own."""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from flask import current_app

from services.mentorship.access import trainee_scope
from services.mentorship.domain import workload as domain
from services.mentorship.models import Person
from services.mentorship.schemas.workload import (
    WorkloadDetailOut,
    WorkloadListArgs,
    WorkloadPage,
)
from shared.api import blueprint, endpoint
from shared.auth import current_principal, own_slice
from shared.clock import month_code
from shared.db import session
from shared.http import NOT_IN_SCOPE, app_today, problem
from shared.normalize import message

blp = blueprint(
    "workload",
    "/api/v1/mentorship/workload",
    "Mentors' workload: mentees, this month's talks, open follow-ups, talks not yet acknowledged",
)


def _filters(args: dict, mentor_id: int | None = None) -> domain.Filters:
    """The caller's scope as filters: a mentor is held to themself; a town or unit to its
    own trainees (naming another is a 403)."""
    principal = current_principal()
    town_id, unit_id = own_slice(args.get("town_id"), args.get("unit_id"), "mentors")
    if principal.role == "mentor":
        if mentor_id not in (None, principal.scope_id):
            raise problem(404, "Not found", NOT_IN_SCOPE)
        mentor_id = principal.scope_id
        return domain.Filters(lambda _column: sa.true(), mentor_id, town_id, unit_id, args.get("q"))
    return domain.Filters(
        lambda column: trainee_scope(principal, column), mentor_id, town_id, unit_id, args.get("q")
    )


def _sort(text: str | None) -> list[tuple[str, bool]]:
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        key = part.lstrip("-+")
        if key not in domain.SORTABLE:
            raise problem(
                400,
                "Bad sort",
                message(
                    f"只能按以下字段排序：{'、'.join(domain.SORTABLE)}",
                    f"sort by one of: {', '.join(domain.SORTABLE)}",
                ),
                {"sort": [message(f"未知的排序字段 {key}", f"unknown field {key}")]},
            )
        out.append((key, part.startswith("-")))
    return out


@endpoint(blp, "GET", "city", "town", "unit", "mentor", query=WorkloadListArgs, out=WorkloadPage)
def get_workload_list(args):
    """Every mentor holding an active seat in your scope, with this month's figures
    (this month in the city's time zone): a page of them and their true total.
    Filter by ``town_id``, ``unit_id`` (of the trainees) and ``q`` (part of the
    mentor's name); sort by any figure or ``name``."""
    today = app_today()
    rows, total = domain.workload_page(
        session(),
        today,
        current_app.config["TALK_CADENCE"],
        _filters(args),
        sort=_sort(args.get("sort")),
        page=args["page"],
        per_page=args["per_page"],
    )
    return {
        "items": rows,
        "page": args["page"],
        "per_page": args["per_page"],
        "total": total,
        "month": month_code(today),
    }


@endpoint(blp, "GET /<int:mentor_id>", "city", "town", "unit", "mentor", out=WorkloadDetailOut)
def get_workload_item(mentor_id):
    """One mentor's workload with their open follow-ups and the talks waiting for the
    trainee's acknowledgement. A mentor reads only their own (another's is a 404); a
    town or unit only a mentor of its own trainees."""
    principal = current_principal()
    filters = _filters({}, mentor_id)
    today = app_today()
    found = domain.one_workload(session(), today, current_app.config["TALK_CADENCE"], filters)
    if found is None:
        person = session().get(Person, mentor_id)
        # Nothing to count is a workload of nothing for the city and for the mentor
        # themself; a town or unit cannot tell it from a mentor outside its scope.
        if person is None or principal.role not in ("city", "mentor"):
            raise problem(
                404,
                "Not found",
                message("您的管理范围内没有这位导师", "no such mentor in your scope"),
            )
        found = domain.Workload(mentor_id, person.name)
    return {
        **asdict(found),
        "talks_missing": found.talks_missing,
        "month": month_code(today),
        "follow_ups": domain.open_follow_ups(session(), filters),
        "waiting_talks": domain.unacknowledged_talks(session(), filters),
    }
