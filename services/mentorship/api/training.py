"""Training and study (培训学习): events (training, study session, discussion and exchange,
heart-to-heart talk) with date, hours and organiser; invitations by town, unit, cohort or
trainee; attendance; and each trainee's training hours per year.

The city organises for anyone, a town or unit for its own trainees. An event is visible to
the callers with an invited trainee in their scope."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from services.mentorship.access import load_trainee, trainee_scope
from services.mentorship.domain import training as domain
from services.mentorship.models import Attendance, Trainee, TrainingEvent
from services.mentorship.schemas.training import (
    AttendanceIn,
    AttendanceResultOut,
    TrainingEventDetailOut,
    TrainingEventIn,
    TrainingEventListArgs,
    TrainingEventOut,
    TrainingEventPage,
    TrainingEventPatch,
    TrainingHoursArgs,
    TrainingHoursOut,
)
from shared.api import blueprint, endpoint
from shared.auth import Principal, act, current_principal
from shared.db import session
from shared.http import app_today, get_or_404, paginate, problem
from shared.normalize import message
from shared.vocabulary import PLACES

blp = blueprint(
    "training",
    "/api/v1/mentorship",
    "Training and study events, invitations, attendance and training hours",
)


def event_visibility(principal: Principal):
    """Events with at least one invited trainee in the caller's scope."""
    if principal.is_city:
        return sa.true()
    return sa.exists().where(
        Attendance.event_id == TrainingEvent.id,
        trainee_scope(principal, Attendance.trainee_id),
    )


def load_event(event_id: int) -> TrainingEvent:
    """The event, if the caller may see it (else 404)."""
    return get_or_404(TrainingEvent, event_id, event_visibility(current_principal()))


def _with_counts(events: list[TrainingEvent], principal: Principal) -> list[dict]:
    """Events with the number invited and attended among the caller's trainees."""
    counts = {}
    if events:
        rows = session().execute(
            sa.select(
                Attendance.event_id,
                sa.func.count(),
                sa.func.sum(sa.case((Attendance.attended.is_(True), 1), else_=0)),
            )
            .where(
                Attendance.event_id.in_([e.id for e in events]),
                trainee_scope(principal, Attendance.trainee_id),
            )
            .group_by(Attendance.event_id)
        )
        counts = {event_id: (invited, int(attended or 0)) for event_id, invited, attended in rows}
    return [
        {
            **{c.key: getattr(e, c.key) for c in TrainingEvent.__table__.columns},
            "invited": counts.get(e.id, (0, 0))[0],
            "attended": counts.get(e.id, (0, 0))[1],
        }
        for e in events
    ]


def _keep_to_own_places(invite: dict, principal: Principal) -> None:
    """A town invites by its own town only, a unit by its own unit only."""
    for role, key in (("town", "town_ids"), ("unit", "unit_ids")):
        others = set(invite.get(key) or ()) - {principal.scope_id}
        if principal.role == role and others:
            place, named = PLACES[role], sorted(others)
            why = message(f"不是本{place}：{named}", f"not your {role}: {named}")
            raise problem(
                403,
                "Forbidden",
                message(
                    f"{place}只能邀请本{place}的选调生", f"a {role} invites only its own trainees"
                ),
                {"invite": {key: [why]}},
            )


