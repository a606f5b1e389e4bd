"""The forms and their review. No Flask here.

The forms
    ``effectiveness`` (基层锻炼工作成效表) and ``mentoring`` (导师制落实情况（谈心谈话）表)
    for each month, ``quarterly`` (一季一报) for each quarter. A trainee writes only its own
    forms, and only those it owes (an obligation, see ``domain.periods``). The mentoring
    form's ``talks`` are not typed by the trainee: they are the talks mentorship announced
    (``talk.recorded``) for that trainee in that month, filled in when the draft is saved
    and again when it is submitted; the trainee adds its own ``account``.

States
    ``draft`` → ``submitted`` → (``approved`` at the last step) or ``returned`` (with a
    reason) → edited → ``submitted`` again. Only ``draft`` and ``returned`` reports can be
    edited or submitted; a second submit is a 409. A submission after the deadline (the
    city's date of the submission is later than the period's deadline) is accepted and
    marked ``late``; the mark belongs to the first submission and is kept on resubmission
    (a return is the reviewer's doing, not the trainee's).

The review chain (``REPORT_REVIEW_CHAIN``, default ``town,unit``)
    Fixed at each submission from the trainee's current placement: the ``town`` step is
    kept only for a trainee stationed in a village (else it goes straight to the unit);
    an empty chain leaves the report to the city. A town or unit acts only on the reports
    of its own trainees (others are 404) and only at its own step (else 409). The city
    may return or approve at any step, and its approval is final. Every submit, return
    and approval is written to the audit trail in the same transaction as the change and
    its event (``report.submitted``, ``report.returned``, ``report.approved`` with
    ``final`` on the last step).

Versions
    Every change raises ``version``; a caller who sends a version that is not the current
    one gets a 409 and changes nothing (two reviewers, or a trainee in two tabs, cannot
    overwrite each other).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from services.reporting.domain import periods as period_rules
from services.reporting.domain import report_months, review
from services.reporting.domain.common import PRODUCER
from services.reporting.models import (
    KINDS_BY_PERIOD,
    Obligation,
    Outbox,
    Period,
    Report,
    ReportAudit,
    ReportTalk,
    Trainee,
)
from services.reporting.schemas.exports import REPORT_STATUS, WORDS
from shared.audit import audit_insert, audit_row, state
from shared.clock import city_date
from shared.consumer import payload_key, set_based
from shared.db import (
    attach,
    execute_together,
    insert_with_params,
    next_id,
    prefixed,
    settings_of,
    upsert_statement,
    utcnow,
)
from shared.errors import Conflict, DomainError
from shared.normalize import message
from shared.outbox import event_row, outbox_insert

#: What a form must hold before it can be submitted.
REQUIRED_ON_SUBMIT = {
    "effectiveness": ("work_done", "days_in_village"),
    "mentoring": ("account",),
    "quarterly": ("summary",),
}
#: The city's time zone for the consumer's reactions (the web and the tick pass theirs).


# -- the mentoring form's talks --------------------------------------------------------------


def talks_of(session: Session, trainee_id: int, period: Period) -> list[dict]:
    """The talks recorded with the trainee during the period, oldest first."""
    rows = session.scalars(
        sa.select(ReportTalk)
        .where(
            ReportTalk.trainee_id == trainee_id,
            ReportTalk.talk_date.between(period.starts_on, period.ends_on),
        )
        .order_by(ReportTalk.talk_date, ReportTalk.talk_id)
    )
    return [
        {
            "talk_id": t.talk_id,
            "talk_date": t.talk_date.isoformat(),
            "mentor_id": t.mentor_id,
            "mentor_role": t.mentor_role,
            "mode": t.mode,
            "aspects": list(t.aspects),
            "summary": t.summary,
        }
        for t in rows
    ]


# -- drafts ----------------------------------------------------------------------------------


def _check_content(kind: str, period: Period, content: dict) -> None:
    days = content.get("days_in_village")
    if kind == "effectiveness" and days is not None:
        length = (period.ends_on - period.starts_on).days + 1
        if days > length:
            most = message(f"{period.code} 最多 {length} 天", f"at most {length} in {period.code}")
            raise DomainError(
                message("在村天数超过了当月天数", "more days in the village than the month has"),
                {"content": {"days_in_village": [most]}},
            )


@dataclass(frozen=True)
class Owed:
    """What :func:`owed_form` found of a form: the period, the trainee's obligation (None
    when not owed), and on PostgreSQL the new report's id and the mentoring form's talks
    (drawn by the same query, so that creating the form is one more statement)."""

    period: Period
    obligation_id: int | None
    report_id: int | None = None
    talks: list[dict] | None = None


@functools.cache
def _owed_form_query(postgres: bool) -> sa.Select:
    """Built once: building it (and its cache key) cost a request more CPU than running it.
    The trainee as columns (what the rules and the event read), not an entity."""
    columns = [
        Trainee.id,
        Trainee.unit_id,
        Trainee.town_id,
        Trainee.village_id,
        Period,
        Obligation.id.label("obligation_id"),
    ]
    if postgres:
        talk = ReportTalk
        talks = (
            sa.select(
                sa.func.json_agg(
                    aggregate_order_by(
                        sa.func.json_build_array(
                            talk.talk_id,
                            talk.talk_date,
                            talk.mentor_id,
                            talk.mentor_role,
                            talk.mode,
                            talk.aspects,
                            talk.summary,
                        ),
                        talk.talk_date,
                        talk.talk_id,
                    )
                )
            )
            .where(
                talk.trainee_id == Trainee.id,
                talk.talk_date.between(Period.starts_on, Period.ends_on),
            )
            .scalar_subquery()
        )
        columns += [
            sa.case((Obligation.id.is_not(None), next_id(Report.__table__))).label("report_id"),
            sa.type_coerce(sa.case((sa.bindparam("kind") == "mentoring", talks)), sa.JSON).label(
                "talks"
            ),
        ]
    return (
        sa.select(*columns)
        .select_from(Trainee)
        .outerjoin(Period, Period.code == sa.bindparam("code"))
        .outerjoin(
            Obligation,
            sa.and_(
                Obligation.period_id == Period.id,
                Obligation.trainee_id == Trainee.id,
                Obligation.kind == sa.bindparam("kind"),
            ),
        )
        .where(Trainee.id == sa.bindparam("trainee_id"))
    )


def owed_form(
    session: Session, trainee_id: int, period_code: str, kind: str
) -> tuple[sa.Row | None, Owed | None]:
    """The trainee (its id and place), and what it owes of ``kind`` in the period (None
    when no such period), in one query: the month-end path counts queries."""
    postgres = session.get_bind().dialect.name == "postgresql"
    row = session.execute(
        _owed_form_query(postgres), {"trainee_id": trainee_id, "code": period_code, "kind": kind}
    ).one_or_none()
    if row is None:
        return None, None
    if row.Period is None:
        return row, None
    if not postgres:
        return row, Owed(row.Period, row.obligation_id)
    talks = None
    if kind == "mentoring":
        talks = [
            {
                "talk_id": talk_id,
                "talk_date": talk_date,
                "mentor_id": mentor_id,
                "mentor_role": mentor_role,
                "mode": mode,
                "aspects": list(aspects),
                "summary": summary,
            }
            for talk_id, talk_date, mentor_id, mentor_role, mode, aspects, summary in (
                row.talks or []
            )
        ]
    return row, Owed(row.Period, row.obligation_id, row.report_id, talks)


def create_report(
    session: Session,
    trainee: Trainee | sa.Row,
    period_code: str,
    kind: str,
    content: dict,
    *,
    by: str,
    config,
    submit: bool = False,
    now: dt.datetime | None = None,
    owed: Owed | None = None,
) -> Report:
    """Save the trainee's draft of a form it owes (optionally submitting it at once: the
    month-end path, one request per form). A second draft of the same form is a 409.
    ``owed`` is what :func:`owed_form` found, when the caller has asked already.

    Core statements, no unit of work: on PostgreSQL the report, its line of the month's
    read model, and with a submission its audit row and ``report.submitted``, go in ONE
    statement (the id was drawn by :func:`owed_form`); on SQLite one each. The report
    returned is in the session as if loaded (no unit of work on the way in)."""
    if owed is None:
        owed = owed_form(session, trainee.id, period_code, kind)[1]
    if owed is None:
        raise Conflict.on(
            "period",
            ("该报送期未开启，不能填报", "this period is not open for reporting"),
            ("未开启", "not open"),
        )
    period, obligation_id = owed.period, owed.obligation_id
    if kind not in KINDS_BY_PERIOD[period.kind]:
        owed_kinds = KINDS_BY_PERIOD[period.kind]
        forms = "、".join(WORDS["zh"]["kind"].get(k, k) for k in owed_kinds)
        raise DomainError.on(
            "kind",
            (f"{period.code} 应填报的是{forms}", f"a {period.kind} owes {', '.join(owed_kinds)}"),
            (f"不是 {period.code} 应填报的表格", f"not a {period.kind}'s report"),
        )
    if obligation_id is None:
        raise DomainError.on(
            "period",
            ("您本期无需填报这份表格", "you owe no such report for this period"),
            ("本期无需报送", "no report owed"),
        )
    _check_content(kind, period, content)
    talks = None
    if kind == "mentoring":
        talks = owed.talks if owed.talks is not None else talks_of(session, trainee.id, period)
        if not submit:  # submitting fills them in (_mark_submitted)
            content = {**content, "talks": talks}
    now = now or utcnow()
    report = Report(
        id=owed.report_id,
        obligation_id=obligation_id,
        trainee_id=trainee.id,
        period_id=period.id,
        period=period,
        kind=kind,
        status="draft",
        step=None,
        content=content,
        created_at=now,
        updated_at=now,
        chain="",
        late=False,
        submissions=0,
        first_submitted_at=None,
        submitted_at=None,
        returned_reason="",
        approved_at=None,
        version=1,
    )
    if submit:
        # The month-end path: the report is inserted already submitted (one INSERT).
        _check_submittable(report)
        _mark_submitted(session, report, trainee, config, now, talks=talks)
    row = {c: getattr(report, c) for c in _REPORT_COLUMNS}
    statements, params = [], {}
    conn = session.connection()
    try:
        if report.id is None:
            report.id = row["id"] = conn.execute(_report_insert(), row).scalar_one()
        else:
            statements.append(insert_with_params(Report.__table__, "report_"))
            params.update(prefixed("report_", row))
        statements.append(report_months.note_report_statement(kind))
        params.update(report_months.note_report_params(report))
        if submit:
            statements += _submission_writes(report, trainee, None, by, "trainee", params)
        execute_together(session, tuple(statements), params)
    except sa.exc.IntegrityError:
        raise Conflict.on(
            "kind",
            ("这份表格已经开始填写，请直接修改", "this form is already started: edit it instead"),
            ("已存在", "already exists"),
        ) from None
    attach(session, report)
    return report


_REPORT_COLUMNS = tuple(c.name for c in Report.__table__.columns)


@functools.cache
def _report_insert() -> sa.Insert:
    """A report's INSERT giving its id (SQLite: the id is not drawn beforehand)."""
    return sa.insert(Report.__table__).returning(Report.__table__.c.id)


