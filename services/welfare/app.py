"""``create_app``: welfare's Flask app (gunicorn: ``services.welfare.app:create_app()``)."""

from __future__ import annotations

from services.welfare import models
from services.welfare.api import BLUEPRINTS
from services.welfare.config import Config
from shared.runtime import app_factory

#: The service, as its OpenAPI document describes it.
DESCRIPTION = (
    "Subsidy policy and monthly subsidies (到村补贴), the one-time placement fee "
    "(一次性安置费), the money ledger, turnover housing (周转房), the five small facilities "
    "(五小), care visits (走访慰问) and the needs register (思想动态与实际需求)."
)

create_app = app_factory(Config, models, BLUEPRINTS, DESCRIPTION)
