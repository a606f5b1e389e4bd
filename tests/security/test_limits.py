"""Resource limits (issue 9, item 13), from each committed OpenAPI document:

- every body over the limit (1 MiB for JSON, ``MAX_UPLOAD_LENGTH`` for imports) is a 413
  problem+json and stores nothing;
- every list is paged with ``per_page`` capped at 200 (201 is a 422), except the few
  answers bounded by their object, listed below;
- every import endpoint answers more rows than its limit with a 413, a CSV field too long
  for the CSV reader and a cell over ``IMPORT_MAX_CELL`` with a 422, each naming the
  limit and storing nothing (issue 18);
- the same bodies sent as raw bytes to gunicorn (Content-Length and chunked), oversized
  headers, slow clients and /metrics, over real HTTP (the second half of this file);
- roster throttles failed logins: after ``LOGIN_MAX_FAILURES`` (5, documented in the
  README) the account is locked, answers 429 with ``Retry-After`` even to the right
  password from an unknown client, and an unknown username behaves the same (so the lock
  reveals no account); the lock lasts 30 s the first time and doubles up to 15 minutes;
- failed logins are limited per client address too (issue 19): spraying one password
  over many accounts from one address is throttled with 429 and ``Retry-After``, and the
  lock it sets on an account never keeps out a client that signed in to it before.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
import uuid
from dataclasses import dataclass

import pytest

from services.roster.domain.accounts import create_account
from tests.roster.conftest import CLERK_PASSWORD
from tests.security.conftest import SERVICES, changed_tables, snapshot
from tests.security.oas import Document
from tests.security.worlds import CITY

# One worker runs the whole module (make test's ``--dist loadgroup``): its gunicorn fixture
# counts the one worker the slow-headers case gets killed, over all the module's cases.
pytestmark = [pytest.mark.security, pytest.mark.xdist_group("security-limits")]

#: JSON arrays that are not paged because their length is bounded by one object or by the
#: city's structure (towns x five kinds), never by the data's growth.
BOUNDED = {
    ("roster", "/trainees/{id}/placements"),  # one trainee's placements
    ("roster", "/trainees/{id}/status"),  # one trainee's status changes
    ("mentorship", "/assignments/{id}/audit"),  # one assignment's audit rows
    ("mentorship", "/trainees/{id}/projects"),  # one trainee's projects
    ("reporting", "/duty-items/completion"),  # one row per party (towns, units)
    ("reporting", "/rectifications/figures"),  # one row per party
    ("reporting", "/reports/{id}/audit"),  # one report's audit rows
    ("reporting", "/evaluations/{id}/audit"),  # one evaluation's audit rows
    ("reporting", "/mentor-ratings/mentors"),  # the caller's own four mentors
    ("welfare", "/facilities"),  # towns x the five kinds
}
MAX_PER_PAGE = 200


def _path(world, path: str) -> str:
    """Any existing object will do: limits come before the object is looked up."""
    for name in ("{id}", "{trainee_id}", "{town_id}", "{follow_up_id}"):
        path = path.replace(name, "1")
    for name, value in (("{code}", world.literals.get("code", "2026-01")), ("{kind}", "canteen")):
        path = path.replace(name, str(value))
    return (
        path.replace("{year}", "2026").replace("{day}", "2026-10-01").replace("{code}", "2026-01")
    )


@pytest.mark.parametrize("service", SERVICES)
def test_every_oversized_body_is_a_413_and_stores_nothing(worlds, table, service):
    world = worlds[service]
    doc = Document(service)
    limit = world.app.config["MAX_CONTENT_LENGTH"]
    upload = world.app.config.get("MAX_UPLOAD_LENGTH", limit)
    sent, wrong, errors = 0, [], 0
    for method, path, op, _params in doc.operations():
        kind, _schema = doc.body_schema(op)
        if kind is None:
            continue
        size = (upload if kind != "application/json" else limit) + 1
        if kind == "application/json":
            data = b'{"x": "' + b"a" * (size - 9) + b'"}'
        else:
            data = b"a," * (size // 2 + 1)
        before = snapshot(world.db)
        # The first role allowed to call it (a refused role never reads the body).
        for headers in (CITY, *world.tokens["A"].values()):
            response = world.client.open(
                f"{doc.prefix}{_path(world, path)}",
                method=method,
                data=data,
                headers={
                    **headers,
                    "Content-Type": kind if kind != "multipart/form-data" else "text/csv",
                },
            )
            sent += 1
            if response.status_code != 403:
                break
        errors += response.status_code >= 500
        if response.status_code != 413 or response.mimetype != "application/problem+json":
            wrong.append(f"{method} {path} ({len(data)} bytes) -> {response.status_code}")
        elif changed_tables(before, snapshot(world.db)):
            wrong.append(f"{method} {path} stored something")
    table.add(
        "13 bodies over the limit", service, requests=sent, failures=len(wrong), **{"5xx": errors}
    )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("service", SERVICES)
def test_every_list_is_paged_and_its_page_size_capped(worlds, table, service):
    world = worlds[service]
    doc = Document(service)
    sent, wrong, errors = 0, [], 0
    for method, path, op, params in doc.operations():
        if method != "GET":
            continue
        content = op.get("responses", {}).get("200", {}).get("content", {})
        schema = doc.resolve(content.get("application/json", {}).get("schema", {}))
        per_page = next((p for p in params if p["name"] == "per_page"), None)
        if schema.get("type") == "array" and (service, path) not in BOUNDED:
            wrong.append(f"{path}: an unpaged list (page it, or explain it in BOUNDED)")
        if "items" in schema.get("properties", {}) and per_page is None:
            wrong.append(f"{path}: items without per_page")
        if per_page is None:
            continue
        if per_page["schema"].get("maximum", 10**9) > MAX_PER_PAGE:
            wrong.append(f"{path}: per_page maximum {per_page['schema'].get('maximum')}")
        url = f"{doc.prefix}{_path(world, path)}"
        required = {
            p["name"]: doc.sample(p.get("schema", {}), lambda k: 1, p["name"])
            for p in params
            if p.get("in") == "query" and p.get("required")
        }
        for size, expected in ((MAX_PER_PAGE + 1, {422}), (10**6, {422}), (MAX_PER_PAGE, None)):
            response = world.client.get(
                url, query_string={**required, "per_page": size}, headers=CITY
            )
            sent += 1
            errors += response.status_code >= 500
            if expected and response.status_code not in expected:
                wrong.append(f"{path}?per_page={size} -> {response.status_code}")
            if expected is None and response.status_code == 200:
                body = response.get_json()
                if isinstance(body, dict) and len(body.get("items", [])) > MAX_PER_PAGE:
                    wrong.append(f"{path}: more than {MAX_PER_PAGE} items in a page")
    table.add("13 page size capped", service, requests=sent, failures=len(wrong), **{"5xx": errors})
    assert not wrong, "\n".join(wrong)


TOKEN = "/api/v1/roster/auth/token"


def _login(world, username: str, password: str, address: str = "127.0.0.1"):
    return world.client.post(
        TOKEN,
        json={"grant_type": "password", "username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failed_logins_are_throttled_and_lock_the_account(worlds, table):
    world = worlds["roster"]
    max_failures = world.app.config["LOGIN_MAX_FAILURES"]
    assert max_failures == 5  # the number the README documents
    sent = 0
    for n in range(max_failures):
        response = _login(world, "clerk", f"wrong-{n}", "192.0.2.11")
        sent += 1
        assert response.status_code == 401, (n, response.get_json())
    for password in ("wrong-again", CLERK_PASSWORD):
        response = _login(world, "clerk", password, "192.0.2.11")
        sent += 1
        assert response.status_code == 429, response.get_json()
        assert response.mimetype == "application/problem+json"
        # the first lock: LOGIN_BACKOFF_SECONDS (30 s)
        assert 0 < int(response.headers["Retry-After"]) <= 30
    table.add("13 login throttle", "roster", requests=sent)


def test_an_unknown_username_is_throttled_alike_so_the_lock_reveals_no_account(worlds, table):
    world = worlds["roster"]
    answers = []
    for username in ("no-such-user", "town-a"):
        statuses = [
            _login(world, username, f"wrong-{n}", f"192.0.2.{20 + n}").status_code for n in range(7)
        ]
        answers.append(statuses)
    table.add("13 login throttle", "roster", requests=14)
    assert answers[0] == answers[1] == [401] * 5 + [429] * 2, answers


def test_client_credentials_are_throttled_too(worlds, table):
    world = worlds["roster"]
    statuses = []
    for n in range(7):
        response = world.client.post(
            TOKEN,
            json={
                "grant_type": "client_credentials",
                "client_id": "no-such-client",
                "client_secret": f"x{n}",
            },
            environ_base={"REMOTE_ADDR": f"192.0.2.{40 + n}"},
        )
        statuses.append(response.status_code)
    table.add("13 login throttle", "roster", requests=7)
    assert statuses == [401] * 5 + [429] * 2, statuses


#: Every import endpoint (an operation taking a CSV body): its row limit's setting (None:
#: fixed), its header, and a row with ``{long}`` in a column it reads. A new import must be
#: listed here, so that its limits are checked.
IMPORT_LIMITS = {
    ("roster", "/imports/trainees"): ("IMPORT_MAX_ROWS", "姓名,届别,单位编码", "{long},2026,UX"),
    ("roster", "/imports/people"): (
        "IMPORT_MAX_ROWS",
        "姓名,职务类别,单位编码",
        "{long},中层干部,UX",
    ),
    ("reporting", "/duty-items/import"): (
        "DUTY_IMPORT_MAX_ROWS",
        "年度,责任主体类型,责任主体编码,责任事项,完成时限",
        "2026,镇（街）,T1,{long},2026-12-31",
    ),
    ("reporting", "/calendar/years/{year}/import"): (
        None,
        "日期,类型,名称",
        "2026-10-01,放假,{long}",
    ),
}
CALENDAR_ROWS = 366


def test_every_import_endpoint_is_listed_for_its_limits():
    found = {
        (service, path)
        for service in SERVICES
        for method, path, op, _params in Document(service).operations()
        if method == "POST" and "text/csv" in op.get("requestBody", {}).get("content", {})
    }
    assert found == set(IMPORT_LIMITS)


def _post_csv(world, service: str, path: str, text: str):
    return world.client.post(
        f"/api/v1/{service}{_path(world, path)}",
        data=text.encode(),
        headers={**CITY, "Content-Type": "text/csv"},
    )


@pytest.mark.parametrize(("service", "path"), sorted(IMPORT_LIMITS))
def test_an_import_over_a_limit_answers_4xx_naming_the_limit_and_stores_nothing(
    worlds, table, service, path, monkeypatch
):
    world = worlds[service]
    setting, header, row = IMPORT_LIMITS[(service, path)]
    max_cell = world.app.config["IMPORT_MAX_CELL"]
    before = snapshot(world.db)
    wrong, sent = [], 0

    # too many rows: a 413 naming the limit
    if setting is not None:
        monkeypatch.setitem(world.app.config, setting, 2)
    limit = 2 if setting is not None else CALENDAR_ROWS
    lines = [row.format(long=f"第{i}项") for i in range(limit + 1)]
    response = _post_csv(world, service, path, "\n".join([header, *lines]) + "\n")
    sent += 1
    body = response.get_json() or {}
    if response.status_code != 413 or str(limit) not in body.get("detail", ""):
        wrong.append(f"{limit + 1} rows -> {response.status_code} {body.get('detail')}")
    monkeypatch.undo()

    # a field longer than the CSV reader takes: a 422 naming the row and the cell limit
    text = f"{header}\n{row.format(long='长' * 131_073)}\n"
    response = _post_csv(world, service, path, text)
    sent += 1
    body = response.get_json() or {}
    if (
        response.status_code != 422
        or "第 2 行" not in body.get("detail", "")
        or str(max_cell) not in body.get("detail", "")
    ):
        wrong.append(f"a 131,073-character field -> {response.status_code} {body.get('detail')}")

    # a cell over the import's cell limit: an error of its row naming the limit
    text = f"{header}\n{row.format(long='长' * (max_cell + 1))}\n"
    response = _post_csv(world, service, path, text)
    sent += 1
    body = response.get_json() or {}
    rows = {e.get("row"): e.get("errors", {}) for e in body.get("errors") or []}
    named = any(str(max_cell) in str(messages) for messages in rows.get(2, {}).values())
    if response.status_code != 422 or not named:
        wrong.append(f"a {max_cell + 1}-character cell -> {response.status_code} {body}")

    if changed_tables(before, snapshot(world.db)):
        wrong.append("stored something")
    table.add("13 import limits", service, requests=sent, failures=len(wrong))
    assert not wrong, "\n".join(wrong)


# -- over real HTTP, through gunicorn -------------------------------------------------
#
# The cases above go through Flask's test client, which never sees how bytes arrive. These
# send raw bytes to roster's web process started as production starts it (the Procfile's
# command, deploy/gunicorn.conf.py, two sync workers) on the security world's roster
# database: a body over the limit with a Content-Length and the same body chunked,
# oversized and too many headers (gunicorn's limits), and slow clients. WEB_TIMEOUT and
# BODY_TIMEOUT_SECONDS are shortened from 30 and 20 s to keep the run short.

WEB_TIMEOUT = 6  # more than BODY_TIMEOUT and gunicorn's 2 s of draining after an answer
BODY_TIMEOUT = 2
METRICS_TOKEN = "security-suite-metrics-token"


@dataclass
class Exchange:
    """What one raw HTTP exchange sent and got back."""

    status: int | None
    headers: dict
    body: bytes
    sent: int  # body bytes the server took before it answered or closed
    send_error: str | None
    seconds: float

    def json(self):
        return json.loads(self.body)


def raw_exchange(port: int, head: str, body=(), *, pause: float = 0.0, timeout: float = 30):
    """Send ``head`` (request line and headers) and then each piece of ``body`` (``pause``
    seconds apart), stopping as soon as the server answers or stops reading, as a careful
    client does; read its answer to the end."""
    started = time.monotonic()
    sent, error = 0, None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(head.encode("latin-1"))
            for piece in body:
                if pause:
                    time.sleep(pause)
                if select.select([sock], [], [], 0)[0]:
                    break  # an answer (or the close) came before the body was all sent
                sock.sendall(piece)
                sent += len(piece)
        except OSError as exc:  # the server answered and closed: the rest was not read
            error = exc.__class__.__name__
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except OSError as exc:
            error = error or exc.__class__.__name__
    seconds = time.monotonic() - started
    if not data:
        return Exchange(None, {}, b"", sent, error, seconds)
    top, _, payload = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return Exchange(int(lines[0].split()[1]), headers, payload, sent, error, seconds)


def chunked(pieces):
    """``pieces`` in the chunked transfer coding, the last chunk included."""
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def head(method: str, path: str, headers: dict) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


@pytest.fixture(scope="module")
def gunicorn_roster(worlds, amqp_url, tmp_path_factory):
    """roster-web of the Procfile under gunicorn on the security world's roster database:
    (port, world)."""
    from deploy.stack import delete_broker_names
    from tests.e2e.processes import Processes, free_port, service_env, wait_ready

    world = worlds["roster"]
    tag = uuid.uuid4().hex[:10]
    exchange, prefix = f"test.{tag}.events", f"test.{tag}"
    env = service_env(
        {
            "ROSTER_DATABASE_URL": world.db.engine.url.render_as_string(hide_password=False),
            "BROKER_URL": amqp_url,
            "EVENTS_EXCHANGE": exchange,
            "QUEUE_PREFIX": prefix,
            "GRASSROOTS_VAR_DIR": tmp_path_factory.mktemp("gunicorn") / "var",
            "WEB_WORKERS": 2,
            "WEB_TIMEOUT": WEB_TIMEOUT,
            "BODY_TIMEOUT_SECONDS": BODY_TIMEOUT,
            "METRICS_TOKEN": METRICS_TOKEN,
        }
    )
    processes = Processes(env, tmp_path_factory.mktemp("gunicorn-logs"))
    port = free_port()
    processes.start("roster-web", port=port)
    try:
        wait_ready(f"http://127.0.0.1:{port}", timeout=60)
        yield port, world
    finally:
        log = processes.log("roster-web")
        processes.stop()
        delete_broker_names(amqp_url, exchange, prefix)
        # nothing failed in the app; gunicorn killed at most one worker, the slow headers'
        # (its kill comes WEB_TIMEOUT after they began: it may not be logged yet)
        assert '"unhandled error"' not in log, log[-4000:]
        assert log.count("WORKER TIMEOUT") <= 1, log[-4000:]


def _problem(answer: Exchange, status: int) -> str | None:
    """What is wrong with ``answer`` if it is not a ``status`` problem+json."""
    if answer.status != status:
        return (
            f"{answer.status} (sent {answer.sent} bytes, {answer.send_error}): {answer.body[:200]}"
        )
    if answer.headers.get("Content-Type") != "application/problem+json":
        return f"{status} as {answer.headers.get('Content-Type')}"
    if answer.json()["status"] != status:
        return f"problem body {answer.json()}"
    return None


def test_bodies_over_the_limit_are_413_over_http_with_or_without_content_length(
    gunicorn_roster, table
):
    """With a Content-Length the limit is checked before reading; chunked, the body is
    read up to one byte over the limit, answered 413, and the rest is never read (the
    client cannot send it: the server closed). Before, werkzeug cut a chunked body at the
    limit and the view parsed what it got: a 400 "Invalid JSON" for a JSON body, and a
    file cut short for an import."""
    port, world = gunicorn_roster
    limit = world.app.config["MAX_CONTENT_LENGTH"]
    upload = world.app.config["MAX_UPLOAD_LENGTH"]
    auth_json = {**CITY, "Content-Type": "application/json"}
    auth_csv = {**CITY, "Content-Type": "text/csv"}
    towns = "/api/v1/roster/towns"
    imports = "/api/v1/roster/imports/trainees"
    big_json = b'{"code": "T1", "name": "' + b"a" * limit + b'"}'
    before = snapshot(world.db)
    wrong, sent, errors = [], 0, 0
    cases = [
        ("JSON, Content-Length", towns, {**auth_json, "Content-Length": len(big_json)},
         [big_json], 413),
        ("JSON, chunked, valid JSON over the limit", towns,
         {**auth_json, "Transfer-Encoding": "chunked"},
         chunked([big_json[i : i + 65536] for i in range(0, len(big_json), 65536)]), 413),
        ("JSON, chunked, 64 MiB offered", towns, {**auth_json, "Transfer-Encoding": "chunked"},
         chunked(b"a" * 65536 for _ in range(1024)), 413),
        ("upload, Content-Length", imports, {**auth_csv, "Content-Length": upload + 1},
         [b"a," * (upload // 2) + b"aa"], 413),
        ("upload, chunked, 64 MiB offered", imports,
         {**auth_csv, "Transfer-Encoding": "chunked"},
         chunked(b"a,\n" * 21845 + b"a" for _ in range(1024)), 413),
        # within the limit, chunked still works: the body is parsed whole (422 naming
        # the missing field, not 400 for a body cut short)
        ("JSON, chunked, within the limit", towns, {**auth_json, "Transfer-Encoding": "chunked"},
         chunked([b'{"code": ', b'"T1"}']), 422),
    ]  # fmt: skip
    figures = {}
    for name, path, headers, body, status in cases:
        answer = raw_exchange(port, head("POST", path, headers), body)
        sent += 1
        errors += (answer.status or 500) >= 500
        problem = _problem(answer, status)
        if problem:
            wrong.append(f"{name}: {problem}")
        elif status == 422 and set(answer.json()["errors"]) != {"name"}:
            wrong.append(f"{name}: {answer.json()}")
        elif "64 MiB" in name and answer.sent > 32 * 1024 * 1024:
            wrong.append(f"{name}: the server took {answer.sent} bytes before answering")
        figures[name] = f"{answer.status} after {answer.sent / 2**20:.1f} MiB sent"
    if changed_tables(before, snapshot(world.db)):
        wrong.append("stored something")
    print("\n" + "\n".join(f"{k}: {v}" for k, v in figures.items()))
    table.add("13 bodies over the limit (gunicorn)", "roster", requests=sent,
              failures=len(wrong), **{"5xx": errors})  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_oversized_and_too_many_headers_are_refused_by_gunicorn(gunicorn_roster, table):
    """deploy/gunicorn.conf.py's limits: a request line over 8190 bytes is a 414, a
    header over 8190 bytes or more than 64 headers a 431, before the app is called;
    just under the limits the request is served."""
    port, _world = gunicorn_roster
    health = "/healthz"
    many = {f"X-Filler-{n}": "x" for n in range(64)}
    under = {f"X-Filler-{n}": "x" for n in range(64 - 3)}  # + Host and Connection
    cases = [
        ("request line 8191+", "GET", health + "?q=" + "a" * 8190, {}, 414),
        ("one header of 9000 bytes", "GET", health, {"X-Big": "a" * 9000}, 431),
        ("66 headers", "GET", health, many, 431),
        ("a bearer token of 9000 bytes", "GET", "/api/v1/roster/towns",
         {"Authorization": "Bearer " + "a" * 9000}, 431),
        ("63 headers", "GET", health, under, 200),
        ("one header of 8000 bytes", "GET", health, {"X-Big": "a" * 8000}, 200),
    ]  # fmt: skip
    wrong, errors = [], 0
    for name, method, path, headers, status in cases:
        answer = raw_exchange(port, head(method, path, headers))
        errors += (answer.status or 500) >= 500
        if answer.status != status:
            wrong.append(f"{name}: {answer.status} {answer.body[:200]}")
    table.add("13 header limits (gunicorn)", "roster", requests=len(cases),
              failures=len(wrong), **{"5xx": errors})  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_slow_clients_do_not_hold_a_worker(gunicorn_roster, table):
    """A body that trickles in (a byte every 0.3 s) or stops is answered 408 problem+json
    when BODY_TIMEOUT_SECONDS have passed since the headers (shared.http's deadline on
    gunicorn's reads). Headers that trickle in (slowloris proper) never reach the app:
    they hold a sync worker until gunicorn's worker timeout (WEB_TIMEOUT) kills it,
    answers its own bare 500 page and starts another worker. Both at once take both
    workers; afterwards the service answers again."""
    port, _world = gunicorn_roster
    json_head = {**CITY, "Content-Type": "application/json"}
    towns = "/api/v1/roster/towns"
    results: dict[str, Exchange] = {}

    def slow_body():
        results["slow body"] = raw_exchange(
            port, head("POST", towns, {**json_head, "Content-Length": 1000}),
            (b"a" for _ in range(1000)), pause=0.3,
        )  # fmt: skip

    def stalled_chunked():
        # the first bytes of a chunked body, then nothing
        results["stalled chunked body"] = raw_exchange(
            port, head("POST", towns, {**json_head, "Transfer-Encoding": "chunked"}),
            [b'5\r\n{"cod\r\n'],
        )  # fmt: skip

    def slow_headers():
        piece = head("GET", "/healthz", {"X-Slow": "a" * 100}).encode()
        results["slow headers"] = raw_exchange(
            port, "", (piece[i : i + 1] for i in range(len(piece))), pause=0.3
        )

    threads = [threading.Thread(target=f) for f in (slow_body, slow_headers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    stalled_chunked()
    after = raw_exchange(port, head("GET", "/healthz", {}))
    wrong = []
    for name in ("slow body", "stalled chunked body"):
        problem = _problem(results[name], 408)
        if problem:
            wrong.append(f"{name}: {problem}")
        elif not BODY_TIMEOUT <= results[name].seconds < BODY_TIMEOUT + 2:
            wrong.append(f"{name}: answered after {results[name].seconds:.1f}s")
    cut = results["slow headers"]
    if cut.status not in (500, None) or not WEB_TIMEOUT / 2 <= cut.seconds < WEB_TIMEOUT + 5:
        wrong.append(f"slow headers: {cut.status} after {cut.seconds:.1f}s")
    if after.status != 200:
        wrong.append(f"afterwards /healthz -> {after.status}")
    print("\n" + "\n".join(
        f"{k}: {v.status} after {v.seconds:.1f}s ({v.sent} bytes sent)" for k, v in results.items()
    ))  # fmt: skip
    table.add("13 slow bodies (gunicorn)", "roster", requests=2, failures=len(wrong))
    # gunicorn's own 500 page to a client whose headers never ended (docs/security.md)
    table.add("13 slow headers (gunicorn)", "roster", requests=2, **{"5xx": 1})
    assert not wrong, "\n".join(wrong)


def test_metrics_over_http_answer_only_the_metrics_token(gunicorn_roster, table):
    port, _world = gunicorn_roster
    refused = [
        raw_exchange(port, head("GET", "/metrics", headers))
        for headers in ({}, CITY, {"Authorization": "Bearer not-the-token"})
    ]
    allowed = raw_exchange(
        port, head("GET", "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    )
    table.add("19 /metrics behind its token (gunicorn)", "roster", requests=4)
    assert [a.status for a in refused] == [401, 401, 401]
    assert all(b"grassroots_" not in a.body for a in refused)
    assert allowed.status == 200, allowed.body[:300]
    assert allowed.headers["Content-Type"].startswith("text/plain")
    assert b"grassroots_http_requests_total" in allowed.body


def test_spraying_from_one_address_is_throttled_and_the_holder_still_signs_in(worlds, table):
    """One address tries one password on many usernames: after ``LOGIN_ADDRESS_LIMIT``
    (10 failures a minute) every further try from it is a 429 with Retry-After, whatever
    the username; an account it then locks stays open to its holder's known address."""
    world = worlds["roster"]
    sprayer, attacker, holder = "198.51.100.77", "198.51.100.78", "10.9.9.9"
    username, password = f"holder-{uuid.uuid4().hex[:8]}", "holder-pass-19"
    with world.db.transaction() as session:
        create_account(session, {"username": username, "password": password, "role": "city"})
    assert _login(world, username, password, holder).status_code == 200  # a known client
    statuses, retry_after = [], None
    for n in range(30):
        response = _login(world, f"user{n:03d}", "Winter2026!", sprayer)
        statuses.append(response.status_code)
        if response.status_code == 429:
            retry_after = int(response.headers["Retry-After"])
            assert response.mimetype == "application/problem+json"
    for _ in range(5):  # then the holder's account itself, from another address
        _login(world, username, "Winter2026!", attacker)
    locked = _login(world, username, password, attacker)
    table.add("19 spraying and lock-out", "roster", requests=len(statuses) + 8)
    assert statuses == [401] * 10 + [429] * 20, statuses
    assert retry_after is not None and 0 < retry_after <= 61
    assert locked.status_code == 429  # a stranger, even with the password: locked out
    assert _login(world, username, password, holder).status_code == 200  # the holder: in
