"""Evaluations: the year-end evaluation (年度考核) and the end-of-placement appraisal
(期满鉴定), written by the trainee's responsible mentor with the other mentors'
opinions and reviewed town → unit → city; and the trainees' yearly rating of their
mentors, anonymous to the mentor. The rules are in ``domain.evaluations``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from services.reporting.access import load_trainee, trainee_scope
from services.reporting.api.review import NOT_KNOWN, audit_trail, read_version, review_step
from services.reporting.domain import evaluations as domain
from services.reporting.models import (
    Evaluation,
    MentorAssignment,
    MentorRating,
    Person,
    Trainee,
)
from services.reporting.schemas.evaluations import (
    EvaluationApproveIn,
    EvaluationIn,
    EvaluationListArgs,
    EvaluationOut,
    EvaluationPage,
    EvaluationReturnIn,
    EvaluationUpdateIn,
    MyMentorOut,
    MyMentorsArgs,
    OpinionIn,
    OpinionOut,
    QuotaArgs,
    QuotaOut,
    RatingIn,
    RatingListArgs,
    RatingOut,
    RatingPage,
    RatingSummaryArgs,
    RatingSummaryPage,
    VersionIn,
)
from services.reporting.schemas.reports import AuditOut
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.http import get_or_404, paginate, problem, where_given
from shared.normalize import message

blp = blueprint(
    "evaluations",
    "/api/v1/reporting/evaluations",
    "The year-end evaluation and the end-of-placement appraisal of each trainee: "
    "written by the responsible mentor, the other mentors' opinions, review and the quota "
    "of 优秀",
)
ratings = blueprint(
    "mentor_ratings",
    "/api/v1/reporting/mentor-ratings",
    "Trainees rate their mentors once a year; mentors see only sums of enough "
    "ratings, never who rated",
)

SORTABLE = {
    "id": Evaluation.id,
    "year": Evaluation.year,
    "trainee_id": Evaluation.trainee_id,
    "submitted_at": Evaluation.submitted_at,
    "updated_at": Evaluation.updated_at,
}


def load_evaluation(evaluation_id: int) -> tuple[Evaluation, Trainee]:
    """The evaluation and its trainee, if the caller's scope covers them (else 404); a
    trainee sees its own only once approved."""
    not_found = message("您的范围内没有这份鉴定", "no such evaluation in your scope")
    evaluation = get_or_404(Evaluation, evaluation_id, detail=not_found)
    trainee = load_trainee(evaluation.trainee_id)
    if current_principal().role == "trainee" and evaluation.status != "approved":
        raise problem(404, "Not found", not_found)
    return evaluation, trainee


def _mentor_id() -> int | None:
    principal = current_principal()
    return principal.scope_id if principal.role == "mentor" else None


@endpoint(blp, "GET", query=EvaluationListArgs, out=EvaluationPage)
def get_evaluations(args):
    """Evaluations in the caller's scope (a trainee: its own approved ones); filter by
    ``kind``, ``year``, ``status``, ``grade``, ``trainee_id``, ``town_id``,
    ``unit_id``; ``awaiting_me=true`` keeps those at the caller's review step."""
    principal = current_principal()
    query = (
        sa.select(Evaluation)
        .join(Trainee, Trainee.id == Evaluation.trainee_id)
        .where(trainee_scope(principal, Evaluation.trainee_id))
    )
    if principal.role == "trainee":
        query = query.where(Evaluation.status == "approved")
    query = where_given(query, args, Evaluation, "kind", "year", "status", "grade", "trainee_id")
    query = where_given(query, args, Trainee, "town_id", "unit_id")
    if args.get("awaiting_me"):
        query = query.where(Evaluation.status == "submitted")
        if principal.role != "city":
            query = query.where(Evaluation.step == principal.role)
    args["sort"] = args.get("sort") or "-year,trainee_id"
    return paginate(session(), query, args, SORTABLE)


