"""``create_app``: reporting's Flask app (gunicorn: ``services.reporting.app:create_app()``)."""

from __future__ import annotations

from services.reporting import models
from services.reporting.api import BLUEPRINTS
from services.reporting.config import Config
from shared.runtime import app_factory

#: The service, as its OpenAPI document describes it.
DESCRIPTION = (
    "Periods and deadlines, the effectiveness form (基层锻炼工作成效表), the mentoring form "
    "(导师制落实情况（谈心谈话）表), the quarterly report (一季一报), review, the duty list "
    "(责任清单), supervision, dashboards, assessment (组织工作考核) and exports."
)

create_app = app_factory(Config, models, BLUEPRINTS, DESCRIPTION)
