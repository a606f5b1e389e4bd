"""``create_app``: notifier's Flask app (gunicorn: ``services.notifier.app:create_app()``).
It publishes nothing: its models declare no outbox."""

from __future__ import annotations

from services.notifier import models
from services.notifier.api import BLUEPRINTS
from services.notifier.config import Config
from shared.runtime import app_factory

#: The service, as its OpenAPI document describes it.
DESCRIPTION = (
    "Notification rules, each person's in-app inbox, e-mail (SMTP), SMS (HTTP "
    "gateway), HMAC-signed webhooks for towns' and units' own systems, the delivery "
    "log and preferences."
)

create_app = app_factory(Config, models, BLUEPRINTS, DESCRIPTION)
