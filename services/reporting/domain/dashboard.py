"""Dashboards (工作看板): one month for the whole city, a town or a unit, from this service's
own tables only (never another service at request time). No Flask here.

What a month shows, and the rules:

- **Reports**: the obligations of the month's period (the effectiveness and mentoring
  forms) and, when the month ends a quarter, of the quarter (the quarterly report). Each
  form is exactly one of ``on_time`` (submitted or approved, not late), ``late``
  (submitted or approved after the deadline), ``returned`` (sent back, awaiting
  resubmission), ``missing`` (no form, or a draft not submitted, and its deadline has
  passed) or ``not_due`` (not submitted, and its period's deadline has not passed: on
  the deadline day itself a form is still not due). Per trainee: ``owing`` (owes at
  least one form), ``on_time`` (has filed everything due so far, all of it on time, and
  at least one form), ``late``, ``returned``, ``missing`` (at least one form so), and
  ``not_due`` (has filed nothing and nothing is due yet); ``counted`` = ``owing`` −
  ``not_due`` is the denominator of the timeliness rate (None while nothing is due).
  ``approved`` counts forms approved. Whether a form is due depends on today, so it is
  decided here, at read time, from the period's deadline (the read model stores
  ``missing`` for every form not submitted).
- **Who counts** (the month's trainees): those owing a form of the month's period; if that
  period has not been opened, the trainees active now.
- **Talks** (一月一谈): of the month's trainees, those with at least one talk in the month.
- **Mentor coverage**: of the month's trainees, those whose mentor seats held on the month's
  last day (an assignment started by then and not ended before it) cover every required
  role: all four when stationed in a village, ``integrity`` and ``business`` otherwise.
- **Care**: visits in the month and trainees visited; placement fees paid in the month and
  those paid by their due day; needs resolved in the month and those resolved on time.
- A town or a unit holds the trainees currently placed in it or employed by it (the
  projection's place), as mentorship's compliance does.

Speed: every figure is one aggregate statement over indexed per-month rows, so a city
month of 20,000 trainees takes a handful of index range scans (see
``bench/reporting_dashboard.py``): the forms and the month's trainees from the month's
``report_month`` rows (one per trainee with each form's state, kept by
``domain.report_months`` in the transaction of every change; the joins of obligations and
forms they replace took most of the time) with the mentor seats held on the month's last
day (coverage; from the assignments' dates when the month's period is not open), talks and
care from its ``oversight_month`` rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.domain import report_months
from services.reporting.models import (
    MentorAssignment,
    Obligation,
    OversightMonth,
    Period,
    Report,
    ReportMonth,
    Town,
    Trainee,
    Unit,
    Village,
)
from shared.clock import month_code, month_end

REPORT_KINDS = ("effectiveness", "mentoring", "quarterly")
STATES = ("on_time", "late", "returned", "missing", "not_due")
#: The states a form may be in before its deadline has passed, and after.
OVERDUE_STATES = ("missing", "returned")
ALL_ROLES = ("integrity", "business", "responsible", "practical")
UNSTATIONED_ROLES = ("integrity", "business")


def period_codes(month: dt.date) -> list[str]:
    """The periods whose reports a month's dashboard shows: the month, and the quarter
    when the month ends one."""
    codes = [month_code(month)]
    if month.month % 3 == 0:
        codes.append(f"{month.year:04d}-Q{month.month // 3}")
    return codes


def rate(part: int, whole: int) -> Decimal | None:
    """``part / whole`` to four places (None when ``whole`` is 0)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def form_state(today: dt.date):
    """The SQL expression of a form's state on ``today`` (see the module's docstring; the
    query joins the form's :class:`Period`)."""
    unfiled = sa.or_(Report.id.is_(None), Report.status == "draft")
    return sa.case(
        (sa.and_(unfiled, Period.deadline >= today), "not_due"),
        (unfiled, "missing"),
        (Report.status == "returned", "returned"),
        (Report.late.is_(True), "late"),
        else_="on_time",
    )


def report_of(obligation, period_ids) -> sa.ColumnElement:
    """The join condition of an obligation's form. The form's own ``period_id`` (always its
    obligation's) lets the database read only the period's forms by index instead of
    hashing every form of every period."""
    return sa.and_(Report.obligation_id == obligation.id, Report.period_id.in_(period_ids))


def _scope(column, town_id: int | None, unit_id: int | None) -> list:
    """WHERE clauses keeping trainee ids in ``column`` to the town's or unit's trainees."""
    where = []
    if town_id is not None:
        where.append(column.in_(sa.select(Trainee.id).where(Trainee.town_id == town_id)))
    if unit_id is not None:
        where.append(column.in_(sa.select(Trainee.id).where(Trainee.unit_id == unit_id)))
    return where


