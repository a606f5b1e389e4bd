"""Every table of the service, for Alembic (``migrations/env.py``) to see them all."""

from services.welfare.models import Base
from services.welfare.models_care import *  # noqa: F401,F403 - tables of the service
from services.welfare.models_money import *  # noqa: F401,F403 - tables of the service

__all__ = ["Base"]
