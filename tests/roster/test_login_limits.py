"""Login limits (issue 19): failed token requests are limited per client address
(Flask-Limiter, a store all web processes share), so spraying one password over many
accounts from one address is throttled; an account's own lock backs off (30 s, doubling,
at most 15 minutes) and never keeps out a client that signed in to it before; the client
address comes from X-Forwarded-For only behind a configured number of trusted proxies."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.roster.domain.accounts import create_account
from shared.clock import utcnow
from tests.roster.conftest import CLERK_PASSWORD
from tests.roster.helpers import API, assert_problem

TOKEN = f"{API}/auth/token"
HOLDER = "10.1.1.1"  # the clerk's own machine
ATTACKER = "203.0.113.9"


def login(roster, username="clerk", password=CLERK_PASSWORD, address=HOLDER, **extra):
    return roster.client.post(
        TOKEN,
        json={"grant_type": "password", "username": username, "password": password, **extra},
        environ_base={"REMOTE_ADDR": address},
    )


def make_accounts(roster, count: int) -> list[str]:
    names = [f"user{n}" for n in range(count)]
    with roster.db.transaction() as session:
        for name in names:
            create_account(session, {"username": name, "password": f"{name}-pass", "role": "city"})
    return names


def test_spraying_many_accounts_from_one_address_is_throttled(roster):
    names = make_accounts(roster, 12)
    limit = 10  # LOGIN_ADDRESS_LIMIT: 10 failures a minute
    statuses = [login(roster, name, "Spring2026!", ATTACKER).status_code for name in names]
    assert statuses == [401] * limit + [429] * (len(names) - limit), statuses
    throttled = login(roster, "clerk", CLERK_PASSWORD, ATTACKER)
    problem = assert_problem(throttled, 429)
    assert 0 < int(throttled.headers["Retry-After"]) <= 61
    assert "登录失败次数过多" in problem["detail"]
    # another address is not throttled, and no account is locked by the spraying
    assert login(roster, "clerk", CLERK_PASSWORD, HOLDER).status_code == 200
    assert login(roster, names[0], f"{names[0]}-pass", HOLDER).status_code == 200


def test_successful_logins_from_one_address_are_not_counted(roster):
    names = make_accounts(roster, 12)
    for name in names:  # a town hall behind one address, everyone signing in
        assert login(roster, name, f"{name}-pass", ATTACKER).status_code == 200


def test_the_account_lock_backs_off_from_30_seconds_doubling_up_to_15_minutes(roster, travel):
    waits = []
    for _round in range(7):
        for n in range(5):  # from ever new addresses: the account's own lock, not the address's
            assert (
                login(
                    roster, password="wrong", address=f"198.51.100.{len(waits) * 5 + n}"
                ).status_code
                == 401
            )
        locked = login(roster, address="192.0.2.1")
        assert_problem(locked, 429)
        waits.append(int(locked.headers["Retry-After"]))
        # (from the clock's now, which ran on while the logins were checked: under load
        # they take seconds, and the lock counts from the last of them)
        now = utcnow() + dt.timedelta(seconds=waits[-1] + 1)
        travel(now)  # the lock has lifted
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    # a long quiet time after the last lock: back to 30 s
    travel(utcnow() + dt.timedelta(seconds=901))
    for n in range(5):
        login(roster, password="wrong", address=f"198.51.100.{200 + n}")
    assert int(login(roster, address="192.0.2.1").headers["Retry-After"]) == 30


def test_the_lock_lifts_after_the_back_off(roster, travel):
    for _ in range(5):
        login(roster, password="wrong", address=ATTACKER)
    assert_problem(login(roster, address="192.0.2.7"), 429)
    travel(utcnow() + dt.timedelta(seconds=31))
    assert login(roster, address="192.0.2.7").status_code == 200


def test_a_lock_set_from_another_address_does_not_keep_out_a_known_client(roster):
    assert login(roster, address=HOLDER).status_code == 200  # the clerk's usual machine
    for _ in range(5):
        assert login(roster, password="guess", address=ATTACKER).status_code == 401
    assert_problem(login(roster, address=ATTACKER), 429)  # the attacker: locked out
    assert_problem(login(roster, address="192.0.2.50"), 429)  # any unknown client too
    assert login(roster, address=HOLDER).status_code == 200  # the holder is let in ...
    assert login(roster, address=ATTACKER).status_code == 200  # ... which lifts the lock


def test_a_known_device_id_passes_the_lock_from_a_new_address(roster):
    device = login(roster, address=HOLDER).get_json()["device_id"]
    for _ in range(5):
        login(roster, password="guess", address=ATTACKER)
    assert_problem(login(roster, address="192.0.2.60"), 429)
    assert login(roster, address="192.0.2.60", device_id=device).status_code == 200
    # a made-up device id is nobody's
    for _ in range(5):
        login(roster, password="guess", address=ATTACKER)
    assert_problem(login(roster, address="192.0.2.61", device_id="x" * 32), 429)


def test_a_known_client_still_cannot_guess_through_the_lock(roster):
    login(roster, address=HOLDER)
    for _ in range(5):
        login(roster, password="guess", address=ATTACKER)
    assert login(roster, password="another-guess", address=HOLDER).status_code == 401
    assert_problem(login(roster, address=ATTACKER), 429)


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(roster):
    make_accounts(roster, 12)
    statuses = []
    for n in range(12):  # a new claimed address each time, the same socket
        response = roster.client.post(
            TOKEN,
            json={"grant_type": "password", "username": f"user{n}", "password": "x"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
            environ_base={"REMOTE_ADDR": ATTACKER},
        )
        statuses.append(response.status_code)
    assert statuses[-2:] == [429, 429], statuses


@pytest.fixture
def behind_a_proxy(roster_config):
    roster_config["TRUSTED_PROXY_HOPS"] = 1


def test_behind_one_trusted_proxy_the_forwarded_address_is_the_clients(behind_a_proxy, roster):
    make_accounts(roster, 12)
    statuses = []
    for n in range(12):  # the proxy (one socket) relays twelve clients
        response = roster.client.post(
            TOKEN,
            json={"grant_type": "password", "username": f"user{n}", "password": "x"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
        statuses.append(response.status_code)
    assert statuses == [401] * 12
    # a client claiming addresses before the proxy's entry gains nothing: the proxy's
    # own entry (the last) is the one believed
    for n in range(11):
        roster.client.post(
            TOKEN,
            json={"grant_type": "password", "username": f"user{n}", "password": "x"},
            headers={"X-Forwarded-For": f"1.2.3.{n}, {ATTACKER}"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
    assert (
        roster.client.post(
            TOKEN,
            json={"grant_type": "password", "username": "user0", "password": "x"},
            headers={"X-Forwarded-For": f"9.9.9.9, {ATTACKER}"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        ).status_code
        == 429
    )


@pytest.fixture
def redis_store(roster_config):
    """Limits in the local Redis, under a key prefix of this test's own."""
    import redis

    from tests.conftest import _require

    _require("Redis", "127.0.0.1", 6379)  # CI=true: a missing Redis fails the run
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    roster_config.update(
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=prefix
    )
    yield prefix
    client = redis.Redis(host="127.0.0.1", port=6379)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def test_web_processes_count_an_address_together_in_redis(redis_store, roster):
    from services.roster.app import create_app
    from services.roster.config import Config

    other = create_app(  # a second web process: its own app, the same store
        Config(
            DATABASE_URL=roster.db.url,
            BROKER_URL="memory://",
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
            RATELIMIT_KEY_PREFIX=redis_store,
        ),
        roster.db,
    ).test_client()
    make_accounts(roster, 12)
    statuses = []
    for n in range(12):
        client = roster.client if n % 2 else other
        response = client.post(
            TOKEN,
            json={"grant_type": "password", "username": f"user{n}", "password": "x"},
            environ_base={"REMOTE_ADDR": ATTACKER},
        )
        statuses.append(response.status_code)
    assert statuses == [401] * 10 + [429] * 2, statuses
