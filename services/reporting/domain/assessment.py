"""Assessment (组织工作考核): a score per town and per unit for a quarter (``2026-Q1``) or a
year (``2026``), from documented indicators with weights the city sets; a ranking; an
explanation of every score. No Flask here.

Indicators (each a share between 0 and 1 over the assessed period; a town or unit holds
its trainees by their current place, as the dashboards do):

=====================  ===========================================================
``report_timeliness``  forms owed by its trainees in the period's months and quarters
                       (as the dashboard counts them) that were submitted on time /
                       forms owed, leaving out those not yet due (not submitted
                       and their deadline not passed on the day it is computed)
``talk_compliance``    trainee-months with at least one talk / trainee-months counted
``mentor_coverage``    trainee-months whose mentor seats covered every required role
                       on the month's last day / trainee-months counted
``rectification``      rectification items it owns, due in the period, closed by their
                       due date / items due in the period
``visit_coverage``     trainees visited at least once in the period / trainees counted
                       in any month of it
``needs_on_time``      its trainees' needs due in the period resolved on time / needs
                       due in the period
``duty_completion``    its duty-list items due in the period (a town's: its own and its
                       villages'; a unit's: its own) completed by their due date / items
                       due in the period
=====================  ===========================================================

Arithmetic (Decimal throughout, never float): each share is rounded to four places
(half up); an indicator loses ``weight × (1 − share)`` points, rounded to two places (half
up); an indicator with nothing to measure (no denominator) loses nothing. The score is
the total weight (100) minus the points lost, so the explanation adds up exactly. Ranking:
highest score first; equal scores share a rank (1, 1, 3) and list by id.

Weights: the city's, each between 0 and 100, summing to 100 (defaults below). A draft is
recomputed at will; publishing freezes it and announces ``assessment.published``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.domain import dashboard as board
from services.reporting.domain.common import emit
from services.reporting.models import (
    Assessment,
    AssessmentScore,
    AssessmentWeight,
    DutyItem,
    MentorAssignment,
    NeedFact,
    Obligation,
    OversightMonth,
    Period,
    Rectification,
    Report,
    Town,
    Trainee,
    Unit,
)
from shared.db import locked, utcnow
from shared.errors import Conflict, DomainError
from shared.normalize import message

INDICATORS = (
    "report_timeliness",
    "talk_compliance",
    "mentor_coverage",
    "rectification",
    "visit_coverage",
    "needs_on_time",
    "duty_completion",
)
DEFAULT_WEIGHTS = {
    "report_timeliness": Decimal("25"),
    "talk_compliance": Decimal("20"),
    "mentor_coverage": Decimal("15"),
    "rectification": Decimal("15"),
    "visit_coverage": Decimal("10"),
    "needs_on_time": Decimal("5"),
    "duty_completion": Decimal("10"),
}
NAMES = {
    "zh": {
        "report_timeliness": "报表按时报送率",
        "talk_compliance": "一月一谈落实率",
        "mentor_coverage": "导师配备率",
        "rectification": "整改事项按期完成率",
        "visit_coverage": "走访慰问覆盖率",
        "needs_on_time": "诉求按时解决率",
        "duty_completion": "责任清单按期完成率",
    },
    "en": {
        "report_timeliness": "Reports on time",
        "talk_compliance": "One talk a month",
        "mentor_coverage": "Mentor coverage",
        "rectification": "Rectifications closed on time",
        "visit_coverage": "Care visits coverage",
        "needs_on_time": "Needs resolved on time",
        "duty_completion": "Duty list completed on time",
    },
}
TOTAL = Decimal("100")
PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
SHARE = Decimal("0.0001")
POINTS = Decimal("0.01")


def period_range(code: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY`` or ``YYYY-Qn``."""
    match = PERIOD.match(code or "")
    if not match:
        raise DomainError.on(
            "period",
            ("考核期间应为年份或季度，如 2026 或 2026-Q4", "a period is YYYY or YYYY-Qn"),
            ("应为 YYYY 或 YYYY-Qn", "YYYY or YYYY-Qn"),
        )
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise DomainError.on(
            "period",
            ("考核期间应在 2000 至 2100 年之间", "a period between 2000 and 2100"),
            ("年份超出范围", "year out of range"),
        )
    if match.group(2):
        quarter = int(match.group(2))
        first = dt.date(year, 3 * quarter - 2, 1)
        return first, board.month_end(dt.date(year, 3 * quarter, 1))
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from ``first`` to ``last``."""
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


# -- weights -------------------------------------------------------------------------------


def weights(session: Session) -> dict[str, Decimal]:
    """The city's weights (the defaults for any indicator never set)."""
    stored = {
        name: value
        for name, value in session.execute(
            sa.select(AssessmentWeight.indicator, AssessmentWeight.weight)
        )
    }
    return {name: Decimal(stored.get(name, DEFAULT_WEIGHTS[name])) for name in INDICATORS}


