"""Start every service that exists in one process: its app, its relay and its consumer
(as threads), sharing kombu's in-process ``memory://`` broker."""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared import migrate
from shared.db import Database
from shared.outbox import backlog, run_relay

log = logging.getLogger("embedded")

#: Every service of the design, in the order they start. Absent ones are skipped.
SERVICE_NAMES = ["roster", "mentorship", "reporting", "welfare", "notifier"]


@dataclass
class Running:
    name: str
    spec: object
    config: object
    db: Database
    app: object
    threads: list[threading.Thread] = field(default_factory=list)


class EmbeddedSystem:
    """The whole system in this process; ``wsgi`` routes ``/api/v1/<service>/`` to each
    service's app."""

    def __init__(
        self,
        var_dir: Path,
        broker_url: str = "memory://",
        exchange: str = "grassroots.events",
        queue_prefix: str = "grassroots",
        demo: bool = True,
    ) -> None:
        self.var_dir = Path(var_dir)
        self.broker_url = broker_url
        self.exchange = exchange
        self.queue_prefix = queue_prefix
        self.demo = demo
        self.stop_event = threading.Event()
        self.services: dict[str, Running] = {}
        self.console = None  # the web console's app, mounted at ``/``

    def available(self) -> list[str]:
        """The services whose code is present."""
        names = []
        for name in SERVICE_NAMES:
            try:
                importlib.import_module(f"services.{name}.spec")
            except ModuleNotFoundError as exc:
                if exc.name and exc.name.startswith(f"services.{name}"):
                    continue
                raise
            names.append(name)
        return names

    def start(self) -> dict:
        """Migrate, start relays and consumers, load the demo data once. Returns what the
        demo loaders created (empty when the data was already there)."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        for name in self.available():
            spec = importlib.import_module(f"services.{name}.spec").SPEC
            config = spec.config(
                DATABASE_URL=f"sqlite:///{self.var_dir / (name + '.db')}",
                BROKER_URL=self.broker_url,
                EVENTS_EXCHANGE=self.exchange,
                QUEUE_PREFIX=self.queue_prefix,
                RETRY_DELAYS_MS=[0, 0, 0],
            )
            migrate.upgrade(spec.migrations_dir, config.DATABASE_URL)
            db = Database.of(config)
            app = importlib.import_module(f"services.{name}.app").create_app(config, db)
            running = Running(name, spec, config, db, app)
            self.services[name] = running
            bus = spec.bus(config)
            if spec.handlers:
                consumer = spec.consumer(config, db, bus)
                ready = threading.Event()
                t = threading.Thread(
                    target=consumer.run,
                    args=(self.stop_event, ready),
                    name=f"{name}-consumer",
                    daemon=True,
                )
                t.start()
                ready.wait(10)
                running.threads.append(t)
        self.console = self._console()
        # Relays start after every consumer has declared its queue, so nothing published
        # at start-up is routed nowhere.
        for running in self.services.values():
            for loop_name, loop in running.spec.background.items():
                t = threading.Thread(
                    target=loop,
                    args=(running.config, running.db, self.stop_event),
                    name=f"{running.name}-{loop_name}",
                    daemon=True,
                )
                t.start()
                running.threads.append(t)
            if running.spec.outbox_model is None:
                continue  # (the notifier publishes nothing)
            t = threading.Thread(
                target=run_relay,
                args=(running.db, running.spec.outbox_model, running.spec.bus(running.config)),
                kwargs={"stop": self.stop_event},
                name=f"{running.name}-relay",
                daemon=True,
            )
            t.start()
            running.threads.append(t)
        return self._load_demo() if self.demo else {}

    def _console(self):
        """The web console, calling the services over HTTP on the host the browser used
        (this very process), unless ``CONSOLE_API_URL`` says otherwise."""
        try:
            from services.console.app import create_app
            from services.console.config import Config
        except ModuleNotFoundError:
            return None
        return create_app(Config(var_dir=self.var_dir))

    def _load_demo(self) -> dict:
        """Each service's demo, in order; a service whose demo builds on another's waits
        until that one's events have reached its projections (``demo.ready``)."""
        loaded = {}
        for name, running in self.services.items():
            try:
                demo = importlib.import_module(f"services.{name}.demo")
            except ModuleNotFoundError:
                continue
            with running.db.transaction() as session:
                if demo.is_loaded(session):
                    continue
            ready = getattr(demo, "ready", None)
            if ready is not None:
                deadline = time.monotonic() + 120
                while not self._check(running, ready):
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{name}: the events its demo needs never came")
                    time.sleep(0.1)
            with running.db.transaction() as session:
                loaded[name] = demo.load(session)
        return loaded

    @staticmethod
    def _check(running: Running, predicate) -> bool:
        with running.db.transaction() as session:
            return predicate(session)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every outbox is published (consumers may still be applying)."""
        deadline = time.monotonic() + timeout
        while any(
            backlog(r.db, r.spec.outbox_model)
            for r in self.services.values()
            if r.spec.outbox_model is not None
        ):
            if time.monotonic() > deadline:
                raise TimeoutError("outboxes not drained")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop relays and consumers and close the databases."""
        self.stop_event.set()
        for running in self.services.values():
            for t in running.threads:
                t.join(timeout=5)
            running.db.dispose()

    # -- WSGI ---------------------------------------------------------------------

    def wsgi(self, environ, start_response):
        """Route by path: ``/api/v1/<service>/`` to that service; health and metrics for
        the whole process; everything else to the web console (its pages and ``/static/``),
        or a short index when the console is absent."""
        path = environ.get("PATH_INFO", "")
        parts = path.split("/")
        if len(parts) > 3 and parts[1] == "api" and parts[2] == "v1" and parts[3] in self.services:
            return self.services[parts[3]].app.wsgi_app(environ, start_response)
        if path in ("/healthz", "/readyz", "/metrics") and self.services:
            if path == "/readyz":
                return self._readyz(environ, start_response)
            first = next(iter(self.services.values()))
            return first.app.wsgi_app(environ, start_response)
        if self.console is not None:
            return self.console.wsgi_app(environ, start_response)
        if path in ("", "/"):
            return self._index(start_response)
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": f"no service serves {path}",
            }
        ).encode()
        start_response(
            "404 NOT FOUND",
            [("Content-Type", "application/problem+json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _readyz(self, environ, start_response):
        checks, ok = {}, True
        for name, running in self.services.items():
            with running.app.test_client() as client:
                response = client.get("/readyz")
                checks[name] = response.get_json()
                ok = ok and response.status_code == 200
        body = json.dumps(
            {"status": "ok" if ok else "unavailable", "services": checks}, ensure_ascii=False
        ).encode()
        start_response(
            "200 OK" if ok else "503 SERVICE UNAVAILABLE",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _index(self, start_response):
        links = "".join(
            f'<li>{name}: <a href="/api/v1/{name}/docs">API docs</a> · '
            f'<a href="/api/v1/{name}/openapi.json">openapi.json</a></li>'
            for name in self.services
        )
        body = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
            "<title>Grassroots 选调生导师制管理系统</title>"
            "<h1>Grassroots 选调生导师制管理系统</h1><ul>" + links + "</ul>"
            "<p>Demo accounts use the password <code>demo</code>: city, town1..town6, "
            "unit1..unit8, mentor1.., trainee1..trainee40.</p></html>"
        ).encode("utf-8")
        start_response(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]
