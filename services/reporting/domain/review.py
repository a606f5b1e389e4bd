"""The review the forms (``domain.reports``) and the evaluations (``domain.evaluations``)
both go through. No Flask here.

A submission fixes its chain of steps from the trainee's placement; a reviewer returns the
item to its author with a reason, or approves it at a step, which passes it to the next
step or, at the last step (or by the city), approves it for good: the town or unit at its
own step for its own trainees, the city at any step. Each module declares its paper (a
:class:`Paper`): what its audit rows keep, what its events carry and what a decision
writes besides; the refusals, the return, the approval and how a decision is written,
audited and announced are the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.reporting.domain.common import audit, emit
from services.reporting.domain.periods import setting
from shared.audit import state
from shared.db import utcnow
from shared.errors import Conflict, NotFound
from shared.normalize import message
from shared.vocabulary import ACCOUNT_ROLES

#: The event each audited decision announces (``<paper>.returned`` for a ``return``).
ANNOUNCED = {"submit": "submitted", "return": "returned", "approve": "approved"}


@dataclass(frozen=True)
class Paper:
    """A reviewed kind: as its refusals name it (``en`` also names it in the audit trail
    and its events, ``report.returned``), and its own part of each decision."""

    zh: str
    en: str
    #: The item's fields an audit row keeps, before and after a decision (:meth:`state`).
    audited: tuple[str, ...]
    #: The fields every event of the item carries, ``event(item, trainee)``.
    event: Callable[[object, object], dict]
    #: What a decision writes besides, once the item is flushed (``after(session, item)``).
    after: Callable[[Session, object], None] | None = None

    def state(self, item) -> dict:
        """The item's audited fields, as they are now."""
        return state(item, *self.audited)

    def check_version(self, item, version: int | None) -> None:
        """409 when the caller read an older ``version`` of the item (None: not checked)."""
        if version is not None and version != item.version:
            raise Conflict.on(
                "version",
                (
                    f"{self.zh}在您读取后已被修改，请刷新",
                    f"the {self.en} changed since you read it: reload it",
                ),
                (f"当前版本为 {item.version}", f"current version is {item.version}"),
            )

    def flush(self, session: Session) -> None:
        """Write the item; 409 when someone else changed it meanwhile (its version moved)."""
        try:
            session.flush()
        except StaleDataError:
            raise Conflict.on(
                "version",
                (
                    f"{self.zh}已被他人同时修改，请刷新后重试",
                    f"the {self.en} was changed by someone else at the same time: reload it",
                ),
                ("已被他人修改", "stale"),
            ) from None

    def reviewer_step(
        self, item, trainee, role: str, scope_id: int | None, version: int | None
    ) -> str:
        """The step the caller acts at, or the refusal: the item must be the version read
        and submitted; the city acts at any step, a town or unit at its own step for its
        own trainees (another's trainee: 404, as if it did not exist)."""
        self.check_version(item, version)
        if item.status != "submitted":
            raise Conflict(
                message(
                    f"只能审核已提交的{self.zh}",
                    f"only a submitted {self.en} can be reviewed; this one is {item.status}",
                ),
                {"status": [item.status]},
            )
        if role == "city":
            return "city"
        own = {"town": trainee.town_id, "unit": trainee.unit_id}.get(role)
        if own is None or own != scope_id:
            raise NotFound(
                message(f"您的范围内没有这份{self.zh}", f"no such {self.en} in your scope")
            )
        if item.step != role:
            raise Conflict(
                message(
                    f"该{self.zh}等待{ACCOUNT_ROLES.get(item.step, item.step)}审核",
                    f"this {self.en} awaits the {item.step}'s review, not yours",
                ),
                {"step": [item.step]},
            )
        return role

    def add_audit(
        self, session: Session, item, action: str, before: dict | None, *, actor: str, role: str
    ) -> None:
        """The audit row of ``action`` on the item: ``before`` (None: it was created) and now."""
        audit(session, actor, action, self.en, item.id, before, self.state(item), role=role)

    def decided(
        self, session: Session, item, trainee, action: str, before: dict, *, actor, role, **fields
    ) -> None:
        """Write a decision (``action``) on the item: the item (409 if someone else changed
        it meanwhile), its ``after``, the audit row, and the event the action announces
        (:data:`ANNOUNCED`) with ``fields``."""
        self.flush(session)
        if self.after is not None:
            self.after(session, item)
        self.add_audit(session, item, action, before, actor=actor, role=role)
        emit(session, f"{self.en}.{ANNOUNCED[action]}", {**self.event(item, trainee), **fields})

    def send_back(
        self,
        session: Session,
        item,
        trainee,
        reason: str,
        *,
        by: str,
        role: str,
        scope_id: int | None,
        version: int | None = None,
    ):
        """A reviewer returns the submitted item to its author with ``reason``, at the
        caller's step (:meth:`reviewer_step`); audited, and announced with the reason."""
        step = self.reviewer_step(item, trainee, role, scope_id, version)
        before = self.state(item)
        item.status = "returned"
        item.step = None
        item.returned_reason = reason
        item.updated_at = utcnow()
        fields = {"reason": reason, "step": step, "returned_by": by}
        self.decided(session, item, trainee, "return", before, actor=by, role=role, **fields)
        return item

    def approve(
        self,
        session: Session,
        item,
        trainee,
        *,
        by: str,
        role: str,
        scope_id: int | None,
        version: int | None = None,
        amend: Callable[[object], dict] | None = None,
    ):
        """A reviewer signs the submitted item off at the caller's step
        (:meth:`reviewer_step`, :func:`sign_off`); audited, and announced with ``final``.
        ``amend(item)``: what the reviewer changes besides, once the step is allowed (the
        audit row's before is the item as it was); its answer, fields the event adds."""
        step = self.reviewer_step(item, trainee, role, scope_id, version)
        before = self.state(item)
        amended = amend(item) if amend is not None else {}
        final = sign_off(item, step, utcnow())
        fields = {**amended, "step": step, "final": final, "approved_by": by}
        self.decided(session, item, trainee, "approve", before, actor=by, role=role, **fields)
        return item


def steps(trainee, config, name: str) -> list[str]:
    """The steps a submission of this trainee goes through: the chain set as ``name``,
    without the town for a trainee not stationed in a village (the city alone if no step
    is left)."""
    chain = setting(config, name)
    if isinstance(chain, str):
        chain = [s.strip() for s in chain.split(",") if s.strip()]
    steps = [s for s in chain if s != "town" or trainee.village_id is not None]
    return steps or ["city"]


def submit(item, chain: list[str], now: dt.datetime) -> None:
    """Send the item along ``chain``, at its first step."""
    item.status = "submitted"
    item.chain = ",".join(chain)
    item.step = chain[0]
    item.submitted_at = now
    item.updated_at = now


def sign_off(item, step: str, now: dt.datetime) -> bool:
    """Approve the item at ``step``: on to its chain's next step, or approved for good at
    the last step or by the city. Whether it was for good."""
    chain = item.chain.split(",") if item.chain else ["city"]
    position = chain.index(item.step) if item.step in chain else len(chain) - 1
    final = step == "city" or position == len(chain) - 1
    if final:
        item.status = "approved"
        item.step = None
        item.approved_at = now
    else:
        item.step = chain[position + 1]
    item.updated_at = now
    return final
