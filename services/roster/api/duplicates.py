"""Possible duplicates found in the stored rows (the city only): pairs of trainees or of
people whose identity numbers became the same when migration 0004 normalised them. Both
rows are kept as they were found (the second with its number as it was typed); the city
decides which is the person and corrects or withdraws the other."""

from __future__ import annotations

import sqlalchemy as sa

from services.roster.models import PossibleDuplicate
from services.roster.schemas.duplicates import DuplicateListArgs, DuplicatePage
from shared.api import blueprint, endpoint
from shared.db import session
from shared.http import paginate

blp = blueprint(
    "duplicates",
    "/api/v1/roster/duplicates",
    "Possible duplicates found among the stored trainees and people",
)


@endpoint(blp, "GET", "city", query=DuplicateListArgs, out=DuplicatePage)
def get_duplicates(args):
    """Pairs of rows that may be one person (city only), oldest first: ``kind`` is
    the table and column (``trainee.id_number``, ``person.id_number``), ``first_id``
    the row that kept the value, ``second_id`` the row left as it was; the value is
    masked. Filter by ``kind``; sort by ``id`` or ``found_at``."""
    query = sa.select(PossibleDuplicate)
    if args.get("kind"):
        query = query.where(PossibleDuplicate.kind == args["kind"])
    return paginate(session(), query, args, (PossibleDuplicate.id, PossibleDuplicate.found_at))
