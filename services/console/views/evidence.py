"""Evidence (佐证材料) on the console's pages, written once: the files attached to a talk, a
care visit, a duty item, a supervision visit or a rectification, each with its download
link, an upload form and delete for whoever the API lets delete.

A page puts ``evidence_of(kind, id)`` into its template and calls the ``evidence`` macro
(``templates/evidence.html``). Every call goes through the signed-in person's own API
client, so the API's scope rules decide: another town's file is the 404 page here too.

- **Downloads** are proxied and always sent as an attachment (RFC 5987 name,
  ``nosniff``, a sandboxing CSP), with the type the API read from the content; never
  shown inline.
- **Uploads** are proxied as they came (multipart ``file``); the API's refusal (413 too
  large, 415 not an accepted type, 422 empty or unsafe) comes back as a message in the
  user's language above the page, and so does a file larger than the console takes.
- **Records without a page of their own** (a care visit, a rectification) get one here:
  ``/evidence/<kind>/<id>``, with a link back to where they are listed.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from types import SimpleNamespace

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup

from services.console.client import ApiError
from services.console.i18n import N_, current, label, one_language
from services.console.i18n import gettext as _
from services.console.views.common import api, city_time, config, role
from shared.evidence import EXTENSIONS, download

bp = Blueprint("evidence", __name__)

MiB = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    """A kind of record that takes evidence: its service, its API path, its name on the
    page of its own, and the roles offered the upload form (the API decides)."""

    service: str
    path: str
    title: str
    adders: tuple[str, ...]


KINDS = {
    "talk": Kind("mentorship", "talks", N_("谈心谈话"), ("city", "mentor", "trainee")),
    "care_visit": Kind("welfare", "visits", N_("走访记录"), ("city", "town", "unit")),
    "duty_item": Kind(
        "reporting", "duty-items", N_("责任事项"), ("city", "town", "unit", "trainee")
    ),
    "supervision_visit": Kind("reporting", "supervision-visits", N_("督导调研"), ("city",)),
    "rectification": Kind("reporting", "rectifications", N_("整改事项"), ("city", "town", "unit")),
}
#: The services whose ``/evidence/{id}`` the console proxies.
SERVICES = {kind.service for kind in KINDS.values()}
#: What the file input offers: photos (the camera on a phone), PDFs, Word and Excel files.
ACCEPT = "image/*,application/pdf,.docx,.xlsx"
_TYPE_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
}


def _kind(name: str) -> Kind:
    if name not in KINDS:
        abort(404)
    return KINDS[name]


def limit_mb() -> int:
    """The largest file, in MB: the console's own limit (the API's default is the same)."""
    return max(1, int(config().MAX_UPLOAD) // MiB)


#: The types the API accepts, said once for the form and for a refusal.
TYPES = N_("只接受 JPEG、PNG、WebP 图片和 PDF、DOCX、XLSX 文件（按内容判断，不看扩展名）。")


def limits_text() -> str:
    """The API's limits as the upload form says them."""
    return _sentences(
        _("每个文件不超过 {size} MB。", size=limit_mb()),
        _(TYPES),
        _("照片上传后会去掉拍摄位置等信息。"),
    )


def _sentences(*parts: str) -> str:
    """Sentences one after another: a space between English ones, none between Chinese."""
    return ("" if current() == "zh" else " ").join(parts)


def _size(n: int | None) -> str:
    if n is None:
        return "—"
    if n >= MiB:
        return f"{n / MiB:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


def _when(moment: str | None) -> str:
    return city_time(moment, "%Y-%m-%d %H:%M") or moment or "—"


def _own(row: dict) -> bool:
    subject = g.user.get("subject")
    return bool(subject) and (row.get("uploaded_by"), row.get("uploaded_by_role")) == (
        str(subject),
        g.user["role"],
    )


def evidence_of(kind: str, id: int, back: str | None = None) -> dict:
    """What the ``evidence`` macro shows for record ``id`` of ``kind``: its files (newest
    first), whether the upload form is offered, and where the forms come back to."""
    k = _kind(kind)
    page = api().get(k.service, f"/{k.path}/{id}/evidence", per_page=100)
    here = back or request.full_path.rstrip("?")
    items = []
    for row in page.get("items", []):
        own = _own(row)
        items.append(
            {
                "filename": row.get("filename"),
                "type": _TYPE_NAMES.get(row.get("content_type"), row.get("content_type")),
                "size": _size(row.get("size")),
                "by": _("本人") if own else label("role", row.get("uploaded_by_role")),
                "at": _when(row.get("uploaded_at")),
                "url": url_for("evidence.content", service=k.service, eid=row["id"]),
                "delete_url": url_for("evidence.remove", service=k.service, eid=row["id"])
                if own or role() == "city"
                else None,
            }
        )
    return {
        "files": items,
        "total": page.get("total", len(items)),
        "may_add": role() in k.adders,
        "upload_url": url_for("evidence.upload", kind=kind, id=id, next=here),
        "next": here,
        "accept": ACCEPT,
        "limits": limits_text(),
    }


