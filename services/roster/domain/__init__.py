"""Roster's rules, by resource: ``places``, ``people``, ``trainees``, ``accounts``, ``auth``
(logins, refresh tokens, revocation), ``imports``, with ``common`` what they share.
Every change that others must learn about records its event in the outbox in the same
transaction. No Flask here."""
