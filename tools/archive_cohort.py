"""``python -m tools.archive_cohort --cohort 2024 --out archive-2024.zip``: export a
finished cohort's (届别) growth files and evidence from every service into one ZIP, verify
it, and with ``--purge`` delete the evidence and pseudonymise the cohort's personal data
(docs/operations.md, "Retention and archiving of a finished cohort").

Each service is read through its own code: its settings from the environment
(``<SERVICE>_DATABASE_URL``, ``EVIDENCE_*``, as its ``manage`` command reads them), its
models and its ``services/<name>/archive.py``; the mechanism is ``shared.archive``.

Exit status: 0 done; 1 the archive could not be written or does not verify; 2 refused
(the cohort is not finished, or unknown); 3 the cohort was purged already.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import json
import os
import sys
from pathlib import Path

from shared import archive
from shared.db import Database
from shared.evidence import store_from_config

#: The services that hold a trainee's files, roster first (its names name the folders).
SERVICES = ("roster", "mentorship", "reporting", "welfare")


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    p = argparse.ArgumentParser(
        prog="python -m tools.archive_cohort",
        description="导出、校验并（可选）清除一个已结束届别的成长档案和佐证材料 / "
        "export, verify and optionally purge a finished cohort's files",
    )
    p.add_argument("--cohort", type=int, required=True, help="届别 (the trainees' cohort year)")
    p.add_argument("--out", help="the ZIP to write (or to verify, or to purge by)")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be exported (and deleted), with counts; change nothing",
    )
    p.add_argument("--purge", action="store_true",
                   help="after an export whose manifest verifies: delete the evidence, "
                   "pseudonymise the cohort's personal data")  # fmt: skip
    p.add_argument(
        "--force",
        action="store_true",
        help="export a cohort that still has active trainees (never purges them)",
    )
    p.add_argument("--verify", action="store_true", help="only verify the archive --out")
    p.add_argument("--services", default=",".join(SERVICES),
                   help=f"comma-separated, default {','.join(SERVICES)}")  # fmt: skip
    return p


def service_configs(names: list[str]) -> dict:
    """Each service's settings from the environment, as its own processes read them."""
    return {name: importlib.import_module(f"services.{name}.spec").SPEC.config() for name in names}


def say(zh: str, en: str, stream=None) -> None:
    """One line, Chinese first."""
    print(f"{zh} / {en}", file=stream or sys.stdout)


def _retain_until(finished_on: dt.date | None, years: int) -> str | None:
    if finished_on is None:
        return None
    try:
        return finished_on.replace(year=finished_on.year + years).isoformat()
    except ValueError:  # 29 February
        return finished_on.replace(year=finished_on.year + years, day=28).isoformat()


class Run:
    """One run of the command over the services' parts."""

    def __init__(self, cohort: int, configs: dict) -> None:
        self.cohort = cohort
        self.configs = configs
        self.parts = {
            name: importlib.import_module(f"services.{name}.archive").part() for name in configs
        }
        self.dbs = {name: Database(config.DATABASE_URL) for name, config in configs.items()}

    def close(self) -> None:
        """Close every service's database."""
        for db in self.dbs.values():
            db.dispose()

    def read(self) -> dict[str, archive.PartData]:
        """Each service's share, each read in one transaction of its own database."""
        found = {}
        for name, part in self.parts.items():
            with self.dbs[name].transaction() as session:
                found[name] = archive.read_part(session, part, self.cohort)
        return found

    def write(self, data: dict[str, archive.PartData], out: str, forced: list) -> dict:
        """The ZIP at ``out``, evidence read from each service's store; its manifest."""
        writer = archive.Writer()
        folders: dict[int, str] = {}
        for name, part_data in data.items():
            store = store_from_config(self.configs[name])
            archive.add_part(writer, part_data, store.get, folders)
        first = next(iter(self.configs.values()))
        finished = [d.finished_on for d in data.values() if d.finished_on]
        finished_on = max(finished) if finished else None
        years = int(getattr(first, "ARCHIVE_RETENTION_YEARS", 10))
        manifest = {
            "format": archive.FORMAT,
            "cohort": self.cohort,
            "finished_on": finished_on.isoformat() if finished_on else None,
            "retention_years": years,
            "retain_until": _retain_until(finished_on, years),
            "forced_with_active_trainees": forced,
            "services": {name: archive.summary(d) for name, d in data.items()},
        }
        return writer.write(out, manifest)

    def purge(self, manifest: dict) -> dict:
        """Purge every service by the verified ``manifest``; the counts per service."""
        done = {}
        # roster last: its trainee.updated then tells every service the pseudonym again
        for name in sorted(self.parts, key=lambda n: n == "roster"):
            with self.dbs[name].transaction() as session:
                counts, keys = archive.purge_part(session, self.parts[name], self.cohort, manifest)
            store = store_from_config(self.configs[name])
            for key in keys:
                store.delete(key)
            done[name] = counts
        return done


