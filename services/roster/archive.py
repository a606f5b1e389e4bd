"""Roster's share of a finished cohort's archive (``shared.archive``): each trainee's
profile, placements and status history; at purge the trainee is pseudonymised, their
login closed, and ``trainee.updated`` announces the new name to every service."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.roster.domain.common import emit
from services.roster.domain.trainees import trainee_payload
from services.roster.models import Account, Placement, StatusChange, Trainee
from shared.archive import Part, by_trainee_id, pseudonym
from shared.db import utcnow

_CLEARED = ("id_number", "phone", "email", "birth_date", "school", "major")


def _pseudonymise(session: Session, trainee: Trainee) -> None:
    trainee.name = pseudonym(trainee.id)
    for column in _CLEARED:
        setattr(trainee, column, None)
    trainee.updated_at = utcnow()
    for account in session.scalars(
        sa.select(Account).where(Account.role == "trainee", Account.scope_id == trainee.id)
    ):
        account.active = False
        account.display_name = trainee.name
        account.email = account.phone = None
    session.flush()
    emit(session, "trainee.updated", trainee_payload(trainee))


def _finished_on(session: Session, ids: list[int]) -> dt.date | None:
    return session.scalar(
        sa.select(sa.func.max(StatusChange.effective_date)).where(StatusChange.trainee_id.in_(ids))
    )


def part() -> Part:
    """Roster's :class:`shared.archive.Part`."""
    return Part(
        service="roster",
        trainee_model=Trainee,
        sources=[
            by_trainee_id(Placement, scrub=("note",)),
            by_trainee_id(StatusChange, scrub=("reason",)),
        ],
        pseudonymise=_pseudonymise,
        owns_trainees=True,
        finished_on=_finished_on,
    )
