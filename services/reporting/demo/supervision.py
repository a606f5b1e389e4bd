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


def _visit(
    session: Session, today: dt.date, kind: str, party, *, days_ago: int, **data
) -> SupervisionVisit:
    """A visit of ``kind`` to ``party`` (a town or unit row) ``days_ago``, recorded by the
    demo."""
    visit = {
        "kind": kind,
        "visit_date": today - dt.timedelta(days=days_ago),
        "party_kind": party.__tablename__,
        "party_id": party.id,
        **data,
    }
    return supervision.record_visit(session, visit, today=today, by="demo")


def load(session: Session, today: dt.date) -> dict:
    """Create the demo's supervision visits; returns counts."""
    towns, units = first(session, Town, 3), first(session, Unit, 3)
    visits = []
    if towns:
        inspection = _visit(
            session,
            today,
            "inspection",
            towns[0],
            days_ago=45,
            team="市委组织部干部一科：王科长、李干事",
            checked="导师制落实、谈心谈话记录、周转房和“五小”设施、选调生工作台账",
            summary="导师制总体落实较好；谈话记录不够规范，周转房配套不全。",
            findings=[
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
        )
        supervision.close_rectification(
            session,
            inspection.rectifications[0],
            "已补齐近三个月谈话记录，附整改台账。",
            closed_on=today - dt.timedelta(days=20),
            by="demo",
        )
        visits.append(inspection)
    if units:
        research = _visit(
            session,
            today,
            "research",
            units[0],
            days_ago=20,
            team="市委组织部调研组",
            checked="单位导师履职情况、选调生培养计划",
            findings=[
                {
                    "finding": "业务导师未按月开展谈话",
                    "requirement": "建立谈话提醒机制",
                    "due_date": today + dt.timedelta(days=10),
                }
            ],
        )
        visits.append(research)
    return {
        "visits": len(visits),
        "rectifications": sum(len(visit.rectifications) for visit in visits),
    }
