"""``python -m embedded`` (``make run``): the whole system on one port with demo data."""

from __future__ import annotations

import logging
import os
import signal
import sys

from werkzeug.serving import run_simple

from embedded.system import EmbeddedSystem
from shared.config import VAR_DIR
from shared.observability import configure_logging


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C and a supervisor's SIGTERM stop the server and then the relays and consumers,
    # also when this process was started with SIGINT ignored (a shell's background job, a
    # test worker's child), which Python would otherwise keep: it then waited to be killed.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    configure_logging("embedded", os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger("grassroots.access").setLevel(os.environ.get("ACCESS_LOG_LEVEL", "WARNING"))
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    system = EmbeddedSystem(VAR_DIR)
    loaded = system.start()
    base = f"http://{host if host != '0.0.0.0' else '127.0.0.1'}:{port}"
    lines = [
        "",
        f"Grassroots is running at {base}/",
        f"  services: {', '.join(system.services)}",
        f"  data: {VAR_DIR} (SQLite), broker: in-process",
        "  demo loaded now: "
        + (", ".join(f"{k} {v}" for k, v in loaded.items()) or "no (already there)"),
        "  accounts (password 'demo'): city, town1..town6, unit1..unit8, mentor1..mentor76,"
        " trainee1..trainee40",
        "  try:",
        f"    TOKEN=$(curl -s {base}/api/v1/roster/auth/token -H 'Content-Type: application/json'"
        ' -d \'{"grant_type":"password","username":"city","password":"demo"}\''
        " | python3 -c 'import sys,json;print(json.load(sys.stdin)[\"access_token\"])')",
        f'    curl -s {base}/api/v1/roster/trainees -H "Authorization: Bearer $TOKEN"',
        f"  API docs: {base}/api/v1/roster/docs",
        "",
    ]
    print("\n".join(lines), flush=True)
    try:
        run_simple(host, port, system.wsgi, threaded=True, use_reloader=False)
    finally:
        system.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
