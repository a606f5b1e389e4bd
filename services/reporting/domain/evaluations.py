"""The year-end evaluation (年度考核), the end-of-placement appraisal (期满鉴定) and the
trainees' rating of their mentors. No Flask here.

Writing
    The trainee's responsible mentor (责任导师: its active assignment of role
    ``responsible``) writes the evaluation: a grade (优秀/称职/基本称职/不称职), a summary,
    strengths and what to improve. One evaluation per trainee, kind and year (the
    appraisal's year is the year the placement ends). The trainee's other mentors each
    add an opinion (意见). Another mentor of the trainee may not write it (403); a mentor
    who is not the trainee's never finds the trainee (404).

Review
    ``draft`` → ``submitted`` → ``approved`` or ``returned`` (with a reason) → edited →
    submitted again, along ``EVALUATION_REVIEW_CHAIN`` (default ``town,unit,city``; the
    town is skipped for a trainee not stationed in a village), as the forms: a town or
    unit at its own step for its own trainees, the city at any step and finally. The city
    may change the grade when it approves, saying why; the author's grade is kept.

The quota of 优秀
    At most ``EVALUATION_EXCELLENT_QUOTA`` (default 0.2) of the evaluated may be graded
    优秀, city-wide, per kind and year (rounded down, but one where there is anyone to
    evaluate). The evaluated are, for the year-end evaluation, the trainees in training at
    some time of the year (their tenure), and at least the evaluations written; for the
    appraisal, the appraisals written. Submitting or approving an 优秀 beyond the quota is
    a 409 that says the numbers.

Rating the mentors
    Once a year each trainee rates each of its mentors (1–5, a comment). The rating is
    anonymous to the mentor: the mentor sees only the count, the average and the comments
    of a year with at least ``MENTOR_RATING_MIN_SHOWN`` ratings, never who gave them.
"""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.domain import periods as period_rules
from services.reporting.domain import review
from services.reporting.models import (
    GRADES,
    Evaluation,
    EvaluationOpinion,
    MentorAssignment,
    MentorRating,
    Trainee,
    TraineeTenure,
)
from shared.audit import state
from shared.db import utcnow
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.normalize import message

GRADE_NAMES = {
    "excellent": "优秀",
    "competent": "称职",
    "basic": "基本称职",
    "incompetent": "不称职",
}
KIND_NAMES = {"annual": "年度考核", "final": "期满鉴定"}
REQUIRED_ON_SUBMIT = ("grade", "summary")
EDITABLE = ("grade", "summary", "strengths", "improvements")


def mentors_of(session: Session, trainee_id: int) -> dict[int, str]:
    """The trainee's active mentors: person id → role."""
    rows = session.execute(
        sa.select(MentorAssignment.mentor_id, MentorAssignment.role).where(
            MentorAssignment.trainee_id == trainee_id, MentorAssignment.active.is_(True)
        )
    ).all()
    return {mentor_id: role for mentor_id, role in rows}


def _event(evaluation: Evaluation, trainee: Trainee) -> dict:
    return {
        "evaluation_id": evaluation.id,
        "kind": evaluation.kind,
        "trainee_id": trainee.id,
        "year": evaluation.year,
        "author_id": evaluation.author_id,
        **state(trainee, "unit_id", "town_id", "village_id"),
    }


PAPER = review.Paper(
    "鉴定", "evaluation", ("status", "step", "grade", "version", "returned_reason"), _event
)


# -- writing ----------------------------------------------------------------------------------


def _check_year(kind: str, year: int, trainee: Trainee, today: dt.date) -> None:
    latest = today.year + (1 if kind == "final" else 0)
    earliest = trainee.cohort
    if not earliest <= year <= latest:
        raise DomainError.on(
            "year",
            (f"年度应在 {earliest} 至 {latest} 年之间", f"the year must be {earliest}–{latest}"),
            (f"应在 {earliest}–{latest} 年之间", f"{earliest}–{latest}"),
        )


