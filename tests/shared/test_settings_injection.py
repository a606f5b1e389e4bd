"""Issue 23: a service's settings reach its handlers and domain code through its database
(built once by the entry point, ``spec.database(config)``), never from the environment."""

from __future__ import annotations

import importlib
import inspect

import pytest

from services.welfare.app import create_app
from services.welfare.spec import SPEC
from shared.db import Database, settings_of


def test_every_session_of_a_database_carries_the_settings_it_was_built_with(tmp_path):
    config = SPEC.config(DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}", TIME_ZONE="Asia/Urumqi")
    db = SPEC.database(config)
    with db.transaction() as session:
        assert settings_of(session) is config
        assert settings_of(session).TIME_ZONE == "Asia/Urumqi"
        session.info["hold_commit"] = True  # a session's own info stays its own
    with db.transaction() as session:
        assert "hold_commit" not in session.info
    db.dispose()


def test_a_database_built_without_settings_says_so_instead_of_reading_the_environment(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with db.transaction() as session, pytest.raises(RuntimeError, match="Database.of"):
        settings_of(session)
    db.dispose()


def test_the_app_gives_its_database_its_own_settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    db = Database(url, settings=SPEC.config(DATABASE_URL=url))
    config = SPEC.config(DATABASE_URL=url, TIME_ZONE="Asia/Hong_Kong")
    create_app(config, db)
    with db.transaction() as session:
        assert settings_of(session).TIME_ZONE == "Asia/Hong_Kong"
    db.dispose()


@pytest.mark.parametrize("name", ["roster", "mentorship", "reporting", "welfare", "notifier"])
def test_a_service_s_settings_are_named_by_its_package_once(name, monkeypatch):
    # the name picks the service's database (ROSTER_DATABASE_URL, var/roster.db)
    monkeypatch.delenv(f"{name.upper()}_DATABASE_URL", raising=False)
    module = importlib.import_module(f"services.{name}.config")
    config_class = module.Config
    assert "SERVICE" not in inspect.getsource(module) and config_class.SERVICE == name
    assert config_class().DATABASE_URL.endswith(f"/{name}.db")
    monkeypatch.setenv(f"{name.upper()}_DATABASE_URL", "sqlite:///elsewhere.db")
    assert config_class().DATABASE_URL == "sqlite:///elsewhere.db"
