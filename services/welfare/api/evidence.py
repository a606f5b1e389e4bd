"""Evidence (佐证材料) of care visits: photos and files that whoever may read a visit (the
trainee visited included) may list and download; the city, units and towns, who record
visits, may add to those in their scope (the mechanism: ``shared.evidence``)."""

from __future__ import annotations

from services.welfare.access import trainee_scope
from services.welfare.models import Evidence, MoneyAudit, Visit
from shared.auth import Principal, current_principal
from shared.evidence import Parent, evidence_blueprint
from shared.http import get_or_404

#: Who records visits, and so may add evidence to them.
RECORDERS = ("city", "unit", "town")


def load_visit(visit_id: int) -> Visit:
    """The visit, if its trainee is in the caller's scope (else 404)."""
    return get_or_404(Visit, visit_id, trainee_scope(current_principal(), Visit.trainee_id))


def may_add_to_visit(visit: Visit, principal: Principal) -> bool:
    """The city, a unit or a town (the visit already in its scope)."""
    return principal.role in RECORDERS


blp = evidence_blueprint(
    "welfare",
    Evidence,
    [Parent("visit", "visits", load_visit, may_add_to_visit)],
    MoneyAudit,
)
