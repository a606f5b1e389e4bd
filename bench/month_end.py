"""Month-end at province scale against the production processes on this machine.

``python -m bench.month_end`` (``make bench``):

1. starts every Procfile process on new databases and broker names (:class:`LocalStack`,
   the reporting scheduler left out so that this run opens the month itself) and builds a
   province through the services' own paths (:mod:`bench.province`, every step timed);
2. runs the month-end burst with wrk (``bench/requests.lua``: each pre-generated request
   sent once, ``-t1`` at ``--conc`` connections, each request timed by the script, the
   health-check fillers of a run's end left out): every trainee's talk with their practical
   mentor (mentorship), then every trainee's two monthly forms, created and submitted in one
   request (reporting), each phase after ``--warmup`` untimed requests of its own, while a
   reader polls the city dashboard; RSS of every process and of the whole stack is sampled
   throughout;
3. runs the baseline's bare insert endpoint (``../shared/baseline/bench_app.py`` through
   ``bench/bare_app.py``, gunicorn ``-w 2``, its own database) with the same wrk script,
   concurrency and warm-up, before and after the burst, each time with the stack's
   background processes stopped (the reference) and running;
4. measures the event lag (outbox ``created_at`` to the moment the inbox row of reporting
   and of the notifier is seen committed) and the dashboard's p95 (during the burst, which
   is judged, and quiet);
5. repeats a shorter burst (the quarter's forms and talks at once, a fixed count) with
   reporting at 1, 2 and 4 web workers and 1 and 2 consumers;
6. prints one table, with issue 22's targets passed or failed, and writes it to
   ``docs/performance.md`` above the earlier results.

The server's autovacuum is on for the run (:func:`autovacuum_on`) and every service's
database is ANALYZEd after the bulk load.

``--quick`` builds a small province (300 trainees, 3 months) for development.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from bench import report
from bench.province import Builder, Sizes
from deploy.local import procfile_processes
from deploy.stack import PG_ADMIN_URL, LocalStack, free_port, wait_http
from journey.http import request
from shared.auth import issue_token
from shared.clock import city_today, utcnow

ROOT = Path(__file__).resolve().parent.parent


def _baseline_dir() -> Path:
    """The team's baseline scripts: ``BASELINE_DIR``, else ``../shared/baseline`` beside
    this checkout, else the team folder of this machine (a CI checkout may live elsewhere)."""
    if os.environ.get("BASELINE_DIR"):
        return Path(os.environ["BASELINE_DIR"])
    for candidate in (ROOT.parent / "shared" / "baseline", Path("/work/shared/baseline")):
        if (candidate / "bench_app.py").exists():
            return candidate
    raise SystemExit(
        "bench: the baseline scripts (../shared/baseline) are not here; set BASELINE_DIR"
    )


BASELINE = _baseline_dir()
LUA = Path(__file__).with_name("requests.lua")
CITY_TZ = "Asia/Shanghai"
ISSUER, AUDIENCE = "grassroots-roster", "grassroots"
#: The processes of the run: all of the Procfile but the scheduler (its tick would open the
#: month at an arbitrary moment; here the city opens it, timed).
SKIP = ("reporting-scheduler",)
EFFECTIVENESS = {
    "work_done": "参与百千万工程村庄规划编制，走访农户32户，整理民情日记。",
    "days_in_village": 20,
    "key_projects": ["百千万工程"],
    "results": "协调解决两户饮水问题",
    "problems": "方言沟通仍有困难",
    "next_month_plan": "筹备村集体经济项目",
}
QUARTERLY = {
    "summary": "本季度驻村工作总结",
    "achievements": "完成入户走访",
    "problems": "无",
    "plan": "继续驻村",
}


def log(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


def calib() -> int | None:
    script = BASELINE / "cpu_calib.py"
    if not script.exists():
        return None
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True).stdout
    return int(out.strip().split("=")[1]) if "calib_ms=" in out else None


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


# -- tokens and request files ------------------------------------------------------------


class Tokens:
    """Tokens as roster issues them, signed with the stack's key pair."""

    def __init__(self, stack: LocalStack) -> None:
        text = (stack.workdir / "var" / "jwt" / "keypair.pem").read_text()
        from cryptography.hazmat.primitives import serialization

        # a parsed key: issue_token takes PEM text, and parsing it per token is slow
        self.key = serialization.load_pem_private_key(
            text[: text.index("-----BEGIN PUBLIC KEY-----")].encode(), password=None
        )
        self.cache: dict[tuple[str, int], str] = {}

    def get(self, role: str, scope: int) -> str:
        if (role, scope) not in self.cache:
            self.cache[(role, scope)] = issue_token(
                self.key,
                subject=f"bench-{role}-{scope}",
                role=role,
                scope_id=scope,
                issuer=ISSUER,
                audience=AUDIENCE,
                ttl_seconds=6 * 3600,
            )
        return self.cache[(role, scope)]


def line(method: str, path: str, token: str, body: dict | None) -> str:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body else ""
    return f"{method}\t{path}\t{token}\t{text}\n"


