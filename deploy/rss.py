"""The memory of the production processes on this machine: each Procfile process's
resident set (RSS, its whole process tree: gunicorn's master and workers together) and
the total.

    python -m deploy.rss                          # every Procfile process running here
    python -m deploy.rss --queue-prefix stack.ab12cd34   # one LocalStack's only

Processes are found by their command line (the Procfile's commands, as ``make
prod-local`` and ``deploy.stack`` start them); ``--queue-prefix`` keeps those whose
environment says that ``QUEUE_PREFIX`` (each LocalStack has its own). PostgreSQL, RabbitMQ
and Redis are not counted: they are shared servers, not the stack's own processes.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from deploy.local import PROCFILE, procfile_processes

PAGE = os.sysconf("SC_PAGE_SIZE")


def _processes() -> dict[int, tuple[int, int, int]]:
    """``{pid: (parent pid, process group, rss bytes)}`` of every process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text().split()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), int(fields[2]), int(statm[1]) * PAGE)
    return out


def _tree(root: int, procs: dict[int, tuple[int, int, int]]) -> list[int]:
    """``root`` and its descendants."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _pgid, _rss) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            found.append(pid)
            todo.extend(children.get(pid, []))
    return found


def rss_of_groups(groups: dict[str, int]) -> dict[str, int]:
    """``{name: rss bytes}`` of each process group ``{name: pgid}`` (a LocalStack starts
    each process in a session of its own)."""
    procs = _processes()
    return {
        name: sum(rss for _pid, (_ppid, pgid, rss) in procs.items() if pgid == group)
        for name, group in groups.items()
    }


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (part.decode(errors="replace").partition("=") for part in raw.split(b"\0"))
    return {key: value for key, _, value in pairs if key}


def _matches(argv: list[str], command: list[str]) -> bool:
    """``argv`` runs ``command`` (``python`` may be any interpreter's path, ``--bind``
    any address: a LocalStack binds free ports)."""
    argv, command = _unbound(argv), _unbound(command)
    if not command or len(argv) < len(command):
        return False
    tail = argv[len(argv) - len(command) + 1 :]
    head = Path(argv[len(argv) - len(command)]).name
    return tail == command[1:] and (head == command[0] or head.startswith(command[0]))


def _unbound(args: list[str]) -> list[str]:
    return ["*" if i and args[i - 1] == "--bind" else a for i, a in enumerate(args)]


def procfile_rss(procfile: Path = PROCFILE, queue_prefix: str | None = None) -> dict[str, int]:
    """``{Procfile name: rss bytes}`` of the Procfile processes running on this machine
    (copies of one name added together)."""
    commands = {name: shlex.split(cmd) for name, cmd in procfile_processes(procfile).items()}
    procs = _processes()
    out: dict[str, int] = {}
    for pid, (ppid, _pgid, _rss) in procs.items():
        argv = _cmdline(pid)
        name = next((n for n, c in commands.items() if _matches(argv, c)), None)
        if name is None:
            continue
        parent = _cmdline(ppid)
        if any(_matches(parent, c) for c in commands.values()):
            continue  # a gunicorn worker: counted with its master
        if queue_prefix and _environ(pid).get("QUEUE_PREFIX") != queue_prefix:
            continue
        out[name] = out.get(name, 0) + sum(procs[p][2] for p in _tree(pid, procs))
    return out


def report(sizes: dict[str, int]) -> str:
    """A table of ``sizes``, largest first, and the total, in MiB."""
    width = max([len(n) for n in sizes] + [5])
    lines = [f"{name:<{width}}  {size / 2**20:8.1f} MiB" for name, size in
             sorted(sizes.items(), key=lambda item: -item[1])]  # fmt: skip
    lines.append(f"{'total':<{width}}  {sum(sizes.values()) / 2**20:8.1f} MiB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m deploy.rss``."""
    parser = argparse.ArgumentParser(prog="python -m deploy.rss", description=__doc__)
    parser.add_argument("--procfile", default=str(PROCFILE), help="default: Procfile")
    parser.add_argument("--queue-prefix", help="only processes with this QUEUE_PREFIX")
    args = parser.parse_args(argv)
    sizes = procfile_rss(Path(args.procfile), args.queue_prefix)
    if not sizes:
        print("no Procfile process is running")
        return 1
    print(report(sizes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
