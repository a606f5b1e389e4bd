"""Mentorship's pieces for the shared entry points (relay, consumer, manage, scheduler)."""

from services.mentorship import models, scheduler
from services.mentorship.commands import COMMANDS
from services.mentorship.config import Config
from services.mentorship.handlers import HANDLERS
from shared.runtime import service_spec

SPEC = service_spec(Config, models, HANDLERS, COMMANDS, background={"scheduler": scheduler.run})
