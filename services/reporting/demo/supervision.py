"""The supervision part of reporting's demo: an inspection visit to a town with one
rectification item closed, one open and one overdue, and a research visit to a unit.
Runs after roster's demo has reached the projections; everything goes through the domain
functions. The caller commits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.reporting.demo.common import count, first
from services.reporting.domain import supervision
from services.reporting.models import SupervisionVisit, Town, Unit


def is_loaded(session: Session) -> bool:
    """True once visits exist (the demo or real data)."""
    return count(session, SupervisionVisit) > 0


def load(session: Session, today: dt.date) -> dict:
    """Create the demo's supervision visits; returns counts."""
    towns, units = first(session, Town, 3), first(session, Unit, 3)
    made = {"visits": 0, "rectifications": 0}
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
    return made