def talk_lines(province, tokens: Tokens, trainees: list[int], today: dt.date) -> list[str]:
    return [
        line(
            "POST",
            "/api/v1/mentorship/talks",
            tokens.get("mentor", province.practical[t]),
            {
                "trainee_id": t,
                "talk_date": today.isoformat(),
                "mode": "in_person",
                "aspects": ["political", "practice"],
                "summary": "谈心谈话：本月驻村工作与下月计划。",
            },
        )
        for t in trainees
    ]


def form_lines(tokens: Tokens, trainees: list[int], period: str, kinds) -> list[str]:
    contents = {
        "effectiveness": EFFECTIVENESS,
        "mentoring": {"account": "导师每月与我谈心。"},
        "quarterly": QUARTERLY,
    }
    return [
        line(
            "POST",
            "/api/v1/reporting/reports",
            tokens.get("trainee", t),
            {"period": period, "kind": kind, "content": contents[kind], "submit": True},
        )
        for kind in kinds
        for t in trainees
    ]


# -- wrk ---------------------------------------------------------------------------------


class Wrk:
    """One wrk run over a request file, in the background; :meth:`wait` returns its figures."""

    def __init__(
        self,
        base_url: str,
        lines: list[str],
        conc: int,
        workdir: Path,
        name: str,
        idle: str = "/healthz",
    ):
        self.dir = workdir / f"wrk-{name}"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.file = self.dir / "requests.tsv"
        self.file.write_text("".join(lines))
        self.count = len(lines)
        # one thread: it spreads the lines over its connections to the very end (threads
        # would each own a share and idle apart); wrk's one thread uses a few % of a core
        self.args = ["wrk", "-t1", f"-c{conc}", "-d3600s", "--timeout", "30s", "-s", str(LUA),
                     base_url, "--", str(self.file), str(self.dir), idle]  # fmt: skip
        self.name, self.conc = name, conc

    def start(self) -> Wrk:
        self.started = time.perf_counter()
        self.started_at = time.time()
        self.proc = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        return self

    def done(self) -> bool:
        return (self.dir / "done").exists() or self.proc.poll() is not None

    def progress(self) -> str:
        path = self.dir / "progress"
        return path.read_text() if path.exists() else ""

    def wait(self, timeout: float = 3600, stall: float = 60) -> dict:
        """Until every thread is done, or nothing was answered for ``stall`` seconds (a
        request lost with its connection is never answered: the run ends short)."""
        deadline = time.monotonic() + timeout
        last, changed = None, time.monotonic()
        self.stalled = False
        while not self.done():
            now = time.monotonic()
            if now > deadline:
                break
            current = self.progress()
            if current != last:
                last, changed = current, now
            elif now - changed > stall:
                self.stalled = True
                break
            # The run's time comes from the "done" file's mtime, not from this loop.
            time.sleep(0.1)
        seconds = time.perf_counter() - self.started
        if (self.dir / "done").exists():
            # when the last answer came, not when we looked: two runs at once are waited
            # for one after the other
            seconds = (self.dir / "done").stat().st_mtime - self.started_at
        elif self.stalled:
            seconds -= stall
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        out = self.proc.communicate(timeout=60)[0]
        found = [ln for ln in out.splitlines() if ln.startswith("WRKJSON ")]
        if not found:
            raise RuntimeError(f"wrk {self.name}: no result\n{out[-2000:]}")
        data = json.loads(found[-1][len("WRKJSON ") :])
        # The script's own timings of the lines' answers (fillers left out); wrk's
        # histogram, fillers included, only when a stalled run wrote none.
        timed_file = self.dir / "latency"
        text = timed_file.read_text() if timed_file.exists() else ""
        timed = [int(v) / 1000 for v in text.split()]
        data.update(
            stalled=self.stalled,
            name=self.name,
            conc=self.conc,
            count=self.count,
            seconds=round(seconds, 2),
            rps=round(data["s2xx"] / seconds, 1) if seconds else 0,
            timed=len(timed),
            wrk_p99_ms=data["p99_us"] / 1000,
        )
        if timed:
            data.update({f"p{p}_ms": percentile(timed, p) for p in (50, 95, 99)}, max_ms=max(timed))
        else:
            data.update(
                {f"p{p}_ms": data[f"p{p}_us"] / 1000 for p in (50, 95, 99)},
                max_ms=data["max_us"] / 1000,
            )
        return data


def run_wrk(base_url, lines, conc, workdir, name, idle="/healthz") -> dict:
    result = Wrk(base_url, lines, conc, workdir, name, idle).start().wait()
    log(
        f"  {name}: {result['s2xx']}/{result['count']} 2xx ({result['s4xx']} 4xx, "
        f"{result['s5xx']} 5xx) in {result['seconds']} s: {result['rps']} req/s, p50 "
        f"{result['p50_ms']:.1f} p95 {result['p95_ms']:.1f} p99 {result['p99_ms']:.1f} ms "
        f"({result['timed']} timed; {result['fillers']} fillers left out, wrk's p99 with "
        f"them {result['wrk_p99_ms']:.1f} ms)"
    )
    return result


