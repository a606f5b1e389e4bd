"""One pattern for a resource's pages: a :class:`Resource` says which API it reads, which
columns, filters and form fields it has and which roles may list, create and edit it;
:func:`blueprint` makes its list, detail, new and edit pages from that.

- **Lists** ask the API for one page (``page``, ``per_page``, ``sort``, the filters, ``q``)
  and show the API's ``total``, so a clerk always sees how many there are in all;
  ``?export=xlsx`` walks every page of the same filtered, sorted list into one sheet.
- **Forms** send the typed values to the API. A refusal (422 and its field errors, which
  are English with the API's field names) is put next to the form's own fields, in the
  user's language (``shared.normalize`` gives marshmallow's messages in Chinese first), and
  the typed values stay in the form.
- **Steps** (:meth:`Resource.step`) are forms taken on one record of a resource (end an
  assignment, close a rectification), offered on its detail page by :meth:`Resource.action`.
- **Pickers** (``kind="pick"``) are a text box that searches as you type (``picker.js``,
  ``/pick/<kind>``) beside a hidden id; without JavaScript the typed name is looked up
  on the server when the form is sent.

The role checks here only decide what a page offers; the API enforces every scope.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for

from services.console.client import Api, ApiError
from services.console.codes import CODES
from services.console.i18n import gettext as _
from services.console.i18n import label, one_language
from services.console.resources.pick import PICKERS
from services.console.views.common import XLSX, api, today
from services.console.views.evidence import evidence_of
from shared.i18n import clerk_messages

#: The largest number of rows an export walks through (the API's pages of 200).
EXPORT_LIMIT = 50_000
_INTEGER = re.compile(r"^-?\d{1,10}$")


@dataclass(frozen=True)
class Column:
    """A column of the list (and a line of the detail): the API's ``key``, its ``label``
    (a Chinese message id), the API's ``sort`` name if the API sorts by it (True: by the
    ``key``), and how to show it: a code's name (``codes``, a :data:`CODES` kind) or
    ``show(row)``. ``names``: this column is what a record is called (the detail page's and
    edit form's heading)."""

    key: str
    label: str
    sort: str | bool | None = None
    codes: str | None = None
    show: Callable[[dict], object] | None = None
    names: bool = False

    def __post_init__(self) -> None:
        if self.sort is True:
            object.__setattr__(self, "sort", self.key)

    def value(self, row: dict):
        if self.show is not None:
            return self.show(row)
        value = row.get(self.key)
        if self.codes:
            return label(self.codes, value if not isinstance(value, bool) else str(value))
        return value


@dataclass(frozen=True)
class Filter:
    """A filter of the list, passed to the API as ``key``: a ``select`` of ``codes`` (the
    usual one: ``Filter("status", N_("状态"), "need_status")``) or of ``options()`` (value,
    name), or a ``text``/``number``/``month`` box. ``roles``: who is offered it (a town is
    not offered a town filter)."""

    key: str
    label: str
    codes: str | None = None
    kind: str = "select"
    options: Callable[[], list[tuple]] | None = None
    roles: tuple[str, ...] | None = None

    def choices(self) -> list[tuple]:
        if self.options is not None:
            return self.options()
        return code_choices(self.codes)


@dataclass(frozen=True)
class Field:
    """A form field: ``key`` names it in the form and, unless ``api`` says otherwise
    (dotted for a nested body: ``placement.village_id``), in the API's body. ``kind``:
    text, textarea, date, number, select (of ``codes`` or ``options()``), pick (of
    another resource: ``pick`` names its :data:`PICKERS` kind), checkbox, checks (several
    of ``options()`` ticked at once, sent as a list of ids), password, hidden (a parent's
    id from the query string, see ``prefill``).
    ``on``: the forms it is on (``new``, ``edit``); ``roles``: who fills it in."""

    key: str
    label: str
    kind: str = "text"
    required: bool = False
    codes: str | None = None
    options: Callable[[], list[tuple]] | None = None
    pick: str | None = None
    api: str | None = None
    on: tuple[str, ...] = ("new", "edit")
    roles: tuple[str, ...] | None = None
    help: str | None = None
    #: an emptied field is sent as None (else as "": text the API does not take as null)
    nullable: bool = True

    @property
    def body_key(self) -> str:
        return self.api or self.key

    def choices(self) -> list[tuple]:
        if self.options is not None:
            return self.options()
        return code_choices(self.codes)


def code_choices(kind: str | None) -> list[tuple]:
    return [(code, label(kind, code)) for code in CODES.get(kind or "", {})]


def shown_by(key: str) -> Callable[[dict], str]:
    """A record's name as its ``key`` says it (``#id`` when that is empty)."""
    return lambda row: row.get(key) or f"#{row.get('id')}"


@dataclass
class Resource:
    """What a resource's pages need to know; see the module's docstring. Declared like a
    page's table: ``Resource(name, title, columns, service=…, …)``."""

    name: str
    title: str
    columns: list[Column] = field(default_factory=list)
    _: KW_ONLY
    service: str
    #: the API's path of the records: ``/<name>`` unless said
    path: str = ""
    #: what one of them is called (新建…, 编辑…): the title unless said
    one: str = ""
    fields: list[Field] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    #: the search box's label; None: the list has no search box
    search: str | None = None
    list_roles: tuple[str, ...] = ()
    create_roles: tuple[str, ...] = ()
    edit_roles: tuple[str, ...] = ()
    #: what a record is called: its column that ``names`` it, else its ``name``
    show_name: Callable[[dict], str] | None = None
    default_sort: str = "id"
    per_page: int = 50
    #: the path to POST a new one to; ``{key}`` is taken from the form (then left out of
    #: the body): ``/trainees/{trainee_id}/placements``
    create_path: str | None = None
    #: where a row links and a saved one goes (default: this resource's detail page)
    detail_url: Callable[[dict], str] | None = None
    #: where to go after creating one that has no detail page of its own
    after: Callable[[dict, dict], str] | None = None
    #: adjust the body before it is sent: ``prepare(body, mode)``
    prepare: Callable[[dict, str], dict] | None = None
    #: send it another way than POST/PATCH: ``submit(api, body, id)`` returns the saved row
    submit: Callable[[Api, dict, int | str | None], dict] | None = None
    #: more tables on the detail page: ``sections(row)`` -> list of (title, columns, rows)
    sections: Callable[[dict], list] | None = None
    #: links on the detail page: (label, url(row), roles)
    actions: list[tuple[str, Callable[[dict], str], tuple[str, ...]]] = field(default_factory=list)
    #: values a new form starts with, from the query string (``?trainee_id=5``)
    prefill: tuple[str, ...] = ()
    #: API error keys that belong to another form field: ``{"scope_id": "role"}``
    aliases: dict[str, str] = field(default_factory=dict)
    #: the row's key in the API's paths (``id``, or ``code`` for a period)
    key: str = "id"
    #: read the record another way than GET ``path/id`` (one's own settings): ``load(api)``
    load: Callable[[Api], dict] | None = None
    #: the endpoint a form without a list goes back to, where it is not its service's area
    #: index (``/roster/``, ``/mentorship/``, ``/reporting/``)
    home: str | None = None
    #: a bulk or irreversible form is confirmed first: ``confirm(body)`` says its exact
    #: effect, and the form is sent only when the person confirms that page
    confirm: Callable[[dict], str] | None = None
    #: the detail page lists the record's evidence (佐证材料) and takes uploads: its kind
    #: in ``views/evidence.KINDS`` (``duty_item``)
    evidence: str | None = None
    #: the new form's heading when it is a decision rather than a new record (退回…)
    heading: str | None = None
    #: whether this row's edit form is offered to one who may edit: ``editable(row)``
    editable: Callable[[dict], bool] | None = None
    #: the list's query with what the API needs by default: ``list_args(params)``
    list_args: Callable[[dict], dict] | None = None
    #: lines said above the list (a quota, what is hidden): ``notes(params)``
    notes: Callable[[dict], list[str]] | None = None

    def __post_init__(self) -> None:
        self.path = self.path or f"/{self.name}"
        self.one = self.one or self.title
        if self.show_name is None:
            named = [c.key for c in self.columns if c.names]
            self.show_name = shown_by(named[0] if named else "name")

    # -- who may do what --------------------------------------------------------------

    def may(self, what: str) -> bool:
        """May the signed-in person ``list``, ``create`` or ``edit`` this resource?"""
        allowed = {
            "list": self.list_roles,
            "create": self.create_roles,
            "edit": self.edit_roles,
        }[what]
        return g.get("user") is not None and g.user["role"] in allowed

    def may_edit(self, row: dict) -> bool:
        """Is this row's edit form offered (the API still decides)?"""
        return self.may("edit") and (self.editable is None or self.editable(row))

    def form_fields(self, mode: str) -> list[Field]:
        role = g.user["role"]
        return [f for f in self.fields if mode in f.on and (f.roles is None or role in f.roles)]

    def visible_filters(self) -> list[Filter]:
        role = g.user["role"]
        return [f for f in self.filters if f.roles is None or role in f.roles]

    def url_of(self, row: dict) -> str | None:
        if self.detail_url is not None:
            return self.detail_url(row)
        if self.list_roles:
            return url_for(f"{self.endpoint}.show", id=row[self.key])
        return None

    def key_of(self, row: dict):
        return row[self.key]

    def new_url(self, **args) -> str:
        return url_for(f"{self.endpoint}.new", **args)

    def step(
        self,
        post: str,
        title: str,
        fields: list[Field],
        roles: tuple[str, ...],
        parent: Field | None = None,
        name: str | None = None,
        **more,
    ) -> Resource:
        """A step taken on one of these records (end an assignment, record attendance, close
        a rectification): a form POSTed to ``{path}/{post}`` (``post``:
        ``{assignment_id}/end``), with no list of its own; its ``name`` (its page's path)
        is the last word of ``post`` unless said. Its first field, ``parent``, names the
        record and fills the ``{…}``: hidden, its id from the link of :meth:`action`, unless
        a field to choose it by is given."""
        key = re.search(r"\{(\w+)\}", post).group(1)
        more.setdefault("prefill", (key,))
        more.setdefault("home", self.home)
        return Resource(
            name or post.rsplit("/", 1)[-1],
            title,
            service=self.service,
            path=self.path,
            create_path=f"{self.path}/{post}",
            fields=[parent or Field(key, self.one, kind="hidden", required=True), *fields],
            create_roles=roles,
            **more,
        )

    def action(
        self, text: str, roles: tuple[str, ...], when: Callable[[dict], object] | None = None
    ):
        """This form as one of the :attr:`actions` of the record it is about (its first field
        names it): ``text`` links, for ``roles``, to the form with the record's id filled
        in, on the rows ``when`` allows (every row if None)."""
        key = self.fields[0].key

        def url(row: dict) -> str | None:
            if when is not None and not when(row):
                return None
            return self.new_url(**{key: row["id"]})

        return text, url, roles

    def allowed_actions(self, row: dict) -> list[tuple[str, str]]:
        role = g.user["role"]
        shown = [(text, url(row)) for text, url, roles in self.actions if role in roles]
        return [(text, link) for text, link in shown if link]  # None: not for this row

    @property
    def endpoint(self) -> str:
        return f"{self.service}_{self.name}"

    @property
    def sorts(self) -> set[str]:
        return {c.sort for c in self.columns if c.sort}

    def texts(self) -> set[str]:
        """Every message id this resource shows (a test checks each has its English)."""
        out = {self.title, self.one} | ({self.search} if self.search else set())
        out |= {c.label for c in self.columns} | {f.label for f in self.fields}
        out |= {f.label for f in self.filters} | {f.help for f in self.fields if f.help}
        out |= {text for text, _url, _roles in self.actions}
        return out


# -- lists ---------------------------------------------------------------------------------


def _list_params(resource: Resource) -> tuple[dict, str]:
    params = {}
    for f in resource.visible_filters():
        value = request.args.get(f.key, "").strip()
        if value:
            params[f.key] = value
    if resource.search and request.args.get("q", "").strip():
        params["q"] = request.args["q"].strip()[:100]
    sort = request.args.get("sort", "")
    if sort.lstrip("-") not in resource.sorts:
        sort = resource.default_sort
    return params, sort


def list_page(resource: Resource):
    """The list (one page, its true total), or with ``?export=xlsx`` every row of it."""
    if not resource.may("list"):
        abort(403)
    params, sort = _list_params(resource)
    if resource.list_args is not None:
        params = resource.list_args(params)
    client = api()
    if request.args.get("export") == "xlsx":
        return _export(resource, client, params, sort)
    try:
        page = max(1, min(int(request.args.get("page", 1)), 1_000_000))
    except ValueError:
        page = 1
    body = client.get(
        resource.service, resource.path, page=page, per_page=resource.per_page, sort=sort, **params
    )
    total = body.get("total", 0)
    pages = max(1, -(-total // resource.per_page))
    if page > pages and total:
        return redirect(_with(page=pages))
    rows = [
        ([c.value(r) for c in resource.columns], resource.url_of(r)) for r in body.get("items", [])
    ]
    return render_template(
        "resource_list.html",
        r=resource,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        sort=sort,
        params=params,
        url_with=_with,
        notes=resource.notes(params) if resource.notes else [],
    )


def _with(**changes) -> str:
    """This page's URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    args.pop("export", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _export(resource: Resource, client: Api, params: dict, sort: str):
    """Every row of the filtered list, all pages, as one XLSX sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _(resource.title)[:31]
    sheet.append([_(c.label) for c in resource.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    page, seen = 1, 0
    while seen < EXPORT_LIMIT:
        body = client.get(
            resource.service, resource.path, page=page, per_page=200, sort=sort, **params
        )
        items = body.get("items", [])
        for row in items:
            sheet.append(["" if v is None else v for v in (c.value(row) for c in resource.columns)])
        seen += len(items)
        if not items or seen >= body.get("total", 0):
            break
        page += 1
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(
        out, mimetype=XLSX, as_attachment=True, download_name=f"{resource.name}-{today()}.xlsx"
    )


# -- detail --------------------------------------------------------------------------------


def detail_page(resource: Resource, id: int | str):
    row = api().get(resource.service, f"{resource.path}/{id}")
    if resource.detail_url is not None:
        return redirect(resource.detail_url(row))
    facts = [(c.label, c.value(row)) for c in resource.columns]
    sections = resource.sections(row) if resource.sections else []
    ev = evidence_of(resource.evidence, row[resource.key]) if resource.evidence else None
    return render_template(
        "resource_detail.html", r=resource, row=row, facts=facts, sections=sections, ev=ev
    )


# -- forms ---------------------------------------------------------------------------------


def form_page(resource: Resource, id: int | str | None = None):
    """The new (``id`` None) or edit form; on POST, send it and either go on or show the
    API's refusal next to the fields with the typed values kept."""
    mode = "new" if id is None else "edit"
    if not resource.may("create" if mode == "new" else "edit"):
        abort(403)
    client = api()
    fields_ = resource.form_fields(mode)
    if id is None:
        row = None
    elif resource.load is not None:
        row = resource.load(client)
    else:
        row = client.get(resource.service, f"{resource.path}/{id}")
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    if request.method == "POST":
        values = {f.key: request.form.get(f.key, "") for f in fields_}
        values |= {
            f"{f.key}__name": request.form.get(f"{f.key}__name", "")
            for f in fields_
            if f.kind == "pick"
        }
        values |= {f.key: "1" for f in fields_ if f.kind == "checkbox" and f.key in request.form}
        values |= {
            f.key: ",".join(request.form.getlist(f.key)) for f in fields_ if f.kind == "checks"
        }
        body, errors = _body(fields_, values, mode)
        if not errors and resource.confirm is not None and request.form.get("confirmed") != "1":
            return render_template(
                "resource_confirm.html",
                r=resource,
                effect=resource.confirm(body),
                sent=[(k, v) for k, vs in request.form.lists() if k != "csrf_token" for v in vs],
            )
        if not errors:
            try:
                saved = _send(resource, client, body, id)
            except ApiError as exc:
                if not exc.refused:
                    raise
                errors, general = field_errors(exc, fields_, resource.aliases)
            else:
                flash(_("已保存。"), "ok")
                return redirect(_after_save(resource, saved, values))
        if errors and not general:  # refused here, before the API was asked
            general = [_("请更正下面标出的错误。")]
    else:
        values = _initial(resource, fields_, row)
    heading = (
        (_(resource.heading) if resource.heading else _("新建{what}", what=_(resource.one)))
        if mode == "new"
        else _("编辑{what}：{name}", what=_(resource.one), name=resource.show_name(row))
    )
    return render_template(
        "resource_form.html",
        r=resource,
        mode=mode,
        row=row,
        fields=fields_,
        values=values,
        errors=errors,
        general=general,
        heading=heading,
    ), (422 if errors or general else 200)


def _initial(resource: Resource, fields_: list[Field], row: dict | None) -> dict:
    values: dict[str, str] = {}
    for f in fields_:
        if row is None:
            value = request.args.get(f.key, "") if f.key in resource.prefill else ""
        else:
            value = _dig(row, f.body_key)
        if f.kind == "password":
            value = ""
        if f.kind == "checkbox":
            values[f.key] = "1" if value else ""
            continue
        if f.kind == "checks" and isinstance(value, list):
            values[f.key] = ",".join(str(v) for v in value)
            continue
        values[f.key] = "" if value is None else str(value)
        if f.kind == "pick" and values[f.key]:
            values[f"{f.key}__name"] = PICKERS[f.pick].name(values[f.key])
    return values


def _dig(row: dict, dotted: str):
    value = row
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _body(fields_: list[Field], values: dict, mode: str) -> tuple[dict, dict]:
    """The API's body from the typed values; a picked name that names no one (or several)
    is an error of its field, said before the API is asked."""
    body: dict = {}
    errors: dict[str, list[str]] = {}
    for f in fields_:
        raw = values.get(f.key, "").strip()
        if f.kind == "pick" and not raw and values.get(f"{f.key}__name", "").strip():
            found = PICKERS[f.pick].search(values[f"{f.key}__name"].strip())
            typed = values[f"{f.key}__name"].strip()
            exact = [p for p in found if p["name"] == typed or p["name"].startswith(typed)]
            chosen = found if len(found) == 1 else exact
            if len(chosen) == 1:
                raw = values[f.key] = str(chosen[0]["id"])
            else:
                errors[f.key] = [_("请从列表中选择。")]
                continue
        if f.kind == "checkbox":
            value: object = raw == "1"
        elif f.kind == "checks":
            ticked = [part for part in raw.split(",") if part]
            if not ticked:
                if f.required:
                    errors[f.key] = [_("请至少选择一项。")]
                continue
            value = [int(part) if _INTEGER.match(part) else part for part in ticked]
        elif f.kind == "password" and not raw:
            continue  # an empty password field changes nothing
        elif raw == "":
            if mode == "new":
                continue
            value = None if f.nullable else ""
        elif f.kind in ("number", "pick", "hidden") or (
            f.kind == "select" and f.options is not None
        ):
            value = int(raw) if _INTEGER.match(raw) else raw
        else:
            value = raw
        _put(body, f.body_key, value)
    return body, errors


def _put(body: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        body = body.setdefault(part, {})
    body[last] = value


def _send(resource: Resource, client: Api, body: dict, id: int | str | None) -> dict:
    if resource.prepare is not None:
        body = resource.prepare(body, "new" if id is None else "edit")
    if resource.submit is not None:
        return resource.submit(client, body, id)
    if id is not None:
        return client.patch(resource.service, f"{resource.path}/{id}", body)
    path = resource.create_path or resource.path
    for key in re.findall(r"\{(\w+)\}", path):
        path = path.replace(f"{{{key}}}", str(body.pop(key, "")))
    return client.post(resource.service, path, body)


def _after_save(resource: Resource, saved: dict, values: dict) -> str:
    if resource.after is not None:
        return resource.after(saved, values)
    return resource.url_of(saved) or url_for("home.index")


def api_text(message: str) -> str:
    """An API's message (``中文 / English``, see :mod:`shared.i18n`) in the user's language."""
    return one_language(message)


def field_errors(
    exc: ApiError, fields_: list[Field], aliases: dict[str, str] | None = None
) -> tuple[dict, list[str]]:
    """The API's refusal as messages next to the form's fields (``{key: [message]}``) and
    the rest above the form, each in the user's language."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    errors = exc.errors if isinstance(exc.errors, dict) else {}
    for dotted, message in _flatten(clerk_messages(errors)):
        text = api_text(message)
        dotted = (aliases or {}).get(dotted, dotted)
        target = _field_for(dotted, fields_)
        if target is not None:
            by_field.setdefault(target.key, []).append(text)
        else:
            general.append(f"{dotted}: {text}")
    if by_field:
        general.insert(0, _("请更正下面标出的错误。"))
        if exc.status == 409 and exc.detail:  # what is taken or full, in words
            general.insert(1, api_text(exc.detail))
    else:
        general.insert(0, api_text(exc.detail or exc.title or str(exc.status)))
    return by_field, general


def _flatten(errors, prefix: str = ""):
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(errors, list):
        for value in errors:
            if isinstance(value, (dict, list)):
                yield from _flatten(value, prefix)
            else:
                yield prefix, str(value)
    elif errors not in (None, ""):
        yield prefix, str(errors)


def _field_for(dotted: str, fields_: list[Field]) -> Field | None:
    """The form field an API error key belongs to: the same key, or a nested one ending
    with it (``positions.3.kind`` is the field ``kind``)."""
    for f in fields_:
        if dotted == f.body_key:
            return f
    for f in fields_:
        if dotted.endswith("." + f.body_key) or dotted.startswith(f.body_key + "."):
            return f
    return None


# -- the blueprint ------------------------------------------------------------------------------


def blueprint(resource: Resource) -> Blueprint:
    """The resource's pages under ``/<service>/<name>/``."""
    bp = Blueprint(resource.endpoint, __name__, url_prefix=f"/{resource.service}/{resource.name}")
    one = "<int:id>" if resource.key == "id" else "<id>"
    if resource.list_roles:
        bp.add_url_rule("/", "index", lambda: list_page(resource))
        bp.add_url_rule(f"/{one}", "show", lambda id: _guard(resource, "list", detail_page, id))
    if resource.create_roles:
        bp.add_url_rule("/new", "new", lambda: form_page(resource), methods=["GET", "POST"])
    if resource.edit_roles and resource.load is not None:  # one's own: the one form
        bp.add_url_rule("/", "edit", lambda: form_page(resource, 0), methods=["GET", "POST"])
    elif resource.edit_roles:
        bp.add_url_rule(
            f"/{one}/edit", "edit", lambda id: form_page(resource, id), methods=["GET", "POST"]
        )
    return bp


def _guard(resource: Resource, what: str, view, *args):
    if not resource.may(what):
        abort(403)
    return view(resource, *args)