def main(argv: list[str] | None = None, configs: dict | None = None) -> int:
    """The command; ``configs`` (service name to its settings) for tests, else each
    service's settings from the environment."""
    args = parser().parse_args(argv)
    names = [n.strip() for n in args.services.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        say(f"未知的服务：{unknown}", f"unknown services: {unknown}", sys.stderr)
        return 2
    if not args.dry_run and not args.out:
        say("请用 --out 指定归档文件", "name the archive with --out", sys.stderr)
        return 2
    if args.verify:
        try:
            manifest = archive.verify(args.out)
        except archive.Refused as exc:
            print(exc, file=sys.stderr)
            return exc.code
        say(f"归档校验通过：{len(manifest['files'])} 个文件，届别 {manifest['cohort']}",
            f"the archive verifies: {len(manifest['files'])} files")  # fmt: skip
        return 0
    configs = configs or service_configs(names)
    run = Run(args.cohort, {n: configs[n] for n in names if n in configs})
    try:
        return _main(args, run)
    except archive.Refused as exc:
        print(exc, file=sys.stderr)
        return exc.code
    finally:
        run.close()


def _main(args, run: Run) -> int:
    cohort = args.cohort
    data = run.read()
    if not any(d.trainees for d in data.values()):
        say(f"届别 {cohort} 没有选调生", f"cohort {cohort} has no trainees", sys.stderr)
        return 2
    unfinished = {}
    for part_data in data.values():
        for item in part_data.unfinished:
            unfinished.setdefault(item["id"], item)
    active = [unfinished[i] for i in sorted(unfinished)]
    if active and (args.purge or not args.force):
        shown = "、".join(f"{t['name']}（{t['id']}）" for t in active[:10])
        more = f" 等 {len(active)} 人" if len(active) > 10 else ""
        say(
            f"届别 {cohort} 尚未结束：{shown}{more} 仍在基层锻炼中（active）。"
            + ("清除只用于已结束的届别。" if args.purge else "确需导出请加 --force。"),
            f"cohort {cohort} is not finished: {len(active)} trainee(s) still active"
            + ("; only a finished cohort is purged" if args.purge else "; --force to export"),
            sys.stderr,
        )
        return 2
    purged = sorted({i for d in data.values() for i in d.purged})
    if args.dry_run:
        return _dry_run(args, data, purged)
    if purged:
        if not (args.purge and os.path.exists(args.out)):
            say(f"届别 {cohort} 已清除（{len(purged)} 人已假名化），不能再次导出；请保留已有的归档",
                f"cohort {cohort} was purged already: keep its existing archive",
                sys.stderr)  # fmt: skip
            return 3
        # a purge interrupted after some services: finish it by the archive it verified
        manifest = archive.verify(args.out)
        if manifest.get("cohort") != cohort:
            raise archive.Refused(f"{args.out} 不是届别 {cohort} 的归档 / not this cohort's", 1)
    else:
        run.write(data, args.out, [t["id"] for t in active])
        manifest = archive.verify(args.out)
        say(f"已导出并校验：{args.out}，{len(manifest['files'])} 个文件",
            f"exported and verified: {args.out}, {len(manifest['files'])} files")  # fmt: skip
        print(json.dumps(manifest["services"], ensure_ascii=False, sort_keys=True))
    if not args.purge:
        return 0
    digest = hashlib.sha256()
    with Path(args.out).open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    manifest["archive_sha256"] = digest.hexdigest()
    done = run.purge(manifest)
    say(f"已清除届别 {cohort} 的佐证材料并假名化个人信息", f"purged cohort {cohort}")
    print(json.dumps(done, ensure_ascii=False, sort_keys=True))
    return 0


def _dry_run(args, data: dict[str, archive.PartData], purged: list[int]) -> int:
    cohort = args.cohort
    plan = {name: archive.summary(d) for name, d in data.items()}
    files = sum(len(d.evidence) for d in data.values())
    tables = sum(1 for d in data.values() for rows in d.tables.values() if rows)
    trainees = len({t["id"] for d in data.values() for t in d.trainees})
    say(f"试运行（不做任何改动）：届别 {cohort}，{trainees} 名选调生，"
        f"将导出 {files} 个佐证材料、{tables} 张表",
        f"dry run (nothing changed): cohort {cohort}, {trainees} trainees, "
        f"{files} evidence files, {tables} tables")  # fmt: skip
    if purged:
        say(f"其中 {len(purged)} 人已清除", f"{len(purged)} already purged")
    if args.purge:
        say(
            f"--purge 将删除 {files} 个佐证材料，假名化 {trainees} 名选调生",
            f"--purge would delete {files} evidence files and pseudonymise {trainees} trainees",
        )
    print(json.dumps(plan, ensure_ascii=False, sort_keys=True, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
