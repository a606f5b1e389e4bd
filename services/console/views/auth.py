"""Sign in, sign out and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from services.console.client import Api, ApiError
from services.console.i18n import LANGS
from services.console.i18n import gettext as _

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host): never an open redirect."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    unavailable = None  # Retry-After when the API's database is away
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        client: Api = g.api
        try:
            token = client.post(
                "roster",
                "/auth/token",
                {"grant_type": "password", "username": username, "password": password},
            )["access_token"]
            me = Api(client.bases, token, client.timeout, client.request_id).get(
                "roster", "/auth/me"
            )
        except ApiError as exc:
            if exc.status == 429:
                error = _("尝试次数过多，账号已暂时锁定，请稍后再试。")
            elif exc.status in (400, 401, 422):
                error = _("用户名或密码不正确。")
            elif exc.status == 503:
                error = _("数据库暂时无法访问，请稍后重试。")
                unavailable = exc.retry_after or "5"
            else:
                error = "; ".join(exc.messages())
        else:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            session.permanent = True
            session["user"] = {
                "token": token,
                "username": username,
                "role": me["role"],
                "scope_id": me.get("scope_id"),
                "name": me.get("name") or username,
            }
            return redirect(_safe_next(request.args.get("next")))
    if unavailable:
        page = render_template("login.html", error=error, username=username)
        return page, 503, {"Retry-After": unavailable}
    status = 401 if error else 200
    return render_template("login.html", error=error, username=username), status


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("已退出登录。"), "ok")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def lang(code: str):
    if code in LANGS:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
