"""The review the forms (``domain.reports``) and the evaluations (``domain.evaluations``)
both go through. No Flask here.

A submission fixes its chain of steps from the trainee's placement; a reviewer returns the
item to its author with a reason, or approves it at a step, which passes it to the next
step or, at the last step (or by the city), approves it for good. Who may act, and what
is audited and announced, is each module's own."""

from __future__ import annotations

import datetime as dt

from services.reporting.domain.periods import setting


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
