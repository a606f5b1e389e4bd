"""Run the processes of ``docker-compose.yml`` on this machine, without Docker.

    python -m deploy.local migrate     create each service's database if missing, migrate it
    python -m deploy.local up          migrate, then run the Procfile and keep it running
    python -m deploy.local up --scale reporting-consumer=2   … with two reporting consumers
    python -m deploy.local processes   print the Procfile's processes

The compose file stays the source of truth: the one-shot ``*-migrate`` services' commands are
read from it, and the Procfile repeats its long-running commands verbatim (the tests in
``tests/deploy`` keep the two in step). ``deploy/local.env`` replaces the compose
environment: the local PostgreSQL, RabbitMQ and Redis instead of the containers, and
development JWT keys instead of the compose secrets. Everything runs from the repository root.

``up`` supervises the processes as compose's ``restart: unless-stopped`` does
(``deploy/supervise.py``): a process that dies is restarted with a back-off (1 s doubling
to 30 s, back to 1 s after a minute of uptime) while the others go on; Ctrl-C or SIGTERM
stops them all. ``--env-file`` and ``--procfile`` name other files (the tests run the
Procfile's commands on throwaway databases, broker names and ports that way).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
import yaml
from honcho.environ import parse as parse_env
from honcho.environ import parse_procfile

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
PROCFILE = ROOT / "Procfile"
LOCAL_ENV = ROOT / "deploy" / "local.env"
MIGRATE_SUFFIX = "-migrate"


def compose_services(path: Path | str = COMPOSE_FILE) -> dict[str, dict]:
    """The ``services`` mapping of a compose file (anchors and merge keys resolved)."""
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)["services"]


def procfile_processes(path: Path | str = PROCFILE) -> dict[str, str]:
    """``{name: command}`` of a Procfile, parsed as honcho parses it."""
    return dict(parse_procfile(Path(path).read_text(encoding="utf-8")).processes)


def local_env(path: Path | str = LOCAL_ENV) -> dict[str, str]:
    """The variables of an env file, parsed as honcho parses it."""
    return parse_env(Path(path).read_text(encoding="utf-8"))


def process_env(env_file: Path | str = LOCAL_ENV) -> dict[str, str]:
    """The environment of a local process: ours, with the env file applied over it (as honcho
    does), and this interpreter's ``bin`` directory first on PATH so that ``python`` and
    ``gunicorn`` in the commands are the project's, venv activated or not."""
    env = dict(os.environ)
    env.update(local_env(env_file))
    bin_dir = str(Path(sys.executable).parent)  # not resolved: the venv's bin, not the base's
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    return env