def create_evaluation(
    session: Session,
    trainee: Trainee,
    data: dict,
    *,
    mentor_id: int,
    by: str,
    today: dt.date,
) -> Evaluation:
    """The responsible mentor starts the trainee's evaluation of a kind and year."""
    role = mentors_of(session, trainee.id).get(mentor_id)
    if role is None:
        raise NotFound(message("您的范围内没有这位选调生", "no such trainee in your scope"))
    if role != "responsible":
        raise Forbidden(
            message(
                "只有该选调生的责任导师可以撰写考核鉴定",
                "only the trainee's responsible mentor writes its evaluation",
            )
        )
    _check_year(data["kind"], data["year"], trainee, today)
    now = utcnow()
    evaluation = Evaluation(
        trainee_id=trainee.id,
        kind=data["kind"],
        year=data["year"],
        author_id=mentor_id,
        status="draft",
        chain="",
        returned_reason="",
        regrade_note="",
        created_at=now,
        updated_at=now,
        **{key: data.get(key) or ("" if key != "grade" else None) for key in EDITABLE},
    )
    taken = Conflict.on(
        "year",
        (
            f"{trainee.name} 的 {data['year']} 年{KIND_NAMES[data['kind']]}已经开始撰写，请编辑它",
            "this evaluation is already started: edit it instead",
        ),
        ("已存在", "already exists"),
    )
    exists = sa.select(Evaluation.id).where(
        Evaluation.trainee_id == trainee.id,
        Evaluation.kind == data["kind"],
        Evaluation.year == data["year"],
    )
    _add_once(session, evaluation, exists, taken)
    PAPER.add_audit(session, evaluation, "create", None, actor=by, role="mentor")
    return evaluation


def _add_once(session: Session, row, exists: sa.Select, taken: DomainError) -> None:
    """Add ``row`` unless ``exists`` finds its like: ``taken`` then, and when another
    request wrote its like at the same moment (the unique constraint refuses this one)."""
    if session.scalar(exists) is not None:
        raise taken
    session.add(row)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        raise taken from None


def _authors_open(
    evaluation: Evaluation, mentor_id: int | None, version: int | None, closed: str
) -> None:
    """Refuse all but the author (403), an evaluation changed since ``version`` was read
    and one neither a draft nor returned (409, ``closed`` saying why)."""
    if mentor_id != evaluation.author_id:
        raise Forbidden(
            message(
                "只有撰写鉴定的责任导师可以修改和提交",
                "only the responsible mentor who wrote it edits and submits it",
            )
        )
    PAPER.check_version(evaluation, version)
    if evaluation.status not in ("draft", "returned"):
        raise Conflict(closed, {"status": [evaluation.status]})


def update_evaluation(
    session: Session,
    evaluation: Evaluation,
    data: dict,
    *,
    scope_id: int | None,
    version: int | None,
) -> Evaluation:
    """The author (``scope_id``: the calling mentor's person id) changes a draft or
    returned evaluation (the given fields only)."""
    _authors_open(
        evaluation,
        scope_id,
        version,
        message("已提交或已通过的鉴定不能修改", f"a {evaluation.status} evaluation is closed"),
    )
    for key in EDITABLE:
        if key in data:
            setattr(evaluation, key, data[key])
    evaluation.updated_at = utcnow()
    PAPER.flush(session)
    return evaluation


def write_opinion(
    session: Session, evaluation: Evaluation, mentor_id: int | None, text: str
) -> EvaluationOpinion:
    """Another mentor of the trainee writes (or rewrites) its opinion."""
    role = mentors_of(session, evaluation.trainee_id).get(mentor_id)
    if role is None or mentor_id == evaluation.author_id:
        raise Forbidden(
            message(
                "只有该选调生的其他导师可以填写意见",
                "only the trainee's other mentors give an opinion",
            )
        )
    if evaluation.status == "approved":
        raise Conflict.on(
            "status",
            ("鉴定已审核通过，不能再填写意见", "the evaluation is approved"),
            ("已审核通过", "approved"),
        )
    opinion = next((o for o in evaluation.opinions if o.mentor_id == mentor_id), None)
    if opinion is None:
        opinion = EvaluationOpinion(mentor_id=mentor_id, mentor_role=role, opinion=text)
        evaluation.opinions.append(opinion)
    else:
        opinion.opinion = text
        opinion.mentor_role = role
    opinion.updated_at = utcnow()
    session.flush()
    return opinion


