"""``create_app``: roster's Flask app (gunicorn: ``services.roster.app:create_app()``)."""

from __future__ import annotations

from services.roster import models
from services.roster.api import BLUEPRINTS
from services.roster.api.auth import init_limits
from services.roster.config import Config
from shared.runtime import app_factory

#: The service, as its OpenAPI document describes it.
DESCRIPTION = (
    "Towns, villages, units, people, trainees (选调生), placements, accounts "
    "and tokens. Errors are application/problem+json; lists are paginated."
)

create_app = app_factory(Config, models, BLUEPRINTS, DESCRIPTION, setup=init_limits)