# -- samplers ----------------------------------------------------------------------------


def cpu_seconds(stack: LocalStack) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each process of the stack (gunicorn's
    workers together), PostgreSQL, RabbitMQ, wrk and this harness: taken before and after
    a phase, the difference says where the machine's two cores went."""
    import psutil

    owner = {}
    for name, popen in list(stack.group.procs.items()):
        try:
            root = psutil.Process(popen.pid)
            for proc in (root, *root.children(recursive=True)):
                owner[proc.pid] = name
        except psutil.NoSuchProcess:
            continue
    mine = os.getpid()
    used: dict[str, float] = {}
    for proc in psutil.process_iter(["name"]):
        try:
            times = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        name = proc.info["name"] or ""
        if proc.pid in owner:
            key = owner[proc.pid]
        elif proc.pid == mine:
            key = "bench harness (this process)"
        elif name.startswith("postgres"):
            key = "PostgreSQL (all backends)"
        elif name.startswith("beam") or name in ("epmd", "erl_child_setup", "inet_gethost"):
            key = "RabbitMQ"
        elif name == "wrk":
            key = "wrk"
        else:
            key = "other (kernel threads, the rest)"
        used[key] = used.get(key, 0.0) + times.user + times.system
    return used


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each part used between two ``cpu_seconds`` readings (a process that
    ended in between counts as nothing more)."""
    return {
        k: round(after[k] - before.get(k, 0.0), 2) for k in after if after[k] > before.get(k, 0.0)
    }


class MemorySampler(threading.Thread):
    """Peak RSS of every process of the stack (each gunicorn worker apart) every 0.5 s,
    and the peak of their sum (the whole stack at one moment)."""

    def __init__(self, stack: LocalStack) -> None:
        super().__init__(daemon=True)
        self.stack = stack
        self.peaks: dict[str, int] = {}
        self.total_peak = 0
        self.families: dict[str, tuple] = {}
        self.stopping = threading.Event()

    def _family(self, name: str, pid: int) -> list:
        """The process and its children but shells, looked up again every 5 s (a child
        lookup scans all of /proc: a third of a core if done twice a second)."""
        import psutil

        cached = self.families.get(name)
        if cached and cached[0] == pid and time.monotonic() - cached[1] < 5:
            return cached[2]
        root = psutil.Process(pid)
        family = [
            p
            for p in (root, *root.children(recursive=True))
            if p.cmdline() and p.name() not in ("sh", "dash", "bash")
        ]
        self.families[name] = (pid, time.monotonic(), family)
        return family

    def sample(self) -> None:
        import psutil

        total = 0
        for name, popen in list(self.stack.group.procs.items()):
            try:
                rss = {
                    proc.pid: (0, proc.memory_info().rss) for proc in self._family(name, popen.pid)
                }
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                self.families.pop(name, None)
                continue
            total += sum(v for _, v in rss.values())
            if name.endswith("-web"):
                master = min(rss, default=None)
                for i, pid in enumerate(sorted(rss)):
                    key = f"{name} master" if pid == master else f"{name} worker {i}"
                    self.peaks[key] = max(self.peaks.get(key, 0), rss[pid][1])
            else:
                self.peaks[name] = max(self.peaks.get(name, 0), sum(v for _, v in rss.values()))
        self.total_peak = max(self.total_peak, total)

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(0.5)

    def stop(self) -> dict[str, float]:
        """Each process's peak RSS in MiB."""
        self.stopping.set()
        self.join(5)
        return {k: round(v / 2**20, 1) for k, v in sorted(self.peaks.items())}

    def totals(self) -> dict[str, float]:
        """The whole stack's RSS in MiB: the sum of each process's peak (what the
        per-process table adds up to) and the peak of the sum over one sample."""
        return {
            "sum_of_peaks_mb": round(sum(self.peaks.values()) / 2**20, 1),
            "peak_of_sum_mb": round(self.total_peak / 2**20, 1),
            "processes": len(self.peaks),
        }


