"""Evidence (佐证材料): photos and files attached to a service's records (a talk, a care
visit, a duty item, a supervision visit, a rectification), written once here.

The mechanism, in the order an upload meets it:

- **Limits**: an empty file is a 422; one larger than ``EVIDENCE_MAX_BYTES`` (10 MiB) a 413.
- **The real type**, from the file's first bytes, never from its name or the client's
  ``Content-Type``: JPEG, PNG, WebP, PDF, DOCX and XLSX (a ZIP whose
  ``[Content_Types].xml`` names a Word document or a workbook). Anything else, an
  executable named ``.jpg`` included, is a 415; so is a macro-enabled Office file.
- **Made harmless**: an image is decoded and re-encoded with Pillow from its pixels alone
  (EXIF with its GPS position, comments, and anything appended after the image are gone;
  a decompression bomb is refused); a PDF with JavaScript, a launch action, an embedded
  file or XFA is refused (422), also when hidden in a compressed stream or written with
  ``#xx`` escapes; a ZIP that inflates past 100 times its size or to over 200 MB is refused.
- **Stored** under a random key, never the client's name, in a local directory
  (``EVIDENCE_DIR``, default ``var/evidence``) or an S3-compatible store (``EVIDENCE_S3_*``,
  MinIO in docker-compose). The row records the sha256, the size, the sniffed type, the
  original name (NFKC, Chinese kept), who uploaded it and when (``shared.clock``).
- **Served** only as a download: ``Content-Disposition: attachment``, the sniffed type,
  ``X-Content-Type-Options: nosniff`` and a sandboxing CSP, never inline.

A service adds evidence to its records with :class:`EvidenceMixin` (its own ``evidence``
table, its own migration) and :func:`evidence_blueprint`, naming each parent record kind
with a :class:`Parent` that loads the record within the caller's scope (404 otherwise) and
says who may add to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import secrets
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from shared import normalize
from shared.api import blueprint, endpoint
from shared.audit import record_audit
from shared.auth import Principal, current_principal
from shared.db import UTCDateTime, session, utcnow
from shared.errors import DomainError
from shared.http import (
    FILE_FORM,
    NOT_IN_SCOPE,
    ListArgs,
    content_disposition,
    form_file,
    max_body,
    page_schema,
    paginate,
    problem,
)
from shared.normalize import message
from shared.tabular import XLSX

MiB = 1024 * 1024
#: The default largest file (``EVIDENCE_MAX_BYTES``).
DEFAULT_MAX_BYTES = 10 * MiB
#: A decoded image larger than this is a decompression bomb (Pillow's own default).
MAX_PIXELS = 64_000_000
#: A ZIP (DOCX, XLSX) may inflate to at most this, and to at most 100 times its size.
MAX_UNZIPPED = 200 * MiB
ZIP_RATIO = 100

JPEG, PNG, WEBP = "image/jpeg", "image/png", "image/webp"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Each accepted type and the extension its downloads carry.
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx"}
_OTHER_EXTENSIONS = {".jpeg": JPEG, ".jpe": JPEG}
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}


class Refused(DomainError):
    """An upload refused; ``status`` is 413 (too large), 415 (a type not accepted) or 422
    (empty, corrupt or unsafe)."""

    def __init__(self, status: int, title: str, zh: str, en: str) -> None:
        super().__init__(message(zh, en), {"file": [message(zh, en)]})
        self.status = status
        self.title = title


def _too_large(limit: int) -> Refused:
    size = f"{limit // MiB} MB" if limit >= MiB else f"{limit} 字节"
    return Refused(
        413,
        "Payload Too Large",
        f"文件超过 {size} 的上限",
        f"the file is larger than {limit} bytes",
    )


def _unsupported(en: str = "the file is not a JPEG, PNG or WebP image, a PDF, a DOCX or "
                 "an XLSX file") -> Refused:  # fmt: skip
    return Refused(
        415,
        "Unsupported Media Type",
        "只接受 JPEG、PNG、WebP 图片和 PDF、DOCX、XLSX 文件（按文件内容判断，不看扩展名）",
        en,
    )


def _unsafe(zh: str, en: str) -> Refused:
    return Refused(422, "Unprocessable Entity", zh, en)


# -- the real type -------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The type of ``data`` from its first bytes (and a ZIP's content types), or None when
    it is none of the accepted ones."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def _office_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            types = archive.read("[Content_Types].xml")[:MiB].decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError):
        return None
    if "wordprocessingml.document.main+xml" in types:
        return DOCX
    if "spreadsheetml.sheet.main+xml" in types:
        return XLSX
    return None


# -- made harmless ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Clean:
    """A file accepted: its bytes as stored, its type and the name to download it by."""

    data: bytes
    content_type: str
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def accept(data: bytes, filename: str | None, max_bytes: int = DEFAULT_MAX_BYTES) -> Clean:
    """``data`` checked and made harmless (see the module's docstring), or :class:`Refused`."""
    if not data:
        raise _unsafe("文件是空的", "the file is empty")
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    content_type = sniff(data)
    if content_type is None:
        raise _unsupported()
    if content_type in _PILLOW_FORMATS:
        data = reencode_image(data, content_type)
    elif content_type == PDF:
        check_pdf(data)
    else:
        check_office(data)
    return Clean(data, content_type, download_name(filename, content_type))


def reencode_image(data: bytes, content_type: str) -> bytes:
    """The image's pixels alone, encoded afresh in its own format (EXIF, comments, ICC
    profiles and whatever was appended are dropped; a photo is turned upright first)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _unsafe("图片像素过多", "the image has too many pixels")
                image.load()
                upright = ImageOps.exif_transpose(image)
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):  # fmt: skip
        raise _unsafe("图片已损坏，无法读取", "the image is corrupt and cannot be read") from None
    if content_type == JPEG:
        mode = "L" if upright.mode in ("L", "1") else "RGB"
    else:
        mode = "RGBA" if "A" in upright.getbands() or "transparency" in upright.info else "RGB"
        if upright.mode == "L":
            mode = "L"
    pixels = upright.convert(mode)
    # A new image from the raw pixels: nothing of the file's metadata can ride along.
    fresh = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    options = {"quality": 90} if content_type in (JPEG, WEBP) else {}
    fresh.save(out, _PILLOW_FORMATS[content_type], **options)
    return out.getvalue()


#: PDF names that run code, open other programs or carry files.
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|XFA|RichMedia)(?![A-Za-z0-9])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n")


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that is not one (no ``%%EOF``) or that has active content, in plain
    sight, written with ``#xx`` escapes, or inside a Flate-compressed stream."""
    if b"%%EOF" not in data[-2048:]:
        raise _unsafe("PDF 文件不完整或已损坏", "the PDF is truncated or corrupt")
    for chunk in _pdf_texts(data):
        found = _PDF_ACTIVE.search(_PDF_NAME_ESCAPE.sub(lambda m: bytes.fromhex(m[1].decode()),
                                                        chunk))  # fmt: skip
        if found:
            name = found.group(1).decode()
            raise _unsafe(
                f"PDF 含有脚本、启动动作或嵌入文件（/{name}），不予接收",
                f"the PDF carries scripts, launch actions or embedded files (/{name})",
            )


def _pdf_texts(data: bytes):
    """The PDF's bytes, then each of its streams inflated (bounded)."""
    yield data
    budget = MAX_UNZIPPED
    for match in _PDF_STREAM.finditer(data):
        if budget <= 0:
            break
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end() :], budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        yield inflated


