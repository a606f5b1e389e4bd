"""The duty-list part of reporting's demo: this year's duty list for towns, villages,
units and trainees with progress reported. Runs after roster's demo has reached the
projections; everything goes through the domain functions. The caller commits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.reporting.demo.common import count, first
from services.reporting.domain import duties
from services.reporting.models import DutyItem, Town, Trainee, Unit, Village

TOWN_DUTIES = ("建成“五小”设施并投入使用", "落实选调生周转房", "每季度召开一次选调生座谈会")
VILLAGE_DUTIES = ("安排选调生参与村“两委”会议", "为选调生明确一项具体工作任务")
UNIT_DUTIES = ("单位领导班子成员每季度到村看望选调生", "落实导师制，按月开展谈心谈话")
TRAINEE_DUTIES = ("完成一篇驻村调研报告", "参与一项中心工作或重点项目")


def is_loaded(session: Session) -> bool:
    """True once duty items exist (the demo or real data)."""
    return count(session, DutyItem) > 0


def load(session: Session, today: dt.date) -> dict:
    """Create the demo's duty list; returns counts."""
    towns, units = first(session, Town, 3), first(session, Unit, 3)
    made = {"duty_items": 0, "progress": 0}
    year = today.year
    parties = [("town", town.id, TOWN_DUTIES) for town in towns]
    parties += [("village", village.id, VILLAGE_DUTIES) for village in first(session, Village, 4)]
    parties += [("unit", unit.id, UNIT_DUTIES) for unit in units]
    parties += [("trainee", trainee.id, TRAINEE_DUTIES) for trainee in first(session, Trainee, 6)]
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
