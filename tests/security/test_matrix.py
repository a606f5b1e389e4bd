"""Object-level authorization matrix (issue 9, item 10), generated from each service's
committed OpenAPI document: every operation, called with the tokens of one half (a town,
a unit, a mentor, a trainee) on the other half's ids.

- a read of the other half's object is a 403 or a 404;
- a list, search or export (JSON, CSV, XLSX) shows none of the other half's objects (by
  id, by ``trainee_id`` and by the other half's trainee names), also when its query names
  the other half (``?town_id=2``);
- a change of the other half's object, or a create naming the other half in its body, is
  refused (4xx) and changes no row of the database;
- a change naming no party at all must be refused to these roles (city only) unless it is
  on the allow-list below: a new endpoint is never silently uncovered.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.security.conftest import SERVICES, changed_tables, snapshot
from tests.security.oas import Document, body_text

pytestmark = pytest.mark.security

#: Path parameters that name no party's object, and where their value comes from.
LITERAL_PARAMS = {"code", "day", "kind", "year", "role"}
#: Resources shared by the whole city: a path id of these names no party (the operation is
#: still checked for leaks and refused changes).
CITY_WIDE = {"projects", "campaigns", "periods", "assessments", "policies", "calendar"}
#: ... and the notifier's delivery log, which only the city reads or retries.
CITY_WIDE |= {"deliveries"}
#: Reference data every signed-in caller may read (place names, no personal data).
PUBLIC_READS = {
    ("roster", "towns"),
    ("roster", "units"),
    ("roster", "villages"),
}
#: Changes that name no party and are allowed to any role: each acts only on the caller.
SELF_ACTIONS = {
    # login: no token at all; throttling is checked in test_limits
    ("roster", "POST", "/auth/token"),
    # sign-out: no token either; it revokes only the sign-in of the refresh token it is given
    ("roster", "POST", "/auth/revoke"),
    # the caller's own inbox and preferences (no id of anyone else can be given)
    ("notifier", "POST", "/notifications/read-all"),
    ("notifier", "PUT", "/preferences"),
    # a town or unit subscribes its own system (owner from the token, never the body)
    ("notifier", "POST", "/subscriptions"),
    # a town or unit fills the mentor gaps of its own trainees (scope from the token)
    ("mentorship", "POST", "/gaps/fill"),
    # a trainee files its own report (the trainee from the token, never the body)
    ("reporting", "POST", "/reports"),
    # a town approves its own town's month of subsidies (scope from the token)
    ("welfare", "POST", "/subsidies/approve-month"),
}
#: Statuses that refuse a change.
REFUSED = {400, 401, 403, 404, 405, 409, 422}
ROLES = ("town", "unit", "mentor", "trainee")


def cases():
    for service in SERVICES:
        doc = Document(service)
        for method, path, _op, _params in doc.operations():
            yield pytest.param(service, method, path, id=f"{service} {method} {path}")


def _resource_of(path: str, param: str) -> str:
    """The resource a path parameter names: ``{id}`` the segment before it,
    ``{trainee_id}`` trainees, ``{follow_up_id}`` follow-ups."""
    if param == "id":
        parts = path.split("/")
        return parts[parts.index("{id}") - 1]
    return param.removesuffix("_id").replace("_", "-") + "s"


def _list_resource(path: str, world) -> str | None:
    literal = [p for p in path.split("/") if p and not p.startswith("{")]
    for part in reversed(literal):
        if part in world.owned:
            return part
    return None


class Attack:
    """One operation as one half's caller against the other half."""

    def __init__(self, world, doc: Document, method: str, path: str, op: dict, params: list):
        self.world, self.doc, self.method, self.path, self.op = world, doc, method, path, op
        self.params = params
        self.service = world.service

    def party_value(self, victim: str, kind: str):
        owned = self.world.owned
        if kind == "mentors":
            return self.world.tokens_scope[victim]["mentor"]
        return min(owned[kind][victim]) if owned.get(kind) and owned[kind][victim] else 1

    def url(self, victim: str) -> tuple[str, bool, str | None]:
        """The path with the victim's ids; whether it names a victim's object; an error."""
        path, names_victim = self.path, False
        for name in re.findall(r"{(\w+)}", self.path):
            if name in LITERAL_PARAMS:
                value = self.world.literals.get(name)
            elif name == "mentor_id":  # a mentor by id (a mentor's workload): the victim's
                value = self.party_value(victim, "mentors")
                names_victim = True
            else:
                resource = _resource_of(self.path, name)
                if resource in CITY_WIDE:
                    value = self.world.literals.get(resource, 1)
                elif resource in self.world.owned:
                    value = min(self.world.owned[resource][victim])
                    names_victim = True
                else:
                    return path, False, f"cannot tell whose {{{name}}} ({resource}) is"
            if value is None:
                return path, False, f"no value for {{{name}}}"
            path = path.replace("{" + name + "}", str(value))
        return path, names_victim, None

    def query(self, victim: str) -> dict:
        """Required query arguments, and every party filter set to the victim."""
        out = {}
        for p in self.params:
            if p.get("in") != "query":
                continue
            name = p["name"]
            if name in ("trainee_id", "town_id", "unit_id", "village_id", "mentor_id"):
                kind = {"mentor_id": "mentors"}.get(name, name.removesuffix("_id") + "s")
                out[name] = self.party_value(victim, kind)
            elif name == "q":
                # a search for the victim by name
                out[name] = self.world.markers[victim][0]
            elif p.get("required"):
                out[name] = self.doc.sample(p.get("schema", {}), lambda k: 1, name)
        return out

    def body(self, victim: str):
        kind, schema = self.doc.body_schema(self.op)
        if kind == "application/json":
            value = self.doc.sample(schema, lambda k: self.party_value(victim, k))
            names_victim = (
                any(k in value for k in PARTY_FIELDS_NAMING) if isinstance(value, dict) else False
            )
            return {"json": value}, names_victim
        if kind in ("text/csv", "multipart/form-data"):
            # An import naming the victim in every party column it might have.
            town, unit = self.party_value(victim, "towns"), self.party_value(victim, "units")
            text = (
                "party_kind,party_id,title,due_date,year,name,unit_id,town_id,cohort\n"
                f"town,{town},t,{self.doc.sample({'format': 'date'}, None)},2026,n,{unit},"
                f"{town},2025\n"
            )
            return {"data": text.encode(), "content_type": "text/csv"}, True
        return {}, False


