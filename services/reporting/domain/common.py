"""What reporting's rules share: the outbox, the audit trail, the city's calendar."""

from __future__ import annotations

from services.reporting.models import Outbox, ReportAudit
from shared.audit import auditor
from shared.clock import city_today  # noqa: F401 - the services' one calendar
from shared.outbox import emitter

PRODUCER = "reporting"

#: Keep who changed what (and in which ``role``), before and after, in this transaction.
audit = auditor(ReportAudit)


emit = emitter(Outbox, PRODUCER)
