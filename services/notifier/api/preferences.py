"""My notification preferences: channels besides the inbox, SMS quiet hours, a daily
digest instead of single messages, the language (default Simplified Chinese)."""

from __future__ import annotations

from services.notifier.domain.notify import DEFAULT_PREFS, recipient_of
from services.notifier.models import Preference
from services.notifier.schemas.preferences import PreferenceIn, PreferenceOut
from shared.api import blueprint, endpoint
from shared.auth import current_principal
from shared.db import session, utcnow

blp = blueprint("preferences", "/api/v1/notifier/preferences", "My notification preferences")


def _out(recipient: str, row: Preference | None) -> dict:
    if row is None:
        return {
            "recipient": recipient,
            "channels": list(DEFAULT_PREFS.channels),
            "quiet_hours": None,
            "digest": DEFAULT_PREFS.digest,
            "language": DEFAULT_PREFS.language,
        }
    quiet = {"start": row.quiet_start, "end": row.quiet_end} if row.quiet_start else None
    return {
        "recipient": recipient,
        "channels": row.channels,
        "quiet_hours": quiet,
        "digest": row.digest,
        "language": row.language,
    }


@endpoint(blp, "GET", out=PreferenceOut)
def get_preferences():
    """My preferences (the defaults until I set them: every channel, no quiet hours,
    no digest, Chinese)."""
    principal = current_principal()
    recipient = recipient_of(principal.role, principal.scope_id)
    return _out(recipient, session().get(Preference, recipient))


@endpoint(blp, "PUT", body=PreferenceIn, out=PreferenceOut)
def put_preferences(data):
    """Set my preferences. The inbox is always on; ``channels`` chooses e-mail and SMS;
    during ``quiet_hours`` (city time) SMS waits until the window ends; ``digest``
    gathers e-mail and SMS into one e-mail a day."""
    principal = current_principal()
    recipient = recipient_of(principal.role, principal.scope_id)
    row = session().get(Preference, recipient)
    if row is None:
        row = Preference(recipient=recipient)
        session().add(row)
    quiet = data["quiet_hours"] or {}
    row.channels = sorted({"inbox", *data["channels"]})
    row.quiet_start, row.quiet_end = quiet.get("start"), quiet.get("end")
    row.digest = data["digest"]
    row.language = data["language"]
    row.updated_at = utcnow()
    session().commit()
    return _out(recipient, row)


BLUEPRINTS = [blp]