PARTY_FIELDS_NAMING = {
    "trainee_id",
    "town_id",
    "unit_id",
    "village_id",
    "mentor_id",
    "party_id",
    "owner_id",
    "handler_scope_id",
    "handler_person_id",
    "participation_id",
    "trainee_ids",
    "town_ids",
    "unit_ids",
    "scope_id",
}


def leaks_in(response, world, victim: str, resource: str | None) -> list[str]:
    """What of the victim's a response shows: names, trainee ids, object ids."""
    found = []
    text = body_text(response)
    for marker in world.markers.get(victim, ()):
        if marker in text:
            found.append(f"name {marker}")
    if "json" in (response.mimetype or "") and response.status_code < 300:
        data = json.loads(response.get_data(as_text=True))
        victims_trainees = world.owned["trainees"][victim]
        for node in _walk(data):
            if isinstance(node, dict) and node.get("trainee_id") in victims_trainees:
                found.append(f"trainee_id {node['trainee_id']}")
        items = data.get("items") if isinstance(data, dict) else data
        if resource and isinstance(items, list):
            victims = world.owned[resource][victim]
            for item in items:
                if isinstance(item, dict) and item.get("id") in victims:
                    found.append(f"{resource} id {item['id']}")
    return found


def victim_state(world, doc: Document, victim: str) -> dict:
    """Every object of the victim as the city reads it (for changes the matrix allows:
    they must leave these alone)."""
    from tests.security.worlds import CITY

    reads = {p for m, p, _o, _ps in doc.operations() if m == "GET"}
    state = {}
    for resource, halves in world.owned.items():
        if f"/{resource}/{{id}}" not in reads:
            continue
        for id_ in sorted(halves[victim]):
            response = world.client.get(f"{doc.prefix}/{resource}/{id_}", headers=CITY)
            body = response.get_json(silent=True)
            if isinstance(body, dict):
                body.pop("request_id", None)
            state[(resource, id_)] = (response.status_code, body)
    return state


