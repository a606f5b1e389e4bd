"""``shared.auth.act``: an endpoint's change is the domain function, the caller's facts it
declares (and only those), and one commit; ``shared.api.blueprints_of``: a service's
blueprints in its modules' order."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g

from shared.api import blueprints_of
from shared.auth import Principal, act
from shared.clock import city_today
from tests.worlds import build_world

CALLER = Principal(subject="town:7", role="town", scope_id=7)


def test_act_fills_in_the_callers_facts_the_function_declares_and_commits(sqlite_url):
    world = build_world("welfare", sqlite_url)
    with world.db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (note TEXT)")
    asked = {}

    def change(session, note, scope_id=None, *, by, today, role, config):
        # scope_id may be passed by position: act leaves it alone.
        asked.update(note=note, scope_id=scope_id, by=by, today=today, role=role, config=config)
        session.execute(sa.text("INSERT INTO scratch VALUES (:note)"), {"note": note})
        return "done"

    with world.app.test_request_context():
        g.principal = CALLER
        assert act(change, "张三丰", role="city") == "done"
    assert asked == {
        "note": "张三丰",
        "scope_id": None,
        "by": "town:7",
        "today": city_today(world.config.TIME_ZONE),
        "role": "city",  # given: kept
        "config": world.app.config,
    }
    with world.db.engine.connect() as conn:  # committed: another connection reads it
        assert conn.exec_driver_sql("SELECT note FROM scratch").scalars().all() == ["张三丰"]
    world.db.dispose()


def test_blueprints_of_lists_each_modules_blueprints_in_the_order_named():
    names = [b.name for b in blueprints_of("services.roster.api", "places auth")]
    # places declares BLUEPRINTS (three); auth its one ``blp``.
    assert names == ["towns", "villages", "units", "auth"]
