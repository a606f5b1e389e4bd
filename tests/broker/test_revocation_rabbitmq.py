"""A token issued before its account was set inactive is refused by every service within
seconds (issue 19): roster records the revocation and refuses the token at once; its
relay publishes ``account.revoked`` to RabbitMQ; mentorship's and welfare's consumers
(each on its own PostgreSQL database) write it into their projections, and their web
apps refuse the token from their next read of the list (at most a second later)."""

from __future__ import annotations

import threading
import time

import pytest

from services.mentorship.app import create_app as mentorship_app
from services.mentorship.config import Config as MentorshipConfig
from services.mentorship.spec import SPEC as MENTORSHIP
from services.roster.app import create_app as roster_app
from services.roster.config import Config as RosterConfig
from services.roster.domain.accounts import create_account
from services.roster.models import Outbox as RosterOutbox
from services.roster.spec import SPEC as ROSTER
from services.welfare.app import create_app as welfare_app
from services.welfare.config import Config as WelfareConfig
from services.welfare.spec import SPEC as WELFARE
from shared.bus import Bus
from shared.outbox import relay_once
from tests.conftest import make_token, migrated

pytestmark = pytest.mark.integration

PASSWORD = "clerk-secret-1"


@pytest.fixture
def three(sqlite_url, pg_url, other_pg_url, amqp_url, names, rabbit_cleanup):
    roster_db = migrated(ROSTER, sqlite_url)
    with roster_db.transaction() as session:
        account, _ = create_account(
            session, {"username": "clerk", "password": PASSWORD, "role": "city"}
        )
        account_id = account.id
    bus = Bus(amqp_url, names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
    roster = roster_app(
        RosterConfig(DATABASE_URL=sqlite_url, BROKER_URL=amqp_url, **names), roster_db
    )
    services, threads, stop = {}, [], threading.Event()
    for name, spec, config_class, make, url in (
        ("mentorship", MENTORSHIP, MentorshipConfig, mentorship_app, pg_url),
        ("welfare", WELFARE, WelfareConfig, welfare_app, other_pg_url),
    ):
        db = migrated(spec, url)
        config = config_class(DATABASE_URL=url, BROKER_URL=amqp_url, **names)
        consumer = spec.consumer(config, db, spec.bus(config))
        ready = threading.Event()
        thread = threading.Thread(target=consumer.run, args=(stop, ready), daemon=True)
        thread.start()
        assert ready.wait(10)
        threads.append(thread)
        services[name] = (make(config, db), db)
    yield {
        "roster": roster,
        "roster_db": roster_db,
        "bus": bus,
        "services": services,
        "account": account_id,
    }
    stop.set()
    for thread in threads:
        thread.join(10)
    bus.reset()
    roster_db.dispose()
    for _app, db in services.values():
        db.dispose()


PATHS = {"mentorship": "/api/v1/mentorship/assignments", "welfare": "/api/v1/welfare/needs"}


def test_a_deactivated_accounts_token_is_refused_by_every_service_within_seconds(three):
    roster = three["roster"].test_client()
    token = roster.post(
        "/api/v1/roster/auth/token",
        json={"grant_type": "password", "username": "clerk", "password": PASSWORD},
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    clients = {name: app.test_client() for name, (app, _db) in three["services"].items()}
    for name, client in clients.items():
        assert client.get(PATHS[name], headers=headers).status_code == 200, name
    assert roster.get("/api/v1/roster/auth/me", headers=headers).status_code == 200

    city = {"Authorization": f"Bearer {make_token('city', subject='999')}"}
    changed = roster.patch(
        f"/api/v1/roster/accounts/{three['account']}", json={"active": False}, headers=city
    )
    assert changed.status_code == 200
    assert roster.get("/api/v1/roster/auth/me", headers=headers).status_code == 401  # at once
    started = time.monotonic()
    while relay_once(three["roster_db"], RosterOutbox, three["bus"]):
        pass
    refused_after = {}
    while len(refused_after) < len(clients):
        for name, client in clients.items():
            if name not in refused_after:
                response = client.get(PATHS[name], headers=headers)
                if response.status_code == 401:
                    assert response.get_json()["title"] == "Token revoked"
                    refused_after[name] = round(time.monotonic() - started, 2)
        assert time.monotonic() - started < 10, f"refused only by {refused_after}"
        time.sleep(0.05)
    print(f"refused after (s): {refused_after}")
    assert max(refused_after.values()) < 5
    # another city clerk's token still works everywhere
    for name, client in clients.items():
        assert client.get(PATHS[name], headers=city).status_code == 200
