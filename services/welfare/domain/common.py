"""What welfare's rules share: the outbox, the city's calendar, who acts for the system."""

from __future__ import annotations

from services.welfare.models import Outbox
from shared.clock import city_today  # noqa: F401 - the services' one calendar
from shared.outbox import emitter

PRODUCER = "welfare"
#: Who acts when no person does (the tick, a consumed event), in audit rows.
SYSTEM = "system"


emit = emitter(Outbox, PRODUCER)
