"""What the two reviewed papers, reports and evaluations, share over HTTP: the version the
caller read, a review step taken as the caller, and the audit trail. The rules of each
paper's review are in its domain module."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import request

from services.reporting.domain.review import Paper
from services.reporting.models import ReportAudit
from shared.auth import current_principal
from shared.db import session
from shared.http import problem
from shared.normalize import message

#: The 404 of a trainee whose record has not reached this service yet.
NOT_KNOWN = message("系统中还没有您的选调生信息", "you are not known here yet")


def read_version(data: dict, paper: Paper) -> int | None:
    """The version the caller read: the body's ``version`` or the If-Match header
    (``3``, ``"3"`` or ``W/"3"``); anything else is a 400 asking for the ``paper``'s
    version (the domain module's ``PAPER``)."""
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
            message(f"请提供{paper.zh}的版本号", f"send the {paper.en}'s version"),
            {"If-Match": [message("应为数字", "digits")]},
        )
    return int(header)


def review_step(step: Callable, paper, trainee, *args, version: int | None, **kwargs):
    """Take a review ``step`` (the domain's return or approve of ``paper``) as the caller,
    at the caller's step of the sign-off chain, and commit; ``paper`` for the answer."""
    principal = current_principal()
    step(
        session(),
        paper,
        trainee,
        *args,
        actor=principal.subject,
        role=principal.role,
        scope_id=principal.scope_id,
        version=version,
        **kwargs,
    )
    session().commit()
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
