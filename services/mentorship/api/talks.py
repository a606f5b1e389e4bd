"""Talks (谈心谈话): a mentor records a talk with an active mentee; the trainee acknowledges
it with a reflection; the follow-ups agreed are marked done. Only the mentor can record a
talk in their own name: the mentor is the caller, never a field of the body."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from services.mentorship.access import active_mentor_ids, trainee_scope
from services.mentorship.domain import talks as domain
from services.mentorship.models import Person, Talk, Trainee
from services.mentorship.schemas.talks import (
    AcknowledgeIn,
    FollowUpOut,
    TalkIn,
    TalkListArgs,
    TalkOut,
    TalkPage,
)
from shared.api import blueprint, endpoint
from shared.auth import (
    Principal,
    act,
    check_trainee_scope,
    current_principal,
)
from shared.clock import month_bounds
from shared.db import session
from shared.http import paginate, problem, where_given
from shared.normalize import message

blp = blueprint(
    "talks",
    "/api/v1/mentorship/talks",
    "Talks (谈心谈话) between mentors and their mentees, acknowledgements and follow-ups",
)


def talk_visibility(principal: Principal):
    """The talks a caller may read: those of trainees in their scope, and for a mentor
    also the talks they recorded themselves (even after the assignment ended)."""
    clause = trainee_scope(principal, Talk.trainee_id)
    if principal.role == "mentor":
        clause = sa.or_(clause, Talk.mentor_id == principal.scope_id)
    return clause


def load_talk(talk_id: int) -> Talk:
    """The talk, if the caller may read it (else 404, the same as for a missing one)."""
    talk = session().get(Talk, talk_id)
    trainee = session().get(Trainee, talk.trainee_id) if talk is not None else None
    principal = current_principal()
    mentors = []
    if talk is not None and principal.role == "mentor":
        mentors = [talk.mentor_id, *active_mentor_ids(talk.trainee_id)]
    check_trainee_scope(talk, trainee, mentors)
    return talk


def named(talks: list[Talk]) -> list[Talk]:
    """The talks with ``trainee_name`` and ``mentor_name`` set (two queries), so that a
    reader sees people, not ids. Only the reads name them: recording stays lean."""
    trainees = {t.trainee_id for t in talks}
    mentors = {t.mentor_id for t in talks}
    names = {
        "trainee": dict(
            session()
            .execute(sa.select(Trainee.id, Trainee.name).where(Trainee.id.in_(trainees)))
            .all()
        ),
        "mentor": dict(
            session().execute(sa.select(Person.id, Person.name).where(Person.id.in_(mentors))).all()
        ),
    }
    for talk in talks:
        # plain attributes on the instance, not columns: read by TalkOut only
        talk.trainee_name = names["trainee"].get(talk.trainee_id, "")
        talk.mentor_name = names["mentor"].get(talk.mentor_id, "")
    return talks


@endpoint(blp, "GET", query=TalkListArgs, out=TalkPage)
def get_talks(args):
    """Talks in the caller's scope, newest first; filter by ``trainee_id``,
    ``mentor_id``, ``month`` (YYYY-MM) and ``role``; sort by ``talk_date``, ``id``."""
    query = (
        sa.select(Talk)
        .where(talk_visibility(current_principal()))
        .options(selectinload(Talk.follow_ups))
    )
    query = where_given(query, args, Talk, "trainee_id", "mentor_id")
    if args.get("role"):
        query = query.where(Talk.mentor_role == args["role"])
    if args.get("month"):
        first, last = month_bounds(args["month"].year, args["month"].month)
        query = query.where(Talk.talk_date.between(first, last))
    args["sort"] = args.get("sort") or "-talk_date,-id"
    page = paginate(session(), query, args, (Talk.talk_date, Talk.id))
    page["items"] = named(list(page["items"]))
    return page


@endpoint(blp, "POST", "mentor", body=TalkIn(), out=TalkOut, status=201)
def post_talks(data):
    """Record a talk with one of your active mentees (mentors only). ``talk_date`` is
    the day in the city's time zone, not in the future and not before your
    assignment began; the role is that of your assignment (give ``role`` only if you
    hold several with this trainee). Announced as ``talk.recorded``."""
    principal = current_principal()
    return act(
        domain.record_talk,
        principal.scope_id,
        data,
        recorded_by=principal.subject,
    )


@endpoint(blp, "GET /<int:id>", out=TalkOut)
def get_talk_item(id):
    """One talk with its follow-ups, naming the trainee and the mentor."""
    return named([load_talk(id)])[0]


@endpoint(blp, "POST /<int:id>/acknowledge", "trainee", body=AcknowledgeIn, out=TalkOut)
def post_talk_acknowledgement(data, id):
    """The trainee acknowledges a talk with them, once, optionally adding a
    ``reflection`` (a second acknowledgement is a 409)."""
    talk = load_talk(id)
    act(domain.acknowledge_talk, talk, data["reflection"])
    return talk


@endpoint(
    blp, "POST /<int:id>/follow-ups/<int:follow_up_id>/done", "mentor", "trainee", out=FollowUpOut
)
def post_follow_up_done(id, follow_up_id):
    """Mark a follow-up action done: by the mentor who recorded the talk or by the
    trainee (once; a second time is a 409)."""
    talk = load_talk(id)
    principal = current_principal()
    own = talk.mentor_id if principal.role == "mentor" else talk.trainee_id
    if principal.scope_id != own:
        raise problem(
            403,
            "Forbidden",
            message(
                "只有记录这次谈话的导师或选调生本人可以操作",
                "only the mentor who recorded the talk or the trainee",
            ),
        )
    return act(domain.mark_follow_up_done, talk, follow_up_id, principal.subject)
