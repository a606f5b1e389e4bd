"""Evidence (佐证材料) of the duty list's progress, of supervision visits and of closing
rectification items: whoever may read the record lists and downloads it; the parties of a
duty item, the city for a visit, and an item's owner or the city for a rectification add
to it (the mechanism: ``shared.evidence``)."""

from __future__ import annotations

from services.reporting.api.duties import load_item
from services.reporting.api.supervision import load_rectification, load_visit
from services.reporting.models import Evidence, ReportAudit
from shared.auth import Principal
from shared.evidence import Parent, evidence_blueprint


def _anyone_in_scope(_record, _principal: Principal) -> bool:
    """Whoever may read the record (its scope check already passed) may add to it."""
    return True


def _the_city(_record, principal: Principal) -> bool:
    return principal.role == "city"


blp = evidence_blueprint(
    "reporting",
    Evidence,
    [
        Parent("duty_item", "duty-items", load_item, _anyone_in_scope),
        Parent("supervision_visit", "supervision-visits", load_visit, _the_city),
        Parent("rectification", "rectifications", load_rectification, _anyone_in_scope),
    ],
    ReportAudit,
)