def set_weights(session: Session, new: dict[str, Decimal], by: str) -> dict[str, Decimal]:
    """Replace the weights: every indicator, each 0-100, summing to 100."""
    errors = {}
    missing = [name for name in INDICATORS if name not in new]
    if missing:
        errors.update({name: [message("必填", "required")] for name in missing})
    unknown = [name for name in new if name not in INDICATORS]
    errors.update({name: [message("未知的指标", "unknown indicator")] for name in unknown})
    for name, value in new.items():
        if name in INDICATORS and not (Decimal(0) <= value <= TOTAL):
            errors[name] = [message("应在 0 到 100 之间", "between 0 and 100")]
    if errors:
        raise DomainError(message("权重填写有误", "the weights did not validate"), errors)
    total = sum(new.values(), Decimal(0))
    if total != TOTAL:
        raise DomainError.on(
            "weights",
            ("各项权重之和应为 100", "the weights must add up to 100"),
            (f"现在合计 {total}", f"they add up to {total}"),
        )
    for name in INDICATORS:
        row = locked(session, AssessmentWeight, name)
        if row is None:
            session.add(AssessmentWeight(indicator=name, weight=new[name], updated_by=by))
        else:
            row.weight, row.updated_by, row.updated_at = new[name], by, utcnow()
    session.flush()
    return weights(session)


# -- figures -------------------------------------------------------------------------------


def _party_column(party: str):
    return Trainee.town_id if party == "town" else Trainee.unit_id


