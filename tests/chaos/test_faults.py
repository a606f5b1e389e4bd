"""Issue 9, faults: each scenario runs a burst of changes over HTTP against every production
process (tests/chaos/harness.py), injects its fault, restores everything, and counts every
event of every outbox against every inbox that should have applied it."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from kombu import Connection

from shared.events.envelope import build_event
from tests.chaos.conftest import BROKER_OUTAGE, CHANGES, DATABASE_OUTAGE, FULL
from tests.chaos.harness import SERVICES, Answers, Burst, KeyedWrite, Probe, call, http, record
from tests.chaos.proxy import TcpProxy

# One xdist worker runs every scenario (make test's ``--dist loadgroup``): the production
# stack they share (a module fixture) starts once, not once per worker.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.integration,
    pytest.mark.timeout(600),
    pytest.mark.xdist_group("chaos-stack"),
]


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def settled(chaos, since, burst, scenario, timeout=120.0, **notes):
    tally, seconds = chaos.settle(since, timeout)
    row = record(
        scenario,
        burst,
        tally,
        duplicate_effects=chaos.duplicate_effects(burst.trainees if burst else [], since),
        unexpected=chaos.unexpected(),
        notes=", ".join(
            f"{k} {v}"
            for k, v in {
                **notes,
                "settled in": f"{seconds:.1f}s",
                **({"lost in": tally["lost_by"]} if tally["lost_by"] else {}),
            }.items()
        ),  # fmt: skip
    )
    return row, tally, seconds


def assert_clean(row, burst=None):
    assert row["lost"] == 0, row
    assert row["duplicated"] == 0, row
    assert row["unexpected"] == 0, row
    assert row["5xx"] == 0, (row, burst.statuses if burst else None)


def test_1_the_broker_away_for_a_while_loses_nothing_and_the_web_answers(chaos):
    since = chaos.watermark()
    cut_at = {}

    def outage():
        time.sleep(1.0)
        chaos.broker_proxy.cut()
        cut_at["cut"] = time.monotonic()
        time.sleep(BROKER_OUTAGE)
        chaos.broker_proxy.restore()
        cut_at["restored"] = time.monotonic()

    def outage_and_count():
        outage()
        cut_at["unsent"] = chaos.tally(since)["unsent"]  # the backlog when the broker returns

    burst = chaos.burst(CHANGES, during=outage_and_count)
    row, tally, seconds = settled(
        chaos, since, burst, f"1 broker away {BROKER_OUTAGE:.0f}s",
        **{"backlog at return": cut_at["unsent"]},
    )  # fmt: skip
    assert_clean(row, burst)
    assert burst.statuses[201] == burst.requests, burst.statuses
    # the outbox piled up while the broker was away, and drained within 60 s of its return
    assert cut_at["unsent"] > 0, "nothing was written while the broker was away"
    drained_after = time.monotonic() - cut_at["restored"]
    assert tally["unsent"] == 0 and drained_after <= 60, (tally, drained_after)


def test_2_a_relay_killed_between_publishing_and_marking_sent_again_and_again(chaos):
    since = chaos.watermark()
    probe = Probe(chaos)
    try:
        chaos.restart("outbox-relay", GRASSROOTS_FAULT="relay.after_publish",
                      GRASSROOTS_FAULT_EVERY=1)  # fmt: skip
        chaos.wait_started(["outbox-relay"])
        restarts = chaos.restarts["outbox-relay"]
        burst = chaos.burst(CHANGES)
        # again and again: each restarted relay publishes the same unmarked rows and dies
        wait_until(lambda: chaos.restarts["outbox-relay"] - restarts >= 3, 90)
        killed = chaos.restarts["outbox-relay"] - restarts
        chaos.restart("outbox-relay")  # no more faults: the rest drains
        row, tally, _ = settled(chaos, since, burst, "2 relay SIGKILL after publish",
                                **{"relay deaths": killed})  # fmt: skip
        seen = probe.drain()
    finally:
        probe.close()
    assert_clean(row, burst)
    assert killed >= 3, "the relay did not die again and again"
    # at least once on the wire: the killed relays' batches went out twice
    assert sum(1 for n in seen.values() if n > 1) >= 1, "no event was published twice"
    row["notes"] += f", published twice {sum(1 for n in seen.values() if n > 1)}"


@pytest.mark.parametrize("point", ["consumer.before_commit", "consumer.after_commit"])
def test_3_consumers_killed_before_and_after_their_commit_apply_everything_once(chaos, point):
    since = chaos.watermark()
    consumers = chaos.processes("consumer")
    before = {name: chaos.restarts[name] for name in consumers}
    for name in consumers:
        chaos.restart(name, GRASSROOTS_FAULT=point, GRASSROOTS_FAULT_EVERY=15)
    chaos.wait_started(consumers)
    burst = chaos.burst(CHANGES)
    # every consumer dies at least twice (every 15th event, then again after its restart)
    wait_until(lambda: all(chaos.restarts[n] - before[n] >= 2 for n in consumers), 120)
    deaths = sum(chaos.restarts[name] - before[name] for name in consumers)
    for name in consumers:
        chaos.restart(name)
    row, _, _ = settled(chaos, since, burst, f"3 consumers SIGKILL {point.split('.')[1]}",
                        **{"consumer deaths": deaths})  # fmt: skip
    assert_clean(row, burst)
    assert deaths >= 2 * len(consumers), "the consumers did not die again and again"
    assert chaos.fees(burst.trainees) == len(burst.trainees)


# Three copies of every relay and consumer (15 more processes) only in the full run: on 2
# cores they take a minute of the fast suite's 15, and two copies already race.
@pytest.mark.parametrize("copies", [2, 3] if FULL else [2])
def test_4_several_relays_and_consumers_per_service_claim_nothing_twice(chaos, copies):
    since = chaos.watermark()
    probe = Probe(chaos)
    aliases = []
    try:
        for name in chaos.processes("relay") + chaos.processes("consumer"):
            for n in range(2, copies + 1):
                aliases.append(chaos.add_copy(name, n))
        chaos.wait_started(aliases)
        burst = chaos.burst(CHANGES)
        row, tally, _ = settled(chaos, since, burst, f"4 {copies} relays and consumers each")
        seen = probe.drain()
    finally:
        for alias in aliases:
            chaos.remove_copy(alias)
        probe.close()
    twice = sum(1 for n in seen.values() if n > 1)
    row["notes"] += f", published twice {twice}"
    assert_clean(row, burst)
    assert twice == 0, "two relays claimed the same outbox row"
    assert len(seen) >= tally["events"], (len(seen), tally)


def publish(chaos, envelope: dict) -> None:
    """Publish an event straight to the system's exchange (as a producer would: under the
    login the stack's services share, which the consumers check)."""
    chaos.injected.add(str(envelope["id"]))
    assert chaos.bus.publish([envelope]) == {envelope["id"]}


