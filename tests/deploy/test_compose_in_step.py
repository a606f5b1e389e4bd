"""docker-compose.yml, the Procfile and deploy.local stay in step (no Docker needed).

The Procfile is how the compose file's processes run on a machine without Docker, so it
must hold exactly the compose file's long-running app processes, with identical commands.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from deploy.local import COMPOSE_FILE, PROCFILE, ROOT, compose_services, procfile_processes

INFRASTRUCTURE = {"rabbitmq", "redis", "minio"}
# Services with no database and no broker: the web console only calls the others' HTTP APIs,
# so it has no migration to wait for; it waits for their web processes instead.
STATELESS = {"console"}


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return compose_services(COMPOSE_FILE)


@pytest.fixture(scope="module")
def procfile() -> dict[str, str]:
    return procfile_processes(PROCFILE)


def _is_infrastructure(name: str) -> bool:
    return name in INFRASTRUCTURE or name.endswith("-db")


def _long_running_app(services: dict[str, dict]) -> dict[str, dict]:
    return {
        name: spec
        for name, spec in services.items()
        if not _is_infrastructure(name) and not name.endswith("-migrate")
    }


def _served(name: str, spec: dict) -> list[str]:
    """The services a process works for: the one its name starts with, or those the
    combined relay's ``--services`` lists."""
    if name == "outbox-relay":
        return spec["command"].split("--services ", 1)[1].split()[0].split(",")
    return [name.split("-", 1)[0]]


def _service_names(services: dict[str, dict], suffix: str) -> set[str]:
    return {name[: -len(suffix)] for name in services if name.endswith(suffix)}


def test_every_long_running_compose_process_is_in_the_procfile(services, procfile):
    for name, spec in _long_running_app(services).items():
        assert name in procfile, f"{name} is in docker-compose.yml but not in the Procfile"
        assert procfile[name] == spec["command"], f"{name}: commands differ"


def test_every_procfile_process_is_in_compose(services, procfile):
    long_running = _long_running_app(services)
    for name, command in procfile.items():
        assert name in long_running, f"{name} is in the Procfile but not a compose app process"
        assert long_running[name]["command"] == command, f"{name}: commands differ"


def test_commands_are_single_strings_that_split_cleanly(procfile):
    # compose splits a string command like a shell would, and so does deploy.supervise.
    for name, command in procfile.items():
        assert isinstance(command, str)
        assert shlex.split(command), name


def test_there_are_app_services(services):
    assert _service_names(services, "-web"), "no *-web service in docker-compose.yml"


def test_every_service_with_a_web_has_a_one_shot_migration(services):
    for service in _service_names(services, "-web") - STATELESS:
        migrate = services.get(f"{service}-migrate")
        assert migrate is not None, f"{service}-web has no {service}-migrate"
        assert str(migrate.get("restart", "no")) == "no", f"{service}-migrate must not restart"
        assert f"services.{service}.manage migrate" in migrate["command"]
        depends = migrate.get("depends_on", {})
        assert depends.get(f"{service}-db", {}).get("condition") == "service_healthy"


def test_app_processes_wait_for_their_migration(services):
    for name, spec in _long_running_app(services).items():
        depends = spec.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        if name == "outbox-relay":
            for service in _served(name, spec):
                condition = depends.get(f"{service}-migrate", {}).get("condition")
                assert condition == "service_completed_successfully", (name, service)
            assert depends.get("rabbitmq", {}).get("condition") == "service_healthy", name
            continue
        service = name.rsplit("-", 1)[0]
        if service in STATELESS:
            assert services.get(f"{service}-migrate") is None, name
            webs = {f"{s}-web" for s in _service_names(services, "-web") - STATELESS}
            for web in webs:
                assert depends.get(web, {}).get("condition") == "service_healthy", (name, web)
            continue
        condition = depends.get(f"{service}-migrate", {}).get("condition")
        assert condition == "service_completed_successfully", name
        assert depends.get("rabbitmq", {}).get("condition") == "service_healthy", name


def test_every_web_has_a_healthcheck_on_healthz(services):
    for service in _service_names(services, "-web"):
        check = services[f"{service}-web"].get("healthcheck")
        assert check, f"{service}-web has no healthcheck"
        assert "/healthz" in " ".join(check["test"])