def update_report(
    session: Session, report: Report, content: dict, *, version: int | None
) -> Report:
    """Change a draft or returned report's fields (the given ones only)."""
    PAPER.check_version(report, version)
    if report.status not in ("draft", "returned"):
        status = REPORT_STATUS["zh"].get(report.status, report.status)
        raise Conflict(
            message(f"该报告{status}，不能修改", f"a {report.status} report cannot be edited"),
            {"status": [report.status]},
        )
    _check_content(report.kind, report.period, content)
    merged = {**report.content, **content}
    if report.kind == "mentoring":
        merged["talks"] = talks_of(session, report.trainee_id, report.period)
    report.content = merged
    report.updated_at = utcnow()
    PAPER.flush(session)
    return report


def _event(report: Report, trainee: Trainee) -> dict:
    return {
        "report_id": report.id,
        "kind": report.kind,
        "trainee_id": report.trainee_id,
        "period": report.period.code,
        **state(trainee, "unit_id", "town_id", "village_id"),
    }


#: A return or an approval also notes the report's month (the dashboards' read model).
PAPER = review.Paper(
    "报告",
    "report",
    ("status", "step", "version", "late", "returned_reason"),
    _event,
    after=report_months.note_report,
)


# -- submit, return, approve ----------------------------------------------------------------


