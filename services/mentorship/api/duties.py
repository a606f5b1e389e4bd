"""The mentor roles' duties (导师职责): each role's statement and the aspects (四个方面) its
talks are expected to cover. Everyone signed in reads them; the city edits them, audited."""

from __future__ import annotations

import sqlalchemy as sa

from services.mentorship.config import ROLES
from services.mentorship.domain.common import audit
from services.mentorship.models import RoleDuty
from services.mentorship.schemas.duties import RoleDutyIn, RoleDutyOut, RoleDutyPage
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session, utcnow
from shared.http import ListArgs, paginate, problem
from shared.normalize import message
from shared.vocabulary import MENTOR_ROLES

blp = blueprint(
    "duties",
    "/api/v1/mentorship/role-duties",
    "Each mentor role's duty statement and expected aspects",
)


def load_duty(role: str) -> RoleDuty:
    duty = session().scalar(sa.select(RoleDuty).where(RoleDuty.role == role))
    if duty is None:
        names = "、".join(f"{MENTOR_ROLES[code]}（{code}）" for code in ROLES)
        raise problem(
            404,
            "Not found",
            message(
                f"没有这类导师：应为{names}之一", f"no such mentor role: one of {', '.join(ROLES)}"
            ),
        )
    return duty


def _state(duty: RoleDuty) -> dict:
    return {"statement": duty.statement, "aspects": list(duty.aspects)}


@endpoint(blp, "GET", query=ListArgs, out=RoleDutyPage)
def get_role_duties(args):
    """The four roles' duties, in the roles' order (integrity, business, responsible,
    practical: the order they were seeded in) unless sorted by ``role``."""
    return paginate(session(), sa.select(RoleDuty), args, (RoleDuty.id, RoleDuty.role))


@endpoint(blp, "GET /<role>", out=RoleDutyOut)
def get_role_duty_item(role):
    """One role's duties."""
    return load_duty(role)


@endpoint(blp, "PUT /<role>", "city", body=RoleDutyIn, out=RoleDutyOut)
def put_role_duty_item(data, role):
    """Set a role's ``statement`` and expected ``aspects`` (the city only; audited)."""
    duty = load_duty(role)
    before = _state(duty)
    duty.statement = data["statement"]
    duty.aspects = data["aspects"]
    duty.updated_by = current_principal().subject[:64]
    duty.updated_at = utcnow()
    act(audit, duty.updated_by, "changed", "role_duty", duty.id, before, _state(duty))
    return duty
