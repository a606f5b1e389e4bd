"""Notifications: the inbox with the unread count, and a town's or unit's webhook
subscriptions."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, g, render_template, request, url_for

from services.console.client import ApiError
from services.console.i18n import current as current_lang
from services.console.i18n import gettext as _
from services.console.views.common import act, api, attempt, city_time, int_arg, role, roles

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 30


@bp.app_context_processor
def unread():
    """The unread count in the header of every page of a signed-in person (one short call;
    a notifier that does not answer leaves the badge out, never the page)."""
    if g.get("user") is None or "unread" in g:
        return {}
    try:
        g.unread = api().get("notifier", "/notifications/unread-count")["unread"]
    except (ApiError, OSError, KeyError, ValueError):
        g.unread = None
    return {}


@bp.get("/")
def index():
    """My notifications in my language, grouped by day, all or only the unread, each
    linking to its object; paged with the true total."""
    page_no = int_arg("page") or 1
    only_unread = request.args.get("unread") == "true"
    day = _day(request.args.get("day"))
    body = api().get(
        "notifier",
        "/notifications",
        page=page_no,
        per_page=PER_PAGE,
        unread="true" if only_unread else None,
        day=day,
        lang=current_lang(),
    )
    counts = api().get("notifier", "/notifications/counts")
    per_day = {d["day"]: d["unread" if only_unread else "total"] for d in counts["by_day"]}
    groups: list[tuple[str, int, list[dict]]] = []
    for n in body["items"]:
        n["href"] = link_url(n.get("link"))
        n["time"] = city_time(n["created_at"])
        if not groups or groups[-1][0] != n["day"]:
            groups.append((n["day"], per_day.get(n["day"], 0), []))
        groups[-1][2].append(n)
    return render_template(
        "notifications.html",
        body=body,
        counts=counts,
        groups=groups,
        only_unread=only_unread,
        day=day,
        page_no=page_no,
        pages=max(1, (body["total"] + PER_PAGE - 1) // PER_PAGE),
    )


def _day(value: str | None) -> str | None:
    """``?day=`` if it is a date (anything else shows every day)."""
    try:
        return dt.date.fromisoformat(value or "").isoformat()
    except ValueError:
        return None


def link_url(link: dict | None) -> str | None:
    """The console's page of the object a notification is about."""
    if not link:
        return None
    kind, id_ = link.get("kind"), link.get("id")
    if kind == "talk":
        return url_for("mentors.talk", id=id_)
    if kind == "report":
        return url_for("reports.show", id=id_)
    if kind in ("form", "period"):
        return url_for("reports.index", period=link.get("period"), kind=link.get("form"))
    if kind == "need":
        return url_for("welfare.need", id=id_)
    if kind == "trainee":
        if role() == "mentor":
            return url_for("workload.mine")
        if role() == "trainee":
            return url_for("home.index")
        return url_for("trainees.show", id=id_)
    if kind == "town":
        # a town's digest of its mentors without a talk: its dashboard lists them
        if role() == "city":
            return url_for("dashboard.index", town_id=id_)
        return url_for("dashboard.index") if role() == "town" else None
    pages = {
        "subsidy": "welfare.subsidies",
        "placement_fee": "welfare.fees",
        "housing": "welfare.housing",
        "visit": "welfare.campaigns",
    }
    if kind not in pages or role() in ("trainee", "mentor"):
        return None  # (welfare's lists are the staff's: a trainee or mentor reads it here)
    return url_for(pages[kind])


@bp.post("/<int:id>/read")
def read(id: int):
    return act(
        lambda: api().post("notifier", f"/notifications/{id}/read"),
        _("已标记为已读。"),
        url_for("notifications.index"),
    )


@bp.post("/read-all")
def read_all():
    return act(
        lambda: api().post("notifier", "/notifications/read-all"),
        _("已全部标记为已读。"),
        url_for("notifications.index"),
    )


@bp.route("/subscriptions", methods=["GET", "POST"])
@roles("city", "town", "unit")
def subscriptions():
    created = None
    if request.method == "POST" and g.user["role"] in ("town", "unit"):
        body = {
            "url": request.form.get("url", "").strip(),
            "event_types": request.form.getlist("event_types"),
            "description": request.form.get("description", "").strip(),
        }
        created, problems = attempt(lambda: api().post("notifier", "/subscriptions", body))
        for line in problems:
            flash(line, "error")
        if not problems:
            flash(_("已订阅。签名密钥只显示这一次，请妥善保存。"), "ok")
    items = api().items("notifier", "/subscriptions")
    # (the notifier's own list: the console keeps no copy of the catalogue)
    event_types = api().get("notifier", "/subscriptions/event-types")["event_types"]
    return render_template(
        "subscriptions.html", items=items, created=created, event_types=event_types
    )


@bp.post("/subscriptions/<int:id>/delete")
@roles("city", "town", "unit")
def unsubscribe(id: int):
    return act(
        lambda: api().delete("notifier", f"/subscriptions/{id}"),
        _("已取消订阅。"),
        url_for("notifications.subscriptions"),
    )