@endpoint(blp, "POST", "mentor", body=EvaluationIn, out=EvaluationOut, status=201)
def post_evaluations(data):
    """Start a trainee's evaluation (its responsible mentor only): ``trainee_id``,
    ``kind``, ``year`` and what is written so far. Another mentor of the trainee gets a
    403; one evaluation per trainee, kind and year (a second is a 409)."""
    principal = current_principal()
    trainee = load_trainee(data["trainee_id"])
    return act(domain.create_evaluation, trainee, data, mentor_id=principal.scope_id)


@endpoint(blp, "GET /quota", "city", "unit", "town", "mentor", query=QuotaArgs, out=QuotaOut)
def get_quota(args):
    """The quota of 优秀 for a kind and year, city-wide: how many are evaluated, how
    many may be 优秀, how many are (submitted or approved)."""
    numbers = domain.quota(session(), args["kind"], args["year"], current_app.config)
    share = current_app.config["EVALUATION_EXCELLENT_QUOTA"]
    return {**args, **numbers, "share": share}


@endpoint(blp, "GET /<int:id>", out=EvaluationOut)
def get_evaluation_item(id):
    """One evaluation with the mentors' opinions."""
    return load_evaluation(id)[0]


@endpoint(blp, "PATCH /<int:id>", "mentor", body=EvaluationUpdateIn, out=EvaluationOut)
def patch_evaluation_item(data, id):
    """The author changes a draft or returned evaluation (the fields given). Send the
    ``version`` read (or If-Match): a stale one is a 409."""
    evaluation, _ = load_evaluation(id)
    act(domain.update_evaluation, evaluation, data, version=read_version(data))
    return evaluation


@endpoint(blp, "PUT /<int:id>/opinions", "mentor", body=OpinionIn, out=OpinionOut)
def put_opinions(data, id):
    """Write (or rewrite) your opinion as another mentor of the trainee."""
    evaluation, _ = load_evaluation(id)
    return act(domain.write_opinion, evaluation, _mentor_id(), data["opinion"])


@endpoint(blp, "POST /<int:id>/submit", "mentor", body=VersionIn, out=EvaluationOut)
def post_submit(data, id):
    """Submit (or resubmit) for review (the author); a grade and a summary are needed,
    and an 优秀 within the quota. Announced as ``evaluation.submitted``."""
    evaluation, trainee = load_evaluation(id)
    act(domain.submit_evaluation, evaluation, trainee, version=read_version(data))
    return evaluation


@endpoint(
    blp, "POST /<int:id>/return", "town", "unit", "city", body=EvaluationReturnIn, out=EvaluationOut
)
def post_return(data, id):
    """Send it back to the author with a ``reason`` (the current step's reviewer, or
    the city). Announced as ``evaluation.returned``."""
    evaluation, trainee = load_evaluation(id)
    return review_step(
        domain.return_evaluation,
        data,
        evaluation,
        trainee,
        data["reason"],
    )


@endpoint(
    blp,
    "POST /<int:id>/approve",
    "town",
    "unit",
    "city",
    body=EvaluationApproveIn,
    out=EvaluationOut,
)
def post_approve(data, id):
    """Sign it off at your step (town, unit, then the city; the city at any step, for
    good). The city may give another ``grade`` with a ``note``. Announced as
    ``evaluation.approved``."""
    evaluation, trainee = load_evaluation(id)
    return review_step(
        domain.approve_evaluation,
        data,
        evaluation,
        trainee,
        grade=data.get("grade"),
        note=data.get("note", ""),
    )


@endpoint(blp, "GET /<int:id>/audit", out=AuditOut(many=True))
def get_audit(id):
    """Every decision on the evaluation, oldest first."""
    load_evaluation(id)
    return audit_trail("evaluation", id)


# -- mentor ratings ---------------------------------------------------------------------------


def _own_trainee() -> Trainee:
    principal = current_principal()
    trainee = session().get(Trainee, principal.scope_id)
    if trainee is None:
        raise problem(404, "Not found", NOT_KNOWN)
    return trainee


