"""The one clock of every service: now in UTC, and today's date in the city.

Every timestamp a service stores and every date its rules depend on (deadlines, overdue
notices, digests, quiet hours) comes from here, never from ``datetime.now`` directly, so
that a whole system can be moved forward in time as one: when ``GRASSROOTS_CLOCK_FILE``
names a file, the number of seconds it holds is added to the real clock, re-read whenever
the file changes. The journey uses it to let a deadline pass in the middle of a run
(``set_offset``); production never sets the variable, and then the clock is the real one.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

CLOCK_FILE_ENV = "GRASSROOTS_CLOCK_FILE"
#: The city's time zone when the settings name none (``TIME_ZONE``'s default; the one
#: place it is written).
DEFAULT_TIME_ZONE = "Asia/Shanghai"
_ZERO = dt.timedelta(0)
_lock = threading.Lock()
_cached: tuple[str, tuple[int, int], dt.timedelta] | None = None  # (path, stamp, offset)


def offset(path: str | os.PathLike | None = None) -> dt.timedelta:
    """How far this system's clock is ahead of the real one (zero unless travelled); the
    clock of ``path`` when given, else of ``GRASSROOTS_CLOCK_FILE``."""
    global _cached
    path = os.fspath(path) if path is not None else os.environ.get(CLOCK_FILE_ENV)
    if not path:
        return _ZERO
    try:
        stat = os.stat(path)
        stamp = (stat.st_ino, stat.st_mtime_ns)  # a new file (os.replace) is a new inode
    except FileNotFoundError:
        return _ZERO
    cached = _cached
    if cached is not None and cached[0] == path and cached[1] == stamp:
        return cached[2]
    try:
        seconds = float(Path(path).read_text(encoding="utf-8").strip() or 0)
    except (OSError, ValueError):
        return cached[2] if cached is not None and cached[0] == path else _ZERO
    value = dt.timedelta(seconds=seconds)
    with _lock:
        _cached = (path, stamp, value)
    return value


def utcnow(path: str | os.PathLike | None = None) -> dt.datetime:
    """Now, aware, in UTC: the only clock the services store (of ``path``'s clock when
    given: a system that another process started, as the journey reads it)."""
    return dt.datetime.now(dt.UTC) + offset(path)


def city_today(time_zone: str, path: str | os.PathLike | None = None) -> dt.date:
    """Today's date in the city (not the server's UTC date)."""
    return utcnow(path).astimezone(ZoneInfo(time_zone)).date()


def city_date(moment: dt.datetime, time_zone: str) -> dt.date:
    """The city's calendar date of a moment (a naive one, as SQLite gives it back, is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(time_zone)).date()


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of a calendar month."""
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, 1), following - dt.timedelta(days=1)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return month_bounds(day.year, day.month)[1]


def month_code(day: dt.date) -> str:
    """``YYYY-MM``, the code of the month holding ``day``."""
    return f"{day.year:04d}-{day.month:02d}"


def parse_moment(text: str, time_zone: str) -> dt.datetime:
    """A moment as people write it for a clock to start at: an ISO date (10:00 in the
    city), or a date and time (in the city unless it carries an offset)."""
    zone = ZoneInfo(time_zone)
    text = text.strip()
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(10), zone)
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def set_offset(path: str | os.PathLike, seconds: float) -> None:
    """Move the clock of every process reading ``path`` to real time + ``seconds``
    (written atomically, so a reader never sees half a number)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".clock-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"{seconds:.3f}\n")
    os.replace(tmp, target)


def travel_to(path: str | os.PathLike, moment: dt.datetime) -> dt.timedelta:
    """Set the clock of ``path`` so that it reads ``moment`` now; the offset written."""
    delta = moment - dt.datetime.now(dt.UTC)
    set_offset(path, delta.total_seconds())
    return delta