class DashboardReader(threading.Thread):
    """The city reads its dashboard during the burst: this month, and now and then the
    year (the 12 months up to this one: there is no year view, the year is 12 reads)."""

    def __init__(self, url: str, token: str, months: list[str], pause: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.months, self.pause = url, token, months, pause
        self.month_ms: list[float] = []
        self.year_ms: list[float] = []
        self.errors = 0
        self.stopping = threading.Event()

    def read(self, month: str) -> None:
        request("GET", f"{self.url}?month={month}", token=self.token, expect=(200,))

    def month(self) -> None:
        started = time.perf_counter()
        self.read(self.months[-1])
        self.month_ms.append((time.perf_counter() - started) * 1000)

    def year(self) -> None:
        started = time.perf_counter()
        for month in self.months[-12:]:
            self.read(month)
        self.year_ms.append((time.perf_counter() - started) * 1000)

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            try:
                self.year() if n % 10 == 9 else self.month()
            except Exception:  # noqa: BLE001 - counted; the burst goes on
                self.errors += 1
            n += 1
            self.stopping.wait(self.pause)

    def stop(self) -> dict:
        self.stopping.set()
        self.join(120)
        return summary_ms(self.month_ms, self.year_ms, self.errors)


def summary_ms(month_ms, year_ms, errors=0) -> dict:
    return {
        "month_n": len(month_ms),
        "month_p50_ms": percentile(month_ms, 50),
        "month_p95_ms": percentile(month_ms, 95),
        "year_n": len(year_ms),
        "year_p95_ms": percentile(year_ms, 95),
        "errors": errors,
    }


# -- events ------------------------------------------------------------------------------


#: The services that consume events, whose queues the run watches.
CONSUMERS = ("roster", "mentorship", "reporting", "welfare", "notifier")


def queue_depths(stack: LocalStack) -> dict[str, int]:
    """Messages waiting in each of the stack's queues, by passive declares over AMQP (a
    ``rabbitmqctl`` call starts an Erlang VM: about a second of CPU, once a second, on a
    2-core machine under test)."""
    from kombu import Connection

    depths = {}
    with Connection(stack.amqp_url) as conn:
        channel = conn.channel()
        for service in CONSUMERS:
            for suffix in ("", ".retry", ".parked"):
                name = f"{stack.queue_prefix}.{service}{suffix}"
                try:
                    depths[name] = channel.queue_declare(name, passive=True).message_count
                except conn.channel_errors:  # no such queue (a service that consumes none)
                    channel = conn.channel()
    return depths


def _producers(stack: LocalStack) -> list[str]:
    """The database URLs of the services that publish (the notifier has no outbox)."""
    return [url for name, url in stack.database_urls.items() if name != "notifier"]


def unsent(stack: LocalStack) -> int:
    total = 0
    for url in _producers(stack):
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            total += conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
        engine.dispose()
    return total


def settle(stack: LocalStack, timeout: float = 1200, services: tuple = ()) -> str:
    """Wait until every outbox is sent and every queue (but the parking ones) is empty,
    twice in a row; with ``services``, only those services' queues (the others go on
    working while the next step runs)."""
    deadline = time.monotonic() + timeout
    quiet, last = 0, time.monotonic()
    prefixes = tuple(f"{stack.queue_prefix}.{s}" for s in services)

    def watched(queue: str) -> bool:
        return not prefixes or any(queue == p or queue.startswith(p + ".") for p in prefixes)

    while time.monotonic() < deadline:
        waiting = unsent(stack)
        depths = {q: n for q, n in queue_depths(stack).items() if "park" not in q and watched(q)}
        if waiting == 0 and not any(depths.values()):
            quiet += 1
            if quiet == 2:
                parked = {q: n for q, n in queue_depths(stack).items() if "park" in q and n}
                which = f" ({', '.join(services)})" if services else ""
                return f"settled{which}; parked: {parked or 'none'}"
        else:
            quiet = 0
            if time.monotonic() - last > 10:
                last = time.monotonic()
                busy = {q.rsplit(".", 1)[-1]: n for q, n in depths.items() if n}
                log(f"    waiting: {waiting} unsent, queues {busy}")
        time.sleep(1)
    raise RuntimeError(
        f"events did not settle in {timeout:.0f} s: {unsent(stack)} unsent, {queue_depths(stack)}"
    )


class InboxWatcher(threading.Thread):
    """When each event's inbox row is first seen committed, in reporting's and the
    notifier's database: the arrival is stamped after the consumer's commit, not by the
    consumer (whose ``processed_at`` is taken when it begins a batch, up to a batch's work
    before its commit). Each poll reads only the inbox's last pages (a TID range scan from
    a few pages before the newest row seen: the inbox only grows; two consumers of one
    service may each fill a page of their own), every ``every`` seconds; an arrival is
    stamped when the poll that saw it returns, so the lag is overstated by at most one
    poll (``every`` plus the query), never understated."""

    SERVICES = ("reporting", "notifier")
    #: Pages read again before the newest one seen.
    MARGIN = 4

    def __init__(self, stack: LocalStack, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.engines = {
            s: sa.create_engine(
                stack.database_urls[s], poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
            )
            for s in self.SERVICES
        }
        self.seen: dict[str, dict[str, float]] = {s: {} for s in self.SERVICES}
        self.page = dict.fromkeys(self.SERVICES, 0)
        self.polls = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        with contextlib.ExitStack() as stack:
            conns = {s: stack.enter_context(e.connect()) for s, e in self.engines.items()}
            for service, conn in conns.items():
                # from the inbox's current end: what is there now is older than the watch
                self.page[service] = max(0, conn.scalar(sa.text(
                    "SELECT pg_relation_size('inbox') / current_setting('block_size')::int"
                )) - self.MARGIN)  # fmt: skip
            while not self.stopping.is_set():
                for service, conn in conns.items():
                    self.poll(service, conn)
                self.polls += 1
                self.stopping.wait(self.every)
            for service, conn in conns.items():
                self.poll(service, conn)  # what committed before stop() was called

    def poll(self, service: str, conn) -> None:
        rows = conn.execute(
            sa.text(
                "SELECT event_id, (ctid::text::point)[0]::bigint FROM inbox "
                "WHERE ctid >= format('(%s,0)', CAST(:page AS bigint))::tid"
            ),
            {"page": self.page[service]},
        ).all()
        seen_at = utcnow().timestamp()  # the services' clock (GRASSROOTS_CLOCK_FILE)
        seen = self.seen[service]
        newest = self.page[service]
        for event_id, page in rows:
            seen.setdefault(event_id, seen_at)
            newest = max(newest, page)
        self.page[service] = max(self.page[service], newest - self.MARGIN)

    def stop(self) -> None:
        self.stopping.set()
        self.join(60)
        for engine in self.engines.values():
            engine.dispose()


def event_lag(stack: LocalStack, since: dt.datetime, watcher: InboxWatcher | None = None) -> dict:
    """Seconds from each event's outbox ``created_at`` (in the request's transaction, a few
    ms before its commit) to its inbox row in reporting's and the notifier's database, for
    events created since ``since``: seen committed by ``watcher`` (``p50_s``, ``p99_s``,
    ``max_s``) and by the consumer's own ``processed_at`` (``p99_processed_s``, as the
    runs before 2026-12 measured it). ``unseen``: inbox rows the watcher missed."""
    created: dict[str, dt.datetime] = {}
    for url in _producers(stack):
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT event_id, created_at FROM outbox WHERE created_at >= :s"),
                {"s": since},
            )
            created.update({r[0]: _utc(r[1]) for r in rows})
        engine.dispose()
    out = {}
    for service in ("reporting", "notifier"):
        engine = sa.create_engine(stack.database_urls[service], poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT event_id, processed_at FROM inbox WHERE processed_at >= :s"),
                {"s": since},
            ).all()
        engine.dispose()
        rows = [(e, _utc(p)) for e, p in rows if e in created]
        processed = [(p - created[e]).total_seconds() for e, p in rows]
        seen = watcher.seen[service] if watcher else {}
        lags = [seen[e] - created[e].timestamp() for e, _ in rows if e in seen]
        out[service] = {
            "events": len(lags),
            "p50_s": round(percentile(lags, 50), 3) if lags else None,
            "p99_s": round(percentile(lags, 99), 3) if lags else None,
            "max_s": round(max(lags), 3) if lags else None,
            "unseen": len(rows) - len(lags),
            "p99_processed_s": round(percentile(processed, 99), 3) if processed else None,
            "poll_s": watcher.every if watcher else None,
        }
    return out


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# -- the baseline ------------------------------------------------------------------------


def pooled(runs: list[dict], name: str) -> dict:
    """The mean of several runs of the bare endpoint (before and after the burst): this
    VM's speed drifts within minutes (cpu_calib), so ours are compared with the mean."""
    out = dict(runs[-1])
    for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "seconds"):
        out[key] = round(sum(r[key] for r in runs) / len(runs), 2)
    for key in ("count", "s2xx", "s4xx", "s5xx", "timed", "fillers"):
        out[key] = sum(r.get(key, 0) for r in runs)
    out["name"] = name
    return out


