"""The baseline's bare endpoint (``../shared/baseline/bench_app.py``, unchanged) with one
thing added: the answer echoes the request's ``X-Request-ID``, as every service does, so
that ``bench/requests.lua`` times the bare endpoint's requests the way it times ours (and
leaves the fillers out of both). Run with the baseline folder on gunicorn's
``--pythonpath``: ``gunicorn --pythonpath ../shared/baseline bench.bare_app:app``."""

from __future__ import annotations

from bench_app import app as _flask_app  # the baseline folder is on the path


def _echo_request_id(wsgi_app):
    """A WSGI wrapper adding the request's ``X-Request-ID`` to the answer's headers."""

    def app(environ, start_response):
        rid = environ.get("HTTP_X_REQUEST_ID")
        if not rid:
            return wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Request-ID", rid)], exc_info)

        return wsgi_app(environ, start)

    return app


app = _echo_request_id(_flask_app)
