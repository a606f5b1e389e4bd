"""The periods and reports part of the demo city: the last six months (and their
quarters) opened, with a realistic mix of forms approved, awaiting review, submitted
late, returned and missing, and a few drafts of the current month. Runs after roster's
and mentorship's demo events reached the projections; everything goes through the domain
functions, so every change is announced and audited."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.domain import periods, reports
from services.reporting.domain.common import city_today
from services.reporting.models import Obligation, Period, Trainee
from shared.db import settings_of

CHINA = dt.timezone(dt.timedelta(hours=8))
WORK = [
    "参与百千万工程村庄规划编制，走访农户{n}户，整理民情日记。",
    "协助村“两委”开展人居环境整治，组织志愿服务{n}次。",
    "参与区品牌创建活动筹备，负责宣传材料和群众动员。",
    "跟进村集体经济项目，协调解决{n}户群众的实际困难。",
]
PROBLEMS = ["方言沟通仍有困难", "基层工作经验不足，处理矛盾纠纷需要学习", "", "项目推进资金不足"]
PLANS = ["继续深入走访，完善村情台账", "筹备年货节活动", "学习乡村振兴政策", "配合完成换届准备"]


def _content(kind: str, rng: random.Random, period: Period) -> dict:
    if kind == "effectiveness":
        length = (period.ends_on - period.starts_on).days + 1
        return {
            "work_done": rng.choice(WORK).format(n=rng.randint(8, 40)),
            "days_in_village": rng.randint(min(15, length), min(24, length)),
            "key_projects": rng.sample(["百千万工程", "区品牌创建", "年货节", "乡村振兴示范带"], 2),
            "results": "协调解决群众急难愁盼问题，得到村民认可。",
            "problems": rng.choice(PROBLEMS),
            "next_month_plan": rng.choice(PLANS),
        }
    if kind == "mentoring":
        return {"account": "导师每月与我谈心，指导我做好群众工作，生活上也给予关心。"}
    return {
        "summary": "本季度驻村开展走访、项目和党建工作，基本完成计划。",
        "achievements": "参与百千万工程项目建设，组织主题党日活动。",
        "problems": rng.choice(PROBLEMS),
        "plan": rng.choice(PLANS),
    }


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 30), CHINA).astimezone(dt.UTC)


def load(session: Session, today: dt.date | None = None) -> dict:
    """Open the periods and write the demo's reports (the caller commits). Returns counts."""
    config = settings_of(session)
    today = today or city_today(config.TIME_ZONE)
    rng = random.Random(7)
    first = today.replace(day=1)
    codes = []
    for back in range(6, -1, -1):
        index = first.year * 12 + first.month - 1 - back
        day = dt.date(index // 12, index % 12 + 1, 1)
        codes += [periods.month_code(day), periods.quarter_code(day)]
    opened = []
    for code in dict.fromkeys(codes):
        period, made = periods.open_period(session, code, config, today=today, by="demo")
        if made:
            opened.append(period)
    trainees = {t.id: t for t in session.scalars(sa.select(Trainee))}
    counts = {"periods": len(opened), "approved": 0, "awaiting": 0, "late": 0, "returned": 0}
    counts.update({"missing": 0, "drafts": 0})
    rows = session.execute(
        sa.select(Obligation, Period)
        .join(Period, Period.id == Obligation.period_id)
        .where(Period.id.in_([p.id for p in opened]))
        .order_by(Period.starts_on, Obligation.trainee_id, Obligation.kind)
    ).all()
    for obligation, period in rows:
        trainee = trainees.get(obligation.trainee_id)
        if trainee is None:
            continue
        content = _content(obligation.kind, rng, period)
        if period.deadline >= today:
            # The current period: some drafts, a few early submissions.
            if rng.random() < 0.3:
                report = _create(session, trainee, period, obligation.kind, content, config, None)
                counts["drafts"] += 1
                if rng.random() < 0.3:
                    _submit(session, report, trainee, config, _at(today, 9))
                    counts["drafts"] -= 1
                    counts["awaiting"] += 1
            continue
        roll = rng.random()
        if roll < 0.08:
            counts["missing"] += 1
            continue
        late = roll < 0.2
        day = period.deadline + dt.timedelta(days=rng.randint(1, 6) if late else -rng.randint(0, 4))
        when = _at(min(day, today), rng.randint(8, 21))
        report = _create(session, trainee, period, obligation.kind, content, config, when)
        _submit(session, report, trainee, config, when)
        counts["late"] += late
        if rng.random() < 0.1:
            reports.return_report(
                session,
                report,
                trainee,
                "请补充本月驻村天数的考勤依据和重点项目的具体进展。",
                by="demo",
                role="town" if report.step == "town" else "unit",
                scope_id=trainee.town_id if report.step == "town" else trainee.unit_id,
            )
            counts["returned"] += 1
            continue
        recent = period.deadline >= today - dt.timedelta(days=20)
        if recent and rng.random() < 0.6:
            counts["awaiting"] += 1
            continue
        while report.status == "submitted":
            step = report.step
            scope = {"town": trainee.town_id, "unit": trainee.unit_id}.get(step)
            reports.approve_report(
                session,
                report,
                trainee,
                by="demo",
                role=step if scope is not None else "city",
                scope_id=scope,
            )
        counts["approved"] += 1
    session.flush()
    return counts


def _create(session, trainee, period, kind, content, config, when):
    return reports.create_report(
        session, trainee, period.code, kind, content, by="demo", config=config, now=when
    )


def _submit(session, report, trainee, config, when):
    reports.submit_report(
        session, report, trainee, by="demo", role="trainee", config=config, now=when
    )