@endpoint(ratings, "GET", "trainee", "city", query=RatingListArgs, out=RatingPage)
def get_ratings(args):
    """The ratings given: a trainee's own; the city's, all of them."""
    principal = current_principal()
    query = sa.select(MentorRating)
    if principal.role == "trainee":
        query = query.where(MentorRating.trainee_id == principal.scope_id)
    if args.get("year") is not None:
        query = query.where(MentorRating.year == args["year"])
    args["sort"] = args.get("sort") or "-id"
    return paginate(session(), query, args, (MentorRating.id,))


@endpoint(ratings, "POST", "trainee", body=RatingIn, out=RatingOut, status=201)
def post_ratings(data):
    """Rate one of your mentors for this year or last (once): ``score`` 1–5 and a
    ``comment``. The mentor never learns who rated."""
    return act(domain.rate_mentor, _own_trainee(), data)


@endpoint(ratings, "GET /mentors", "trainee", query=MyMentorsArgs, out=MyMentorOut(many=True))
def get_my_mentors(args):
    """Your mentors, and whether you have rated each for the year."""
    trainee = _own_trainee()
    rated = set(
        session().scalars(
            sa.select(MentorRating.mentor_id).where(
                MentorRating.trainee_id == trainee.id, MentorRating.year == args["year"]
            )
        )
    )
    rows = session().execute(
        sa.select(MentorAssignment.mentor_id, MentorAssignment.role, Person.name)
        .outerjoin(Person, Person.id == MentorAssignment.mentor_id)
        .where(MentorAssignment.trainee_id == trainee.id, MentorAssignment.active.is_(True))
        .order_by(MentorAssignment.id)
    )
    return [
        {"mentor_id": m, "role": role, "mentor_name": name or "", "rated": m in rated}
        for m, role, name in rows
    ]


@endpoint(ratings, "GET /summary", query=RatingSummaryArgs, out=RatingSummaryPage)
def get_summary(args):
    """Each mentor's ratings of a year: count, average, how many gave each score and
    the comments. A mentor sees its own; a town or unit the mentors of its trainees;
    the city every mentor. Below ``MENTOR_RATING_MIN_SHOWN`` ratings only the city
    sees the figures (``shown`` false), so that no mentor can tell who rated."""
    principal = current_principal()
    if principal.role == "trainee":
        raise problem(
            403,
            "Forbidden",
            message(
                "选调生只能评价导师，不能查看评价汇总",
                "trainees rate; they do not read the sums",
            ),
        )
    mentor_ids = [principal.scope_id] if principal.role == "mentor" else None
    scope = (
        trainee_scope(principal, MentorRating.trainee_id)
        if principal.role in ("town", "unit")
        else None
    )
    sums = domain.rating_sums(session(), args["year"], mentor_ids, scope)
    total = len(sums)
    page, per_page = args["page"], args["per_page"]
    sums = sums[(page - 1) * per_page : page * per_page]
    least = current_app.config["MENTOR_RATING_MIN_SHOWN"]
    ids = [s["mentor_id"] for s in sums]
    names = dict(
        session().execute(sa.select(Person.id, Person.name).where(Person.id.in_(ids))).all()
    )
    comments: dict[int, list[str]] = {}
    said = (
        sa.select(MentorRating.mentor_id, MentorRating.comment)
        .where(
            MentorRating.year == args["year"],
            MentorRating.mentor_id.in_(ids),
            MentorRating.comment != "",
        )
        .order_by(MentorRating.comment)  # not by time: the order must not tell who
    )
    for mentor_id, comment in session().execute(said if scope is None else said.where(scope)):
        comments.setdefault(mentor_id, []).append(comment)
    items = []
    for s in sums:
        shown = principal.role == "city" or s["count"] >= least
        items.append(
            {
                "mentor_id": s["mentor_id"],
                "mentor_name": names.get(s["mentor_id"], ""),
                "shown": shown,
                "count": s["count"] if shown else None,
                "average": s["average"] if shown else None,
                "scores": s["scores"] if shown else None,
                "comments": comments.get(s["mentor_id"], []) if shown else None,
            }
        )
    return {"items": items, "page": page, "per_page": per_page, "total": total}


BLUEPRINTS = [blp, ratings]