def check_office(data: bytes) -> None:
    """Refuse a DOCX or XLSX that is corrupt, a ZIP bomb, or macro-enabled."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            inflated = sum(member.file_size for member in members)
            if inflated > MAX_UNZIPPED or inflated > ZIP_RATIO * max(len(data), 1):
                raise _unsafe("压缩包解压后过大", "the file inflates to too much")
            names = [member.filename.lower() for member in members]
            if any(name.endswith(("vbaproject.bin", ".bin")) for name in names):
                raise _unsupported("macro-enabled or binary-laden Office files are not accepted")
            if archive.testzip() is not None:
                raise _unsafe("文件已损坏", "the file is corrupt")
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
        raise _unsafe("文件已损坏", "the file is corrupt") from None


_SEPARATORS = re.compile(r"[\\/]")
_UNSAFE_NAME = re.compile(r'["\x00-\x1f\x7f]')
NAME_MAX = 200


def download_name(filename: str | None, content_type: str) -> str:
    """The client's file name, as the download will carry it: its last path part, NFKC
    (:func:`shared.normalize.text`; Chinese, Extension B included, kept), at most 200
    characters, with the extension of the sniffed type (a PNG named ``.jpg`` is
    downloaded as ``.png``)."""
    name = _SEPARATORS.split(filename or "")[-1]
    name = _UNSAFE_NAME.sub("", unicodedata.normalize("NFC", name))
    try:
        name = normalize.text(name)
    except normalize.Invalid:
        name = ""
    stem, ext = os.path.splitext(name)
    wanted = EXTENSIONS[content_type]
    if ext.lower() != wanted and _OTHER_EXTENSIONS.get(ext.lower()) != content_type:
        stem, ext = name, wanted
    stem = stem.strip(" .") or "evidence"
    return stem[: NAME_MAX - len(ext)] + ext


# -- storage ---------------------------------------------------------------------------------


class LocalStore:
    """Files in a local directory (the embedded default)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not re.fullmatch(r"[a-z]+/[0-9a-f]{2}/[0-9a-f]{64}", key):
            raise ValueError("not a storage key")
        return self.root / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write ``data`` under ``key`` (atomically: a reader never sees half a file)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        os.chmod(partial, 0o640)
        os.replace(partial, path)

    def get(self, key: str) -> bytes:
        """The bytes under ``key``."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove ``key`` (gone already is fine)."""
        self._path(key).unlink(missing_ok=True)


