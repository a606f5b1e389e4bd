"""Tokens end with the account: the revocation list every service checks.

When an account is set inactive, its password changes, or its trainee completes or
withdraws, roster records a revocation (subject, role, ``not_before``) in its own
``token_revocation`` table and publishes ``account.revoked``. Every other service keeps
the same table as a projection, fed by its consumer (:func:`revocation_handlers`). A token
(access or refresh) issued before its subject's ``not_before`` is refused from then on.

Checking costs no database round trip per request in the consuming services:
:class:`RevocationCache` keeps the list in the process and reads only what changed, at
most once a second (``REVOCATION_REFRESH_SECONDS``), plus the whole live list every
minute (the last day's revocations: ``REVOCATION_WINDOW_SECONDS``). Roster checks its own
table directly (:class:`DirectRevocations`), in the request's session: a primary-key read.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.clock import utcnow
from shared.db import Database, excluded, upsert_statement
from shared.events.catalogue import REVOCATION_REASONS

log = logging.getLogger(__name__)

#: Why a subject's earlier tokens were revoked (``account.revoked``'s ``reason``): the
#: account set inactive, a new password, the trainee completed or withdrew.
REASONS = REVOCATION_REASONS


class TokenRevocationMixin:
    """Tokens of ``subject`` (the account id, as in a token's ``sub``) with ``role``
    issued before ``not_before`` are refused. ``recorded_at`` is when this row last
    changed, for the caches' incremental reads."""

    __tablename__ = "token_revocation"

    subject: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    not_before: Mapped[dt.datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(sa.String(32), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(index=True)


def record_revocation(
    session: Session, model, subject: str, role: str, not_before: dt.datetime, reason: str
) -> None:
    """Insert or move forward one revocation, in one statement: a later ``not_before``
    wins; an older one (arriving late, or twice) changes nothing."""
    insert = upsert_statement(session, model).values(
        subject=subject, role=role, not_before=not_before, reason=reason, recorded_at=utcnow()
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["subject", "role"],
            set_=excluded(insert, "not_before", "reason", "recorded_at"),
            where=model.not_before < insert.excluded.not_before,
        )
    )


def revocation_handlers(model) -> dict[str, Callable[[Session, dict], bool]]:
    """The consumer's handler of ``account.revoked`` keeping ``model``."""

    def on_revoked(session: Session, envelope: dict) -> bool:
        payload = envelope["payload"]
        record_revocation(
            session,
            model,
            str(payload["id"]),
            payload["role"],
            payload["not_before"],
            payload["reason"],
        )
        return True

    return {"account.revoked": on_revoked}


Loader = Callable[[dt.datetime | None, dt.datetime], Iterable[tuple[str, str, dt.datetime]]]


def table_loader(db: Database, model) -> Loader:
    """Reads ``model``'s rows still able to refuse a live token (``not_before`` after
    ``live_after``), only those changed since ``changed_since`` when given."""

    def load(changed_since: dt.datetime | None, live_after: dt.datetime):
        query = sa.select(model.subject, model.role, model.not_before).where(
            model.not_before > live_after
        )
        if changed_since is not None:
            query = query.where(model.recorded_at >= changed_since)
        with db.engine.connect() as conn:
            return conn.execute(query).all()

    return load


class RevocationCache:
    """The revocation list of one process, refreshed from the table as requests come.

    A lookup is a dictionary read. At most every ``refresh_seconds`` one request reads the
    rows changed since the last read (less ``margin``: a consumer's transaction commits a
    moment after it wrote the row), and every ``full_every`` seconds the whole live list
    (which also catches a row committed later than that, and drops what no live token
    can need: ``not_before`` older than ``window`` seconds; access tokens live 15
    minutes). Other threads meanwhile use the list they have; a failed read keeps it and
    is tried again at the next refresh."""

    def __init__(
        self,
        load: Loader,
        *,
        refresh_seconds: float = 1.0,
        full_every: float = 60.0,
        window: float = 86_400.0,
        margin: float = 5.0,
    ) -> None:
        self.load = load
        self.refresh_seconds = refresh_seconds
        self.full_every = full_every
        self.window = dt.timedelta(seconds=window)
        self.margin = dt.timedelta(seconds=margin)
        self._map: dict[tuple[str, str], float] | None = None
        self._due = 0.0
        self._full_due = 0.0
        self._last: dt.datetime | None = None
        self._lock = threading.Lock()
        self.loads = 0  # reads of the table (for the tests and the measurement)

    def not_before(self, subject: str, role: str) -> float | None:
        """The subject's ``not_before`` (seconds since the epoch), or None."""
        if time.monotonic() >= self._due:
            self.refresh()
        current = self._map
        return current.get((subject, role)) if current is not None else None

    def refresh(self, force: bool = False) -> None:
        """Read what changed (everything when ``force`` or the full read is due)."""
        first = self._map is None
        if not self._lock.acquire(blocking=first or force):
            return  # another thread is reading: use the list as it is
        try:
            started_m = time.monotonic()
            if not (force or first) and started_m < self._due:
                return
            started = utcnow()
            full = force or first or started_m >= self._full_due or self._last is None
            since = None if full else self._last - self.margin
            try:
                rows = self.load(since, started - self.window)
            except Exception:  # noqa: BLE001 - keep the list we have; try again soon
                log.warning("revocation list not refreshed", exc_info=True)
                self._due = started_m + self.refresh_seconds
                if self._map is None:
                    self._map = {}
                return
            self.loads += 1
            if full:
                fresh: dict[tuple[str, str], float] = {}
            elif rows:
                fresh = dict(self._map or {})
            else:
                fresh = self._map or {}
            for subject, role, not_before in rows:
                key = (subject, role)
                stamp = not_before.timestamp()
                if stamp > fresh.get(key, float("-inf")):
                    fresh[key] = stamp
            self._map = fresh
            self._last = started
            self._due = started_m + self.refresh_seconds
            if full:
                self._full_due = started_m + self.full_every
        finally:
            self._lock.release()


class DirectRevocations:
    """Roster's check: its own table, read in the request's session."""

    def __init__(self, model, session_factory: Callable[[], Session]) -> None:
        self.model = model
        self.session = session_factory

    def not_before(self, subject: str, role: str) -> float | None:
        row = self.session().get(self.model, (subject, role))
        return row.not_before.timestamp() if row is not None else None


def revoked(checker, subject: str, role: str, issued_at: float) -> bool:
    """Whether a token of ``subject`` and ``role`` issued at ``issued_at`` is revoked
    (issued before the subject's ``not_before``, compared to the millisecond)."""
    if checker is None:
        return False
    not_before = checker.not_before(subject, role)
    return not_before is not None and round(issued_at * 1000) < round(not_before * 1000)