#: The seats a trainee needs, as ``MentorAssignment.role_bit`` masks: all four roles when
#: stationed in a village (1 | 2 | 4 | 8), the unit's two otherwise (1 | 2).
STATIONED_MASK, UNSTATIONED_MASK = 15, 3


def roles_held(conn):
    """The OR of the role bits of a trainee's grouped spans (PostgreSQL's ``bit_or``;
    SQLite has none, and there the sum of the distinct bits is the same number)."""
    if conn.dialect.name == "postgresql":
        return sa.func.bit_or(MentorAssignment.role_bit)
    return sa.func.sum(sa.distinct(MentorAssignment.role_bit))


def covered_where(bits, village_id) -> sa.ColumnElement:
    """A trainee's held seats (``bits``) cover every role they need."""
    return sa.or_(
        sa.and_(village_id.is_not(None), bits == STATIONED_MASK),
        sa.and_(village_id.is_(None), bits.op("&")(UNSTATIONED_MASK) == UNSTATIONED_MASK),
    )


@dataclass
class Dashboard:
    """One month's figures for the city, a town or a unit."""

    month: dt.date
    town_id: int | None
    unit_id: int | None
    periods: list[dict] = field(default_factory=list)
    forms: dict[str, dict[str, int]] = field(default_factory=dict)
    trainees: dict[str, int] = field(default_factory=dict)
    talks: dict = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)
    timeliness: dict = field(default_factory=dict)
    care: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready (rates as strings, exact)."""

        def text(value):
            return None if value is None else str(value)

        return {
            "month": month_code(self.month),
            "town_id": self.town_id,
            "unit_id": self.unit_id,
            "periods": self.periods,
            "forms": self.forms,
            "trainees": self.trainees,
            "timeliness": {**self.timeliness, "rate": text(self.timeliness["rate"])},
            "talks": {**self.talks, "rate": text(self.talks["rate"])},
            "coverage": {**self.coverage, "rate": text(self.coverage["rate"])},
            "care": {
                **self.care,
                "fees_on_time_rate": text(self.care["fees_on_time_rate"]),
                "needs_on_time_rate": text(self.care["needs_on_time_rate"]),
            },
        }


def _forms(conn, month: dt.date, town_id, unit_id, due: dict[str, bool]) -> tuple[dict, dict, int]:
    """Forms per kind and state, trainees per state, and the trainees owing the month's
    effectiveness form (the month's trainees when its period is open). ``due``: whether
    each kind's deadline has passed (a form not filed before then is ``not_due``).

    One GROUP BY over the month's ``report_month`` rows (one per trainee, each form's
    state in a column, see ``domain.report_months``): a few dozen combinations of states,
    from which every figure is summed here."""
    combinations = conn.execute(
        sa.select(
            ReportMonth.effectiveness, ReportMonth.mentoring, ReportMonth.quarterly, sa.func.count()
        )
        .where(ReportMonth.month == month, *_scope(ReportMonth.trainee_id, town_id, unit_id))
        .group_by(ReportMonth.effectiveness, ReportMonth.mentoring, ReportMonth.quarterly)
    ).all()
    forms = {kind: {"owed": 0, **dict.fromkeys(STATES, 0), "approved": 0} for kind in REPORT_KINDS}
    trainees = dict.fromkeys(("owing", *STATES), 0)
    owing_effectiveness = 0
    for *states, number in combinations:
        names = set()
        for kind, state in zip(report_months.KINDS, states, strict=True):
            if state is None:
                continue
            name = report_months.NAMES[state & ~report_months.APPROVED]
            if name == "missing" and not due.get(kind, True):
                name = "not_due"
            names.add(name)
            forms[kind]["owed"] += number
            forms[kind][name] += number
            if state & report_months.APPROVED:
                forms[kind]["approved"] += number
        if not names:
            continue  # owes nothing any more (obligations dropped)
        trainees["owing"] += number
        if names == {"not_due"}:
            trainees["not_due"] += number  # nothing filed, nothing due yet
        elif names <= {"on_time", "not_due"}:
            trainees["on_time"] += number  # everything due so far filed, and on time
        for name in names - {"on_time", "not_due"}:
            trainees[name] += number
        if states[0] is not None:
            owing_effectiveness += number
    owed = {kind: counts for kind, counts in forms.items() if counts["owed"]}
    return owed, trainees, owing_effectiveness


def is_due(deadline: dt.date, today: dt.date) -> bool:
    """Whether a form with ``deadline`` is due on ``today``: from the day after it (a form
    may be filed on the deadline day itself)."""
    return today > deadline


def month_trainees(month: dt.date, opened: bool, town_id=None, unit_id=None) -> sa.Select:
    """The ids of the month's trainees (see "Who counts"; ``opened``: the month's period
    is open)."""
    if opened:
        return sa.select(ReportMonth.trainee_id).where(
            ReportMonth.month == month,
            ReportMonth.effectiveness.is_not(None),
            *_scope(ReportMonth.trainee_id, town_id, unit_id),
        )
    return sa.select(Trainee.id).where(
        Trainee.status == "active", *_scope(Trainee.id, town_id, unit_id)
    )


def dashboard(
    session: Session,
    month: dt.date,
    *,
    today: dt.date,
    town_id: int | None = None,
    unit_id: int | None = None,
) -> Dashboard:
    """The month's dashboard (``month``: any day of it) as it stands on the city's
    ``today`` (which forms are due)."""
    month = month.replace(day=1)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # The city's month groups tens of thousands of rows: hash them in memory.
        conn.execute(sa.text("SET LOCAL work_mem = '64MB'"))
    board = Dashboard(month=month, town_id=town_id, unit_id=unit_id)
    periods = conn.execute(
        sa.select(Period.id, Period.code, Period.kind, Period.deadline)
        .where(Period.code.in_(period_codes(month)))
        .order_by(Period.code)
    ).all()
    board.periods = [
        {
            "code": code,
            "kind": kind,
            "deadline": deadline.isoformat(),
            "due": is_due(deadline, today),
        }
        for _id, code, kind, deadline in periods
    ]
    period_ids = [row[0] for row in periods]
    month_period = next((row[0] for row in periods if row[2] == "month"), None)
    due = {}
    for _id, _code, kind, deadline in periods:
        for form in ("quarterly",) if kind == "quarter" else ("effectiveness", "mentoring"):
            due[form] = is_due(deadline, today)

    if period_ids:
        board.forms, board.trainees, owing_effectiveness = _forms(
            conn, month, town_id, unit_id, due
        )
    else:
        board.forms, board.trainees = {}, dict.fromkeys(("owing", *STATES), 0)
    judged = board.trainees["owing"] - board.trainees["not_due"]
    board.timeliness = {
        "counted": judged,
        "on_time": board.trainees["on_time"],
        "not_due": board.trainees["not_due"],
        "rate": rate(board.trainees["on_time"], judged),
    }

    population = month_trainees(month, month_period is not None, town_id, unit_id)
    if month_period is not None:
        counted = owing_effectiveness
    else:
        counted = conn.execute(
            sa.select(sa.func.count()).select_from(population.subquery())
        ).scalar()

    with_talk = conn.execute(
        sa.select(sa.func.count()).where(
            OversightMonth.month == month,
            OversightMonth.talks > 0,
            OversightMonth.trainee_id.in_(population),
        )
    ).scalar()
    board.talks = {"trainees": counted, "with_talk": with_talk, "rate": rate(with_talk, counted)}

    if month_period is not None:
        # The seats held on the month's last day are kept on the month's rows.
        covered = conn.execute(
            sa.select(sa.func.count())
            .select_from(ReportMonth)
            .join(Trainee, Trainee.id == ReportMonth.trainee_id)
            .where(
                ReportMonth.month == month,
                ReportMonth.effectiveness.is_not(None),
                *_scope(ReportMonth.trainee_id, town_id, unit_id),
                covered_where(ReportMonth.seats, Trainee.village_id),
            )
        ).scalar()
    else:
        last = month_end(month)
        held = (
            sa.select(
                MentorAssignment.trainee_id.label("trainee_id"), roles_held(conn).label("bits")
            )
            .where(
                MentorAssignment.trainee_id.in_(population),
                sa.or_(MentorAssignment.start_date.is_(None), MentorAssignment.start_date <= last),
                sa.or_(MentorAssignment.end_date.is_(None), MentorAssignment.end_date >= last),
            )
            .group_by(MentorAssignment.trainee_id)
            .subquery()
        )
        covered = conn.execute(
            sa.select(sa.func.count())
            .select_from(held)
            .join(Trainee, Trainee.id == held.c.trainee_id)
            .where(covered_where(held.c.bits, Trainee.village_id))
        ).scalar()
    board.coverage = {"trainees": counted, "covered": covered, "rate": rate(covered, counted)}

    care = conn.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(OversightMonth.visits), 0),
            sa.func.count(sa.case((OversightMonth.visits > 0, 1))),
            sa.func.coalesce(sa.func.sum(OversightMonth.fees_paid), 0),
            sa.func.coalesce(sa.func.sum(OversightMonth.fees_on_time), 0),
            sa.func.coalesce(sa.func.sum(OversightMonth.needs_resolved), 0),
            sa.func.coalesce(sa.func.sum(OversightMonth.needs_on_time), 0),
        ).where(OversightMonth.month == month, *_scope(OversightMonth.trainee_id, town_id, unit_id))
    ).one()
    visits, visited, fees, fees_on_time, needs, needs_on_time = (int(v) for v in care)
    board.care = {
        "visits": visits,
        "trainees_visited": visited,
        "fees_paid": fees,
        "fees_on_time": fees_on_time,
        "fees_on_time_rate": rate(fees_on_time, fees),
        "needs_resolved": needs,
        "needs_on_time": needs_on_time,
        "needs_on_time_rate": rate(needs_on_time, needs),
    }
    return board


# -- who is missing what -------------------------------------------------------------------


def missing_query(
    month: dt.date, *, today: dt.date, town_id=None, unit_id=None, states=OVERDUE_STATES
):
    """The forms of the month's periods in ``states`` on ``today``, one row per form, with
    the trainee and where they are (a query to paginate or export)."""
    state = form_state(today)
    period_ids = sa.select(Period.id).where(Period.code.in_(period_codes(month.replace(day=1))))
    return (
        sa.select(
            Obligation.trainee_id,
            Trainee.name.label("trainee_name"),
            Trainee.unit_id,
            Unit.name.label("unit_name"),
            Trainee.town_id,
            Town.name.label("town_name"),
            Trainee.village_id,
            Village.name.label("village_name"),
            Obligation.kind,
            Period.code.label("period"),
            Period.deadline,
            state.label("state"),
            Report.id.label("report_id"),
            Report.returned_reason,
        )
        .select_from(Obligation)
        .join(Period, Period.id == Obligation.period_id)
        .join(Trainee, Trainee.id == Obligation.trainee_id)
        .outerjoin(Report, report_of(Obligation, period_ids))
        .outerjoin(Unit, Unit.id == Trainee.unit_id)
        .outerjoin(Town, Town.id == Trainee.town_id)
        .outerjoin(Village, Village.id == Trainee.village_id)
        .where(
            Period.code.in_(period_codes(month.replace(day=1))),
            state.in_(states),
            *([Trainee.town_id == town_id] if town_id is not None else []),
            *([Trainee.unit_id == unit_id] if unit_id is not None else []),
        )
    )


def trainee_month(session: Session, trainee: Trainee, month: dt.date, today: dt.date) -> dict:
    """One trainee's month (the drill-down) on ``today``: each form's state, talks, mentor
    seats held on the month's last day, visits, fees and needs."""
    month = month.replace(day=1)
    state = form_state(today)
    forms = [
        {
            "kind": kind,
            "period": code,
            "deadline": deadline.isoformat(),
            "state": form_state_,
            "status": status,
            "report_id": report_id,
            "returned_reason": reason or "",
        }
        for kind, code, deadline, form_state_, status, report_id, reason in session.execute(
            sa.select(
                Obligation.kind,
                Period.code,
                Period.deadline,
                state,
                Report.status,
                Report.id,
                Report.returned_reason,
            )
            .select_from(Obligation)
            .join(Period, Period.id == Obligation.period_id)
            .outerjoin(Report, Report.obligation_id == Obligation.id)
            .where(
                Obligation.trainee_id == trainee.id,
                Period.code.in_(period_codes(month)),
            )
            .order_by(Period.code, Obligation.kind)
        ).all()
    ]
    row = session.get(OversightMonth, (trainee.id, month))
    last = month_end(month)
    roles = sorted(
        set(
            session.scalars(
                sa.select(MentorAssignment.role).where(
                    MentorAssignment.trainee_id == trainee.id,
                    sa.or_(
                        MentorAssignment.start_date.is_(None), MentorAssignment.start_date <= last
                    ),
                    sa.or_(MentorAssignment.end_date.is_(None), MentorAssignment.end_date >= last),
                )
            )
        )
    )
    needed = ALL_ROLES if trainee.village_id is not None else UNSTATIONED_ROLES
    counters = {
        name: getattr(row, name, 0) if row is not None else 0
        for name in ("talks", "visits", "fees_paid", "fees_on_time", "needs_resolved")
    }
    return {
        "trainee_id": trainee.id,
        "name": trainee.name,
        "unit_id": trainee.unit_id,
        "town_id": trainee.town_id,
        "village_id": trainee.village_id,
        "month": month_code(month),
        "forms": forms,
        "mentor_roles": roles,
        "missing_roles": [role for role in needed if role not in roles],
        **counters,
    }
