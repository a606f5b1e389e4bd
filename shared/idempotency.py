"""``Idempotency-Key`` on every creating POST: a client that retries a request whose answer
it never saw (a timeout, a 503, a connection cut at COMMIT) gets the first answer again
instead of a second object.

Which POSTs: every POST documented with a ``201`` answer, and those that mark themselves
with ``@blp.doc(**CREATES)`` (an import that answers 200 with its report). The OpenAPI
plugin below adds the ``Idempotency-Key`` header parameter to exactly those operations, and
:func:`install` guards exactly those views, so the documents and the code agree.

The rules, per caller (a token's role and subject: two callers' keys never meet):

- no header: nothing changes;
- a key that is not 1-255 characters of ``A-Z a-z 0-9 . _ ~ : + / = -``: 400;
- a new key: the request runs; if it succeeds (2xx) its answer (status, body, the headers
  that matter) is stored in the SAME transaction as what it created, so the key is
  committed exactly when the object is; a failed request (4xx/5xx) stores nothing and
  may be sent again under the same key;
- the same key, the same method, path and body: the stored answer, with
  ``Idempotent-Replayed: true``;
- the same key with another method, path or body: 422;
- the same key while the first request is still running: the second waits for it (the
  key's row is locked until the first commits or rolls back), then gets its answer, or
  runs itself if the first failed; after ``IDEMPOTENCY_WAIT_SECONDS`` (PostgreSQL) a
  409 with ``Retry-After``. (SQLite serialises writers anyway: the second waits for the
  write lock.)
- keys live 24 hours: an older row is ignored (its key may be used afresh) and purged by
  the web process now and then (:func:`purge_expired`, also
  ``python -m services.<name>.manage purge-idempotency-keys``).

The request's session holds its commits (:class:`shared.db.RequestSession`): the view's
``session().commit()`` only flushes, and the guard commits once the answer is known.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
import threading
import time

import sqlalchemy as sa
from apispec import BasePlugin
from flask import Flask, Response, current_app, g, request
from sqlalchemy.orm import Mapped, mapped_column

from shared.auth import current_principal
from shared.db import UTCDateTime, big_integer, current_db, session, utcnow
from shared.http import problem_response

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_LENGTH = 255
KEY_PATTERN = rf"^[A-Za-z0-9._~:+/=-]{{1,{MAX_LENGTH}}}$"
_KEY = re.compile(KEY_PATTERN)
#: How long a key is kept.
TTL = dt.timedelta(hours=24)
#: The headers of an answer that are stored and replayed with its body.
KEPT_HEADERS = ("Content-Type", "Location", "ETag", "Content-Disposition")
#: Mark a POST that creates although it answers 200 (an import): ``@blp.doc(**CREATES)``.
CREATES = {"x-creates": True}
#: A web process purges expired keys at most this often (seconds).
PURGE_EVERY_SECONDS = 600.0
PURGE_BATCH = 1000


class IdempotencyMixin:
    """Columns of a service's ``idempotency_key`` table (declare
    ``class IdempotencyKey(IdempotencyMixin, Base)``; the service's migration creates it)."""

    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("caller", "key", name="uq_idempotency_key_caller_key"),)

    id: Mapped[int] = mapped_column(big_integer(), primary_key=True, autoincrement=True)
    #: ``<role>:<subject>`` of the token that sent it
    caller: Mapped[str] = mapped_column(sa.String(128))
    key: Mapped[str] = mapped_column(sa.String(MAX_LENGTH))
    #: sha256 of the method, the path and the body
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    #: the stored answer (none while the first request runs)
    status: Mapped[int | None] = mapped_column(nullable=True)
    headers: Mapped[dict | None] = mapped_column(sa.JSON, nullable=True)
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


# -- the OpenAPI documents ------------------------------------------------------------------

PARAMETER = "IdempotencyKey"
REPLAYED_HEADER = "IdempotentReplayed"


class IdempotencyPlugin(BasePlugin):
    """Documents the header on every creating POST (a 201, or marked :data:`CREATES`) and
    remembers those operations for :func:`install`."""

    def __init__(self) -> None:
        self.creating: set[str] = set()  # OpenAPI paths whose POST creates

    def init_spec(self, spec) -> None:
        spec.components.parameter(
            PARAMETER,
            "header",
            {
                "name": HEADER,
                "required": False,
                "description": (
                    "A key of the caller's choosing (a UUID) that makes this POST safe to "
                    "retry: the same key with the same body within 24 hours answers the "
                    f"first answer again (with `{REPLAYED}: true`) instead of creating a "
                    "second object; the same key with another body is a 422; while the "
                    "first request runs, a second waits for it (409 after a while). Keys "
                    "are per caller. 同一键、同一请求体在 24 小时内重试，返回首次结果，不重复创建。"
                ),
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_LENGTH,
                    "pattern": KEY_PATTERN,
                },
            },
        )
        spec.components.header(
            REPLAYED_HEADER,
            {
                "description": f"`true` when this is the stored answer to an earlier "
                f"request with the same {HEADER}",
                "schema": {"type": "string", "enum": ["true"]},
            },
        )

    def operation_helper(self, path=None, operations=None, **_kwargs) -> None:
        post = (operations or {}).get("post")
        if post is None:
            return
        responses = post.get("responses", {})
        created = next((r for code, r in responses.items() if str(code) == "201"), None)
        marked = bool(post.pop("x-creates", False))
        if created is None and not marked:
            return
        self.creating.add(path)
        post.setdefault("parameters", []).append(PARAMETER)
        answer = created or next((r for c, r in responses.items() if str(c) == "200"), None)
        if isinstance(answer, dict):
            answer.setdefault("headers", {})[REPLAYED] = REPLAYED_HEADER