def figures(session: Session, party: str, first: dt.date, last: dt.date, today: dt.date) -> dict:
    """{party id: {indicator: (numerator, denominator)}} for the period, as on ``today``
    (forms not yet due are not counted)."""
    column = _party_column(party)
    out: dict[int, dict[str, list[int]]] = defaultdict(
        lambda: {name: [0, 0] for name in INDICATORS}
    )
    conn = session.connection()
    for month in months(first, last):
        codes = board.period_codes(month)
        state = board.form_state(today)
        for party_id, owed, on_time in conn.execute(
            sa.select(
                column,
                sa.func.sum(sa.case((state == "not_due", 0), else_=1)),
                sa.func.sum(sa.case((state == "on_time", 1), else_=0)),
            )
            .select_from(Obligation)
            .join(Period, Period.id == Obligation.period_id)
            .join(Trainee, Trainee.id == Obligation.trainee_id)
            .outerjoin(
                Report,
                board.report_of(Obligation, sa.select(Period.id).where(Period.code.in_(codes))),
            )
            .where(Period.code.in_(codes), column.is_not(None))
            .group_by(column)
        ):
            out[party_id]["report_timeliness"][0] += int(on_time or 0)
            out[party_id]["report_timeliness"][1] += int(owed or 0)
        population = (
            sa.select(Obligation.trainee_id.label("trainee_id"))
            .join(Period, Period.id == Obligation.period_id)
            .where(Period.code == board.month_code(month), Obligation.kind == "effectiveness")
            .subquery()
        )
        for party_id, counted, talked in conn.execute(
            sa.select(column, sa.func.count(), sa.func.count(OversightMonth.trainee_id))
            .select_from(population)
            .join(Trainee, Trainee.id == population.c.trainee_id)
            .outerjoin(
                OversightMonth,
                sa.and_(
                    OversightMonth.trainee_id == population.c.trainee_id,
                    OversightMonth.month == month,
                    OversightMonth.talks > 0,
                ),
            )
            .where(column.is_not(None))
            .group_by(column)
        ):
            out[party_id]["talk_compliance"][0] += talked
            out[party_id]["talk_compliance"][1] += counted
            out[party_id]["mentor_coverage"][1] += counted
        end = board.month_end(month)
        held = (
            sa.select(
                MentorAssignment.trainee_id.label("trainee_id"),
                board.roles_held(conn).label("bits"),
            )
            .where(
                MentorAssignment.trainee_id.in_(sa.select(population.c.trainee_id)),
                sa.or_(MentorAssignment.start_date.is_(None), MentorAssignment.start_date <= end),
                sa.or_(MentorAssignment.end_date.is_(None), MentorAssignment.end_date >= end),
            )
            .group_by(MentorAssignment.trainee_id)
            .subquery()
        )
        for party_id, covered in conn.execute(
            sa.select(column, sa.func.count())
            .select_from(held)
            .join(Trainee, Trainee.id == held.c.trainee_id)
            .where(
                column.is_not(None),
                board.covered_where(held.c.bits, Trainee.village_id),
            )
            .group_by(column)
        ):
            out[party_id]["mentor_coverage"][0] += covered

    # Visits: trainees counted in any month of the period, and those visited in it.
    counted_any = (
        sa.select(Obligation.trainee_id.label("trainee_id"))
        .join(Period, Period.id == Obligation.period_id)
        .where(
            Period.kind == "month",
            Period.starts_on >= first,
            Period.starts_on <= last,
            Obligation.kind == "effectiveness",
        )
        .distinct()
        .subquery()
    )
    visited = (
        sa.select(OversightMonth.trainee_id.label("trainee_id"))
        .where(
            OversightMonth.month >= first, OversightMonth.month <= last, OversightMonth.visits > 0
        )
        .distinct()
        .subquery()
    )
    for party_id, counted, seen in conn.execute(
        sa.select(column, sa.func.count(), sa.func.count(visited.c.trainee_id))
        .select_from(counted_any)
        .join(Trainee, Trainee.id == counted_any.c.trainee_id)
        .outerjoin(visited, visited.c.trainee_id == counted_any.c.trainee_id)
        .where(column.is_not(None))
        .group_by(column)
    ):
        out[party_id]["visit_coverage"] = [seen, counted]

    for party_id, due, on_time in conn.execute(
        sa.select(
            column,
            sa.func.count(),
            sa.func.sum(sa.case((NeedFact.on_time.is_(True), 1), else_=0)),
        )
        .select_from(NeedFact)
        .join(Trainee, Trainee.id == NeedFact.trainee_id)
        .where(NeedFact.due_on >= first, NeedFact.due_on <= last, column.is_not(None))
        .group_by(column)
    ):
        out[party_id]["needs_on_time"] = [int(on_time or 0), due]

    closed_on_time = sa.case(
        (
            sa.and_(
                Rectification.closed_on.is_not(None),
                Rectification.closed_on <= Rectification.due_date,
            ),
            1,
        ),
        else_=0,
    )
    for party_id, due, on_time in conn.execute(
        sa.select(Rectification.owner_id, sa.func.count(), sa.func.sum(closed_on_time))
        .where(
            Rectification.owner_kind == party,
            Rectification.due_date >= first,
            Rectification.due_date <= last,
        )
        .group_by(Rectification.owner_id)
    ):
        out[party_id]["rectification"] = [int(on_time or 0), due]

    done_on_time = sa.case(
        (
            sa.and_(DutyItem.completed_on.is_not(None), DutyItem.completed_on <= DutyItem.due_date),
            1,
        ),
        else_=0,
    )
    if party == "town":
        owner = DutyItem.town_id
        kinds = ("town", "village")
    else:
        owner = DutyItem.party_id
        kinds = ("unit",)
    for party_id, due, on_time in conn.execute(
        sa.select(owner, sa.func.count(), sa.func.sum(done_on_time))
        .where(
            DutyItem.party_kind.in_(kinds),
            DutyItem.due_date >= first,
            DutyItem.due_date <= last,
            owner.is_not(None),
        )
        .group_by(owner)
    ):
        out[party_id]["duty_completion"] = [int(on_time or 0), due]
    return out