# -- the quota of 优秀 ------------------------------------------------------------------------


def quota(session: Session, kind: str, year: int, config, *, excluding: int | None = None):
    """``{"evaluated", "allowed", "used"}`` of 优秀 for a kind and year, city-wide;
    ``used`` counts submitted and approved ones other than ``excluding``."""
    share = float(period_rules.setting(config, "EVALUATION_EXCELLENT_QUOTA"))
    written = session.scalar(
        sa.select(sa.func.count())
        .select_from(Evaluation)
        .where(Evaluation.kind == kind, Evaluation.year == year)
    )
    evaluated = written or 0
    if kind == "annual":
        in_training = session.scalar(
            sa.select(sa.func.count())
            .select_from(TraineeTenure)
            .where(
                TraineeTenure.active_from <= dt.date(year, 12, 31),
                sa.or_(
                    TraineeTenure.left_on.is_(None), TraineeTenure.left_on > dt.date(year, 1, 1)
                ),
            )
        )
        evaluated = max(evaluated, in_training or 0)
    allowed = max(1, math.floor(evaluated * share + 1e-9)) if evaluated else 0
    used_query = (
        sa.select(sa.func.count())
        .select_from(Evaluation)
        .where(
            Evaluation.kind == kind,
            Evaluation.year == year,
            Evaluation.grade == "excellent",
            Evaluation.status.in_(("submitted", "approved")),
        )
    )
    if excluding is not None:
        used_query = used_query.where(Evaluation.id != excluding)
    return {"evaluated": evaluated, "allowed": allowed, "used": session.scalar(used_query) or 0}


def check_quota(session: Session, evaluation: Evaluation, grade: str | None, config) -> None:
    """A 409 if one more 优秀 would pass the quota."""
    if grade != "excellent":
        return
    q = quota(session, evaluation.kind, evaluation.year, config, excluding=evaluation.id)
    if q["used"] + 1 > q["allowed"]:
        raise Conflict.on(
            "grade",
            (
                f"优秀等次名额已满：{evaluation.year} 年{KIND_NAMES[evaluation.kind]}共 "
                f"{q['evaluated']} 人，优秀最多 {q['allowed']} 人，已有 {q['used']} 人",
                f"the quota of excellent is full: {q['used']} of {q['allowed']} "
                f"for {q['evaluated']} evaluated",
            ),
            (
                f"优秀名额已用 {q['used']} 个，共 {q['allowed']} 个",
                f"excellent: {q['used']} of {q['allowed']} used",
            ),
        )


# -- review -----------------------------------------------------------------------------------


def submit_evaluation(
    session: Session,
    evaluation: Evaluation,
    trainee: Trainee,
    *,
    scope_id: int | None,
    by: str,
    config,
    version: int | None,
) -> Evaluation:
    """The author (``scope_id``, as in :func:`update_evaluation`) submits (or resubmits)
    the evaluation for review."""
    _authors_open(
        evaluation,
        scope_id,
        version,
        message("鉴定已经提交", f"this evaluation is already {evaluation.status}"),
    )
    missing = [key for key in REQUIRED_ON_SUBMIT if not getattr(evaluation, key)]
    if missing:
        raise DomainError(
            message("请先填写等次和鉴定意见再提交", "fill in the grade and summary first"),
            {key: [message("提交前必填", "required to submit")] for key in missing},
        )
    check_quota(session, evaluation, evaluation.grade, config)
    before = PAPER.state(evaluation)
    now = utcnow()
    review.submit(evaluation, review.steps(trainee, config, "EVALUATION_REVIEW_CHAIN"), now)
    evaluation.proposed_grade = evaluation.grade
    fields = {"grade": evaluation.grade, "submitted_at": now}
    PAPER.decided(session, evaluation, trainee, "submit", before, actor=by, role="mentor", **fields)
    return evaluation


#: A reviewer sends the evaluation back to its author with a reason.
return_evaluation = PAPER.send_back