# -- the guard ------------------------------------------------------------------------------


def creates(view) -> bool:
    """Whether a POST view creates: it answers 201, or is marked :data:`CREATES` (what
    :class:`IdempotencyPlugin` documents), read from the view's own declarations so that
    no OpenAPI document need be built to guard it."""
    while not hasattr(view, "_apidoc") and hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    doc = getattr(view, "_apidoc", {})
    manual = doc.get("manual_doc", {})
    codes = {str(code) for code in doc.get("success_status_codes", ())}
    codes |= {str(code) for code in doc.get("response", {}).get("responses", {})}
    codes |= {str(code) for code in manual.get("responses", {})}
    return "201" in codes or bool(manual.get("x-creates"))


def install(app: Flask, model: type) -> list[str]:
    """Guard every creating POST of ``app`` (after its blueprints are registered) with
    ``model``'s table; returns the endpoints guarded."""
    app.extensions["idempotency_model"] = model
    endpoints = sorted(
        {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if "POST" in (rule.methods or ()) and creates(app.view_functions[rule.endpoint])
        }
    )
    for endpoint in endpoints:
        app.view_functions[endpoint] = _guard(app.view_functions[endpoint], model)
    return endpoints


def _caller() -> str:
    principal = g.get("principal") or current_principal()
    caller = f"{principal.role}:{principal.subject}"
    if len(caller) > 128:
        caller = f"{principal.role}:#{hashlib.sha256(principal.subject.encode()).hexdigest()}"
    return caller