def _walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@pytest.mark.parametrize("service,method,path", list(cases()))
def test_no_caller_reaches_the_other_halfs_objects(worlds, table, service, method, path):
    world = worlds[service]
    doc = Document(service)
    op, params = next((o, p) for m, pa, o, p in doc.operations() if (m, pa) == (method, path))
    attack = Attack(world, doc, method, path, op, params)
    sent = leaks = errors = 0
    problems: list[str] = []
    for attacker, victim in (("A", "B"), ("B", "A")):
        url, names_victim, error = attack.url(victim)
        if error:
            pytest.fail(f"{service} {method} {path}: the generator {error}; classify it")
        query = attack.query(victim)
        body, body_names_victim = attack.body(victim) if method != "GET" else ({}, False)
        for role in ROLES:
            headers = world.tokens[attacker][role]
            before = snapshot(world.db) if method != "GET" else None
            victim_before = (
                victim_state(world, doc, victim)
                if (service, method, path) in SELF_ACTIONS
                else None
            )
            variants = [query] if not query else [query, {}]
            for args in variants:
                response = world.client.open(
                    f"{doc.prefix}{url}",
                    method=method,
                    headers=headers,
                    query_string=args,
                    **body,
                )
                sent += 1
                status = response.status_code
                where = f"{role}:{attacker} {method} {url} {args or ''} -> {status}"
                if status >= 500:
                    errors += 1
                    problems.append(f"5xx: {where} {response.get_data(as_text=True)[:200]}")
                    continue
                public = (service, _list_resource(path, world)) in PUBLIC_READS
                if method == "GET":
                    if names_victim and not public and status not in (403, 404):
                        leaks += 1
                        problems.append(f"read of another's object allowed: {where}")
                    if not public:
                        resource = None if names_victim else _list_resource(path, world)
                        found = leaks_in(response, world, victim, resource)
                        if found:
                            leaks += 1
                            problems.append(f"leak {found[:3]}: {where}")
                    continue
                # a change
                after = snapshot(world.db)
                changed = changed_tables(before, after)
                targeted = names_victim or body_names_victim
                if targeted:
                    if status not in REFUSED or changed:
                        leaks += 1
                        problems.append(f"change of another's allowed: {where} changed {changed}")
                elif (service, method, path) in SELF_ACTIONS:
                    if status < 300 and victim_state(world, doc, victim) != victim_before:
                        leaks += 1
                        problems.append(f"a self action changed another's objects: {where}")
                elif status != 403 or changed:
                    problems.append(
                        f"unclassified change (names no party, not city-only, not on the "
                        f"SELF_ACTIONS allow-list): {where} changed {changed}"
                    )
                found = leaks_in(response, world, victim, None)
                if found:
                    leaks += 1
                    problems.append(f"leak {found[:3]}: {where}")
                before = after
    table.add("10 authorization matrix", service, requests=sent, leaks=leaks, **{"5xx": errors})
    table.add("10 authorization matrix", service, failures=1 if problems else 0)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("service", SERVICES)
def test_the_matrix_sees_the_other_halfs_objects_where_they_are(worlds, service):
    """The detector is not blind: the city's lists show both halves' objects, and the
    matrix's checks find them there (so their absence from a half's lists means it)."""
    from tests.security.worlds import CITY

    world = worlds[service]
    doc = Document(service)
    seen = []
    for method, path, _op, _params in doc.operations():
        if (
            method != "GET"
            or "{" in path
            or (service, _list_resource(path, world)) in (PUBLIC_READS)
        ):
            continue
        response = world.client.get(f"{doc.prefix}{path}", headers=CITY)
        if response.status_code == 200 and leaks_in(
            response, world, "B", _list_resource(path, world)
        ):
            seen.append(path)
    assert seen, "the city's lists show no object of half B"