def approve_evaluation(
    session: Session,
    evaluation: Evaluation,
    trainee: Trainee,
    *,
    by: str,
    role: str,
    scope_id: int | None,
    config,
    version: int | None,
    grade: str | None = None,
    note: str = "",
) -> Evaluation:
    """Sign the evaluation off at the caller's step; the city's (or the last step's)
    approval is final. The city alone may change the grade, with a ``note`` (the audit
    row's before keeps the author's grade)."""

    def regrade(evaluation: Evaluation) -> dict:
        if grade is not None and grade != evaluation.grade:
            if role != "city":
                raise Forbidden(
                    message("只有市委组织部可以调整等次", "only the city changes the grade")
                )
            if not note.strip():
                raise DomainError.on(
                    "note",
                    ("调整等次请说明理由", "say why the grade changes"),
                    ("调整等次时必填", "required when the grade changes"),
                )
            check_quota(session, evaluation, grade, config)
            evaluation.grade = grade
            evaluation.regrade_note = note
        return {"grade": evaluation.grade}

    return PAPER.approve(
        session,
        evaluation,
        trainee,
        by=by,
        role=role,
        scope_id=scope_id,
        version=version,
        amend=regrade,
    )


# -- rating the mentors -----------------------------------------------------------------------


def rate_mentor(session: Session, trainee: Trainee, data: dict, *, today: dt.date) -> MentorRating:
    """The trainee rates one of its mentors for a year (once)."""
    year = data["year"]
    if not (today.year - 1 <= year <= today.year):
        raise DomainError.on(
            "year",
            (
                f"只能评价 {today.year - 1} 或 {today.year} 年的导师",
                f"rate {today.year - 1} or {today.year}",
            ),
            (f"{today.year - 1} 或 {today.year} 年", f"{today.year - 1} or {today.year}"),
        )
    role = session.scalar(
        sa.select(MentorAssignment.role)
        .where(
            MentorAssignment.trainee_id == trainee.id,
            MentorAssignment.mentor_id == data["mentor_id"],
        )
        .order_by(MentorAssignment.active.desc())
        .limit(1)
    )
    if role is None:
        not_yours = message("这位不是您的导师", "not one of your mentors")
        raise DomainError(not_yours, {"mentor_id": [not_yours]})
    rating = MentorRating(
        mentor_id=data["mentor_id"],
        trainee_id=trainee.id,
        year=year,
        mentor_role=role,
        score=data["score"],
        comment=data.get("comment", ""),
        created_at=utcnow(),
    )
    taken = Conflict.on(
        "mentor_id",
        (f"您已评价过这位导师 {year} 年的工作", "you rated this mentor for the year"),
        ("该年度已评价过", "already rated this year"),
    )
    exists = sa.select(MentorRating.id).where(
        MentorRating.mentor_id == rating.mentor_id,
        MentorRating.trainee_id == trainee.id,
        MentorRating.year == year,
    )
    _add_once(session, rating, exists, taken)
    return rating


def rating_sums(session: Session, year: int, mentor_ids=None, trainee_scope=None) -> list[dict]:
    """Per mentor: the count of ratings, the average and the count of each score."""
    query = (
        sa.select(MentorRating.mentor_id, MentorRating.score, sa.func.count())
        .where(MentorRating.year == year)
        .group_by(MentorRating.mentor_id, MentorRating.score)
    )
    if mentor_ids is not None:
        query = query.where(MentorRating.mentor_id.in_(mentor_ids))
    if trainee_scope is not None:
        query = query.where(trainee_scope)
    sums: dict[int, dict] = {}
    for mentor_id, score, count in session.execute(query).all():
        entry = sums.setdefault(
            mentor_id, {"mentor_id": mentor_id, "count": 0, "total": 0, "scores": {}}
        )
        entry["count"] += count
        entry["total"] += score * count
        entry["scores"][str(score)] = count
    return [
        {
            "mentor_id": e["mentor_id"],
            "count": e["count"],
            "average": round(e["total"] / e["count"], 2),
            "scores": e["scores"],
        }
        for e in sorted(sums.values(), key=lambda e: e["mentor_id"])
    ]


__all__ = [
    "GRADES",
    "GRADE_NAMES",
    "KIND_NAMES",
    "approve_evaluation",
    "check_quota",
    "create_evaluation",
    "quota",
    "rate_mentor",
    "rating_sums",
    "return_evaluation",
    "submit_evaluation",
    "update_evaluation",
    "write_opinion",
]
