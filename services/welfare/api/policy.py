"""Welfare API: the subsidy policy (到村补贴与一次性安置费标准), with effective dates.

Everyone may read the policies; only the city adds one. A policy is never edited: a change
is a new policy from a later month, and months already generated keep their amounts.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from services.welfare.domain import policy as domain
from services.welfare.models import SubsidyPolicy
from services.welfare.schemas.policy import PolicyIn, PolicyOut, PolicyPage
from shared.api import blueprint, endpoint
from shared.auth import act, current_principal
from shared.db import session
from shared.http import ListArgs, paginate

blp = blueprint(
    "policy", "/api/v1/welfare", "Subsidy policy: monthly subsidy and placement fee amounts by date"
)


@endpoint(blp, "GET /policies", query=ListArgs, out=PolicyPage)
def get_policies(args):
    """Every policy; sort by ``effective_from`` (default) or ``id``."""
    return paginate(
        session(), sa.select(SubsidyPolicy), args, (SubsidyPolicy.effective_from, SubsidyPolicy.id)
    )


@endpoint(blp, "POST /policies", "city", body=PolicyIn, out=PolicyOut, status=201)
def post_policies(data):
    """Add a policy from the first day of a month (city only): the monthly subsidy and
    the placement fee in integer fen, the fee's payment limit in days (default
    ``PLACEMENT_FEE_DUE_DAYS``). 409 if a policy with that date exists."""
    return act(
        domain.create_policy,
        data,
        current_principal().subject,
        current_app.config["PLACEMENT_FEE_DUE_DAYS"],
    )


BLUEPRINTS = [blp]