class S3Store:
    """Files in an S3-compatible bucket (MinIO in docker-compose), through boto3."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None,
                 region: str = "us-east-1") -> None:  # fmt: skip
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=BotoConfig(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (the first use by a process)."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
            self.client.create_bucket(Bucket=self.bucket)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write ``data`` under ``key``."""
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ContentDisposition="attachment",
        )

    def get(self, key: str) -> bytes:
        """The bytes under ``key``."""
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def delete(self, key: str) -> None:
        """Remove ``key`` (gone already is fine)."""
        self.client.delete_object(Bucket=self.bucket, Key=key)


def store_from_config(config) -> LocalStore | S3Store:
    """The store ``config`` names: ``EVIDENCE_STORAGE`` ``local`` (``EVIDENCE_DIR``) or
    ``s3`` (``EVIDENCE_S3_BUCKET``, ``EVIDENCE_S3_ENDPOINT``, ``EVIDENCE_S3_ACCESS_KEY``,
    ``EVIDENCE_S3_SECRET_KEY``, ``EVIDENCE_S3_REGION``)."""
    get = config.get if isinstance(config, dict) else lambda k, d=None: getattr(config, k, d)
    if (get("EVIDENCE_STORAGE") or "local") == "s3":
        return S3Store(
            get("EVIDENCE_S3_BUCKET") or "grassroots-evidence",
            endpoint_url=get("EVIDENCE_S3_ENDPOINT") or None,
            access_key=get("EVIDENCE_S3_ACCESS_KEY") or None,
            secret_key=get("EVIDENCE_S3_SECRET_KEY") or None,
            region=get("EVIDENCE_S3_REGION") or "us-east-1",
        )
    return LocalStore(get("EVIDENCE_DIR"))


def current_store() -> LocalStore | S3Store:
    """The running app's store (built once per app)."""
    store = current_app.extensions.get("evidence_store")
    if store is None:
        store = store_from_config(current_app.config)
        if isinstance(store, S3Store):
            store.ensure_bucket()
        current_app.extensions["evidence_store"] = store
    return store


def new_key(service: str) -> str:
    """A random storage key, spread over 256 folders; nothing of the client's name."""
    token = secrets.token_hex(32)
    return f"{service}/{token[:2]}/{token}"


