"""Evidence (佐证材料) of talks: photos and files that whoever may read a talk may list and
download; the mentor who recorded it, the trainee and the city may add to it (the
mechanism: ``shared.evidence``)."""

from __future__ import annotations

from services.mentorship.api.talks import load_talk
from services.mentorship.models import Audit, Evidence
from shared.auth import Principal
from shared.evidence import Parent, evidence_blueprint


def may_add_to_talk(talk, principal: Principal) -> bool:
    """The mentor who recorded the talk, its trainee, or the city."""
    own = {"mentor": talk.mentor_id, "trainee": talk.trainee_id}
    return principal.role == "city" or own.get(principal.role) == principal.scope_id


blp = evidence_blueprint(
    "mentorship",
    Evidence,
    [Parent("talk", "talks", load_talk, may_add_to_talk)],
    Audit,
)