def background(stack: LocalStack) -> list[str]:
    """The stack's processes that are not web processes: relays, consumers, schedulers,
    the notifier's worker (whatever the Procfile has now)."""
    return [name for name in stack.group.procs if not name.endswith("-web")]


@contextlib.contextmanager
def paused(stack: LocalStack, names: list[str]):
    """SIGSTOP the processes ``names`` (each is its own process group: children too) while
    the block runs, SIGCONT after. Their AMQP connections have no heartbeat, their database
    connections simply wait; the web processes are left alone (gunicorn's master would
    take a stopped worker for a hung one)."""
    stopped = []
    try:
        for name in names:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(stack.group.procs[name].pid, signal.SIGSTOP)
                stopped.append(name)
        yield
    finally:
        for name in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(stack.group.procs[name].pid, signal.SIGCONT)


def bare_pair(stack: LocalStack, args, workdir: Path, when: str, order=("idle", "busy")):
    """The bare endpoint twice, on one server: with the stack's background processes
    stopped ("idle": the machine as the baseline had it) and running ("busy": their polling
    takes its share of the cores, as it does from ours). Each run has its own warm-up."""
    runs = {}
    with bare_server(stack.pg_admin_url) as base:
        for state in order:
            label = f"{when}-{state}"
            log(f"baseline: the bare insert endpoint, {when} the burst, background {state}")
            with paused(stack, background(stack) if state == "idle" else []):
                runs[state] = bare_run(base, workdir, args, label)
            runs[state].update(when=when, background=state)
    return [runs[state] for state in ("idle", "busy")]


def bare_run(base: str, workdir: Path, args, label: str) -> dict:
    """The bare insert endpoint with the same wrk script, concurrency and warm-up as ours."""
    body = {"name": "学员", "qty": 1}
    lines = [line("POST", "/items", "", body)]
    warmup = warmup_count(args, args.bare_count)
    run_wrk(base, lines * warmup, args.conc, workdir, f"bare-warmup-{label}", "/health")
    return run_wrk(base, lines * args.bare_count, args.conc, workdir, f"bare-{label}", "/health")


