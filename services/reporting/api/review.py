"""What the two reviewed papers, reports and evaluations, share over HTTP: the version the
caller read, a review step taken as the caller, and the audit trail. The rules of each
paper's review are in its domain module."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import request

from services.reporting.models import ReportAudit
from shared.auth import act
from shared.db import session
from shared.http import problem
from shared.normalize import message

#: The 404 of a trainee whose record has not reached this service yet.
NOT_KNOWN = message("系统中还没有您的选调生信息", "you are not known here yet")


def read_version(data: dict) -> int | None:
    """The version the caller read: the body's ``version`` or the If-Match header
    (``3``, ``"3"`` or ``W/"3"``); anything else is a 400."""
    if data.get("version") is not None:
        return data["version"]
    header = (request.headers.get("If-Match") or "").strip().strip('"').removeprefix("W/")
    header = header.strip('"')
    if not header:
        return None
    if not header.isdigit():
        raise problem(
            400,
            "Bad If-Match",
            message("请提供读取时的版本号", "send the version you read"),
            {"If-Match": [message("应为数字", "digits")]},
        )
    return int(header)


def review_step(step: Callable, data: dict, paper, trainee, *args, **kwargs):
    """Take a review ``step`` (the domain's return or approve of ``paper``) as the caller,
    at the caller's step of the sign-off chain, on the version the body (``data``) or
    If-Match names, and commit; ``paper`` for the answer."""
    act(step, paper, trainee, *args, version=read_version(data), **kwargs)
    return paper


def audit_trail(entity: str, entity_id: int) -> list[ReportAudit]:
    """Every decision on the paper (``entity`` and its id), oldest first."""
    return (
        session()
        .scalars(
            sa.select(ReportAudit)
            .where(ReportAudit.entity == entity, ReportAudit.entity_id == entity_id)
            .order_by(ReportAudit.id)
        )
        .all()
    )
