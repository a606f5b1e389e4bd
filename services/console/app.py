"""``create_app``: the web console (gunicorn: ``services.console.app:create_app()``).

Server-rendered pages (Flask + Jinja2). The person's token stays on the server side of the
conversation, in the signed session cookie (HttpOnly, SameSite=Lax); every POST form
carries a CSRF token. The console reads and changes nothing but through the services'
public HTTP APIs, with that token, so each page shows only what the person's scope allows.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import requests
from flask import (
    Flask,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from services.console import i18n
from services.console.client import Api, ApiError
from services.console.config import Config
from services.console.formats import percent, yuan
from services.console.resources import BLUEPRINTS as RESOURCE_BLUEPRINTS
from services.console.views import BLUEPRINTS, evidence
from services.console.views.auth import refresh_if_due
from shared.http import trust_proxies

#: Pages anyone may open without signing in.
PUBLIC_ENDPOINTS = {"auth.login", "auth.lang", "static", "healthz"}


def create_app(config: Config | None = None) -> Flask:
    config = config or Config()
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(
        SECRET_KEY=config.SECRET_KEY,
        SESSION_COOKIE_NAME="grassroots_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.SESSION_COOKIE_SECURE,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=config.SESSION_HOURS),
        # The cookie is sent again only when the session changes: refreshed on every answer,
        # a page's late request (its favicon, a picker's) could put back the session it
        # began with over a change made meanwhile (the language just switched). The sign-in
        # lasts SESSION_HOURS from the login either way (its tokens end then).
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=config.MAX_UPLOAD,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.extensions["console"] = config
    trust_proxies(app, config.TRUSTED_PROXY_HOPS)
    for blueprint in BLUEPRINTS + RESOURCE_BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.jinja_env.globals.update(
        i18n.TEMPLATE_GLOBALS, csrf_token=csrf_token, fen=yuan, pct=percent
    )
    app.jinja_env.filters.update(yuan=yuan, pct=percent, in_lang=i18n.one_language)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.before_request
    def _before():
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        g.user = session.get("user")
        bases = {
            name: base or request.host_url.rstrip("/") for name, base in config.API_URLS.items()
        }
        g.api = Api(bases, g.user and g.user["token"], config.API_TIMEOUT, g.request_id)
        if request.method == "POST" and request.endpoint != "healthz":
            sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
            if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
                abort(400, description=i18n.gettext("表单已过期，请刷新页面后重试。"))
        if g.user is not None and request.endpoint not in ("static", "healthz"):
            ended = refresh_if_due()
            if ended is not None:
                return ended
        if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
            if request.endpoint is None:
                return None  # a 404 follows
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def _after(response):
        response.headers.setdefault("X-Request-ID", g.get("request_id", ""))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Nothing from another origin: scripts, styles, fonts and images are our own.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        if g.get("user") is not None:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        if exc.status == 401:
            # the token was refused (revoked: the account deactivated, the trainee gone)
            session.pop("user", None)
            flash(i18n.gettext("登录已失效，请重新登录。"), "error")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if exc.status == 404:
            return render_template("error.html", status=404, messages=[]), 404
        if exc.status == 503:
            # the service's database is away: say so, and when to try again
            response = make_response(
                render_template("error.html", status=503, messages=exc.messages()), 503
            )
            response.headers["Retry-After"] = exc.retry_after or "5"
            return response
        if exc.status >= 500:
            return render_template("error.html", status=502, messages=exc.messages()), 502
        return render_template("error.html", status=exc.status, messages=exc.messages()), (
            exc.status
        )

    @app.errorhandler(requests.RequestException)
    def _unreachable(exc):
        return render_template("error.html", status=502, messages=[str(exc)]), 502

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code == 413 and request.endpoint == "evidence.upload":
            # a file larger than the console takes: said above the page it was sent from
            flash(evidence.too_large(), "error")
            return redirect(evidence.safe_next())
        messages = [exc.description] if exc.code == 400 and exc.description else []
        return render_template("error.html", status=exc.code, messages=messages), exc.code

    return app


def csrf_token() -> str:
    """The session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]
