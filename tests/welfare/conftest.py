"""Welfare fixtures: the generic world of ``tests/worlds.py`` on welfare's app."""

import pytest

from tests.worlds import POSITIONS, TRAINEES, World, build_world  # noqa: F401 - re-exported


@pytest.fixture
def world(sqlite_url):
    world = build_world("welfare", sqlite_url)
    yield world
    world.db.dispose()


@pytest.fixture
def world_pg(pg_url):
    world = build_world("welfare", pg_url)
    yield world
    world.db.dispose()
