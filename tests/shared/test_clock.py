"""shared.clock: the real clock unless GRASSROOTS_CLOCK_FILE moves it, and every move is
seen at once by a reader (the journey moves a running system past a deadline this way)."""

from __future__ import annotations

import datetime as dt

from shared import clock


def test_the_clock_is_the_real_one_without_a_clock_file(monkeypatch):
    monkeypatch.delenv(clock.CLOCK_FILE_ENV, raising=False)
    before = dt.datetime.now(dt.UTC)
    now = clock.utcnow()
    assert before <= now <= dt.datetime.now(dt.UTC)
    assert clock.offset() == dt.timedelta(0)


def test_a_clock_file_moves_now_and_the_city_date_and_each_change_is_seen(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv(clock.CLOCK_FILE_ENV, str(path))
    assert clock.offset() == dt.timedelta(0)  # no file yet: real time
    target = dt.datetime(2031, 12, 6, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
    clock.travel_to(path, target)
    assert abs(clock.utcnow() - target) < dt.timedelta(seconds=5)
    assert clock.city_today("Asia/Shanghai") == dt.date(2031, 12, 6)
    clock.travel_to(path, target - dt.timedelta(hours=2))  # 23:30 the day before, in UTC
    assert clock.city_today("Asia/Shanghai") == dt.date(2031, 12, 6)  # 07:30 in the city
    assert clock.city_today("UTC") == dt.date(2031, 12, 5)
    clock.set_offset(path, 0)
    assert abs(clock.utcnow() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=1)


def test_a_garbled_clock_file_keeps_the_last_good_offset(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv(clock.CLOCK_FILE_ENV, str(path))
    clock.set_offset(path, 3600)
    assert clock.offset() == dt.timedelta(hours=1)
    path.write_text("not a number")
    assert clock.offset() == dt.timedelta(hours=1)


def test_a_clock_file_can_be_read_by_path_without_the_environment(monkeypatch, tmp_path):
    """The journey reads the clock of the system it started, not its own."""
    monkeypatch.delenv(clock.CLOCK_FILE_ENV, raising=False)
    path = tmp_path / "system-clock"
    clock.travel_to(path, dt.datetime(2028, 2, 29, 2, 0, tzinfo=dt.UTC))
    assert clock.city_today("Asia/Shanghai", path) == dt.date(2028, 2, 29)
    assert clock.offset() == dt.timedelta(0)  # this process's clock did not move


def test_moments_are_read_in_the_city_unless_they_carry_an_offset():
    zone = "Asia/Shanghai"
    assert clock.parse_moment("2028-02-29", zone) == dt.datetime(
        2028, 2, 29, 2, 0, tzinfo=dt.UTC
    )  # 10:00 in the city
    assert clock.parse_moment("2026-12-31T23:15", zone) == dt.datetime(
        2026, 12, 31, 15, 15, tzinfo=dt.UTC
    )
    assert clock.parse_moment("2027-01-01T00:20+08:00", zone).astimezone(dt.UTC) == dt.datetime(
        2026, 12, 31, 16, 20, tzinfo=dt.UTC
    )


def test_the_test_run_starts_at_its_pinned_moment():
    """``tests/conftest.py`` pins every run (``TEST_CLOCK_AT``, or its default): this
    process's clock and the services' it starts read the same file."""
    import os

    from tests.conftest import CITY_ZONE, DEFAULT_CLOCK_AT

    wanted = os.environ.get("TEST_CLOCK_AT", DEFAULT_CLOCK_AT)
    if wanted == "now":
        return
    assert os.environ.get(clock.CLOCK_FILE_ENV)
    start = clock.parse_moment(wanted, CITY_ZONE.key)
    # the run started there and has run on since (a whole run takes well under a day)
    assert start <= clock.utcnow() < start + dt.timedelta(hours=6)
