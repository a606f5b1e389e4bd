"""The working-day calendar: which days are working days, and reading a year of it.

A day is a working day when it is Monday to Friday and not listed as a holiday, or when it
is listed as a swapped working day (调休上班: a Saturday or Sunday worked in exchange for a
longer holiday). The listed days are the *overrides*: a mapping from a date to its kind,
``"holiday"`` or ``"workday"`` (a :class:`CalendarEntry`, which also carries its name and
source, does as well as the bare kind). Nothing here touches a database or Flask.

The national calendar (国务院办公厅's yearly notice, and the statutory holidays for the
years not yet announced) ships as data in ``shared/calendars/<name>.json``; see
:func:`shipped`.

Clerks type dates in many ways (``2027-02-06``, ``2027/2/6``, ``2027.2.6``,
``2027年2月6日``, full-width digits, Excel serial numbers): :func:`parse_day` is
:func:`shared.normalize.parse_date`, which reads them for the whole system. Messages
meant for clerks are Chinese first, then English (``中文 / English``).
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from shared.normalize import message, parse_date

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = (HOLIDAY, WORKDAY)
#: What clerks write in a sheet's kind column, and the kind it means.
KIND_LABELS = {
    "holiday": HOLIDAY,
    "放假": HOLIDAY,
    "休息": HOLIDAY,
    "休": HOLIDAY,
    "节假日": HOLIDAY,
    "假日": HOLIDAY,
    "workday": WORKDAY,
    "上班": WORKDAY,
    "班": WORKDAY,
    "调休上班": WORKDAY,
    "补班": WORKDAY,
    "工作日": WORKDAY,
}
WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
NAME_MAX = 100
SOURCE_MAX = 200
#: A search for the next working day gives up after this many days (a calendar listing a
#: whole year as holidays is a mistake, not a reason to loop).
SEARCH_LIMIT = 366
CALENDARS = Path(__file__).resolve().parent / "calendars"


class CalendarEntry(NamedTuple):
    """One listed day: a holiday or a swapped working day."""

    day: dt.date
    kind: str
    name: str = ""
    source: str = ""
    provisional: bool = False


#: date -> kind (``"holiday"`` | ``"workday"``), or date -> :class:`CalendarEntry`.
Overrides = Mapping[dt.date, "str | CalendarEntry"]


def _kind(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.kind


def is_weekend(day: dt.date) -> bool:
    """Saturday or Sunday."""
    return day.weekday() >= 5


def is_working_day(day: dt.date, overrides: Overrides) -> bool:
    """Monday to Friday and not a listed holiday, or a listed swapped working day."""
    kind = _kind(overrides.get(day))
    if kind == WORKDAY:
        return True
    if kind == HOLIDAY:
        return False
    return not is_weekend(day)


def next_working_day(day: dt.date, overrides: Overrides) -> dt.date:
    """``day`` itself if it is a working day, else the first working day after it."""
    for offset in range(SEARCH_LIMIT + 1):
        candidate = day + dt.timedelta(days=offset)
        if is_working_day(candidate, overrides):
            return candidate
    raise ValueError(f"no working day within {SEARCH_LIMIT} days of {day.isoformat()}")


def add_working_days(day: dt.date, count: int, overrides: Overrides) -> dt.date:
    """The ``count``-th working day after ``day`` (before it when ``count`` is negative);
    ``count`` 0 is :func:`next_working_day`."""
    if count == 0:
        return next_working_day(day, overrides)
    step = dt.timedelta(days=1 if count > 0 else -1)
    left, searched = abs(count), 0
    while left:
        day += step
        searched += 1
        if searched > SEARCH_LIMIT * max(1, abs(count)):
            raise ValueError(f"no {abs(count)} working days near {day.isoformat()}")
        if is_working_day(day, overrides):
            left -= 1
    return day


# -- reading what clerks type ------------------------------------------------------------------

#: A date as clerks type it or a sheet holds it: ``shared.normalize`` reads dates for every
#: import and form, calendars included (one reading of ``2027/2/6`` in the whole system).
parse_day = parse_date


def parse_kind(value) -> str:
    """``holiday`` or ``workday`` from the kind or its Chinese label (放假, 上班, 调休上班…);
    anything else is a ``ValueError``."""
    text = unicodedata.normalize("NFKC", value).strip().lower() if isinstance(value, str) else ""
    kind = KIND_LABELS.get(text)
    if kind is None:
        shown = str(value)[:40] if value is not None else ""
        raise ValueError(
            message(
                f"未知的类型：{shown}（应为 放假 或 上班）",
                f"unknown kind: {shown} (holiday or workday)",
            )
        )
    return kind


def read_entries(
    rows: Iterable[tuple[object, Mapping]],
    *,
    year: int | None = None,
    source: str = "",
    provisional: bool = False,
    label: Callable[[object], tuple[str, str]] = lambda key: (f"第 {key} 项", f"entry {key}"),
) -> tuple[list[CalendarEntry], list[tuple[object, dict[str, list[str]]]]]:
    """Check listed days, each ``(key, {"date", "kind", "name", "source"})`` where the key
    (an index, a row number) is what errors are reported against, and ``label(key)`` how
    a message names it (Chinese, English). Returns the entries and the errors
    ``[(key, {field: [messages]})]``; any error means the whole list is refused.

    A row's own ``source`` and ``provisional`` win over the arguments (the defaults).
    Refused: a date in an unknown format or (with ``year``) outside that year, an unknown
    kind, a swapped working day on Monday to Friday (it would change nothing), a name or
    source too long, and the same day listed twice (whatever the kinds)."""
    entries: list[CalendarEntry] = []
    errors: list[tuple[object, dict[str, list[str]]]] = []
    seen: dict[dt.date, object] = {}
    for key, row in rows:
        problems: dict[str, list[str]] = {}
        day = kind = None
        try:
            day = parse_day(row.get("date"))
        except ValueError as exc:
            problems["date"] = [str(exc)]
        try:
            kind = parse_kind(row.get("kind"))
        except ValueError as exc:
            problems["kind"] = [str(exc)]
        name = _text(row.get("name"))
        own_source = _text(row.get("source")) or source
        if len(name) > NAME_MAX:
            problems["name"] = [
                message(f"名称最多 {NAME_MAX} 字", f"at most {NAME_MAX} characters")
            ]
        if len(own_source) > SOURCE_MAX:
            problems["source"] = [
                message(f"来源最多 {SOURCE_MAX} 字", f"at most {SOURCE_MAX} characters")
            ]
        if day is not None:
            if year is not None and day.year != year:
                problems.setdefault("date", []).append(
                    message(
                        f"{day.isoformat()} 不在 {year} 年内",
                        f"{day.isoformat()} is outside {year}",
                    )
                )
            if kind == WORKDAY and not is_weekend(day):
                problems.setdefault("kind", []).append(
                    message(
                        f"{day.isoformat()} 是{WEEKDAYS_ZH[day.weekday()]}，本来就上班，"
                        "不能列为调休上班",
                        f"{day.isoformat()} is a {day:%A}, already a working day; "
                        "only a Saturday or Sunday can be a swapped working day",
                    )
                )
            if day in seen:
                zh, en = label(seen[day])
                problems.setdefault("date", []).append(
                    message(
                        f"{day.isoformat()} 重复：与{zh}是同一天",
                        f"{day.isoformat()} is listed twice: the same day as {en}",
                    )
                )
            else:
                seen[day] = key
        if problems:
            errors.append((key, problems))
        else:
            own_provisional = bool(row.get("provisional", provisional))
            entries.append(CalendarEntry(day, kind, name, own_source, own_provisional))
    return entries, errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# -- the shipped calendars ------------------------------------------------------------------------


def shipped(name: str = "cn", years: Iterable[int] | None = None) -> list[CalendarEntry]:
    """The listed days of a shipped calendar (``shared/calendars/<name>.json``), of the
    given ``years`` or all, in date order."""
    data = json.loads((CALENDARS / f"{name}.json").read_text(encoding="utf-8"))
    wanted = set(years) if years is not None else None
    entries = [
        CalendarEntry(
            dt.date.fromisoformat(row["date"]),
            row["kind"],
            row["name"],
            row["source"],
            bool(row.get("provisional", False)),
        )
        for row in data["days"]
    ]
    return sorted(
        (e for e in entries if wanted is None or e.day.year in wanted), key=lambda e: e.day
    )
