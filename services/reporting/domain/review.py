"""The review the forms (``domain.reports``) and the evaluations (``domain.evaluations``)
both go through. No Flask here.

A submission fixes its chain of steps from the trainee's placement; a reviewer returns the
item to its author with a reason, or approves it at a step, which passes it to the next
step or, at the last step (or by the city), approves it for good: the town or unit at its
own step for its own trainees, the city at any step. What is audited and announced is each
module's own; the refusals, named by a :class:`Paper`, are the same."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.reporting.domain.periods import setting
from shared.errors import Conflict, NotFound
from shared.normalize import message
from shared.vocabulary import ACCOUNT_ROLES


@dataclass(frozen=True)
class Paper:
    """A reviewed kind, as its refusals name it."""

    zh: str
    en: str

    def check_version(self, item, version: int | None) -> None:
        """409 when the caller read an older ``version`` of the item (None: not checked)."""
        if version is not None and version != item.version:
            raise Conflict(
                message(
                    f"{self.zh}在您读取后已被修改，请刷新",
                    f"the {self.en} changed since you read it: reload it",
                ),
                {
                    "version": [
                        message(f"当前版本为 {item.version}", f"current version is {item.version}")
                    ]
                },
            )

    def flush(self, session: Session) -> None:
        """Write the item; 409 when someone else changed it meanwhile (its version moved)."""
        try:
            session.flush()
        except StaleDataError:
            raise Conflict(
                message(
                    f"{self.zh}已被他人同时修改，请刷新后重试",
                    f"the {self.en} was changed by someone else at the same time: reload it",
                ),
                {"version": [message("已被他人修改", "stale")]},
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


def send_back(item, reason: str, now: dt.datetime) -> None:
    """Return the item to its author with ``reason``."""
    item.status = "returned"
    item.step = None
    item.returned_reason = reason
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
