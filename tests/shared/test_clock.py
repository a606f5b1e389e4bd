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
