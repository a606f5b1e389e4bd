"""Every table of the service, for Alembic (``migrations/env.py``) to see them all."""

from services.reporting.models import Base
from services.reporting.models_evaluations import *  # noqa: F401,F403 - tables of the service
from services.reporting.models_oversight import *  # noqa: F401,F403 - tables of the service
from services.reporting.models_reports import *  # noqa: F401,F403 - tables of the service

__all__ = ["Base"]
