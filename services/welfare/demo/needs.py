"""The demo's needs, in every state (open, in progress, resolved, closed, reopened,
overdue, one confidential)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.welfare.demo.common import BY
from services.welfare.domain import needs
from services.welfare.models import Need, Trainee

#: The demo's needs, each row twice (two trainees): the state it is left in and what the
#: trainee wrote.
PLAN = [
    ("open", "life", "周转房热水器故障", "冬天洗澡不方便，已报修两次。"),
    ("in_progress", "work", "希望参加百千万工程业务培训", "对乡村产业项目申报流程不熟悉。"),
    ("resolved", "housing", "宿舍离村委会较远", "每天往返一个多小时，希望调整住处。"),
    ("closed", "health", "颈椎不适需定期理疗", "希望每月能请假半天去区医院理疗。"),
    ("reopened", "thoughts", "对今后职业发展有些迷茫", "希望与导师深入谈一次。"),
    ("overdue", "other", "村里网络信号差", "影响线上学习和报表填报。"),
    ("confidential", "thoughts", "个人情况，需保密沟通", "家中有些困难，希望单独沟通。"),
]


def load(session: Session, trainees: list[Trainee], today: dt.date) -> int:
    """Two needs in each state of the plan. Returns how many."""
    active = [t for t in trainees if t.status == "active"]
    if not active:
        return 0
    made = 0
    for index, (state, category, title, description) in enumerate(PLAN * 2):
        trainee = active[(index * 5) % len(active)]
        raised_on = today - dt.timedelta(days=30 if state == "overdue" else 5 + index)
        need = needs.raise_need(
            session,
            trainee,
            {
                "category": category,
                "title": title,
                "description": description,
                "confidential": state == "confidential",
            },
            role="trainee",
            by=f"trainee:{trainee.id}",
            today=raised_on,
        )
        handler = f"{need.handler_role}:{need.handler_scope_id}"
        if state in ("in_progress", "resolved", "closed", "reopened"):
            needs.start(session, need, role=need.handler_role, by=handler)
        if state in ("resolved", "closed", "reopened"):
            needs.resolve(
                session,
                need,
                "已协调相关部门处理。",
                today=raised_on + dt.timedelta(days=3),
                role=need.handler_role,
                by=handler,
            )
        if state == "closed":
            needs.confirm(session, need, today=raised_on + dt.timedelta(days=4), by=BY)
        if state == "reopened":
            needs.reopen(
                session, need, "问题仍未解决", today=raised_on + dt.timedelta(days=4), by=BY
            )
        made += 1
    return made


def is_loaded(session: Session) -> bool:
    """True once needs exist (the demo or real data)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Need)) > 0