@endpoint(blp, "GET /training-events", query=TrainingEventListArgs, out=TrainingEventPage)
def get_training_events(args):
    """Events with an invited trainee in the caller's scope, newest first; filter by
    ``kind``, ``year``, ``trainee_id``; sort by ``date``, ``id``."""
    principal = current_principal()
    query = sa.select(TrainingEvent).where(event_visibility(principal))
    if args.get("kind"):
        query = query.where(TrainingEvent.kind == args["kind"])
    if args.get("year"):
        year = args["year"]
        query = query.where(TrainingEvent.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if args.get("trainee_id"):
        query = query.where(
            sa.exists().where(
                Attendance.event_id == TrainingEvent.id,
                Attendance.trainee_id == args["trainee_id"],
                # Only a trainee of the caller's own may be asked about.
                trainee_scope(principal, Attendance.trainee_id),
            )
        )
    args["sort"] = args.get("sort") or "-date,-id"
    page = paginate(session(), query, args, (TrainingEvent.date, TrainingEvent.id))
    page["items"] = _with_counts(page["items"], principal)
    return page


@endpoint(
    blp,
    "POST /training-events",
    "city",
    "town",
    "unit",
    body=TrainingEventIn,
    out=TrainingEventOut,
    status=201,
)
def post_training_events(data):
    """Create an event and invite the active trainees matching any of
    ``invite.town_ids``, ``unit_ids``, ``cohorts``, ``trainee_ids`` within the
    caller's scope (a town or unit invites only its own trainees). Each invitee gets
    an attendance row, not yet attended."""
    principal = current_principal()
    _keep_to_own_places(data["invite"], principal)
    event = act(
        domain.create_event,
        data,
        within=trainee_scope(principal, Trainee.id),
        created_by=principal.subject,
    )
    return _with_counts([event], principal)[0]


@endpoint(blp, "GET /training-events/<int:id>", out=TrainingEventDetailOut)
def get_training_event_item(id):
    """One event with the attendance of the invited trainees in the caller's scope."""
    principal = current_principal()
    event = load_event(id)
    detail = _with_counts([event], principal)[0]
    rows = session().execute(
        sa.select(Attendance, Trainee.name)
        .join(Trainee, Trainee.id == Attendance.trainee_id, isouter=True)
        .where(Attendance.event_id == id, trainee_scope(principal, Attendance.trainee_id))
        .order_by(Attendance.trainee_id)
    )
    detail["attendance"] = [
        {
            "trainee_id": attendance.trainee_id,
            "name": name or "",
            "attended": attendance.attended,
            "recorded_at": attendance.recorded_at,
        }
        for attendance, name in rows
    ]
    return detail


@endpoint(
    blp,
    "PATCH /training-events/<int:id>",
    "city",
    "town",
    "unit",
    body=TrainingEventPatch,
    out=TrainingEventOut,
)
def patch_training_event_item(data, id):
    """Change an event's ``kind``, ``title``, ``date``, ``hours``, ``organiser`` or
    ``description`` (the city any event it sees; a town or unit those it created); the
    invitations stay. Once attendance has been announced (``training.attended``
    carries them) the kind, title, date and hours no longer change: 409."""
    principal = current_principal()
    event = load_event(id)
    if not principal.is_city and event.created_by != principal.subject:
        raise problem(
            403,
            "Forbidden",
            message(
                "只有市委组织部或活动的创建者可以修改",
                "only the city or the event's creator changes it",
            ),
        )
    if "hours" in data:
        data["hours"] = data["hours"].quantize(domain.TENTH)
    announced = ("kind", "title", "date", "hours")
    changed = [k for k in announced if k in data and data[k] != getattr(event, k)]
    if changed and session().scalar(
        sa.select(sa.func.count())
        .select_from(Attendance)
        .where(Attendance.event_id == id, Attendance.attended.is_(True))
    ):
        recorded = message("已登记出席", "attendance already recorded")
        raise problem(
            409,
            "Conflict",
            message(
                "已按这些信息登记了出席，不能再修改",
                "attendance was announced with these; they no longer change",
            ),
            {key: [recorded] for key in changed},
        )
    for key, value in data.items():
        setattr(event, key, value)
    session().commit()
    return _with_counts([event], principal)[0]


@endpoint(
    blp,
    "POST /training-events/<int:id>/attendance",
    "city",
    "town",
    "unit",
    body=AttendanceIn,
    out=AttendanceResultOut,
)
def post_training_attendance(data, id):
    """Mark invited trainees (in the caller's scope) as attended. Each newly marked
    trainee is announced once as ``training.attended``; marking again changes
    nothing and announces nothing."""
    principal = current_principal()
    event = load_event(id)
    marked, already = act(
        domain.mark_attendance,
        event,
        data["trainee_ids"],
        within=trainee_scope(principal, Attendance.trainee_id),
    )
    return {"event_id": event.id, "marked": marked, "already": already}


@endpoint(
    blp, "GET /trainees/<int:id>/training-hours", query=TrainingHoursArgs, out=TrainingHoursOut
)
def get_training_hours(args, id):
    """A trainee's training hours in a calendar ``year`` (default: this year in the
    city): the hours of the events they attended."""
    load_trainee(id)
    year = args.get("year") or app_today().year
    hours, events = domain.training_hours(session(), id, year)
    return {"trainee_id": id, "year": year, "hours": hours, "events": events}
