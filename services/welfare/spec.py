"""Welfare's pieces for the shared entry points (relay, consumer, manage)."""

from services.welfare import models, scheduler
from services.welfare.commands import COMMANDS
from services.welfare.config import Config
from services.welfare.handlers import HANDLERS
from shared.runtime import service_spec

SPEC = service_spec(Config, models, HANDLERS, COMMANDS, background={"scheduler": scheduler.run})
