"""Roster's pieces for the shared entry points (relay, manage; it consumes nothing, so it
has neither inbox nor consumer)."""

from services.roster import models
from services.roster.commands import COMMANDS
from services.roster.config import Config
from services.roster.handlers import HANDLERS
from shared.runtime import service_spec

SPEC = service_spec(Config, models, HANDLERS, COMMANDS)
