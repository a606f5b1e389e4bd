"""Notifications: the inbox with the unread count, and a town's or unit's webhook
subscriptions."""

from __future__ import annotations

from flask import Blueprint, flash, g, render_template, request, url_for

from services.console.client import ApiError
from services.console.i18n import gettext as _
from services.console.views.common import act, api, int_arg, roles

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

#: The event types a subscription may name (the notifier's rules table).
EVENT_TYPES = (
    "mentor.assigned",
    "mentor.released",
    "talk.recorded",
    "period.opened",
    "report.due_soon",
    "report.overdue",
    "report.returned",
    "need.raised",
    "need.resolved",
    "placement_fee.paid",
)


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
    page_no = int_arg("page") or 1
    only_unread = request.args.get("unread") == "true"
    body = api().get(
        "notifier",
        "/notifications",
        page=page_no,
        per_page=30,
        unread="true" if only_unread else None,
    )
    return render_template(
        "notifications.html", body=body, only_unread=only_unread, page_no=page_no
    )


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
        try:
            created = api().post("notifier", "/subscriptions", body)
        except ApiError as exc:
            if exc.status in (401, 404) or exc.status >= 500:
                raise
            for line in exc.messages():
                flash(line, "error")
        else:
            flash(_("已订阅。签名密钥只显示这一次，请妥善保存。"), "ok")
    items = api().items("notifier", "/subscriptions")
    return render_template(
        "subscriptions.html", items=items, created=created, event_types=EVENT_TYPES
    )


@bp.post("/subscriptions/<int:id>/delete")
@roles("city", "town", "unit")
def unsubscribe(id: int):
    return act(
        lambda: api().delete("notifier", f"/subscriptions/{id}"),
        _("已取消订阅。"),
        url_for("notifications.subscriptions"),
    )