def explain(counts: dict[str, list[int]], weights_: dict[str, Decimal]) -> tuple[Decimal, list]:
    """The score and, per indicator, its share, weight and the points it cost."""
    lost_total = Decimal(0)
    rows = []
    for name in INDICATORS:
        numerator, denominator = counts.get(name, (0, 0))
        weight = weights_[name]
        if denominator:
            share = (Decimal(numerator) / Decimal(denominator)).quantize(SHARE, ROUND_HALF_UP)
            lost = (weight * (1 - share)).quantize(POINTS, ROUND_HALF_UP)
        else:
            share, lost = None, Decimal("0.00")
        lost_total += lost
        rows.append(
            {
                "indicator": name,
                "numerator": numerator,
                "denominator": denominator,
                "value": None if share is None else str(share),
                "weight": str(weight.quantize(POINTS)),
                "points": str((weight - lost).quantize(POINTS)),
                "lost": str(lost),
            }
        )
    total = sum(weights_.values(), Decimal(0))
    return (total - lost_total).quantize(POINTS), rows


def rank(scores: list[tuple[int, Decimal]]) -> list[tuple[int, Decimal, int]]:
    """(party id, score, rank): highest first, equal scores share a rank (1, 1, 3)."""
    ordered = sorted(scores, key=lambda item: (-item[1], item[0]))
    out, previous, current = [], None, 0
    for position, (party_id, score) in enumerate(ordered, start=1):
        if score != previous:
            current, previous = position, score
        out.append((party_id, score, current))
    return out


def compute(session: Session, period: str, party: str, by: str, today: dt.date) -> Assessment:
    """Compute (or recompute, while a draft) the assessment of every town or unit, as on
    the city's ``today``."""
    first, last = period_range(period)
    assessment = session.scalar(
        sa.select(Assessment)
        .where(Assessment.period == period, Assessment.party_kind == party)
        .with_for_update()
    )
    if assessment is not None and assessment.status == "published":
        raise Conflict.on(
            "period",
            ("该期考核已发布，不能重新计算", "this assessment is published and final"),
            ("已发布", "already published"),
        )
    current = weights(session)
    counts = figures(session, party, first, last, today)
    model = Town if party == "town" else Unit
    parties = dict(session.execute(sa.select(model.id, model.name)).all())
    explained = {pid: explain(counts.get(pid, {}), current) for pid in parties}
    if assessment is None:
        assessment = Assessment(period=period, party_kind=party, weights={})
        session.add(assessment)
    else:
        assessment.scores.clear()
        session.flush()
    assessment.weights = {name: str(value) for name, value in current.items()}
    assessment.computed_at = utcnow()
    assessment.computed_by = by
    for party_id, score, place in rank([(pid, explained[pid][0]) for pid in parties]):
        assessment.scores.append(
            AssessmentScore(
                party_id=party_id,
                party_name=parties[party_id],
                score=score,
                rank=place,
                indicators=explained[party_id][1],
            )
        )
    session.flush()
    return assessment


def publish(session: Session, assessment: Assessment, by: str) -> Assessment:
    """Freeze a draft and announce ``assessment.published`` with its ranking."""
    session.refresh(assessment, with_for_update=True)
    if assessment.status == "published":
        raise Conflict.already("status", ("该期考核", "this assessment"), ("发布", "published"))
    assessment.status = "published"
    assessment.published_at = utcnow()
    assessment.published_by = by
    emit(
        session,
        "assessment.published",
        {
            "assessment_id": assessment.id,
            "period": assessment.period,
            "party": assessment.party_kind,
            "ranking": [
                {"party_id": s.party_id, "score": Decimal(s.score), "rank": s.rank}
                for s in assessment.scores
            ],
        },
    )
    session.flush()
    return assessment
