"""A form field of each kind, so that a declaration is one line, and the fields of a
choice among kinds (a role's scope, a handler, a party). See
:class:`~services.console.resources.base.Field` for what each kind is."""

from __future__ import annotations

from collections.abc import Callable

from services.console.resources.base import Field


def textarea(key: str, label: str, **more) -> Field:
    return Field(key, label, kind="textarea", **more)


def date(key: str, label: str, **more) -> Field:
    return Field(key, label, kind="date", **more)


def number(key: str, label: str, **more) -> Field:
    return Field(key, label, kind="number", **more)


def checkbox(key: str, label: str, **more) -> Field:
    return Field(key, label, kind="checkbox", **more)


def select(key: str, label: str, source: str | Callable[[], list[tuple]], **more) -> Field:
    """A select of ``source``: a :data:`CODES` kind, or ``options()``."""
    if callable(source):
        return Field(key, label, kind="select", options=source, **more)
    return Field(key, label, kind="select", codes=source, **more)


def pick(key: str, label: str, kind: str, **more) -> Field:
    """A picker of a :data:`PICKERS` kind (a name typed, an id sent)."""
    return Field(key, label, kind="pick", pick=kind, **more)


def choice_fields(
    table: list[tuple[str, str, Callable[[], list[tuple]] | str, str]], **more
) -> list[Field]:
    """One field per kind a form lets one choose (a role, a handler, a party), from a
    table of (key, label, source, help): ``source`` is a select's ``options`` or a
    :data:`PICKERS` kind to pick from; ``more`` is said of every field (``on=("new",)``).
    Only the chosen kind's field is meant: see :func:`chosen`."""
    return [
        select(key, text, source, help=help_, **more)
        if callable(source)
        else pick(key, text, source, help=help_, **more)
        for key, text, source, help_ in table
    ]


def chosen(body: dict, fields: dict[str, str], choice: str) -> tuple[bool, object]:
    """Take every kind's field (``fields``: kind -> field key) out of the body and give
    the value of the one that belongs to the kind chosen in ``choice``; the first item
    says whether that kind has a field of its own."""
    values = {kind: body.pop(key, None) for kind, key in fields.items()}
    kind = body.get(choice)
    return kind in values, values.get(kind)
