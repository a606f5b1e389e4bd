"""The HTTP conventions every service follows, in one place.

``build_app`` gives a service a Flask app with: flask-smorest's OpenAPI 3 document and a
docs page whose assets are served locally; errors as ``application/problem+json`` carrying
marshmallow's field errors; request ids; masked JSON access logs; ``/healthz``,
``/readyz`` and ``/metrics``; a body size limit. Lists use :class:`ListArgs` and
:func:`paginate`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import http
import io
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import sqlalchemy as sa
import swagger_ui_bundle
from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    jsonify,
    request,
    send_from_directory,
)
from flask_smorest import Api
from flask_smorest.spec import prepare_response
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import ClientDisconnected, HTTPException
from werkzeug.routing import IntegerConverter

from shared.clock import DEFAULT_TIME_ZONE, city_today
from shared.db import session as request_session
from shared.errors import DomainError, TooManyAttempts
from shared.i18n import clerk_messages
from shared.normalize import message
from shared.observability import (
    HTTP_LATENCY,
    HTTP_REQUESTS,
    configure_logging,
    request_context,
)
from shared.tabular import XLSX, csv_bytes, xlsx_bytes

if TYPE_CHECKING:
    from shared.tabular import Sheet

log = logging.getLogger(__name__)
access_log = logging.getLogger("grassroots.access")

PROBLEM_JSON = "application/problem+json"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class ProblemError(HTTPException):
    """An HTTP error with a problem+json body (raise it from anywhere)."""

    def __init__(self, status: int, title: str, detail: str = "", errors=None) -> None:
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.detail = detail
        self.errors = errors


def problem(status: int, title: str, detail: str = "", errors=None) -> ProblemError:
    """Build a :class:`ProblemError` to raise."""
    return ProblemError(status, title, detail, errors)


#: The titles :func:`field_problem` gives, as the services have always sent them.
TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    422: "Unprocessable Entity",
}


def field_problem(
    status: int, field: str, detail: tuple[str, str], reason: tuple[str, str]
) -> ProblemError:
    """:func:`problem` refusing one field (as :meth:`shared.errors.DomainError.on`):
    ``detail`` says what is wrong, ``reason`` is the field's short word, each a (Chinese,
    English) pair; the title is the status's."""
    return problem(status, TITLES[status], message(*detail), {field: [message(*reason)]})


#: The detail of the 404 for an object outside the caller's scope: the same answer as for a
#: missing one, so that ids cannot be probed.
NOT_IN_SCOPE = message("没有这条记录，或不在您的管理范围内", "no such record in your scope")


def get_or_404(model, id_: int, *where, detail: str = NOT_IN_SCOPE):
    """The ``model`` row of id ``id_``, else a 404 ``Not found`` with ``detail``. Without
    ``where`` it is the session's ``get`` (no query for a row already loaded); with
    ``where`` (the caller's visibility) one SELECT of the row that also meets them, so
    that a row out of scope answers as a missing one."""
    if where:
        row = request_session().scalar(sa.select(model).where(model.id == id_, *where))
    else:
        row = request_session().get(model, id_)
    if row is None:
        raise problem(404, "Not found", detail)
    return row


