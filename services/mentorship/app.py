"""``create_app``: mentorship's Flask app (gunicorn: ``services.mentorship.app:create_app()``)."""

from __future__ import annotations

from services.mentorship import models
from services.mentorship.api import BLUEPRINTS
from services.mentorship.config import Config
from shared.runtime import app_factory

#: The service, as its OpenAPI document describes it.
DESCRIPTION = (
    "Mentor assignments (导师), coverage, talks (谈心谈话), one talk a month "
    "(一月一谈), training and study, key projects and showcases."
)

create_app = app_factory(Config, models, BLUEPRINTS, DESCRIPTION)
