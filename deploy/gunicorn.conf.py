"""Gunicorn settings for every Grassroots web process (``gunicorn -c deploy/gunicorn.conf.py``).

- ``workers``/``threads`` come from ``WEB_WORKERS`` (default 2) and ``WEB_THREADS`` (default 1)
  so one image fits small and large machines; ``sync`` workers, since the handlers are short
  database calls and the slow work (events) runs in the relay and consumer processes.
- ``timeout`` 30 s (``WEB_TIMEOUT``) kills a stuck worker and starts another, whatever held
  it: a request that runs too long, or a client that sends its headers slowly
  (slowloris); a slow *body* is answered 408 before that by the app
  (``BODY_TIMEOUT_SECONDS``, 20 s, shared/http.py). ``graceful_timeout`` 20 s lets requests
  in flight finish on SIGTERM (docker-compose.yml gives the web containers
  ``stop_grace_period: 30s``, Docker's default of 10 s would cut that short).
- ``bind`` is not set here: each service's command passes ``--bind 0.0.0.0:800N``.
- ``accesslog`` is off: the app writes its own JSON access line per request (with request
  id and masked fields), so gunicorn's would only duplicate it in another format.
- ``preload_app`` is off: each worker imports and builds the app after the fork, so no
  database pool or broker connection is ever shared between processes, and a restarted
  worker picks up a fresh app.
- Request limits, answered by gunicorn before the app sees anything (figures in
  docs/security.md):
  - ``limit_request_line`` 8190 (gunicorn's maximum) admits long filter query strings; a
    longer request line is a 414;
  - ``limit_request_fields`` 64 headers: a browser sends about 15, a proxy adds a handful;
    more is a 431;
  - ``limit_request_field_size`` 8190 bytes per header: a bearer token is about 1 KB, the
    console's session cookie less than 4 KB; a longer header is a 431.
  Bodies are the app's: over ``MAX_CONTENT_LENGTH`` (or an upload's 10 MiB) a 413
  problem+json, with a Content-Length or chunked.
"""

import os

workers = int(os.environ.get("WEB_WORKERS") or 2)
threads = int(os.environ.get("WEB_THREADS") or 1)
worker_class = "sync"
timeout = int(os.environ.get("WEB_TIMEOUT") or 30)
graceful_timeout = 20
accesslog = None
preload_app = False
limit_request_line = 8190
limit_request_fields = 64
limit_request_field_size = 8190