def problem_response(status: int, title: str, detail: str = "", errors=None) -> Response:
    """A problem+json response; its field errors for clerks, ``中文 / English``
    (:func:`shared.i18n.clerk_messages`)."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = clerk_messages(errors)
    rid = g.get("request_id")
    if rid:
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


#: Ids are PostgreSQL integers: a larger id in a path names nothing.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:id>`` up to :data:`MAX_ID`: a larger number does not match the route, so it
    is a 404 like any other missing record (not the database's out-of-range error)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _id_param_schema(converter) -> dict:
    return {"type": "integer", "minimum": 0, "maximum": converter.max}


def _integer_bounds(self, field, ret, **_kwargs) -> dict:
    """Document the database's bound on integers whose schema sets none: a larger value is
    refused (422), so the document must not promise it is accepted."""
    if isinstance(field, fields.Integer) and ret.get("type") == "integer":
        ret.setdefault("maximum", MAX_ID)
        ret.setdefault("minimum", -MAX_ID - 1)
    return {}


def _decimal_as_string(self, field, ret, **_kwargs) -> dict:
    """A Decimal sent as text (exact, e.g. "2.5") is documented as text, not a number."""
    if isinstance(field, fields.Decimal) and field.as_string:
        ret["type"] = "string"
        ret["format"] = "decimal"
        ret.pop("minimum", None)
        ret.pop("maximum", None)
    return {}


class ProblemSchema(Schema):
    """An error as every service answers it (``application/problem+json``, RFC 9457)."""

    type = fields.String(metadata={"description": "always about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Raw(metadata={"description": "field errors, as marshmallow reports them"})
    request_id = fields.String()


#: The 200 of an export (``?format=csv`` or ``xlsx``): a file.
EXPORT_FILE = {"type": "string", "format": "binary"}
#: The 200 of an import's template (OpenAPI), the file :func:`shared.tabular.template` writes.
TEMPLATE_RESPONSE = {
    "description": "the template: an XLSX with the Chinese headers and one example row",
    "content": {XLSX: {"schema": EXPORT_FILE}},
}
#: The type a download is sent as, by its file name's extension.
DOWNLOAD_TYPES = {".csv": "text/csv", ".xlsx": XLSX}


def content_disposition(filename: str, fallback: str = "download") -> str:
    """``attachment`` named ``filename``; a name beyond ASCII (a Chinese one) also gets an
    ASCII name for old clients, its ASCII letters or else ``fallback``, beside the UTF-8
    one (RFC 6266/5987)."""
    stem, ext = os.path.splitext(filename)
    stem = "".join(c for c in stem if c.isascii() and c not in '"\\;' and c.isprintable())
    if stem + ext == filename:
        return f'attachment; filename="{filename}"'
    ascii_name = (stem if stem.strip(" ._-") else fallback) + ext
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(body: bytes, filename: str, fallback: str = "download") -> Response:
    """``body`` as an attachment named ``filename`` (:func:`content_disposition`), typed by
    the name's extension (:data:`DOWNLOAD_TYPES`)."""
    mimetype = DOWNLOAD_TYPES[os.path.splitext(filename)[1]]
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, fallback)
    return response


def download_sheets(fmt: str, sheets: list[tuple], stem: str) -> Response:
    """``sheets`` (``(title, headers, rows)`` each) as the download ``stem.fmt``: a CSV of
    the first one, or an XLSX of them all."""
    body = csv_bytes(*sheets[0][1:]) if fmt == "csv" else xlsx_bytes(sheets)
    return download(body, f"{stem}.{fmt}")


def download_table(args: dict, names: tuple[str, str], headers, rows, stem: str) -> Response:
    """One table as the file a list's ``format`` asks for; an XLSX sheet is named in its
    ``lang`` (``names``: the Chinese and the English name)."""
    name = names[0] if args["lang"] == "zh" else names[1]
    return download_sheets(args["format"], [(name, headers, rows)], stem)


def export_responses(blp):
    """Document a list's exports: its 200 may also be a CSV or an XLSX file."""

    def decorator(view):
        for content_type, name in ((XLSX, "xlsx"), ("text/csv", "csv")):
            view = blp.alt_response(
                200, content_type=content_type, schema=EXPORT_FILE, description=f"?format={name}"
            )(view)
        return view

    return decorator


@functools.cache
def problem_with(schema: type[Schema]) -> type[Schema]:
    """A problem+json body that also carries ``schema``'s fields (e.g. an import's
    per-row report)."""
    return type(f"Problem{schema.__name__.removesuffix('Out')}", (ProblemSchema, schema), {})


_DOCS_LOCK = threading.RLock()


