"""What the mentorship rules share: the outbox, the audit trail, the city's calendar."""

from __future__ import annotations

from services.mentorship.models import Audit, Outbox
from shared.audit import auditor
from shared.clock import city_today  # noqa: F401 - the services' one calendar
from shared.outbox import emitter

PRODUCER = "mentorship"

emit = emitter(Outbox, PRODUCER)


#: Keep who changed what, when, before and after, in this transaction.
audit = auditor(Audit)