def test_infrastructure_has_healthchecks(services):
    for name, spec in services.items():
        if _is_infrastructure(name):
            assert spec.get("healthcheck"), f"{name} has no healthcheck"


def test_no_container_name_anywhere(services):
    # reporting is scaled with --scale, which fixed container names forbid
    for name, spec in services.items():
        assert "container_name" not in spec, name
    keys = re.findall(r"^\s*container_name\s*:", COMPOSE_FILE.read_text(encoding="utf-8"), re.M)
    assert not keys, "container_name in docker-compose.yml"


def test_deploy_local_prints_the_procfile_processes(procfile):
    result = subprocess.run(
        [sys.executable, "-m", "deploy.local", "processes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert "roster-web: " + procfile["roster-web"] in lines
    assert (
        "outbox-relay: python -m shared.relay --services roster,mentorship,reporting,welfare"
        in lines
    )
    assert not any(line.startswith("roster-migrate") for line in lines)


def test_every_app_process_gets_its_own_services_database(services):
    """Each process of ``<service>-…`` is given ``<SERVICE>_DATABASE_URL`` on its own
    ``<service>-db`` (a process without it would fall back to a local SQLite file)."""
    wrong = {}
    for name, spec in _long_running_app(services).items():
        for service in _served(name, spec):
            if service in STATELESS:
                continue
            url = (spec.get("environment") or {}).get(f"{service.upper()}_DATABASE_URL", "")
            if f"@{service}-db:5432/grassroots_{service}" not in url:
                wrong[name] = spec.get("environment")
    for name, spec in services.items():
        if name.endswith("-migrate"):
            service = name[: -len("-migrate")]
            url = (spec.get("environment") or {}).get(f"{service.upper()}_DATABASE_URL", "")
            if f"@{service}-db:5432/" not in url:
                wrong[name] = spec.get("environment")
    assert not wrong, wrong


def test_month_end_scaling_of_the_local_processes_is_checked(procfile):
    from deploy.local import scaled

    instances = scaled(["reporting-consumer=2", "outbox-relay=3"], procfile)
    assert len(instances) == len(procfile) + 1 + 2
    assert instances["reporting-consumer.2"] == procfile["reporting-consumer"]
    assert "outbox-relay.3" in instances and "outbox-relay.4" not in instances
    assert instances["roster-web.1"] == procfile["roster-web"]
    for bad in (["reporting-web=2"], ["nope=2"], ["reporting-consumer=0"], ["reporting-consumer"]):
        with pytest.raises(SystemExit):
            scaled(bad, procfile)


def test_every_app_process_logs_in_to_rabbitmq_as_its_own_service(services):
    """Issue 9, point 16: no process shares a broker login; each is the user
    deploy/broker.py allows only its own events and queues."""
    wrong = {}
    for name, spec in services.items():
        if _is_infrastructure(name):
            continue
        environment = spec.get("environment") or {}
        for service in _served(name, spec):
            if service in STATELESS:
                if any("BROKER_URL" in key for key in environment):
                    wrong[name] = environment
                continue
            url = environment.get(f"{service.upper()}_BROKER_URL", "")
            if "BROKER_URL" in environment or not url.startswith(f"amqp://grassroots-{service}:"):
                wrong[name] = {k: v for k, v in environment.items() if "BROKER" in k}
    assert not wrong, wrong
    rabbit = services["rabbitmq"]["volumes"]
    assert any(v.endswith(":/etc/rabbitmq/definitions.json:ro") for v in rabbit), rabbit


def test_metrics_are_behind_a_token_on_the_one_published_port(services):
    """Issue 19: /metrics is not open to anyone on the published ports. Every service's
    web process gets METRICS_TOKEN (shared.http answers /metrics only with it), and
    publishes nothing but its API port (no metrics port to forget about)."""
    for service in _service_names(services, "-web") - STATELESS:
        spec = services[f"{service}-web"]
        assert spec["environment"].get("METRICS_TOKEN") == "${METRICS_TOKEN:-}", service
        port = spec["command"].split("--bind 0.0.0.0:", 1)[1].split()[0]
        assert [p.rsplit(":", 1)[1] for p in spec["ports"]] == [port], (service, spec["ports"])
    for name, spec in services.items():
        if not name.endswith("-web"):
            assert not spec.get("ports"), f"{name} publishes {spec.get('ports')}"