def test_5_a_poison_event_is_parked_alone_and_applied_once_after_the_fix(chaos):
    since = chaos.watermark()
    ghost = 900_000_000 + int(uuid.uuid4().int % 1000)
    poison = build_event(
        "trainee.placed",
        {"trainee_id": ghost, "placement_id": ghost, "village_id": chaos.villages[0],
         "town_id": chaos.town, "unit_id": chaos.unit, "start_date": "2026-11-02",
         "first_in_village": True, "version": 2},
        producer="roster",
    )  # fmt: skip
    burst = chaos.burst(CHANGES // 2)
    publish(chaos, poison)
    burst2 = chaos.burst(CHANGES // 2)
    burst.requests += burst2.requests
    burst.statuses.update(burst2.statuses)
    burst.trainees += burst2.trainees
    row, _, _ = settled(chaos, since, burst, "5 poison event among valid ones")
    assert_clean(row, burst)
    # a placement of a trainee nobody registered: retried, then parked by each consumer
    # that keeps trainees; nothing else is parked anywhere
    consumers = ("mentorship", "reporting", "welfare", "notifier")
    deadline = time.monotonic() + 90  # three attempts: 1 s, 5 s and 30 s apart
    parked = {}
    while time.monotonic() < deadline:
        parked = {s: [m["message_id"] for m in chaos.parked(s)] for s in consumers}
        if all(parked[s] == [poison["id"]] for s in ("mentorship", "welfare")):
            break
        time.sleep(0.5)
    assert all(ids in ([], [poison["id"]]) for ids in parked.values()), parked
    holders = [s for s, ids in parked.items() if ids == [poison["id"]]]
    assert {"mentorship", "welfare"} <= set(holders), parked
    # the fix: the registration arrives; a replay then applies the placement once
    registered = build_event(
        "trainee.registered",
        {"id": ghost, "name": "补登学员", "cohort": 2026, "unit_id": chaos.unit,
         "status": "active", "version": 1},
        producer="roster",
    )  # fmt: skip
    publish(chaos, registered)
    time.sleep(1)
    from shared.consumer import replay_parked

    for service in holders:
        assert replay_parked(chaos.bus, service) == 1
    for service in holders:
        engine = chaos.engines[service]

        def placed(engine=engine):
            with engine.connect() as conn:
                return conn.execute(
                    sa.text("SELECT village_id FROM trainee WHERE id = :i"), {"i": ghost}
                ).scalar()

        deadline = time.monotonic() + 30
        while placed() != chaos.villages[0] and time.monotonic() < deadline:
            time.sleep(0.3)
        assert placed() == chaos.villages[0], service
        assert chaos.inbox_ids(service, [poison["id"]])[poison["id"]] == 1
        assert chaos.parked(service) == []
    row["notes"] += f", parked by {len(holders)} consumers, replayed once each"


def test_6_an_unroutable_publish_is_not_marked_sent(chaos):
    since = chaos.watermark()
    routing_key = "town.updated"
    with Connection(chaos.amqp_url) as conn:
        channel = conn.channel()
        queues = [
            chaos.bus.queue_name(s) for s in ("mentorship", "reporting", "welfare", "notifier")
        ]
        for queue in queues:  # nobody listens to town.updated any more
            channel.queue_unbind(queue, chaos.stack.exchange, routing_key)
    status, _ = http("PATCH", f"{chaos.api('roster')}/towns/{chaos.town}", {"name": "石𬌗新镇"},
                     chaos.city)  # fmt: skip
    assert status == 200
    time.sleep(3)
    with chaos.engines["roster"].connect() as conn:
        unsent = conn.execute(
            sa.text("SELECT count(*) FROM outbox WHERE type = :t AND sent_at IS NULL AND id > :m"),
            {"t": routing_key, "m": since["roster"]},
        ).scalar()
    assert unsent == 1, "an event nobody could receive was marked sent"
    # put the bindings back while the relay is held, so that the next publish reaches
    # every queue at once (routing happens at publish time)
    chaos.pause("outbox-relay")
    try:
        with Connection(chaos.amqp_url) as conn:
            channel = conn.channel()
            for queue in queues:
                channel.queue_bind(queue, chaos.stack.exchange, routing_key)
    finally:
        chaos.resume("outbox-relay")
    row, _, _ = settled(chaos, since, None, "6 unroutable publish (binding removed)",
                        **{"held unsent": unsent})  # fmt: skip
    assert_clean(row)


def test_7_an_outbox_row_committed_late_with_a_lower_id_is_not_skipped(chaos):
    since = chaos.watermark()
    from services.roster.models import Outbox
    from shared.outbox import record_event

    engine = chaos.engines["roster"]
    held = sa.orm.Session(engine)
    record_event(held, Outbox, "town.updated",
                 {"id": chaos.town, "code": "CT1", "name": "石𬌗镇"},
                 producer="roster")  # fmt: skip
    held.flush()  # the row has its id; the transaction stays open
    burst = chaos.burst(CHANGES // 2)
    time.sleep(1)
    held.commit()
    held.close()
    row, _, _ = settled(chaos, since, burst, "7 outbox row committed out of id order")
    assert_clean(row, burst)


def test_8_a_consumers_database_away_holds_its_messages_and_parks_nothing(chaos):
    since = chaos.watermark()
    pg = sa.engine.make_url(chaos.stack.database_urls["welfare"])
    proxy = TcpProxy(pg.host or "127.0.0.1", pg.port or 5432)
    proxied = pg.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        chaos.restart("welfare-consumer", WELFARE_DATABASE_URL=proxied)
        chaos.wait_started(["welfare-consumer"])

        def outage():
            time.sleep(1.0)
            proxy.cut()
            time.sleep(DATABASE_OUTAGE)
            proxy.restore()

        burst = chaos.burst(CHANGES, during=outage)
        row, _, _ = settled(chaos, since, burst, f"8 consumer database away {DATABASE_OUTAGE:.0f}s")
        parked = chaos.parked("welfare")
    finally:
        chaos.restart("welfare-consumer")
        proxy.close()
    assert_clean(row, burst)
    assert parked == [], "a message was parked because the database was away"
    assert chaos.fees(burst.trainees) == len(burst.trainees)


def test_9_many_changes_of_one_trainee_end_at_the_latest_state_everywhere(chaos):
    since = chaos.watermark()
    roster = chaos.api("roster")
    body = {"name": "反复学员", "cohort": 2026, "unit_id": chaos.unit}
    _, trainee = http("POST", f"{roster}/trainees", body, chaos.city)
    aliases = [chaos.add_copy(name, 2) for name in chaos.processes("consumer")]
    consumers = [n for n in chaos.processes("consumer") if "#" not in n]
    for name in consumers:  # redeliveries: each dies after a commit now and then
        chaos.restart(name, GRASSROOTS_FAULT="consumer.after_commit", GRASSROOTS_FAULT_EVERY=7)
    chaos.wait_started(aliases + consumers)
    changes = max(30, CHANGES // 4)
    statuses = []
    lock = threading.Lock()

    def change(i: int) -> None:
        status, _ = http("PATCH", f"{roster}/trainees/{trainee['id']}",
                         {"name": f"反复学员{i:04d}"}, chaos.city)  # fmt: skip
        with lock:
            statuses.append(status)

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(change, range(changes)))
    time.sleep(2)
    for name in consumers:
        chaos.restart(name)
    for alias in aliases:
        chaos.remove_copy(alias)
    _, final = http("GET", f"{roster}/trainees/{trainee['id']}", token=chaos.city)
    row, _, _ = settled(chaos, since, None, "9 one trainee changed many times")
    row["requests"] = len(statuses) + 1
    row["5xx"] = sum(1 for s in statuses if s >= 500 or s == 0)
    behind = []
    for service in ("mentorship", "reporting", "welfare", "notifier"):
        with chaos.engines[service].connect() as conn:
            name = conn.execute(
                sa.text("SELECT name FROM trainee WHERE id = :i"), {"i": trainee["id"]}
            ).scalar()
        if name != final["name"]:
            behind.append((service, name))
    row["notes"] += f", read models behind {len(behind)}"
    assert_clean(row)
    assert not behind, f"roster says {final['name']}: {behind}"


#: A list every service's web answers the city from its own database (reads in scenario 10).
READS = {
    "roster": "/trainees?per_page=5",
    "mentorship": "/talks?per_page=5",
    "reporting": "/duty-items?per_page=5",
    "welfare": "/needs?per_page=5",
    "notifier": "/subscriptions?per_page=5",
}


def _through(proxy: TcpProxy, url: str) -> str:
    return (
        sa.engine.make_url(url)
        .set(host="127.0.0.1", port=proxy.port)
        .render_as_string(hide_password=False)
    )


def _webs_ready(chaos, timeout: float = 90.0) -> None:
    from deploy.stack import wait_http

    for service in SERVICES:
        wait_http(f"{chaos.stack.urls[service]}/readyz", timeout=timeout)


def test_10_the_web_tiers_database_away_answers_503_and_keyed_retries_write_once(chaos):
    """Every web process reaches PostgreSQL through a proxy (the relays, consumers and the
    scheduler keep their own connections); the proxy is cut during a burst of creating
    POSTs, each sent by a careful client with one Idempotency-Key for all its attempts
    (503 and lost connections retried after Retry-After). Then every acknowledged write
    is counted against the stored rows."""
    since = chaos.watermark()
    pg = sa.engine.make_url(chaos.stack.database_urls["roster"])
    proxy = TcpProxy(pg.host or "127.0.0.1", pg.port or 5432)
    writes: list[KeyedWrite] = []
    placements: list[KeyedWrite] = []
    answers, reads = Answers(), Answers()
    roster = chaos.api("roster")
    tag = uuid.uuid4().hex[:6]
    try:
        for service in SERVICES:
            url = _through(proxy, chaos.stack.database_urls[service])
            chaos.restart(f"{service}-web", **{f"{service.upper()}_DATABASE_URL": url})
        _webs_ready(chaos)
        outage = {}

        def cut_for_a_while():
            time.sleep(1.0)
            proxy.cut()
            outage["cut"] = time.monotonic()
            login = {"grant_type": "password", "username": chaos.stack.city[0],
                     "password": chaos.stack.city[1]}  # fmt: skip
            while time.monotonic() - outage["cut"] < DATABASE_OUTAGE:
                for service, path in READS.items():  # reads, and a login, meanwhile
                    status, _, headers = call("GET", chaos.api(service) + path, token=chaos.city)
                    reads.note(status, headers)
                status, _, headers = call("POST", f"{roster}/auth/token", login)
                reads.note(status, headers)
                time.sleep(0.2)
            proxy.restore()

        def one(i: int) -> None:
            write = KeyedWrite(
                f"{roster}/trainees",
                {"name": f"幂等{tag}学员{i}", "cohort": 2026, "unit_id": chaos.unit},
            )
            with lock:
                writes.append(write)
            trainee = write.send(chaos.city, answers, give_up_after=120)
            if trainee is None:
                return
            placement = KeyedWrite(
                f"{roster}/trainees/{trainee}/placements",
                {"village_id": chaos.villages[i % 3], "start_date": "2026-11-02"},
            )
            with lock:
                placements.append(placement)
            placement.send(chaos.city, answers, give_up_after=120)

        lock = threading.Lock()
        side = threading.Thread(target=cut_for_a_while, daemon=True)
        side.start()
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(4) as pool:
            n = max(1, CHANGES // 2)
            list(pool.map(one, range(n)))
            while side.is_alive():  # the cut must fall inside the burst
                list(pool.map(one, range(n, n + 4)))
                n += 4
        side.join()

        # -- the ledger: acknowledged writes against the stored rows --------------------
        with chaos.engines["roster"].connect() as conn:
            stored = conn.execute(
                sa.text("SELECT name, id FROM trainee WHERE name LIKE :p"), {"p": f"幂等{tag}%"}
            ).all()
            ids = [row.id for row in stored]
            placed = conn.execute(
                sa.text("SELECT trainee_id, id FROM placement WHERE trainee_id = ANY(:ids)"),
                {"ids": ids},
            ).all()
        by_name: dict[str, list[int]] = {}
        for name, id_ in stored:
            by_name.setdefault(name, []).append(id_)
        by_trainee: dict[int, list[int]] = {}
        for trainee_id, id_ in placed:
            by_trainee.setdefault(trainee_id, []).append(id_)
        stored_ids = {id_ for _, id_ in stored}
        placement_ids = {id_ for _, id_ in placed}
        acknowledged_missing = sum(
            1 for w in writes if w.acknowledged is not None and w.acknowledged not in stored_ids
        ) + sum(
            1
            for p in placements
            if p.acknowledged is not None and p.acknowledged not in placement_ids
        )
        twice = sum(len(v) - 1 for v in by_name.values()) + sum(
            len(v) - 1 for v in by_trainee.values()
        )
        # a row stored for a write never acknowledged: its client asks again with its key
        unacknowledged = [w for w in writes if w.acknowledged is None and w.body["name"] in by_name]
        unfindable = sum(
            1
            for w in unacknowledged
            if w.send(chaos.city, answers, give_up_after=30) not in by_name[w.body["name"]]
        )
        gave_up = sum(1 for w in writes + placements if w.acknowledged is None)
        trainees = [w.acknowledged for w in writes if w.acknowledged is not None]
        burst = Burst(
            requests=sum(w.attempts for w in writes + placements),
            statuses=answers.statuses + reads.statuses,
            trainees=trainees,
        )
        row, _, _ = settled(
            chaos, since, burst, f"10 web tier's database away {DATABASE_OUTAGE:.0f}s",
            **{
                "writes acknowledged": len(trainees) + sum(
                    1 for p in placements if p.acknowledged is not None
                ),
                "acknowledged and missing": acknowledged_missing,
                "stored, unacknowledged, not found by key": unfindable,
                "503 (all with Retry-After)": answers.statuses[503] + reads.statuses[503],
                "replayed": answers.replayed,
                "reads and logins": sum(reads.statuses.values()),
            },
        )  # fmt: skip
        row["duplicated"] += twice
        row["5xx"] = answers.failures + reads.failures  # 503 is the right answer here
    finally:
        for service in SERVICES:
            chaos.restart(f"{service}-web")
        proxy.close()
        _webs_ready(chaos)
    assert_clean(row, burst)
    assert acknowledged_missing == 0, row
    assert unfindable == 0, row
    assert twice == 0, row
    assert gave_up == 0, row
    assert answers.unavailable_without_retry_after == 0, answers.statuses
    assert reads.unavailable_without_retry_after == 0, reads.statuses
    assert answers.statuses[500] == reads.statuses[500] == 0
    # the fault did fall on the web tier: writes, reads and logins saw 503s
    assert answers.statuses[503] > 0 and reads.statuses[503] > 0, (answers, reads)
    assert chaos.fees(trainees) == len(trainees)
