"""Reporting's pieces for the shared entry points (relay, consumer, manage)."""

from services.reporting import models, scheduler
from services.reporting.commands import COMMANDS
from services.reporting.config import Config
from services.reporting.domain import report_months
from services.reporting.handlers import HANDLERS
from shared.runtime import service_spec

SPEC = service_spec(
    Config,
    models,
    HANDLERS,
    COMMANDS,
    background={"scheduler": scheduler.run},
    finish=report_months.apply_deferred,
)