class ProblemApi(Api):
    """flask-smorest's Api documenting errors as they are sent: problem+json bodies of
    :class:`ProblemSchema` (its default documents ``application/json`` with another
    schema, which no response of ours matches)."""

    ERROR_SCHEMA = ProblemSchema

    # A blueprint's OpenAPI document is built when the document is first read, not when the
    # blueprint is registered: building it was two thirds of an app's start (apispec
    # resolving and copying every schema), paid by every web worker, every test app and
    # every process that only needs the routes.
    @property
    def spec(self):
        with _DOCS_LOCK:  # two threads reading the document first must not build it twice
            pending, self._pending_docs = self.__dict__.get("_pending_docs", []), []
            for blp, name, parameters in pending:
                blp.register_views_in_doc(
                    self, self._app, self._spec, name=name, parameters=parameters
                )
                self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register ``blp`` in the app now and in the OpenAPI document when it is read
        (:class:`flask_smorest.Api`'s ``register_blueprint`` does both at once)."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self.__dict__.setdefault("_pending_docs", []).append((blp, name, parameters))

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _flatten_webargs(messages: dict) -> dict:
    """webargs nests field errors under the location ({"json": {...}}); callers want the
    fields, and the location only when it is not the body."""
    if set(messages) <= {"json"}:
        fields_ = messages.get("json", {})
        return fields_ if isinstance(fields_, dict) else {"body": fields_}
    return messages


def _handle_http_exception(exc: HTTPException) -> Response:
    if isinstance(exc, ProblemError):
        return problem_response(exc.code, exc.title, exc.detail, exc.errors)
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = data.get("messages")
    if isinstance(errors, dict):
        errors = _flatten_webargs(errors)
    title = exc.name
    detail = exc.description or ""
    if isinstance(exc, ClientDisconnected) and isinstance(exc.__context__, BodyTimeout):
        return _body_too_slow()
    if status == 422:
        detail = "the request did not validate; see errors"
    elif status == 400 and errors:
        detail = "malformed request; see errors"
    elif status == 413:
        detail = f"the body is larger than {request.max_content_length} bytes"
    elif status == 415:
        detail = "send JSON with Content-Type: application/json"
    return problem_response(status, title, detail, errors)


class BodyTimeout(TimeoutError):
    """The request's body did not arrive within ``BODY_TIMEOUT_SECONDS``."""


class _DeadlineSocket:
    """A request's socket as gunicorn's body reader sees it, with a deadline for the whole
    body: each ``recv`` may wait only for what is left of it, and none is made after it.
    A client that sends its body slowly or stops (slowloris) gets a 408 instead of holding
    a sync worker until gunicorn's ``timeout`` kills it (and answers a bare 500). A
    per-read timeout alone would not do: gunicorn reads until it has the size asked for,
    so a byte every second would never trip it."""

    def __init__(self, sock, seconds: float) -> None:
        self.sock = sock
        self.deadline = time.monotonic() + seconds

    def recv(self, size: int, *flags) -> bytes:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise BodyTimeout("the body did not arrive in time")
        self.sock.settimeout(left)
        try:
            return self.sock.recv(size, *flags)
        except TimeoutError as exc:
            raise BodyTimeout("the body did not arrive in time") from exc
        finally:
            self.sock.settimeout(None)  # gunicorn's sync sockets block; the answer too

    def __getattr__(self, name):
        return getattr(self.sock, name)


def _deadline_on_body(environ: dict, seconds: float) -> None:
    """Put the body of a request served by gunicorn under :class:`_DeadlineSocket`.

    gunicorn reads the body through its request's unreader (``wsgi.input`` is a ``Body``
    whose reader holds it, or holds the request that does); elsewhere (the embedded
    default, the test client) nothing changes, and gunicorn's worker ``timeout`` is the
    bound. tests/security/test_limits.py notices if a gunicorn release moves these."""
    reader = getattr(environ.get("wsgi.input"), "reader", None)
    unreader = getattr(reader, "unreader", None) or getattr(
        getattr(reader, "req", None), "unreader", None
    )
    sock = getattr(unreader, "sock", None)
    if sock is not None and sock is environ.get("gunicorn.socket"):
        unreader.sock = _DeadlineSocket(sock, seconds)


def _body_too_slow() -> Response:
    return problem_response(
        408,
        "Request Timeout",
        f"the body did not arrive within {current_app.config['BODY_TIMEOUT_SECONDS']} seconds",
    )


def _too_large(limit: int) -> Response:
    return problem_response(
        413, "Request Entity Too Large", f"the body is larger than {limit} bytes"
    )


def _read_chunked_body(limit: int) -> Response | None:
    """Read a chunked body (``Transfer-Encoding: chunked``, no ``Content-Length``) here,
    at most one byte over ``limit``: over it is a 413 at once, the rest never read. Left
    to werkzeug, the body would be cut at the limit without a word and the view would
    parse the first ``limit`` bytes (a truncated JSON document, or a truncated file
    imported as if whole). Within the limit it is handed on with its length."""
    stream = request.environ["wsgi.input"]
    parts, size = [], 0
    try:
        while piece := stream.read(min(64 * 1024, limit + 1 - size)):
            parts.append(piece)
            size += len(piece)
            if size > limit:
                return _too_large(limit)
    except BodyTimeout:
        return _body_too_slow()
    request.environ["wsgi.input"] = io.BytesIO(b"".join(parts))
    request.environ["CONTENT_LENGTH"] = str(size)
    request.environ.pop("HTTP_TRANSFER_ENCODING", None)
    return None


def _handle_integrity(exc: sa.exc.IntegrityError) -> Response:
    log.info("integrity error mapped to 409: %s", exc.orig.__class__.__name__)
    return problem_response(409, "Conflict", "this conflicts with an existing record")


def _handle_stale(exc: Exception) -> Response:
    # A row's version moved under a change (another request changed it at the same time):
    # the caller should read it again and retry, as with an edit's If-Match.
    log.info("stale row mapped to 409: %s", exc)
    return problem_response(
        409, "Conflict", "the record was changed at the same moment; read it again and retry"
    )


def _handle_data_error(exc: Exception) -> Response:
    # A value the database cannot hold (a number out of range, a text too long or with a
    # NUL character) came from the request: the client's error, not the server's.
    log.info("data error mapped to 422: %s", exc.__class__.__name__)
    return problem_response(
        422, "Unprocessable Entity", "a value is out of range, too long or holds a NUL character"
    )


def _handle_recursion(exc: RecursionError) -> Response:
    # Hostile nesting ([[[[...) exhausts the JSON decoder's recursion limit.
    if request.content_length:
        return problem_response(
            400, "Bad Request", "the body is nested too deeply", {"body": ["nested too deeply"]}
        )
    return _handle_unexpected(exc)


def _handle_domain(exc: DomainError) -> Response:
    response = problem_response(exc.status, exc.title, exc.detail, exc.errors)
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


#: Retry-After of a 503 where the app's config names none.
DEFAULT_RETRY_AFTER_SECONDS = 5
#: SQLite's "the database is busy" messages (another connection holds the write lock
#: past the busy timeout); its other OperationalErrors ("no such table") are bugs.
_SQLITE_BUSY = ("locked", "busy", "unable to open", "disk i/o")


def _driver_errors() -> tuple[type, ...]:
    """The drivers' own "cannot reach / lost the database" exceptions, for code that uses
    a raw connection (SQLAlchemy wraps everything else)."""
    import sqlite3

    errors: list[type] = [sqlite3.OperationalError]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - PostgreSQL's driver is a dependency
        pass
    else:
        errors += [psycopg.OperationalError, psycopg.InterfaceError]
    return tuple(errors)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot serve now (and a retry later may work):
    connection refused or lost, pool exhausted, a lock or serialization failure, SQLite
    locked. Not a bug in a statement (those stay 500s) nor bad input (4xx)."""
    import sqlite3

    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        if not isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
            return False
        exc = exc.orig if exc.orig is not None else exc
    if isinstance(exc, sqlite3.OperationalError):
        return any(word in str(exc).lower() for word in _SQLITE_BUSY)
    if isinstance(exc, (sa.exc.TimeoutError, sa.exc.DisconnectionError)):
        return True  # the pool: no connection free in time, or none could be made
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return True
    return isinstance(exc, _driver_errors())


def unavailable_response(detail: str = "") -> Response:
    """503 problem+json with ``Retry-After``: the database is away; nothing to fix in
    the request, only to send it again a little later."""
    response = problem_response(
        503,
        "服务暂时不可用：数据库无法访问 (Service Unavailable: the database is unreachable)",
        detail
        or "数据库连接中断、超时或繁忙，本次请求未完成，请稍后重试；若是新建请求且带有 "
        "Idempotency-Key，用同一个键重试不会重复创建。The database could not be reached or "
        "was busy; retry after Retry-After seconds (a creating POST retried with the same "
        "Idempotency-Key is not created twice).",
    )
    seconds = DEFAULT_RETRY_AFTER_SECONDS
    if has_app_context():
        seconds = current_app.config.get("UNAVAILABLE_RETRY_AFTER_SECONDS", seconds)
    response.headers["Retry-After"] = str(int(seconds))
    return response


def _handle_database(exc: Exception) -> Response:
    if not database_unavailable(exc):
        return _handle_unexpected(exc)
    log.warning(
        "database unavailable mapped to 503: %s: %s",
        exc.__class__.__name__,
        str(getattr(exc, "orig", None) or exc).splitlines()[0][:200],
    )
    return unavailable_response()


def _handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return problem_response(500, "Internal Server Error", "an unexpected error; it is logged")


def build_app(
    service: str,
    config,
    *,
    title: str,
    description: str,
    ready_checks: list[Callable[[], None]] | None = None,
) -> tuple[Flask, Api]:
    """A Flask app and its smorest ``Api`` with every shared convention installed."""
    configure_logging(service, config.LOG_LEVEL)
    app = Flask(f"services.{service}")
    app.url_map.converters["int"] = IdConverter
    app.config.from_mapping(config.flask_settings())
    prefix = f"/api/v1/{service}"
    app.config.update(
        SERVICE=service,
        API_TITLE=title,
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=prefix,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=f"{prefix}/docs-assets/",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
            "security": [{"bearer": []}],
        },
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    from shared.idempotency import IdempotencyPlugin  # it builds on this module

    trust_proxies(app, getattr(config, "TRUSTED_PROXY_HOPS", 0))
    api = ProblemApi(app, spec_kwargs={"extra_plugins": [IdempotencyPlugin()]})
    api.register_converter(IdConverter, _id_param_schema)
    api.ma_plugin.converter.add_attribute_function(_integer_bounds)
    api.ma_plugin.converter.add_attribute_function(_decimal_as_string)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(sa.exc.IntegrityError, _handle_integrity)
    app.register_error_handler(StaleDataError, _handle_stale)
    app.register_error_handler(sa.exc.DataError, _handle_data_error)
    app.register_error_handler(OverflowError, _handle_data_error)
    app.register_error_handler(RecursionError, _handle_recursion)
    app.register_error_handler(DomainError, _handle_domain)
    # The database away: 503 with Retry-After (not 500), for reads, writes and login.
    for error in (sa.exc.DBAPIError, sa.exc.TimeoutError, sa.exc.DisconnectionError,
                  *_driver_errors()):  # fmt: skip
        app.register_error_handler(error, _handle_database)
    app.register_error_handler(Exception, _handle_unexpected)
    assets = Path(swagger_ui_bundle.swagger_ui_path)

    @app.get(f"{prefix}/docs-assets/<path:filename>")
    def docs_assets(filename):
        """The Swagger UI files, shipped in a package: the docs work offline."""
        return send_from_directory(assets, filename, max_age=3600)

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()
        g.context_token = request_context.set({"request_id": g.request_id})
        # A NUL in a query argument cannot reach PostgreSQL (it would be the database's
        # error): name the argument instead, for every endpoint at once.
        bad = sorted({key for key, value in request.args.items(multi=True) if "\x00" in value})
        if bad:
            return problem_response(
                400,
                "Bad query",
                "a query argument contains a NUL character",
                {key: ["contains a NUL character"] for key in bad},
            )
        # Uploads may be larger than ordinary JSON bodies.
        view = app.view_functions.get(request.endpoint)
        limit = getattr(view, "_max_body", None) or getattr(
            getattr(view, "view_class", None), "_max_body", None
        )
        if limit:
            if callable(limit):
                limit = limit(app.config)
            request.max_content_length = app.config[limit] if isinstance(limit, str) else limit
        # Under gunicorn the body has a deadline (408 after it), and a chunked one is read
        # here against the limit (413 over it); see _DeadlineSocket and _read_chunked_body.
        if "gunicorn.socket" in request.environ and app.config.get("BODY_TIMEOUT_SECONDS"):
            _deadline_on_body(request.environ, app.config["BODY_TIMEOUT_SECONDS"])
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if chunked and request.max_content_length is not None:
            return _read_chunked_body(request.max_content_length)

    @app.after_request
    def _finish(response: Response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = request.endpoint or "unmatched"
        HTTP_REQUESTS.labels(service, request.method, endpoint, response.status_code).inc()
        HTTP_LATENCY.labels(service, endpoint).observe(elapsed)
        principal = g.get("principal")
        access_log.info(
            "%s %s %s %.1fms%s",
            request.method,
            request.path,
            response.status_code,
            elapsed * 1000,
            f" by {principal.role}:{principal.subject}" if principal else "",
        )
        return response

    @app.teardown_request
    def _clear(_exc):
        token = g.pop("context_token", None)
        if token is not None:
            request_context.reset(token)

    @app.get("/healthz")
    def healthz():
        """Alive: the process answers."""
        return {"status": "ok", "service": service}

    @app.get("/readyz")
    def readyz():
        """Ready: the database and the broker answer."""
        checks = {}
        ok = True
        for check in ready_checks or []:
            name = getattr(check, "__name__", "check")
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - report any failure as not ready
                checks[name] = f"error: {exc.__class__.__name__}"
                ok = False
        return jsonify({"status": "ok" if ok else "unavailable", "checks": checks}), (
            200 if ok else 503
        )

    @app.get("/metrics")
    def metrics():
        """Prometheus text format, for the holder of ``METRICS_TOKEN`` only."""
        refused = metrics_refusal(app.config.get("METRICS_TOKEN"))
        if refused is not None:
            return refused
        for hook in app.extensions.get("metrics_hooks", []):
            hook()
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    return app, api


def metrics_refusal(token: str | None) -> Response | None:
    """None when the request may read ``/metrics``, else the refusal: 404 when no
    ``METRICS_TOKEN`` is set (the endpoint is off), 401 unless the request carries
    ``Authorization: Bearer <METRICS_TOKEN>`` (compared in constant time). The ports that
    serve the API are published, so the metrics are never open to anyone who reaches
    them; a user's JWT, even the city's, is not the metrics token."""
    if not token:
        return problem_response(
            404, "Not Found", "/metrics is served only when METRICS_TOKEN is set"
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), token.encode("utf-8")
    ):
        return None
    response = problem_response(
        401, "Unauthorized", "send Authorization: Bearer <METRICS_TOKEN> to read /metrics"
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def trust_proxies(app: Flask, hops: int) -> None:
    """Believe ``X-Forwarded-For`` (and ``-Proto``) only as far as ``hops`` proxies of our
    own add to it (werkzeug's ProxyFix: the address the nearest ``hops``-th proxy saw);
    with 0, the default, the client address is the socket's and the header is ignored,
    so that nobody can claim another address by sending it."""
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


#: The OpenAPI content of an upload as a multipart form's ``file``.
FILE_FORM = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    }
}
#: The OpenAPI request body of a sheet upload (an import): a multipart form's ``file``, or
#: the CSV or XLSX itself as the body.
SHEET_UPLOAD_BODY = {
    "content": {
        **FILE_FORM,
        "text/csv": {"schema": {"type": "string", "format": "binary"}},
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    }
}


def form_file():
    """The multipart form field ``file`` (a werkzeug ``FileStorage``); 400 without it."""
    upload = request.files.get("file")
    if upload is None:
        raise field_problem(
            400,
            "file",
            ("请在表单字段 file 中上传文件", "send the file in the form field 'file'"),
            ("缺少文件", "missing"),
        )
    return upload


def sheet_upload() -> tuple[bytes, str]:
    """The uploaded sheet's bytes and a name that says its kind (the form field ``file``'s
    filename, or ``.csv``/``.xlsx`` from a raw body's type); 400 when there is none."""
    if request.files:
        upload = form_file()
        return upload.read(), upload.filename or ""
    data = request.get_data(cache=False)
    if not data:
        raise field_problem(
            400, "file", ("上传的文件是空的", "the upload is empty"), ("文件为空", "empty")
        )
    mimetype = request.mimetype or ""
    name = ".csv" if "csv" in mimetype else ".xlsx" if "spreadsheet" in mimetype else ""
    return data, name


def max_body(limit: int | str | Callable[[dict], int]):
    """Mark a view (function or MethodView) as accepting bodies up to ``limit`` bytes, up
    to the value of the config setting named ``limit``, or up to what ``limit(config)``
    answers."""

    def decorator(view):
        view._max_body = limit
        return view

    return decorator


def app_today() -> dt.date:
    """Today in the running app's city (its ``TIME_ZONE``), from ``shared.clock``: what
    every schema's "not in the future" or "not too far ahead" check compares with. Outside
    an app (a script validating a body) the default city's."""
    zone = current_app.config.get("TIME_ZONE") if has_app_context() else None
    return city_today(zone or DEFAULT_TIME_ZONE)


class StrictSchema(Schema):
    """Request bodies: unknown fields are refused, not silently dropped, and text with NUL
    characters is refused (PostgreSQL cannot store it; SQLite would, so refuse it
    everywhere alike)."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _no_nul(self, data, **_kwargs):
        bad = [key for key, value in _strings(data) if "\x00" in value]
        if bad:
            raise ValidationError({key: ["contains a NUL character"] for key in bad})
        return data


def _strings(data, prefix=""):
    """(field path, text) of every string in a JSON value."""
    if isinstance(data, str):
        yield prefix or "_schema", data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, f"{prefix}.{index}" if prefix else str(index))


class ListArgs(Schema):
    """Query arguments every list takes: ``page``, ``per_page`` (capped), ``sort``.

    Unknown query arguments are ignored, as browsers and proxies add their own.
    """

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    sort = fields.String(load_default=None, validate=validate.Length(max=100))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The response schema of a paginated list of ``item_schema``."""
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
    )


def month_up_to_now(month: dt.date | None) -> dt.date:
    """A figure's month: ``month`` (its first day), this month if None; a later month is a
    422 (it has not begun)."""
    this_month = app_today().replace(day=1)
    if month is not None and month > this_month:
        raise field_problem(
            422,
            "month",
            ("该月尚未开始", "that month has not begun"),
            ("不能是将来的月份", "in the future"),
        )
    return month or this_month


def where_given(query: sa.Select, args: dict, model, *keys: str) -> sa.Select:
    """``query`` kept to the rows whose ``model`` column ``key`` equals ``args[key]``, for
    each of ``keys`` the list's arguments give (not None): a list's plain filters."""
    for key in keys:
        if args.get(key) is not None:
            query = query.where(getattr(model, key) == args[key])
    return query


def sort_order(spec: str, sortable: dict[str, object]) -> list:
    """The ORDER BY of a list's ``sort``: a comma list of names from ``sortable``, each
    optionally prefixed with ``-`` for descending; anything else is a 400."""
    order = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        desc = part.startswith("-")
        key = part.lstrip("-+")
        column = sortable.get(key)
        if column is None:
            raise problem(
                400,
                "Bad sort",
                message(
                    f"只能按以下字段排序：{'、'.join(sorted(sortable))}",
                    f"sort by one of: {', '.join(sorted(sortable))}",
                ),
                {"sort": [message(f"不能按 {key} 排序", f"unknown field {key}")]},
            )
        order.append(column.desc() if desc else column.asc())
    return order


def paginate(session, query: sa.Select, args: dict, sortable: dict[str, object] | tuple) -> dict:
    """Run ``query`` for one page, in the order of ``sort`` (:func:`sort_order`), then by
    ``sortable``'s first column. ``sortable``: the columns a caller may sort by, as model
    attributes (``(Person.id, Person.name)``, each named as its attribute) or by name."""
    if not isinstance(sortable, dict):
        sortable = {column.key: column for column in sortable}
    order = [*sort_order(args.get("sort") or "", sortable), next(iter(sortable.values()))]
    page, per_page = args["page"], args["per_page"]
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.order_by(*order).limit(per_page).offset((page - 1) * per_page))
    return {"items": list(rows), "page": page, "per_page": per_page, "total": total or 0}