def _fingerprint() -> str:
    """sha256 of the method, the path and the body: JSON compared by value (keys in any
    order), a multipart upload by its fields and files (not its boundary), else bytes."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.mimetype == "multipart/form-data":
        # str(): a part may lack a name or a value, and names may hold lone surrogates
        fields = sorted((str(n), str(v)) for n, v in request.form.items(multi=True))
        for name, value in fields:
            digest.update(f"field {name}={value}\n".encode(errors="surrogatepass"))
        for name, upload in sorted(request.files.items(multi=True), key=lambda i: str(i[0])):
            content = upload.stream.read()
            upload.stream.seek(0)
            digest.update(f"file {name} {upload.filename}\n".encode(errors="surrogatepass"))
            digest.update(hashlib.sha256(content).digest())
        return digest.hexdigest()
    data = request.get_data(cache=True)
    body = request.get_json(silent=True) if request.is_json else None
    if body is not None:
        data = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        data = data.encode()
    digest.update(data)
    return digest.hexdigest()


def _bad_key(detail: str) -> Response:
    return problem_response(
        400,
        "Bad Idempotency-Key",
        detail,
        {HEADER: [f"1 to {MAX_LENGTH} characters of A-Z a-z 0-9 . _ ~ : + / = -"]},
    )


def _guard(view, model: type):
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if request.method != "POST" or HEADER not in request.headers:
            return view(*args, **kwargs)
        key = request.headers.get(HEADER, "")
        if not _KEY.match(key):
            return _bad_key("幂等键格式不正确。The Idempotency-Key is malformed.")
        caller = _caller()
        fingerprint = _fingerprint()
        s = session()
        earlier = _claim(s, model, caller, key, fingerprint)
        if earlier is not None:
            s.rollback()
            return earlier
        s.info["hold_commit"] = True
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            _release(s, model, caller, key)
            raise
        if not 200 <= response.status_code < 300:
            _release(s, model, caller, key)
            return response
        s.info.pop("hold_commit", None)
        s.info.pop("commit_held", None)
        _store(s, model, caller, key, fingerprint, response)
        # The object and its answer commit together: if this COMMIT fails, neither is
        # stored, or both are (the connection died after the server committed), and a
        # retry with the key tells which: a fresh attempt, or this answer again.
        s.commit()
        _maybe_purge(model)
        return response

    return guarded


def _claim(s, model, caller: str, key: str, fingerprint: str) -> Response | None:
    """Insert the key's row in this request's transaction (waiting for a first request
    with the same key to finish); the earlier answer to send instead, if any."""
    table = model.__table__
    now = utcnow()
    postgres = s.get_bind().dialect.name == "postgresql"
    wait = int(current_app.config.get("IDEMPOTENCY_WAIT_SECONDS", 10))
    insert = _insert(s)(table).values(
        caller=caller, key=key, fingerprint=fingerprint, created_at=now
    )
    insert = insert.on_conflict_do_nothing(index_elements=["caller", "key"]).returning(table.c.id)
    try:
        conn = s.connection()  # Core statements: their rowcount is the driver's
        if postgres:
            conn.execute(sa.text(f"SET LOCAL lock_timeout = '{max(wait, 1)}s'"))
        for _ in range(5):
            if conn.execute(insert).first() is not None:  # RETURNING: none on a conflict
                break
            row = conn.execute(
                sa.select(table).where(table.c.caller == caller, table.c.key == key)
            ).one_or_none()
            if row is None:
                continue  # the first request failed and left nothing: try again
            if row.created_at <= now - TTL:
                # expired: take the key over (unless another request just did)
                taken = conn.execute(
                    sa.update(table)
                    .where(table.c.id == row.id, table.c.created_at == row.created_at)
                    .values(
                        fingerprint=fingerprint, status=None, headers=None, body=None,
                        created_at=now,
                    )
                ).rowcount  # fmt: skip
                if taken:
                    break
                continue
            if row.fingerprint != fingerprint:
                return problem_response(
                    422,
                    "Idempotency-Key reused",
                    "这个幂等键已用于另一个请求（请求体或路径不同）；新请求请换一个键。This "
                    "Idempotency-Key was used for another request (another body or path) "
                    "within 24 hours: send a new key for a new request.",
                    {HEADER: ["used before with another request"]},
                )
            if row.status is None:
                return _in_flight()
            return _replay(row)
        else:
            return _in_flight()
        if postgres:
            conn.execute(sa.text("SET LOCAL lock_timeout = DEFAULT"))
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        s.rollback()
        return _in_flight()
    return None


def _in_flight() -> Response:
    response = problem_response(
        409,
        "Request in progress",
        "带同一幂等键的请求仍在处理中，请稍后重试。A request with this Idempotency-Key is "
        "still being processed; retry after Retry-After seconds.",
        {HEADER: ["a request with this key is in progress"]},
    )
    response.headers["Retry-After"] = "1"
    return response


def _replay(row) -> Response:
    response = Response(row.body or b"", status=row.status)
    for name, value in (row.headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED] = "true"
    return response


def _store(s, model, caller: str, key: str, fingerprint: str, response: Response) -> None:
    table = model.__table__
    answer = {
        "status": response.status_code,
        "headers": {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers},
        "body": response.get_data(),
    }
    conn = s.connection()
    stored = conn.execute(
        sa.update(table).where(table.c.caller == caller, table.c.key == key).values(**answer)
    ).rowcount
    if not stored:  # the view rolled its transaction back (an import's dry run) and went on
        conn.execute(
            _insert(s)(table)
            .values(caller=caller, key=key, fingerprint=fingerprint, created_at=utcnow(), **answer)
            .on_conflict_do_nothing(index_elements=["caller", "key"])
        )


def _release(s, model, caller: str, key: str) -> None:
    """A request that failed stores no answer: the key is free again. What the view
    committed before it failed stays committed, as without a key."""
    s.info.pop("hold_commit", None)
    held = s.info.pop("commit_held", False)
    try:
        if held:
            table = model.__table__
            s.connection().execute(
                sa.delete(table).where(table.c.caller == caller, table.c.key == key)
            )
            s.commit()
        else:
            s.rollback()
    except Exception:  # noqa: BLE001 - the view's own error is the one to answer
        log.warning("could not release an idempotency key", exc_info=True)
        try:
            s.rollback()
        except Exception:  # noqa: BLE001
            pass


def _insert(s):
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


# -- expiry ---------------------------------------------------------------------------------

_last_purge: dict[str, float] = {}
_purge_lock = threading.Lock()


def purge_expired(db, model: type, batch: int = PURGE_BATCH) -> int:
    """Delete keys older than 24 hours, ``batch`` at a time; how many were deleted."""
    table = model.__table__
    deleted = 0
    while True:
        with db.transaction() as s:
            ids = (
                sa.select(table.c.id)
                .where(table.c.created_at <= utcnow() - TTL)
                .order_by(table.c.id)
                .limit(batch)
            )
            if db.is_postgres:
                ids = ids.with_for_update(skip_locked=True)
            chosen = s.scalars(ids).all()
            if chosen:
                s.execute(sa.delete(table).where(table.c.id.in_(chosen)))
        deleted += len(chosen)
        if len(chosen) < batch:
            return deleted


def _maybe_purge(model: type) -> None:
    """Purge expired keys now and then, after an answer was stored (never failing it)."""
    name = f"{current_db().url}#{model.__tablename__}"
    now = time.monotonic()
    with _purge_lock:
        last = _last_purge.get(name)
        if last is not None and now - last < PURGE_EVERY_SECONDS:
            return
        _last_purge[name] = now
    try:
        purged = purge_expired(current_db(), model)
    except Exception:  # noqa: BLE001 - housekeeping; the next one will do
        log.warning("purging expired idempotency keys failed", exc_info=True)
        return
    if purged:
        log.info("purged %d expired idempotency keys", purged)