def submit_report(
    session: Session,
    report: Report,
    trainee: Trainee,
    *,
    by: str,
    role: str,
    config,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Submit (or resubmit) a draft or returned report; late ones are marked, not refused."""
    PAPER.check_version(report, version)
    _check_submittable(report)
    before = PAPER.state(report) if report.submissions else None
    _mark_submitted(session, report, trainee, config, now or utcnow())
    PAPER.flush(session)
    report_months.note_report(session, report)
    _announce_submission(session, report, trainee, before, actor=by, role=role)
    return report


def _check_submittable(report: Report) -> None:
    if report.status not in ("draft", "returned"):
        status = REPORT_STATUS["zh"].get(report.status, report.status)
        raise Conflict(
            message(f"该报告{status}，不能再提交", f"this report is already {report.status}"),
            {"status": [report.status]},
        )
    missing = [
        name
        for name in REQUIRED_ON_SUBMIT[report.kind]
        if report.content.get(name) in (None, "", [])
    ]
    if missing:
        required = message("提交前必填", "required to submit")
        raise DomainError(
            message("请先填完表格再提交", "fill in the form before submitting it"),
            {"content": {name: [required] for name in missing}},
        )


def _mark_submitted(
    session: Session,
    report: Report,
    trainee: Trainee | sa.Row,
    config,
    now: dt.datetime,
    *,
    talks: list[dict] | None = None,
) -> None:
    """The submission's state: the chain fixed now, late judged on the first submission.
    ``talks``: the mentoring form's, when the caller has read them already."""
    if report.kind == "mentoring":
        report.content = {
            **report.content,
            "talks": talks
            if talks is not None
            else talks_of(session, report.trainee_id, report.period),
        }
    if not report.submissions:
        report.first_submitted_at = now
        report.late = city_date(now, period_rules.setting(config, "TIME_ZONE")) > (
            report.period.deadline
        )
    review.submit(report, review.steps(trainee, config, "REPORT_REVIEW_CHAIN"), now)
    report.submissions = (report.submissions or 0) + 1


def _announce_submission(
    session: Session, report: Report, trainee: Trainee, before, *, actor: str, role: str
) -> None:
    """Audit and announce a submission (after the report has its id)."""
    params: dict = {}
    statements = _submission_writes(report, trainee, before, actor, role, params)
    execute_together(session, statements, params)


def _submission_writes(
    report: Report, trainee: Trainee | sa.Row, before, actor: str, role: str, params: dict
) -> tuple[sa.Insert, sa.Insert]:
    """A submission's audit row and ``report.submitted``: the two INSERTs, their values
    added to ``params`` (for :func:`shared.db.execute_together`)."""
    resubmission = report.submissions > 1
    audit = audit_row(
        actor,
        "resubmit" if resubmission else "submit",
        "report",
        report.id,
        before,
        PAPER.state(report),
        role=role,
    )
    _, event = event_row(
        "report.submitted",
        {
            **_event(report, trainee),
            "submitted_at": report.submitted_at,
            "late": report.late,
            "resubmission": resubmission,
        },
        producer=PRODUCER,
    )
    params.update(prefixed("audit_", audit))
    params.update(prefixed("outbox_", event))
    return audit_insert(ReportAudit), outbox_insert(Outbox)


#: Send a submitted report back to the trainee with a reason (``report.returned``).
return_report = PAPER.send_back


#: Sign a submitted report off at the caller's step; the last step (or the city) approves
#: it for good (``report.approved``, ``final``).
approve_report = PAPER.approve


# -- reactions to consumed events ------------------------------------------------------------


def keep_talks(session: Session, payloads: list[dict]) -> set[int]:
    """Keep the talks (``talk.recorded`` payloads of distinct talks) for the mentoring form,
    in one executemany (one statement compiled once, whatever the run's length); a talk
    already kept stays as it was. The ids of the talks that were new (the dashboard counts
    those: ``domain.oversight``)."""
    return set(
        session.scalars(
            upsert_statement(session, ReportTalk)
            .on_conflict_do_nothing(index_elements=["talk_id"])
            .returning(ReportTalk.talk_id),
            [
                {
                    "talk_id": p["talk_id"],
                    "trainee_id": p["trainee_id"],
                    "mentor_id": p["mentor_id"],
                    "mentor_role": p["mentor_role"],
                    "talk_date": p["talk_date"],
                    "mode": p["mode"],
                    "aspects": list(p["aspects"]),
                    "summary": p.get("summary", ""),
                }
                for p in payloads
            ],
        )
    )


def _today(session: Session) -> dt.date:
    """The city's date now, in the service's time zone (its settings)."""
    return city_date(utcnow(), settings_of(session).TIME_ZONE)


def _registered(envelope: dict, time_zone: str) -> tuple[int, dict]:
    """The tenure fact of a registration or update: training began when it arrived (or at
    the placement's start, if earlier); a trainee not active left then, unless a leaving
    is known already."""
    p = envelope["payload"]
    arrived = city_date(envelope["occurred_at"], time_zone)
    starts = [d for d in (arrived, p.get("placement_start")) if d is not None]
    leaving = p["status"] != "active"
    return p["id"], {
        "active_from": min(starts),
        "returned": not leaving,
        "left_if_unknown": arrived if leaving else None,
    }


def _placed(envelope: dict, time_zone: str) -> tuple[int, dict]:
    p = envelope["payload"]
    return p["trainee_id"], {"active_from": p["start_date"]}


def _tenure_reaction(fact, key: str):
    """A reaction folding each event's tenure fact (``fact(envelope)``) into the trainee's
    tenure (``fact(envelope, time_zone)``), then refreshing what the trainee owes; with its
    set-based version for a run
    of events of distinct trainees (``payload[key]``, as the projection's): a few
    statements for the run, not a few for each event."""

    def react(session: Session, envelope: dict) -> None:
        trainee_id, known = fact(envelope, settings_of(session).TIME_ZONE)
        period_rules.note_tenure(session, trainee_id, **known)
        period_rules.refresh_trainee(session, trainee_id, _today(session))

    def react_many(session: Session, envelopes: list[dict]) -> list:
        zone = settings_of(session).TIME_ZONE
        tenures = period_rules.note_tenures(session, dict(fact(e, zone) for e in envelopes))
        period_rules.refresh_trainees(session, tenures, _today(session))
        return [None] * len(envelopes)

    return set_based(react, react_many, payload_key(key))


_on_registered = _tenure_reaction(_registered, "id")
_on_placed = _tenure_reaction(_placed, "trainee_id")


def _on_status(session: Session, envelope: dict) -> None:
    p = envelope["payload"]
    if p["to_status"] == "active":
        period_rules.note_tenure(session, p["trainee_id"], returned=True)
    else:
        period_rules.note_tenure(session, p["trainee_id"], left_on=p["effective_date"])
    period_rules.refresh_trainee(session, p["trainee_id"], _today(session))


#: Reactions to consumed events, by type (run after the projections; see
#: ``shared.consumer.compose_handlers``).
EVENT_HANDLERS: dict = {
    "trainee.registered": _on_registered,
    "trainee.updated": _on_registered,
    "trainee.placed": _on_placed,
    "trainee.status_changed": _on_status,
}
