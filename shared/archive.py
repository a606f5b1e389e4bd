"""Archiving a finished cohort (届别): the mechanism, written once here; each service says
what of its own data belongs to a trainee in its ``archive.py`` (a :class:`Part`), and
``python -m tools.archive_cohort`` drives the services' parts into one ZIP.

- **Finished**: a cohort is finished when none of its trainees is ``active`` in any
  service's view (roster's table, and each service's projection of it). An unfinished
  cohort is refused (exit 2) unless forced.
- **Export**: per trainee, each service's records as JSON; per service and table a CSV of
  the cohort's rows; every evidence file (its bytes checked against the sha256 its row
  recorded at upload); a ``manifest.json`` with the sha256, size and source record of
  every file. Nothing in the ZIP depends on when it was written (fixed timestamps, sorted
  entries, sorted JSON keys), so writing it again gives the same bytes.
- **Purge** (only after an export whose manifest verifies): the evidence files and rows
  are deleted, the trainees pseudonymised (``已归档学员<id>``, identity number, phone,
  e-mail, birth date, school and major cleared) and the free text of their records
  blanked, each service recording what it did in its own audit trail (roster: the
  ``trainee.updated`` event). The counted facts (dates, kinds, figures, the money ledger)
  stay, so that past dashboards, rankings and payments still add up.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.audit import record_audit
from shared.normalize import message

#: The archive's format name, in its manifest.
FORMAT = "grassroots-cohort-archive/1"
#: Every entry's timestamp: the archive must not depend on when it was written.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: The name a purged trainee keeps (the id makes it unique and findable in the archive).
PSEUDONYM = "已归档学员{id}"
_CHUNK = 500


def pseudonym(trainee_id: int) -> str:
    """The name a trainee keeps online once their cohort is purged."""
    return PSEUDONYM.format(id=trainee_id)


@dataclass
class Source:
    """Rows of one table that belong to trainees: ``select(ids)`` selects ``(row, trainee
    id)`` for the trainees ``ids``; ``scrub`` lists the columns of free text blanked at
    purge (``None``: every ``Text`` column; ``()``: none, for an append-only table)."""

    model: type
    select: Callable[[list[int]], sa.Select]
    scrub: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return self.model.__tablename__

    def scrub_columns(self) -> list[str]:
        if self.scrub is not None:
            return list(self.scrub)
        return [
            attr.key
            for attr in sa.inspect(self.model).column_attrs
            if isinstance(attr.columns[0].type, sa.Text)
        ]


def by_trainee_id(model: type, scrub: tuple[str, ...] | None = None) -> Source:
    """A table with a ``trainee_id`` column."""
    return Source(
        model,
        lambda ids: sa.select(model, model.trainee_id).where(model.trainee_id.in_(ids)),
        scrub,
    )


def child_of(model: type, foreign_key, parent: type, trainee_column, *where,
             scrub: tuple[str, ...] | None = None) -> Source:  # fmt: skip
    """A table whose rows belong to a ``parent`` row (``foreign_key`` = ``parent.id``)
    that names the trainee in ``trainee_column`` (``where``: more conditions on it)."""
    return Source(
        model,
        lambda ids: (
            sa.select(model, trainee_column)
            .join(parent, foreign_key == parent.id)
            .where(trainee_column.in_(ids), *where)
        ),
        scrub,
    )


def trainee_tables(base, exclude: Iterable[str] = ()) -> list[Source]:
    """Every table of ``base`` with a ``trainee_id`` column, as a :class:`Source`."""
    skip = set(exclude)
    found = []
    for mapper in base.registry.mappers:
        table = mapper.local_table
        if "trainee_id" in table.c and table.name not in skip:
            found.append(by_trainee_id(mapper.class_))
    return sorted(found, key=lambda source: source.name)


def clear_projection(session: Session, trainee) -> None:
    """:attr:`Part.pseudonymise` of a service that keeps roster's trainee as a projection:
    a pseudonym for the name, no phone or e-mail."""
    trainee.name = pseudonym(trainee.id)
    trainee.phone = trainee.email = None


@dataclass
class Part:
    """What one service archives. ``trainee_model``: its table of trainees (``id``,
    ``name``, ``cohort``, ``status``); ``owners``: for each kind of record that takes
    evidence, ``(session, trainee ids) -> {record id: trainee id}``; ``pseudonymise(
    session, trainee)`` clears a trainee's personal fields; ``audit_model``: the table
    :meth:`audit` writes each purge into, as ``archive`` (none: roster, whose events are
    its record)."""

    service: str
    trainee_model: type
    sources: list[Source]
    pseudonymise: Callable[[Session, object], None] = clear_projection
    audit_model: type | None = None
    #: a table's own columns of each audit row (reporting's ``role``)
    audit_columns: dict = field(default_factory=dict)
    evidence_model: type | None = None
    owners: dict[str, Callable[[Session, list[int]], dict[int, int]]] = field(default_factory=dict)
    #: the service owns its trainee table (roster): the cohort's list goes to a CSV too
    owns_trainees: bool = False
    #: ``(session, trainee ids) -> date``: the day the last of them finished (roster)
    finished_on: Callable[[Session, list[int]], dt.date | None] | None = None

    def audit(self, session: Session, action: str, entity: str, entity_id: int, before, after):
        """Keep one purge step in :attr:`audit_model`, in this transaction."""
        if self.audit_model is not None:
            record_audit(
                session,
                self.audit_model,
                "archive",
                action,
                entity,
                entity_id,
                before,
                after,
                **self.audit_columns,
            )


class Refused(Exception):
    """The archive cannot be made or purged; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# -- reading a service's part ------------------------------------------------------------------


