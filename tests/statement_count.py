"""Count what one request costs the database: the SQL statements it sends and the round
trips (each statement, plus BEGIN and COMMIT or ROLLBACK) through SQLAlchemy's engine
events. The hot month-end writes are pinned by it (``tests/test_statement_counts.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa


@dataclass(repr=False)
class Counted:
    """What was sent while counting: the statements' text, and BEGIN/COMMIT/ROLLBACK."""

    statements: list[str] = field(default_factory=list)
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0

    @property
    def round_trips(self) -> int:
        """Statements plus the transaction's BEGIN and its end (each one a round trip)."""
        return len(self.statements) + self.begins + self.commits + self.rollbacks

    def __repr__(self) -> str:
        lines = [f"{len(self.statements)} statements, {self.round_trips} round trips:"]
        return "\n".join([*lines, *(" " + s.split("\n")[0][:160] for s in self.statements)])


@contextmanager
def counting(engine: sa.Engine) -> Iterator[Counted]:
    """Count the statements and round trips sent through ``engine`` inside the block."""
    counted = Counted()

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        counted.statements.append(" ".join(statement.split()))

    def on_begin(conn):
        counted.begins += 1

    def on_commit(conn):
        counted.commits += 1

    def on_rollback(conn):
        counted.rollbacks += 1

    events = [
        ("before_cursor_execute", on_execute),
        ("begin", on_begin),
        ("commit", on_commit),
        ("rollback", on_rollback),
    ]
    for name, listener in events:
        sa.event.listen(engine, name, listener)
    try:
        yield counted
    finally:
        for name, listener in events:
            sa.event.remove(engine, name, listener)
