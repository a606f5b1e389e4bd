"""``python -m deploy.rss``: each production process's resident memory and the total."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from deploy import rss
from deploy.local import ROOT


def test_a_process_group_is_measured_whole():
    sizes = rss.rss_of_groups({"this test": os.getpgid(0)})
    assert sizes["this test"] > 10 * 2**20


def test_a_procfile_command_is_recognised_on_any_port_and_interpreter():
    web = shlex.split("gunicorn -c deploy/gunicorn.conf.py --bind 0.0.0.0:8001 'x:create_app()'")
    running = ["/srv/.venv/bin/python", "/srv/.venv/bin/gunicorn", "-c", "deploy/gunicorn.conf.py",
               "--bind", "127.0.0.1:40123", "x:create_app()"]  # fmt: skip
    assert rss._matches(running, web)
    relay = shlex.split("python -m shared.relay --services roster,mentorship")
    assert rss._matches(["/usr/bin/python3.11", "-m", "shared.relay", "--services",
                         "roster,mentorship"], relay)  # fmt: skip
    assert not rss._matches(["/usr/bin/python3.11", "-m", "shared.relay"], relay)


def test_the_report_names_each_process_and_the_total():
    text = rss.report({"outbox-relay": 90 * 2**20, "roster-web": 250 * 2**20})
    assert text.splitlines() == [
        "roster-web       250.0 MiB",
        "outbox-relay      90.0 MiB",
        "total            340.0 MiB",
    ]


def test_the_command_finds_a_running_procfile_process(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("sleeper: python -c 'import time; time.sleep(60)'\n")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        out = subprocess.run(
            [sys.executable, "-m", "deploy.rss", "--procfile", str(procfile)],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
        ).stdout  # fmt: skip
    finally:
        sleeper.kill()
        sleeper.wait()
    assert out.splitlines()[0].startswith("sleeper ") and "total" in out.splitlines()[-1]