def rows_in_error(report: dict) -> Response:
    """The answer to an import with rows in error: 422 problem+json carrying the whole
    per-row report (``errors``: ``[{"row": n, "errors": {...}}]``); nothing was stored."""
    body = {
        **report,
        "type": "about:blank",
        "title": "有错误的行 / Rows in error",
        "status": 422,
        "detail": f"{len(report['errors'])} 行有错误，未导入任何数据 / "
        f"{len(report['errors'])} row(s) in error; nothing was imported",
    }
    response = jsonify(body)
    response.status_code = 422
    response.mimetype = PROBLEM_JSON
    return response


# -- sheet imports ---------------------------------------------------------------------------


class ImportArgs(Schema):
    """An import's query: ``dry_run=true`` checks a file without importing it."""

    class Meta:
        unknown = EXCLUDE

    dry_run = fields.Boolean(load_default=False)


class RowError(Schema):
    row = fields.Integer()
    errors = fields.Dict()


class SkippedRow(Schema):
    row = fields.Integer()
    reason = fields.String()


class ImportReportOut(Schema):
    """What a sheet import did, or would do (a dry run), with every row's errors."""

    rows = fields.Integer(metadata={"description": "data rows read (skipped rows not counted)"})
    imported = fields.Integer()
    dry_run = fields.Boolean()
    errors = fields.List(fields.Nested(RowError))
    ids = fields.List(fields.Integer())
    header_row = fields.Integer(metadata={"description": "the row the header was found in"})
    columns = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "field -> the column's header as the file writes it"},
    )
    skipped = fields.List(
        fields.Nested(SkippedRow),
        metadata={"description": "title rows, total rows, notes, the example row left in"},
    )