# -- the table -------------------------------------------------------------------------------


class EvidenceMixin:
    """Columns of a service's ``evidence`` table (declare
    ``class Evidence(EvidenceMixin, Base)``; the service's migration creates it)."""

    __tablename__ = "evidence"

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        # a new Index for each service's table (one object cannot serve two tables)
        return (sa.Index("ix_evidence_parent", "parent_kind", "parent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what it is evidence of: a kind of record of the service (``talk``) and its id
    parent_kind: Mapped[str] = mapped_column(sa.String(32))
    parent_id: Mapped[int]
    storage_key: Mapped[str] = mapped_column(sa.String(128), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_role: Mapped[str] = mapped_column(sa.String(16))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# -- the HTTP side ---------------------------------------------------------------------------


class EvidenceOut(Schema):
    id = fields.Integer()
    parent_kind = fields.String(metadata={"description": "what it is evidence of"})
    parent_id = fields.Integer()
    filename = fields.String(metadata={"description": "the name it downloads by"})
    content_type = fields.String(metadata={"description": "the type read from its content"})
    size = fields.Integer(metadata={"description": "bytes, as stored"})
    sha256 = fields.String()
    uploaded_by = fields.String()
    uploaded_by_role = fields.String()
    uploaded_at = fields.DateTime()
    content_url = fields.String(metadata={"description": "where to download it"})


EvidencePage = page_schema(EvidenceOut, "EvidencePage")

UPLOAD_BODY = {"required": True, "content": FILE_FORM}
DOWNLOAD = {
    "200": {
        "description": "the file, as a download (never shown inline)",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in EXTENSIONS},
    }
}


@dataclass(frozen=True)
class Parent:
    """A kind of record that takes evidence. ``load(id)`` returns the record if the caller
    may read it, else raises a 404 (the same as for a missing one); ``may_add(record,
    principal)`` says whether the caller may add evidence to it (a 403 otherwise)."""

    kind: str
    path: str
    load: Callable[[int], object]
    may_add: Callable[[object, Principal], bool]
    description: str = ""


def evidence_blueprint(
    service: str,
    model: type,
    parents: list[Parent],
    audit_model: type,
) -> Blueprint:
    """The evidence endpoints of ``service`` under ``/api/v1/<service>``: for each parent
    ``GET``/``POST /<path>/{id}/evidence``, and ``GET /evidence/{id}/content``,
    ``DELETE /evidence/{id}`` (its uploader or the city). Each upload and removal is kept
    in ``audit_model``, the service's audit table, in the same transaction (with the
    caller's role where the table has a ``role`` column)."""
    prefix = f"/api/v1/{service}"
    with_role = "role" in audit_model.__table__.c

    def audit(session_, action: str, row, before, after) -> None:
        principal = current_principal()
        extra = {"role": principal.role} if with_role else {}
        who = principal.subject
        record_audit(session_, audit_model, who, action, "evidence", row.id, before, after, **extra)

    blp = blueprint(
        "evidence",
        prefix,
        "Evidence (佐证材料): photos and files attached to records, checked by "
        "content, served only as downloads",
    )
    by_kind = {parent.kind: parent for parent in parents}

    def out(row):
        # a plain attribute on the instance, not a column: read by EvidenceOut only
        row.content_url = f"{prefix}/evidence/{row.id}/content"
        return row

    for parent in parents:
        _parent_routes(blp, service, model, parent, audit, out)

    def load_evidence(evidence_id: int):
        row = session().get(model, evidence_id)
        parent = by_kind.get(row.parent_kind) if row is not None else None
        if parent is None:
            raise problem(404, "Not found", NOT_IN_SCOPE)
        return row, parent, parent.load(row.parent_id)

    @endpoint(blp, "GET /evidence/<int:id>/content", status=None)
    @blp.doc(responses=DOWNLOAD)
    def get_evidence_content(id):
        """Download one piece of evidence (whoever may read its record): always as an
        attachment, with the type read from its content and ``nosniff``."""
        row, _parent, _record = load_evidence(id)
        return download(row, current_store().get(row.storage_key))

    @endpoint(blp, "DELETE /evidence/<int:id>", status=204)
    def delete_evidence(id):
        """Delete one piece of evidence: its uploader or the city (others who may read
        its record: 403). Audited; the stored file goes with it."""
        row, _parent, _record = load_evidence(id)
        principal = current_principal()
        own = (row.uploaded_by, row.uploaded_by_role) == (principal.subject, principal.role)
        if not own and principal.role != "city":
            raise problem(
                403,
                "Forbidden",
                message("只有上传者或市委组织部可以删除", "only the uploader or the city"),
            )
        before = _state(row)
        audit(session(), "delete", row, before, None)
        session().delete(row)
        session().commit()
        _forget(row.storage_key)

    return blp


def _parent_routes(blp, service, model, parent: Parent, audit, out) -> None:
    rule, kind = f"/{parent.path}/<int:id>/evidence", parent.kind

    @endpoint(blp, f"GET {rule}", query=ListArgs, out=EvidencePage, name=f"get_{kind}_evidence")
    def get_evidence(args, id):
        """The evidence of one record (whoever may read it), newest first; paged."""
        parent.load(id)
        query = sa.select(model).where(model.parent_kind == parent.kind, model.parent_id == id)
        args["sort"] = args.get("sort") or "-uploaded_at,-id"
        page = paginate(session(), query, args, (model.uploaded_at, model.id))
        return {**page, "items": [out(row) for row in page["items"]]}

    @endpoint(blp, f"POST {rule}", out=EvidenceOut, status=201, name=f"post_{kind}_evidence")
    @blp.doc(requestBody=UPLOAD_BODY)
    # the request as a whole: MAX_UPLOAD_LENGTH, the one limit of every upload (413 over it)
    @max_body("MAX_UPLOAD_LENGTH")
    def post_evidence(id):
        """Attach a file (multipart form field ``file``) to the record: a JPEG, PNG or
        WebP photo (re-encoded: EXIF and location dropped), a PDF without scripts, a
        DOCX or an XLSX without macros, at most ``EVIDENCE_MAX_BYTES`` (413 over it;
        415 for another type, whatever its name says; 422 empty, corrupt or unsafe).
        Stored under a random key; audited."""
        record = parent.load(id)
        principal = current_principal()
        if not parent.may_add(record, principal):
            raise problem(
                403,
                "Forbidden",
                message(
                    "您可以查看这条记录，但不能为它添加佐证材料",
                    "you may read this record but not add to it",
                ),
            )
        upload = form_file()
        limit = int(current_app.config.get("EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))
        clean = accept(upload.stream.read(limit + 1), upload.filename, limit)
        key = new_key(service)
        row = model(
            parent_kind=parent.kind,
            parent_id=id,
            storage_key=key,
            filename=clean.filename,
            content_type=clean.content_type,
            size=len(clean.data),
            sha256=clean.sha256,
            uploaded_by=principal.subject[:64],
            uploaded_by_role=principal.role,
            uploaded_at=utcnow(),
        )
        session().add(row)
        session().flush()
        audit(session(), "upload", row, None, _state(row))
        current_store().put(key, clean.data, clean.content_type)
        try:
            session().commit()
        except BaseException:
            _forget(key)
            raise
        return out(row)


def _state(row) -> dict:
    return {
        "parent_kind": row.parent_kind,
        "parent_id": row.parent_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
    }


def _forget(key: str) -> None:
    """Remove a stored file whose row is gone (or never committed); a failure leaves an
    orphan under a random key, which no row names and nothing serves."""
    try:
        current_store().delete(key)
    except Exception:  # noqa: BLE001 - the answer stands; the orphan is harmless
        current_app.logger.warning("could not remove stored evidence %s", key, exc_info=True)


def download(row, data: bytes) -> Response:
    """``data`` as an attachment named after ``row``, with its sniffed type, ``nosniff``
    and a CSP that would sandbox it should a browser render it anyway."""
    response = Response(data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = content_disposition(row.filename, "evidence")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