def link(kind: str, id: int, back: str) -> Markup:
    """A cell linking to the evidence page of a record listed on another page (``back``)."""
    return Markup('<a href="{}">{}</a>').format(
        url_for("evidence.record", kind=kind, id=id, next=back), _("佐证材料")
    )


def safe_next(target: str | None = None, default: str = "/") -> str:
    """``target`` (default: the query's ``next``) if it is a path on this site."""
    target = request.args.get("next") if target is None else target
    if not target:
        return default
    parts = urllib.parse.urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def refusal(exc: ApiError) -> str:
    """An upload the API refused, said plainly in the user's language."""
    if exc.status == 413:
        return too_large()
    if exc.status == 415:
        return _sentences(_("文件类型不受支持。"), _(TYPES))
    detail = one_language(exc.detail or exc.title or str(exc.status))
    return _("文件未被接受：{why}", why=detail)


def too_large() -> str:
    return _("文件太大：每个文件不超过 {size} MB。", size=limit_mb())


# -- the routes -----------------------------------------------------------------------------


@bp.get("/evidence/<kind>/<int:id>")
def record(kind: str, id: int):
    """The files of a record that has no console page of its own (a care visit, a
    rectification), with the way back to where it is listed."""
    k = _kind(kind)
    ev = evidence_of(kind, id)
    return render_template(
        "evidence_page.html", title=k.title, id=id, ev=ev, back=safe_next(default="")
    )


@bp.post("/evidence/<kind>/<int:id>")
def upload(kind: str, id: int):
    """Send the chosen file to the API as it came; back to the page either way."""
    k = _kind(kind)
    back = safe_next()
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        flash(_("请选择要上传的文件。"), "error")
        return redirect(back)
    try:
        api().call(
            "POST",
            k.service,
            f"/{k.path}/{id}/evidence",
            files={"file": (sent.filename, sent.stream, "application/octet-stream")},
        )
    except ApiError as exc:
        if not exc.refused:
            raise
        flash(refusal(exc) if exc.status in (413, 415, 422) else "; ".join(exc.messages()), "error")
    else:
        flash(_("已上传：{name}", name=sent.filename), "ok")
    return redirect(back)


@bp.get("/evidence/<service>/<int:eid>/content")
def content(service: str, eid: int):
    """The file, fetched with the signed-in person's token, as a download only."""
    if service not in SERVICES:
        abort(404)
    answer = api().call("GET", service, f"/evidence/{eid}/content", raw=True)
    mimetype = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if mimetype not in EXTENSIONS:
        mimetype = "application/octet-stream"
    name = filename_of(answer.headers.get("Content-Disposition", ""))
    name = name or f"evidence-{eid}{EXTENSIONS.get(mimetype, '')}"
    return download(SimpleNamespace(content_type=mimetype, filename=name), answer.content)


@bp.post("/evidence/<service>/<int:eid>/delete")
def remove(service: str, eid: int):
    if service not in SERVICES:
        abort(404)
    back = safe_next(request.form.get("next", ""))
    try:
        api().delete(service, f"/evidence/{eid}")
    except ApiError as exc:
        if not exc.refused:
            raise
        flash("; ".join(one_language(m) for m in exc.messages()), "error")
    else:
        flash(_("已删除。"), "ok")
    return redirect(back)


_STAR = re.compile(r"filename\*\s*=\s*UTF-8''([^;]+)", re.IGNORECASE)
_PLAIN = re.compile(r'filename\s*=\s*"([^"]*)"', re.IGNORECASE)


def filename_of(disposition: str) -> str:
    """The name in an API's ``Content-Disposition`` (the UTF-8 one first), no folders."""
    match = _STAR.search(disposition)
    name = urllib.parse.unquote(match.group(1).strip()) if match else ""
    if not name:
        plain = _PLAIN.search(disposition)
        name = plain.group(1) if plain else ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable()).strip()
