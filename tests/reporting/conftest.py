"""Reporting fixtures: the generic world of ``tests/worlds.py`` on reporting's app."""

import pytest

from tests.worlds import POSITIONS, TRAINEES, World, build_world  # noqa: F401 - re-exported


@pytest.fixture
def world(sqlite_url):
    world = build_world("reporting", sqlite_url)
    yield world
    world.db.dispose()


@pytest.fixture
def world_pg(pg_url):
    world = build_world("reporting", pg_url)
    yield world
    world.db.dispose()
