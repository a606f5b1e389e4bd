"""The supervision and duty-list part of reporting's demo: an inspection visit to a town
with one rectification item closed, one open and one overdue; a research visit to a unit;
and this year's duty list for towns, villages, units and trainees with progress reported.
Runs after roster's demo has reached the projections; everything goes through the domain
functions. The caller commits."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.domain import duties, supervision
from services.reporting.models import Town, Trainee, Unit, Village
from services.reporting.models_oversight import DutyItem, SupervisionVisit

TOWN_DUTIES = ("建成“五小”设施并投入使用", "落实选调生周转房", "每季度召开一次选调生座谈会")
VILLAGE_DUTIES = ("安排选调生参与村“两委”会议", "为选调生明确一项具体工作任务")
UNIT_DUTIES = ("单位领导班子成员每季度到村看望选调生", "落实导师制，按月开展谈心谈话")
TRAINEE_DUTIES = ("完成一篇驻村调研报告", "参与一项中心工作或重点项目")


def is_loaded(session: Session) -> bool:
    """True once visits or duty items exist (the demo or real data)."""
    return bool(
        session.scalar(sa.select(sa.func.count()).select_from(SupervisionVisit))
        or session.scalar(sa.select(sa.func.count()).select_from(DutyItem))
    )


def _first(session: Session, model, limit: int) -> list:
    return list(session.scalars(sa.select(model).order_by(model.id).limit(limit)))


def load(session: Session, today: dt.date) -> dict:
    """Create the demo's supervision visits and duty list; returns counts."""
    towns, units = _first(session, Town, 3), _first(session, Unit, 3)
    made = {"visits": 0, "rectifications": 0, "duty_items": 0, "progress": 0}
    if towns:
        visit = supervision.record_visit(
            session,
            {
                "kind": "inspection",
                "visit_date": today - dt.timedelta(days=45),
                "party_kind": "town",
                "party_id": towns[0].id,
                "team": "市委组织部干部一科：王科长、李干事",
                "checked": "导师制落实、谈心谈话记录、周转房和“五小”设施、选调生工作台账",
                "summary": "导师制总体落实较好；谈话记录不够规范，周转房配套不全。",
                "findings": [
                    {
                        "finding": "部分谈心谈话记录内容过于简单",
                        "requirement": "按月补齐谈话记录，写明谈话内容和指导意见",
                        "due_date": today - dt.timedelta(days=15),
                    },
                    {
                        "finding": "周转房热水器、网络未配齐",
                        "requirement": "一个月内配齐并报送照片",
                        "due_date": today - dt.timedelta(days=5),
                    },
                    {
                        "finding": "“五小”设施中图书室未开放",
                        "requirement": "制定开放时间并安排专人管理",
                        "due_date": today + dt.timedelta(days=30),
                    },
                ],
            },
            today=today,
            by="demo",
        )
        supervision.close_rectification(
            session,
            visit.rectifications[0],
            "已补齐近三个月谈话记录，附整改台账。",
            closed_on=today - dt.timedelta(days=20),
            by="demo",
        )
        made["visits"] += 1
        made["rectifications"] += len(visit.rectifications)
    if units:
        visit = supervision.record_visit(
            session,
            {
                "kind": "research",
                "visit_date": today - dt.timedelta(days=20),
                "party_kind": "unit",
                "party_id": units[0].id,
                "team": "市委组织部调研组",
                "checked": "单位导师履职情况、选调生培养计划",
                "findings": [
                    {
                        "finding": "业务导师未按月开展谈话",
                        "requirement": "建立谈话提醒机制",
                        "due_date": today + dt.timedelta(days=10),
                    }
                ],
            },
            today=today,
            by="demo",
        )
        made["visits"] += 1
        made["rectifications"] += len(visit.rectifications)

    year = today.year
    parties = [("town", town.id, TOWN_DUTIES) for town in towns]
    parties += [("village", village.id, VILLAGE_DUTIES) for village in _first(session, Village, 4)]
    parties += [("unit", unit.id, UNIT_DUTIES) for unit in units]
    parties += [("trainee", trainee.id, TRAINEE_DUTIES) for trainee in _first(session, Trainee, 6)]
    for number, (kind, party_id, titles) in enumerate(parties):
        for index, title in enumerate(titles):
            due = dt.date(year, 6, 30) if index == 0 else dt.date(year, 12, 31)
            item = duties.create_item(
                session,
                {
                    "year": year,
                    "party_kind": kind,
                    "party_id": party_id,
                    "title": title,
                    "description": "",
                    "due_date": due,
                },
                "demo",
            )
            made["duty_items"] += 1
            # A realistic spread: some done, some under way, some not started.
            percent = (100, 60, 30, 0)[(number + index) % 4]
            if percent:
                duties.report_progress(
                    session,
                    item,
                    percent,
                    "已按计划推进，附工作台账和照片。" if percent < 100 else "已完成，附验收材料。",
                    today=min(today, due) if percent == 100 else today,
                    by="demo",
                )
                made["progress"] += 1
    session.flush()
    return made
