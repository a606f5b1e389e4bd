"""Property-based fuzzing with schemathesis (issue 9, item 14): every operation of every
service's committed OpenAPI document, in process against the Flask app on its seeded
PostgreSQL world, with all of schemathesis's checks (positive and negative data), then
the stateful run over the links schemathesis infers.

``SECURITY_EXAMPLES`` examples per operation: 5 in ``make test`` (derandomized, so a run
is repeatable), 100 in ``make security`` (random). ``SECURITY_FUZZ_ROLES`` picks the
callers (``city`` by default; ``make security`` adds a town).

One check is replaced: schemathesis's ``positive_data_acceptance`` wants every
schema-valid request accepted, but the services also enforce rules no JSON schema can say
(a date window, a period's state, a sort key among the sortable columns, one of two
arguments). :func:`documented_rejection` accepts such a refusal only as a problem+json
that names the fields it refuses (``errors``) or a ``Rule violated``, and never the
database's out-of-range answer (an undocumented bound).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.security.conftest import EXAMPLES, FULL, SERVICES, openapi
from tests.security.worlds import bearer

#: Seconds a fuzzing test may take: the pyproject's 300 is for 5 examples per operation.
pytestmark = [pytest.mark.security, pytest.mark.timeout(max(300, 30 * EXAMPLES))]

ROLES = os.environ.get("SECURITY_FUZZ_ROLES", "city,town" if FULL else "city").split(",")
CALLERS = {"city": lambda: bearer("city"), "town": lambda: bearer("town", 1)}


def documented_rejection(ctx, response, case):
    """A schema-valid request may be refused only with a precise, field-naming reason."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 422):
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    precise = isinstance(body, dict) and (
        body.get("errors") or body.get("title") == "Rule violated"
    )
    if not precise or str(body.get("detail", "")).startswith("a value is out of range"):
        raise AssertionError(
            f"a schema-valid request was refused without a field-naming reason: "
            f"{response.status_code} {response.text[:300]}"
        )
    return None


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not FULL,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )


def _schema(world, role: str):
    """The committed document, calling the app with a token of ``role`` as schemathesis's
    own auth (so its ignored-auth check knows what to take away)."""
    schema = schemathesis.openapi.from_dict(openapi(world.service))
    schema.app = world.app
    header = CALLERS[role]()["Authorization"]

    @schema.auth(refresh_interval=None)
    class Token:
        def get(self, case, context):
            return header

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": data}

    return schema


def _summary(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    lines = [line for line in text if line.startswith("- ") or "Custom check" in line]
    return (lines[0] if lines else text[0] if text else type(error).__name__)[:200]


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.errors = 0
        self.failures: dict[str, str] = {}

    def record(self, label: str, error: BaseException) -> None:
        key = f"{label}: {_summary(error)}"
        self.failures.setdefault(key, str(error)[:2000])


def _fuzz(operation, tally: Tally) -> None:
    """``EXAMPLES`` generated calls of one operation; every failure recorded, none fatal."""
    before = tally.requests

    @_settings(EXAMPLES)
    @given(case=operation.as_strategy())
    def run(case):
        tally.requests += 1
        try:
            response = case.call()
            tally.errors += response.status_code >= 500
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[documented_rejection],
            )
        except (AssertionError, BaseExceptionGroup) as error:  # noqa: B036 - report all
            tally.record(operation.label, error)

    try:
        run()
    except Exception as error:  # noqa: BLE001 - e.g. a schema it cannot generate for
        tally.record(operation.label, error)
    if tally.requests == before:
        tally.record(operation.label, AssertionError("no example was generated"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", SERVICES)
def test_schemathesis_finds_nothing_on_any_operation(own_worlds, table, service, role):
    world = own_worlds[service]
    tally = Tally()
    for result in _schema(world, role).get_all_operations():
        _fuzz(result.ok(), tally)
    table.add(
        f"14 schemathesis ({role})",
        service,
        requests=tally.requests,
        failures=len(tally.failures),
        **{"5xx": tally.errors},
    )
    assert not tally.failures, "\n\n".join(f"{k}\n{v}" for k, v in tally.failures.items())


class Restore:
    """Each stateful example starts from the seeded world: its database is cloned once as
    a template and recreated from it after every example (hypothesis replays and mutates
    examples, and expects the same calls to give the same answers)."""

    def __init__(self, world, admin_url: str) -> None:
        self.world = world
        self.name = world.db.engine.url.database
        self.template = f"{self.name}_tmpl"
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.resets = 0
        world.db.engine.dispose()
        self._sql(f'CREATE DATABASE "{self.template}" TEMPLATE "{self.name}"')

    def _sql(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(statement))

    def reset(self) -> None:
        self.world.db.engine.dispose()
        self._sql(f'DROP DATABASE "{self.name}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
        self.resets += 1

    def close(self) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_schemathesis_stateful_links_find_nothing(own_worlds, pg_admin_url, table, service):
    world = own_worlds[service]
    schema = _schema(world, "city")
    tally = Tally()
    base = schema.as_state_machine()
    restore = Restore(world, pg_admin_url)

    class Machine(base):
        def teardown(self):
            restore.reset()
            super().teardown()

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            tally.requests += 1
            tally.errors += response.status_code >= 500
            try:
                case.validate_response(
                    response,
                    excluded_checks=[positive_data_acceptance],
                    additional_checks=[documented_rejection],
                )
            except (AssertionError, BaseExceptionGroup) as error:  # noqa: B036
                tally.record(f"{case.operation.label} (stateful)", error)

    try:
        Machine.run(settings=_settings(EXAMPLES))
    finally:
        restore.close()
    names = [k for k, v in vars(base).items() if hasattr(v, "hypothesis_stateful_rule")]
    links = sum(not name.startswith("RANDOM__") for name in names)
    table.add(
        "14 schemathesis (stateful)",
        service,
        requests=tally.requests,
        failures=len(tally.failures),
        **{"5xx": tally.errors},
    )
    assert links > 0, "schemathesis inferred no link between operations"
    assert restore.resets > 0 and tally.requests > 0, "the state machine made no call"
    assert not tally.failures, "\n\n".join(f"{k}\n{v}" for k, v in tally.failures.items())
