"""deploy.supervise, the process supervisor of ``python -m deploy.local up``: a process that
dies is restarted with a back-off and reported each time; stopping stops everything, a
process that ignores SIGTERM included. (The production processes under it, killed with
SIGKILL: tests/e2e/test_prod_local_restarts.py.)"""

from __future__ import annotations

import io
import shlex
import sys
import threading
import time

from deploy.supervise import Backoff, Supervisor, describe_exit


def python(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


class Output(io.StringIO):
    def lines(self) -> list[str]:
        return self.getvalue().splitlines()


def running(supervisor: Supervisor) -> threading.Thread:
    thread = threading.Thread(target=supervisor.run, kwargs={"install_signals": False})
    thread.start()
    return thread


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_back_off_doubles_from_one_second_to_thirty():
    assert [Backoff().delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_process_that_keeps_dying_is_restarted_later_each_time_and_reported_each_time():
    out = Output()
    supervisor = Supervisor(
        {"boom.1": python("print('up', flush=True); raise SystemExit(3)"),
         "calm.1": python("import time; time.sleep(60)")},
        out=out, backoff=Backoff(initial=0.05, maximum=0.2), stop_timeout=5,
    )  # fmt: skip
    thread = running(supervisor)
    try:
        wait_until(lambda: sum("exited with code 3" in line for line in out.lines()) >= 4)
    finally:
        supervisor.request_stop()
        thread.join(30)
    deaths = [line for line in out.lines() if "exited with code 3" in line]
    assert len(deaths) >= 4, out.getvalue()
    delays = [line.split("restarting in ", 1)[1].split("s ", 1)[0] for line in deaths[:4]]
    assert delays == ["0.05", "0.1", "0.2", "0.2"], deaths
    assert "(restart #3; 3 deaths in a row)" in deaths[2]
    # every start is reported with its own pid, and the other process was left alone
    pids = [
        line.split("(pid ", 1)[1].split(")")[0] for line in out.lines() if "started boom" in line
    ]
    assert len(set(pids)) == len(pids) >= 4
    assert sum("started calm.1" in line for line in out.lines()) == 1
    assert any(line.endswith("boom.1 | up") for line in out.lines())


def test_a_minute_of_uptime_makes_the_next_death_the_first():
    supervisor = Supervisor({"p.1": python("pass")}, out=Output())
    child = supervisor.children["p.1"]
    for uptime, deaths in ((0.5, 1), (0.5, 2), (0.5, 3), (61, 1), (0.5, 2)):
        supervisor._died(child, "exited with code 1", uptime=uptime)
        assert child.deaths == deaths, (uptime, child.deaths)


def test_stopping_stops_everything_and_kills_what_ignores_sigterm():
    out = Output()
    stubborn = python(
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    supervisor = Supervisor(
        {"stubborn.1": stubborn, "polite.1": python("import time; time.sleep(60)")},
        out=out, stop_timeout=1.0,
    )  # fmt: skip
    thread = running(supervisor)
    wait_until(lambda: any(line.endswith("stubborn.1 | ready") for line in out.lines()))
    started = time.monotonic()
    supervisor.request_stop()
    thread.join(30)
    assert not thread.is_alive()
    assert time.monotonic() - started < 10
    assert "stubborn.1" in next(line for line in out.lines() if "did not stop" in line)
    assert not any("polite.1" in line and "did not stop" in line for line in out.lines())
    for child in supervisor.children.values():
        assert child.proc.poll() is not None
    assert out.lines()[-1].endswith("deploy.local: stopped")
    assert not any("restarting" in line for line in out.lines())


def test_exits_are_described_by_code_or_signal():
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(-9) == "killed by SIGKILL"