def chunks(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` in slices small enough for one ``IN (...)``."""
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def cohort_trainees(session: Session, part: Part, cohort: int) -> list:
    """The service's trainees of ``cohort``, by id."""
    model = part.trainee_model
    return list(session.scalars(sa.select(model).where(model.cohort == cohort).order_by(model.id)))


def rows_of(session: Session, source: Source, ids: list[int]) -> list[tuple[int, object]]:
    """``(trainee id, row)`` of ``source`` for the trainees ``ids``, by primary key."""
    keys = sa.inspect(source.model).primary_key
    found = []
    for chunk in chunks(ids):
        query = source.select(chunk).order_by(*keys)
        found.extend((tid, row) for row, tid in session.execute(query))
    return found


def evidence_of(session: Session, part: Part, ids: list[int]) -> list[tuple[int, object]]:
    """``(trainee id, evidence row)`` of the trainees ``ids``, by evidence id."""
    if part.evidence_model is None:
        return []
    model = part.evidence_model
    found = []
    for kind, owner in sorted(part.owners.items()):
        parents = owner(session, ids)
        keys = sorted(parents)
        for chunk in chunks(keys):
            rows = session.scalars(
                sa.select(model).where(model.parent_kind == kind, model.parent_id.in_(chunk))
            )
            found.extend((parents[row.parent_id], row) for row in rows)
    return sorted(found, key=lambda pair: pair[1].id)


def plain(value):
    """A column value as JSON has it."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def row_dict(row) -> dict:
    """Every column of an ORM row, by attribute name, as JSON has it."""
    return {attr.key: plain(getattr(row, attr.key)) for attr in sa.inspect(type(row)).column_attrs}


@dataclass
class PartData:
    """One service's share of the archive."""

    service: str
    trainees: list[dict]
    tables: dict[str, list[tuple[int, dict]]]
    evidence: list[tuple[int, dict]]
    unfinished: list[dict]
    purged: list[int]
    finished_on: dt.date | None = None
    owns_trainees: bool = False


def read_part(session: Session, part: Part, cohort: int) -> PartData:
    """Everything of ``cohort`` in this service (one read transaction)."""
    trainees = cohort_trainees(session, part, cohort)
    ids = [t.id for t in trainees]
    tables = {}
    for source in part.sources:
        rows = rows_of(session, source, ids)
        tables[source.name] = [(tid, row_dict(row)) for tid, row in rows]
    evidence = [(tid, row_dict(row)) for tid, row in evidence_of(session, part, ids)]
    return PartData(
        service=part.service,
        trainees=[row_dict(t) for t in trainees],
        tables=tables,
        evidence=evidence,
        unfinished=[
            {"id": t.id, "name": t.name, "status": t.status}
            for t in trainees
            if t.status == "active"
        ],
        purged=[t.id for t in trainees if t.name == pseudonym(t.id)],
        finished_on=part.finished_on(session, ids) if part.finished_on and ids else None,
        owns_trainees=part.owns_trainees,
    )


def summary(data: PartData) -> dict:
    """Counts for ``--dry-run`` and the manifest."""
    return {
        "trainees": len(data.trainees),
        "records": {name: len(rows) for name, rows in sorted(data.tables.items()) if rows},
        "evidence_files": len(data.evidence),
        "evidence_bytes": sum(row["size"] for _tid, row in data.evidence),
    }


# -- writing the ZIP ---------------------------------------------------------------------------


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def safe_name(text: str) -> str:
    """``text`` as one path part: NFC, no separators or control characters (Chinese,
    Extension B included, kept)."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", text or "")).strip(" .")
    return name[:80] or "_"


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    columns = sorted({key for row in rows for key in row})
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                         for k, v in row.items()})  # fmt: skip
    # with a BOM, so that Excel opens the Chinese as UTF-8
    return ("\ufeff" + out.getvalue()).encode()


class Writer:
    """Entries of the archive, in memory by name until :meth:`write` (evidence bytes are
    read from the store one at a time and written through)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[Callable[[], bytes], dict]] = {}

    def add(self, path: str, data: Callable[[], bytes], source: dict) -> None:
        if path in self.entries:
            raise ValueError(f"two entries named {path}")
        self.entries[path] = (data, source)

    def write(self, out_path: str, manifest: dict) -> dict:
        """Write the ZIP to ``out_path`` (atomically: a ``.partial`` file renamed at the
        end, so an interrupted run leaves the previous archive, if any, whole); returns the
        manifest with every file's sha256 and size."""
        partial = out_path + ".partial"
        files = []
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                for path in sorted(self.entries):
                    data_of, source = self.entries[path]
                    data = data_of()
                    files.append(
                        {"path": path, "sha256": hashlib.sha256(data).hexdigest(),
                         "size": len(data), **source}
                    )  # fmt: skip
                    _put(archive, path, data)
                manifest = {**manifest, "files": files}
                _put(archive, "manifest.json", _json(manifest))
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        os.replace(partial, out_path)
        return manifest


def _put(archive: zipfile.ZipFile, path: str, data: bytes) -> None:
    info = zipfile.ZipInfo(path, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compresslevel=6)


def trainee_folder(trainee: dict) -> str:
    """``trainees/<id, six digits>-<name>``: sorted by id, readable by name."""
    return f"trainees/{trainee['id']:06d}-{safe_name(trainee['name'])}"


def add_part(writer: Writer, data: PartData, blob: Callable[[str], bytes], folders: dict) -> None:
    """Add one service's share: ``trainees/<id>-<name>/<service>.json`` for each trainee,
    ``tables/<service>/<table>.csv``, and the evidence files under the trainee's
    ``evidence/<service>/``. ``folders``: each trainee's folder (roster's name decides)."""
    service = data.service
    by_trainee: dict[int, dict[str, list]] = {t["id"]: {} for t in data.trainees}
    for name, rows in sorted(data.tables.items()):
        for tid, row in rows:
            by_trainee.setdefault(tid, {}).setdefault(name, []).append(row)
        if rows:
            writer.add(
                f"tables/{service}/{name}.csv",
                (lambda rows=rows: _csv([row for _tid, row in rows])),
                {"kind": "table", "service": service, "table": name, "rows": len(rows)},
            )
    if data.owns_trainees and data.trainees:
        writer.add(
            f"tables/{service}/trainee.csv",
            (lambda: _csv(data.trainees)),
            {"kind": "table", "service": service, "table": "trainee", "rows": len(data.trainees)},
        )
    trainees = {t["id"]: t for t in data.trainees}
    for tid, tables in sorted(by_trainee.items()):
        folder = folders.setdefault(tid, trainee_folder(trainees.get(tid, {"id": tid, "name": ""})))
        record = {"service": service, "trainee": trainees.get(tid), "records": tables}
        writer.add(
            f"{folder}/{service}.json",
            (lambda record=record: _json(record)),
            {"kind": "data", "service": service, "trainee_id": tid},
        )
    for tid, row in data.evidence:
        folder = folders.setdefault(tid, trainee_folder({"id": tid, "name": ""}))
        path = (
            f"{folder}/evidence/{service}/{row['parent_kind']}-{row['parent_id']}/"
            f"{row['id']}-{safe_name(row['filename'])}"
        )

        def read(row=row) -> bytes:
            what = f"{service} 的佐证材料 {row['id']}（{row['filename']}）"
            try:
                content = blob(row["storage_key"])
            except Exception as exc:  # noqa: BLE001 - a local file or an S3 object: any failure
                raise Refused(
                    message(
                        f"{what}的文件缺失或无法读取，未生成归档",
                        f"evidence {row['id']} of {service} cannot be read: {exc}",
                    ),
                    code=1,
                ) from exc
            if hashlib.sha256(content).hexdigest() != row["sha256"]:
                raise Refused(
                    message(
                        f"{what}与上传时的 sha256 不符，未生成归档",
                        f"evidence {row['id']} of {service} does not match its sha256",
                    ),
                    code=1,
                )
            return content

        writer.add(
            path,
            read,
            {
                "kind": "evidence",
                "service": service,
                "trainee_id": tid,
                "source": {
                    "table": "evidence",
                    "id": row["id"],
                    "parent_kind": row["parent_kind"],
                    "parent_id": row["parent_id"],
                    "filename": row["filename"],
                    "content_type": row["content_type"],
                    "uploaded_by": row["uploaded_by"],
                    "uploaded_at": row["uploaded_at"],
                },
            },
        )


def verify(path: str) -> dict:
    """Read the archive back: every file listed in its manifest is there with its size and
    sha256, and nothing else is. Returns the manifest; raises :class:`Refused` (1)."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            listed = {item["path"]: item for item in manifest["files"]}
            present = set(archive.namelist()) - {"manifest.json"}
            if present != set(listed):
                extra = sorted(present ^ set(listed))[:5]
                raise Refused(
                    message(f"归档文件与清单不一致：{extra}", "archive and manifest differ"), 1
                )
            for name, item in listed.items():
                digest = hashlib.sha256()
                size = 0
                with archive.open(name) as member:
                    while chunk := member.read(1 << 20):
                        digest.update(chunk)
                        size += len(chunk)
                if (digest.hexdigest(), size) != (item["sha256"], item["size"]):
                    raise Refused(
                        message(f"归档中 {name} 的校验值不符", f"{name}: checksum mismatch"), 1
                    )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise Refused(
            message(f"无法读取归档 {path}：{exc}", "cannot read the archive"), 1
        ) from None
    return manifest


# -- purging ------------------------------------------------------------------------------------


def blank(value):
    """Free text blanked: a string becomes empty; in JSON, every string, while numbers,
    booleans and the keys stay (the figures a form counts)."""
    if isinstance(value, str):
        return ""
    if isinstance(value, dict):
        return {key: blank(item) for key, item in value.items()}
    if isinstance(value, list):
        return [blank(item) for item in value]
    return value


def purge_part(session: Session, part: Part, cohort: int, manifest: dict) -> tuple[dict, list[str]]:
    """Delete the evidence rows and pseudonymise the trainees of ``cohort`` in this service,
    only what the verified ``manifest`` holds, with an audit row for each; returns the
    counts and the storage keys to delete once this transaction has committed."""
    archived = {
        item["source"]["id"]
        for item in manifest["files"]
        if item["kind"] == "evidence" and item["service"] == part.service
    }
    reference = {"archive_sha256": manifest.get("archive_sha256"), "cohort": cohort}
    trainees = cohort_trainees(session, part, cohort)
    ids = [t.id for t in trainees]
    exported = manifest["services"].get(part.service, {}).get("records", {})
    for source in part.sources:
        count = len(rows_of(session, source, ids))
        if count > exported.get(source.name, 0):
            raise Refused(
                message(
                    f"{part.service} 的 {source.name} 在导出后新增了记录，请重新导出后再清除",
                    f"{source.name} of {part.service} has rows added since the export: "
                    "export again",
                ),
                1,
            )
    keys = []
    deleted = 0
    for _tid, row in evidence_of(session, part, ids):
        if row.id not in archived:
            raise Refused(
                message(
                    f"{part.service} 的佐证材料 {row.id} 不在归档中，请重新导出后再清除",
                    f"evidence {row.id} is not in the archive: export again",
                ),
                1,
            )
        before = {"parent_kind": row.parent_kind, "parent_id": row.parent_id,
                  "sha256": row.sha256, "size": row.size}  # fmt: skip
        part.audit(session, "archive_purge", "evidence", row.id, before, reference)
        keys.append(row.storage_key)
        session.delete(row)
        deleted += 1
    blanked = 0
    for source in part.sources:
        columns = source.scrub_columns()
        if not columns:
            continue
        for _tid, row in rows_of(session, source, ids):
            for column in columns:
                value = getattr(row, column)
                if value:
                    setattr(row, column, blank(value))
                    blanked += 1
    for trainee in trainees:
        if trainee.name == pseudonym(trainee.id):
            continue
        part.pseudonymise(session, trainee)
        part.audit(session, "archive_pseudonymise", "trainee", trainee.id, None, reference)
    session.flush()
    return {"evidence_deleted": deleted, "trainees": len(ids), "texts_blanked": blanked}, keys