def sheet_import(blp, report: type[Schema] = ImportReportOut, **doc):
    """The decorators of a sheet import's POST (put under the access check): the
    :class:`ImportArgs` query, the upload as the body (:data:`SHEET_UPLOAD_BODY`, with
    ``doc`` besides), ``report`` as the answer, and as the 422 of rows in error."""

    def decorator(view):
        view = blp.alt_response(
            422,
            schema=problem_with(report),
            content_type=PROBLEM_JSON,
            description="rows in error; nothing imported",
        )(view)
        view = blp.response(200, report)(view)
        view = blp.doc(requestBody=SHEET_UPLOAD_BODY, **doc)(view)
        return blp.arguments(ImportArgs, location="query")(view)

    return decorator


def import_sheet(
    columns: dict[str, str],
    max_rows: int,
    run: Callable[[Sheet], dict],
    dry_run: bool,
    *,
    example: dict | None = None,
    report: type[Schema] = ImportReportOut,
):
    """A sheet import's work: read the upload (:func:`shared.tabular.read_sheet`, cells up
    to ``IMPORT_MAX_CELL``), refuse a file without data rows (422), ``run(sheet)`` for
    its report; a report with errors answers 422 (``run`` stored nothing), else the
    import is committed unless ``dry_run``."""
    data, filename = sheet_upload()
    # (openpyxl is imported on a sheet's first upload: the consumers, schedulers and workers
    # that import this module never read one, and it costs each of them ~14 MiB)
    from shared.tabular import read_sheet

    sheet = read_sheet(
        data,
        filename,
        columns,
        max_rows,
        max_cell=current_app.config["IMPORT_MAX_CELL"],
        example=example,
    )
    if not sheet.rows:
        raise problem(
            422,
            "Empty file",
            message("文件有表头但没有数据行", "the file has a header but no rows"),
            {"file": [message("没有数据行", "no rows")]},
        )
    done = report().dump(run(sheet))
    if done["errors"]:
        return rows_in_error(done)
    if not dry_run:
        request_session().commit()
    return done