@contextlib.contextmanager
def bare_server(admin_url: str):
    """The baseline's bare insert endpoint under gunicorn -w 2 (sync), on a database of its
    own, for the block; yields its URL."""
    name = f"gr_bench_bare_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(False)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE bench_items (id bigserial PRIMARY KEY, name varchar(100) NOT NULL, "
                "qty integer NOT NULL, created_at timestamptz DEFAULT now())"
            )
        )
    engine.dispose()
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT),
            "--pythonpath",
            str(BASELINE),
            "bench.bare_app:app",
        ],
        env={**os.environ, "BENCH_DB_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except ProcessLookupError:
            pass  # it had exited already (wait_http says why)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def profiled(stack: LocalStack, name: str, folder: str | None, label: str):
    """py-spy on the process ``name`` and its children (gunicorn's workers) while the
    block runs: collapsed stacks in ``folder/label.txt`` (:mod:`bench.hot` sums them)."""
    if not folder:
        yield
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).parent / "py-spy"
    pid = str(stack.group.procs[name].pid)
    procs = [
        subprocess.Popen(
            [str(spy), "record", "--pid", pid, "--subprocesses", "--nonblocking", "--rate",
             "200", "--format", "raw", "-o", f"{folder}/{label}.txt"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)
        for proc in procs:
            proc.wait(60)


#: The advisory lock every running benchmark holds (shared): the last one to end puts
#: the server's autovacuum back as its configuration files have it.
AUTOVACUUM_LOCK = 0x6772_6176  # "grav"


@contextlib.contextmanager
def autovacuum_on(admin_url: str):
    """Autovacuum on for the run, as in production (PostgreSQL's default): this machine's
    server has it off for the test suites (``conf.d/90-ci.conf``), and a benchmark
    database that bulk loads and then takes 60,000 writes without it keeps the plans of
    tables it no longer has. It is a server setting (no per-database switch exists), so it
    is turned on with ``ALTER SYSTEM`` and reset when the last benchmark running ends.
    Yields what the run had (``on``, ``turned on for the run``, or why it stayed off)."""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock_shared(:k)"), {"k": AUTOVACUUM_LOCK})
        state = conn.scalar(sa.text("SHOW autovacuum"))
        if state == "on":
            note = "on"
        elif not conn.scalar(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
            note = "off (the server has it off; no right to turn it on)"
        else:
            conn.execute(sa.text("ALTER SYSTEM SET autovacuum = on"))
            conn.execute(sa.text("SELECT pg_reload_conf()"))
            note = "turned on for the run (the server has it off)"
        try:
            yield note
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock_shared(:k)"), {"k": AUTOVACUUM_LOCK})
            last = conn.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": AUTOVACUUM_LOCK})
            # reset only what a benchmark set: postgresql.auto.conf turning on what another
            # configuration file turns off
            ours = conn.execute(sa.text(
                "SELECT bool_or(sourcefile LIKE '%postgresql.auto.conf' AND setting = 'on') "
                "AND bool_or(sourcefile NOT LIKE '%postgresql.auto.conf' AND setting = 'off') "
                "FROM pg_file_settings WHERE name = 'autovacuum'"
            )).scalar()  # fmt: skip
            if last and ours:
                conn.execute(sa.text("ALTER SYSTEM RESET autovacuum"))
                conn.execute(sa.text("SELECT pg_reload_conf()"))
            if last:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": AUTOVACUUM_LOCK})
    engine.dispose()


# -- the run -----------------------------------------------------------------------------


def login(stack: LocalStack) -> str:
    username, password = stack.city
    body = {"grant_type": "password", "username": username, "password": password}
    return request("POST", f"{stack.urls['roster']}/api/v1/roster/auth/token", body)[1][
        "access_token"
    ]


def reporting_workers(stack: LocalStack, workers: int, consumers: int) -> None:
    """Restart reporting's web process with ``workers`` workers and run ``consumers``
    reporting consumers."""
    stack.kill("reporting-web", signal.SIGTERM)
    stack.start_process("reporting-web", WEB_WORKERS=workers)
    wait_http(f"{stack.urls['reporting']}/readyz", proc=stack.group.procs["reporting-web"])
    for n in range(2, 5):
        if f"reporting-consumer-{n}" in stack.group.procs and n > consumers:
            stack.kill(f"reporting-consumer-{n}", signal.SIGTERM)
    for n in range(2, consumers + 1):
        if f"reporting-consumer-{n}" not in stack.group.procs:
            stack.start_process("reporting-consumer", alias=f"reporting-consumer-{n}")


def warm(stack: LocalStack, token: str) -> None:
    """One request per worker and endpoint first, so imports and pools are not timed."""
    for service in ("reporting", "mentorship"):
        for _ in range(8):
            urllib.request.urlopen(f"{stack.urls[service]}/readyz", timeout=10).read()
    for _ in range(4):
        request("GET", f"{stack.urls['reporting']}/api/v1/reporting/dashboard", token=token)


def warmup_count(args, count: int) -> int:
    """Requests sent first and not timed, for ours and the bare endpoint alike: ``--warmup``,
    at most a fifth of the run."""
    return min(args.warmup, count // 5)


def run(args) -> dict:
    today = city_today(CITY_TZ)
    sizes = Sizes.for_trainees(args.trainees, args.months)
    results: dict = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "command": args.command,
        "sizes": sizes.__dict__,
        "conc": args.conc,
        "calib_before": calib(),
        "load_before": round(os.getloadavg()[0], 1),
    }
    log(f"calib_ms {results['calib_before']}; province {sizes}")
    workdir = Path(tempfile.mkdtemp(prefix="gr-bench-"))
    env = {
        f"MENTOR_CAPACITY_{r}": 100000
        for r in ("INTEGRITY", "BUSINESS", "RESPONSIBLE", "PRACTICAL")
    }
    env["LOG_LEVEL"] = args.log_level
    env["JWT_TTL_SECONDS"] = 6 * 3600  # the city's one login lasts the whole run
    names = [name for name in procfile_processes() if name not in SKIP]
    started = time.perf_counter()
    with (
        autovacuum_on(PG_ADMIN_URL) as results["autovacuum"],
        LocalStack(workdir, env=env, processes=names, web_workers=2) as stack,
    ):
        results["stack_start_s"] = round(time.perf_counter() - started, 1)
        city = login(stack)
        log(f"building the province (autovacuum {results['autovacuum']})")
        builder = Builder(stack, city, sizes, today, log=log)
        province = builder.build(lambda *services: settle(stack, services=services))
        results["province"] = province.steps
        results["province_s"] = round(sum(s["seconds"] for s in province.steps), 1)
        tokens = Tokens(stack)
        trainees = province.trainee_ids
        months = [f"{m:%Y-%m}" for m in builder.history] + [province.month]
        talks = talk_lines(province, tokens, trainees, today)
        forms = form_lines(tokens, trainees, province.month, ("effectiveness", "mentoring"))
        warm(stack, city)

        # -- the baseline right before the burst (and again right after it) --------
        bare_runs = bare_pair(stack, args, workdir, "before")

        # -- the burst ----------------------------------------------------------------
        # Each phase begins as the bare endpoint's runs do: its first requests (the same
        # count, the same wrk script and concurrency) warm the workers and are not timed.
        talks_warm, forms_warm = warmup_count(args, len(talks)), warmup_count(args, len(forms))
        results["warmup"] = {
            "talks": talks_warm,
            "forms": forms_warm,
            "bare": warmup_count(args, args.bare_count),
        }
        log(
            f"burst: {len(talks)} talks, then {len(forms)} forms ({talks_warm} and "
            f"{forms_warm} of them warm-up), {args.conc} connections"
        )
        since = utcnow()
        memory = MemorySampler(stack)
        memory.start()
        watcher = InboxWatcher(stack)
        watcher.start()
        reader = DashboardReader(
            f"{stack.urls['reporting']}/api/v1/reporting/dashboard", city, months
        )
        reader.start()
        burst_started = time.perf_counter()
        url = stack.urls["mentorship"]
        run_wrk(url, talks[:talks_warm], args.conc, workdir, "talks-warmup")
        cpu = [cpu_seconds(stack)]
        with profiled(stack, "mentorship-web", args.profile, "talks"):
            talk = run_wrk(url, talks[talks_warm:], args.conc, workdir, "talks")
        cpu.append(cpu_seconds(stack))
        url = stack.urls["reporting"]
        run_wrk(url, forms[:forms_warm], args.conc, workdir, "forms-warmup")
        cpu.append(cpu_seconds(stack))
        with profiled(stack, "reporting-web", args.profile, "forms"):
            form = run_wrk(url, forms[forms_warm:], args.conc, workdir, "forms")
        cpu.append(cpu_seconds(stack))
        results["cpu"] = {
            "talks": cpu_used(cpu[0], cpu[1]),
            "forms": cpu_used(cpu[2], cpu[3]),
        }
        results["burst_s"] = round(time.perf_counter() - burst_started, 1)
        results["dashboard_busy"] = reader.stop()
        settled = time.perf_counter()
        settle(stack)
        results["drain_after_burst_s"] = round(time.perf_counter() - settled, 1)
        watcher.stop()
        results["memory_mb"] = memory.stop()
        results["memory_total"] = memory.totals()
        results["talks"], results["forms"] = talk, form
        results["lag"] = event_lag(stack, since, watcher)
        log(f"  event lag {results['lag']}")
        quiet = DashboardReader("", city, months)
        quiet.url = f"{stack.urls['reporting']}/api/v1/reporting/dashboard"
        for _ in range(20 if not args.quick else 5):
            quiet.month()
        for _ in range(5 if not args.quick else 2):
            quiet.year()
        results["dashboard_quiet"] = summary_ms(quiet.month_ms, quiet.year_ms)
        log(f"  dashboard busy {results['dashboard_busy']}, quiet {results['dashboard_quiet']}")

        # -- the baseline, same run (in the other order: idle, busy, busy, idle) -----
        if args.bare_after:
            bare_runs += bare_pair(stack, args, workdir, "after", order=("busy", "idle"))
        results["bare_runs"] = bare_runs
        results["bare_idle"] = pooled([r for r in bare_runs if r["background"] == "idle"], "idle")
        results["bare_busy"] = pooled([r for r in bare_runs if r["background"] == "busy"], "busy")
        # the reference: the bare endpoint on the machine as the baseline had it
        results["bare"] = results["bare_idle"]

        # -- reporting scaled ---------------------------------------------------------
        results["matrix"] = []
        if args.matrix:
            per = min(args.matrix_count, len(trainees) // len(args.cells.split(",")))
            cells = [tuple(int(x) for x in cell.split("x")) for cell in args.cells.split(",")]
            for n, (workers, consumers) in enumerate(cells):
                log(
                    f"matrix: reporting {workers} workers, {consumers} consumers, {per} forms "
                    f"+ {per} talks at once"
                )
                reporting_workers(stack, workers, consumers)
                warm(stack, city)
                cell_trainees = trainees[n * per : (n + 1) * per]
                since = utcnow()
                watcher = InboxWatcher(stack)
                watcher.start()
                half = max(1, args.conc // 2)
                w1 = Wrk(
                    stack.urls["reporting"],
                    form_lines(tokens, cell_trainees, province.quarter, ("quarterly",)),
                    half,
                    workdir,
                    f"q-{n}",
                ).start()
                w2 = Wrk(
                    stack.urls["mentorship"],
                    talk_lines(province, tokens, cell_trainees, today),
                    half,
                    workdir,
                    f"t-{n}",
                ).start()
                q, t = w1.wait(), w2.wait()
                drained = time.perf_counter()
                settle(stack)
                watcher.stop()
                cell = {
                    "workers": workers,
                    "consumers": consumers,
                    "forms": q,
                    "talks": t,
                    "drain_s": round(time.perf_counter() - drained, 1),
                    "lag": event_lag(stack, since, watcher),
                }
                log(
                    f"  forms {q['rps']} req/s p99 {q['p99_ms']:.0f} ms; talks {t['rps']} req/s "
                    f"p99 {t['p99_ms']:.0f} ms; lag {cell['lag']}"
                )
                results["matrix"].append(cell)
        results["logs_with_errors"] = {
            name: n for name in stack.group.procs if (n := stack.group.log(name).count("Traceback"))
        }
    results["calib_after"] = calib()
    results["load_after"] = round(os.getloadavg()[0], 1)
    results["total_s"] = round(time.perf_counter() - started, 1)
    shutil.rmtree(workdir, ignore_errors=True)
    return results


def machine() -> dict:
    memory = None
    try:
        with open("/proc/meminfo") as f:
            memory = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "cpu": cpu,
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 trainees, 3 months")
    parser.add_argument("--trainees", type=int, default=20000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--conc", type=int, default=16, help="wrk connections")
    parser.add_argument("--bare-count", type=int, default=15000)
    parser.add_argument(
        "--warmup",
        type=int,
        default=1000,
        help="requests sent first and not timed, in each of ours and the bare endpoint's runs",
    )
    parser.add_argument(
        "--no-bare-after",
        dest="bare_after",
        action="store_false",
        help="the bare endpoint before the burst only (--quick)",
    )
    parser.add_argument(
        "--matrix-count", type=int, default=1000, help="forms (and talks) per scaling cell"
    )
    parser.add_argument("--no-matrix", dest="matrix", action="store_false")
    parser.add_argument(
        "--cells", default="1x1,2x1,4x1,1x2,2x2,4x2", help="reporting WORKERSxCONSUMERS, ..."
    )
    parser.add_argument("--log-level", default="INFO", help="every process's LOG_LEVEL")
    parser.add_argument(
        "--docs",
        default=str(ROOT / "docs" / "performance.md"),
        help="where to write the results ('' for nowhere)",
    )
    parser.add_argument("--json", default=None, help="also write the raw results here")
    parser.add_argument(
        "--profile", default=None, help="py-spy the web workers during the burst into this folder"
    )
    args = parser.parse_args(argv)
    args.command = "python -m bench.month_end " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    if args.quick:
        args.trainees, args.months = min(args.trainees, 300), min(args.months, 3)
        args.bare_count, args.matrix_count = min(args.bare_count, 1500), min(args.matrix_count, 40)
        args.warmup, args.bare_after = min(args.warmup, 100), False
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is missing (apt-get install -y wrk; make bench does it)")
    results = run(args)
    if args.docs:
        results["rss_before"] = report.recorded_rss(Path(args.docs))
    text = report.table(results)
    print(text, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    if args.docs:
        report.write_docs(Path(args.docs), results, text)
        log(f"written to {args.docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
