"""Sign in, sign out, the transparent refresh of the access token, and the language
switch.

Roster's access tokens live 15 minutes; the session keeps the refresh token beside it and
exchanges it shortly before the access token expires (:func:`refresh_if_due`, before each
request), so a clerk stays signed in for the whole sign-in (8 hours) without noticing. A
refused refresh (the account deactivated, the trainee withdrawn, the sign-in revoked)
ends the session and the login page says why. The browser keeps the device id roster
answers at sign-in (a long-lived HttpOnly cookie) and sends it with later sign-ins, so
that roster knows the client and a lock set by someone else does not keep it out.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from services.console.client import Api, ApiError
from services.console.i18n import LANGS
from services.console.i18n import gettext as _
from shared.clock import utcnow

bp = Blueprint("auth", __name__)

DEVICE_COOKIE = "grassroots_device"
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
#: Refresh this many seconds before the access token expires.
REFRESH_MARGIN = 60


def refusal_message(error: ApiError) -> str | None:
    """The login page's sentence for a sign-in roster refused although the password was
    right (403, ``errors.account``), or None."""
    reasons = (error.errors or {}).get("account") if isinstance(error.errors, dict) else None
    reason = reasons[0] if reasons else None
    if reason == "account_inactive":
        return _("该账号已停用，无法登录。")
    if reason == "trainee_withdrawn":
        return _("学员已退出，无法登录。")
    if reason == "trainee_completed":
        return _("学员已结业，无法登录。")
    return None


def _forwarded() -> dict:
    """The browser's address for roster's limits (believed only where roster trusts the
    console as a proxy, ``TRUSTED_PROXY_HOPS``)."""
    return {"X-Forwarded-For": request.remote_addr} if request.remote_addr else {}


def _keep_tokens(user: dict, answer: dict) -> None:
    user["token"] = answer["access_token"]
    user["expires_at"] = int(utcnow().timestamp()) + int(answer.get("expires_in") or 0)
    if answer.get("refresh_token"):
        user["refresh"] = answer["refresh_token"]


def refresh_if_due():
    """Before a page: a new access token when this one expires within a minute. Returns a
    response (to the login page, saying why) when the sign-in is over, else None."""
    user = g.user
    if not user or not user.get("refresh") or not user.get("expires_at"):
        return None
    now = utcnow().timestamp()
    if user["expires_at"] - now > REFRESH_MARGIN:
        return None
    client: Api = g.api
    try:
        answer = client.post(
            "roster",
            "/auth/token",
            {"grant_type": "refresh_token", "refresh_token": user["refresh"]},
            headers=_forwarded(),
        )
    except requests.RequestException:
        return None  # roster away: the token may still serve, or the page says 502
    except ApiError as exc:
        raced = exc.status == 401 and (exc.errors or {}).get("refresh_token") == ["rotated"]
        if raced and user["expires_at"] > now:
            return None  # another request of this browser refreshed at the same moment
        if exc.status >= 500:
            return None
        _sign_out_locally()
        flash(refusal_message(exc) or _("登录已失效，请重新登录。"), "error")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    user = dict(user)
    _keep_tokens(user, answer)
    session["user"] = user
    g.user = user
    g.api = Api(client.bases, user["token"], client.timeout, client.request_id)
    return None


def _sign_out_locally() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.user = None


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
    device = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        client: Api = g.api
        body = {"grant_type": "password", "username": username, "password": password}
        known = request.cookies.get(DEVICE_COOKIE, "")
        if DEVICE_ID.match(known):
            body["device_id"] = known
        try:
            answer = client.post("roster", "/auth/token", body, headers=_forwarded())
            me = Api(client.bases, answer["access_token"], client.timeout, client.request_id).get(
                "roster", "/auth/me"
            )
        except ApiError as exc:
            if exc.status == 429:
                error = _("尝试次数过多，账号已暂时锁定，请稍后再试。")
            elif exc.status == 403 and refusal_message(exc):
                error = refusal_message(exc)
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
            user = {
                "username": username,
                "role": me["role"],
                "scope_id": me.get("scope_id"),
                "name": me.get("name") or username,
                # the API's subject: whose uploads are one's own (evidence one may delete)
                "subject": me.get("subject"),
            }
            _keep_tokens(user, answer)
            session["user"] = user
            device = answer.get("device_id")
            response = redirect(_safe_next(request.args.get("next")))
            if device and DEVICE_ID.match(device):
                response.set_cookie(
                    DEVICE_COOKIE,
                    device,
                    max_age=365 * 24 * 3600,
                    httponly=True,
                    samesite="Lax",
                    secure=current_app.config["SESSION_COOKIE_SECURE"],
                )
            return response
    if unavailable:
        page = render_template("login.html", error=error, username=username)
        return page, 503, {"Retry-After": unavailable}
    status = (403 if error in _refusals() else 401) if error else 200
    return render_template("login.html", error=error, username=username), status


def _refusals() -> set[str]:
    return {_("该账号已停用，无法登录。"), _("学员已退出，无法登录。"), _("学员已结业，无法登录。")}


@bp.post("/logout")
def logout():
    user = session.get("user") or {}
    if user.get("refresh"):
        try:  # end the sign-in at roster too: its refresh token stops working
            g.api.post("roster", "/auth/revoke", {"token": user["refresh"]})
        except (ApiError, requests.RequestException):
            pass
    _sign_out_locally()
    flash(_("已退出登录。"), "ok")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def lang(code: str):
    if code in LANGS:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))
