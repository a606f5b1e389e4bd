"""How a service declares its HTTP API: :func:`blueprint` for a resource's blueprint and
:func:`endpoint` for each endpoint, one line each, so that every service's ``api/`` reads
alike and the access check, the schemas and the status of an endpoint stand together.

An endpoint is a function view (flask-smorest documents it from its docstring)::

    blp = blueprint("widgets", "/api/v1/roster/widgets", "Widgets of the roster")

    @endpoint(blp, "POST /<int:id>/approve", "city", body=ApproveIn, out=WidgetOut)
    def post_widget_approve(data, id):
        \"\"\"Approve a widget (city only).\"\"\"
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from flask_smorest import Blueprint
from marshmallow import Schema

from shared.auth import protect, require

SchemaArg = type[Schema] | Schema | None
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def blueprints_of(package: str, modules: str) -> list[Blueprint]:
    """A service's blueprints in the order of its ``modules`` of ``package`` (their names
    separated by spaces, as ``namedtuple`` takes fields), which is the order of its OpenAPI
    document's tags: each module's ``BLUEPRINTS``, or its one ``blp``."""
    found = []
    for name in modules.split():
        module = importlib.import_module(f"{package}.{name}")
        found += getattr(module, "BLUEPRINTS", None) or [module.blp]
    return found


def blueprint(name: str, url_prefix: str, description: str, *, signed_in: bool = True):
    """A resource's blueprint under ``url_prefix``; every route of it requires a valid
    token unless ``signed_in`` is false (the sign-in endpoint itself)."""
    blp = Blueprint(name, __name__, url_prefix=url_prefix, description=description)
    if signed_in:
        protect(blp)
    return blp


def endpoint(
    blp: Blueprint,
    route: str,
    *roles: str,
    body: SchemaArg = None,
    query: SchemaArg = None,
    out: SchemaArg = None,
    status: int | None = 200,
    name: str | None = None,
) -> Callable:
    """Declare the decorated function as the endpoint ``route`` of ``blp``.

    ``route`` is ``"METHOD /rule"`` (``"GET"`` alone for the blueprint's prefix itself).
    ``roles``: who may call it (403 for others; none: any signed-in caller). ``body`` and
    ``query``: the schemas of the JSON body and the query string, handed to the function
    in that order before the rule's variables. ``out`` and ``status``: the answer's schema
    and status (``status=None``: the function answers a response itself, documented by
    its own ``blp.doc``/``alt_response`` decorators, listed under this one).

    The endpoint's name (the metrics' label) is ``name``, by default the function's.
    """
    method, _, rule = route.partition(" ")
    if method not in METHODS:
        raise ValueError(f"{route!r}: the method is one of {', '.join(METHODS)}")

    def decorator(fn: Callable) -> Callable:
        view = fn
        if status is not None:
            view = (
                blp.response(status, out)(view) if out is not None else blp.response(status)(view)
            )
        if query is not None:
            view = blp.arguments(query, location="query")(view)
        if body is not None:
            view = blp.arguments(body)(view)
        if roles:
            view = require(*roles)(view)
        blp.route(rule, methods=[method], endpoint=name or fn.__name__)(view)
        return view

    return decorator