def migrate_services(services: dict[str, dict]) -> dict[str, str]:
    """``{service: command}`` of the one-shot ``<service>-migrate`` compose services."""
    return {
        name[: -len(MIGRATE_SUFFIX)]: spec["command"]
        for name, spec in services.items()
        if name.endswith(MIGRATE_SUFFIX)
    }


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of ``url`` if missing; True if it was created."""
    target = sa.engine.make_url(url)
    if not target.drivername.startswith("postgresql"):
        return False
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            ).scalar()
            if exists:
                return False
            quoted = engine.dialect.identifier_preparer.quote(target.database)
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        engine.dispose()


def migrate(
    compose_file: Path | str = COMPOSE_FILE,
    env_file: Path | str = LOCAL_ENV,
    only: set[str] | None = None,
) -> None:
    """Create each service's database if missing and run its ``*-migrate`` command (of the
    services in ``only``, when given: those with a process in the Procfile run)."""
    env = process_env(env_file)
    for service, command in migrate_services(compose_services(compose_file)).items():
        if only is not None and service not in only:
            continue
        key = f"{service.upper()}_DATABASE_URL"
        url = env.get(key)
        if not url:
            raise SystemExit(f"deploy.local: {key} is not set in {env_file}")
        if ensure_database(url):
            print(f"deploy.local: created database {sa.engine.make_url(url).database}")
        print(f"deploy.local: {service}-migrate: {command}", flush=True)
        result = subprocess.run(shlex.split(command), cwd=ROOT, env=env, check=False)
        if result.returncode != 0:
            raise SystemExit(f"deploy.local: {service}-migrate failed ({result.returncode})")


def redis_reachable(url: str | None) -> bool:
    """Whether the Redis of ``url`` (roster's ``RATELIMIT_STORAGE_URI``) answers; True
    for any other store (the memory one needs nothing)."""
    if not url or not url.startswith("redis"):
        return True
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.exceptions.RedisError:
        return False


def check_redis(env: dict[str, str]) -> None:
    """Say so when roster's limits store is away: each roster web process then counts in
    its own memory (Flask-Limiter's fallback) until it is back."""
    url = env.get("RATELIMIT_STORAGE_URI")
    if not redis_reachable(url):
        print(
            f"deploy.local: Redis at {url} does not answer (start it: redis-server "
            "--daemonize yes); login limits are counted per process until it does",
            flush=True,
        )


def scaled(scale: list[str], processes: dict[str, str]) -> dict[str, str]:
    """``{instance: command}`` of every Procfile process, ``name.1`` … ``name.N`` for
    ``--scale name=N`` options (the month end's ``reporting-consumer=2``), ``name.1``
    otherwise. A web process binds a fixed port, so it is scaled with ``WEB_WORKERS``
    instead, and asking to scale one is an error."""
    counts = dict.fromkeys(processes, 1)
    for item in scale:
        name, _, count = item.partition("=")
        if name not in processes:
            raise SystemExit(f"deploy.local: no process {name!r} in the Procfile")
        if not count.isdigit() or int(count) < 1:
            raise SystemExit(f"deploy.local: --scale {item}: give NAME=N with N >= 1")
        if name.endswith("-web"):
            raise SystemExit(
                f"deploy.local: {name} binds one port; give it more workers instead "
                f"(WEB_WORKERS=8 in deploy/local.env or the environment)"
            )
        counts[name] = int(count)
    return {
        f"{name}.{n}": command
        for name, command in processes.items()
        for n in range(1, counts[name] + 1)
    }


def served(processes: dict[str, str]) -> set[str]:
    """The services whose databases ``processes`` use: the one each name starts with, and
    those the outbox relay's ``--services`` lists."""
    out = set()
    for name, command in processes.items():
        out.add(name.split("-", 1)[0])
        if "--services " in command:
            out.update(command.split("--services ", 1)[1].split()[0].split(","))
    return out


def up(
    procfile: Path | str = PROCFILE, env_file: Path | str = LOCAL_ENV, scale: list[str] = ()
) -> int:
    """Migrate, then run every Procfile process under :class:`deploy.supervise.Supervisor`
    until SIGINT or SIGTERM (a process that dies is restarted, the rest go on)."""
    from deploy.supervise import Supervisor

    processes = procfile_processes(procfile)
    instances = scaled(list(scale), processes)
    migrate(env_file=env_file, only=served(processes))
    env = process_env(env_file)
    check_redis(env)
    if not env.get("METRICS_TOKEN"):
        print("deploy.local: METRICS_TOKEN is not set: /metrics answers 404", flush=True)
    print(
        f"deploy.local: supervising {len(instances)} processes of {_shown(procfile)} with "
        f"{_shown(env_file)} (a process that dies is restarted; Ctrl-C stops them all)",
        flush=True,
    )
    return Supervisor(instances, env=env, cwd=ROOT).run()


def _shown(path: Path | str) -> str:
    """``path`` relative to the repository when it is inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.local",
        description="Run the processes of docker-compose.yml on this machine, without Docker.",
    )
    parser.add_argument("command", choices=["up", "migrate", "processes"])
    parser.add_argument(
        "--scale", action="append", default=[], metavar="NAME=N",
        help="run N copies of a relay, consumer, scheduler or worker (up only)",
    )  # fmt: skip
    parser.add_argument("--env-file", default=str(LOCAL_ENV), help="default: deploy/local.env")
    parser.add_argument("--procfile", default=str(PROCFILE), help="default: Procfile")
    args = parser.parse_args(argv)
    if args.command == "processes":
        for name, command in procfile_processes(args.procfile).items():
            print(f"{name}: {command}")
    elif args.command == "migrate":
        migrate(env_file=args.env_file)
    else:
        return up(procfile=args.procfile, env_file=args.env_file, scale=args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
