"""Files for the evidence tests: real images with EXIF, PDFs with and without scripts,
disguised executables, a DOCX and an XLSX."""

from __future__ import annotations

import io
import socket
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image

#: EXIF tag 0x010F (Make) and 0x8825 (GPS IFD) as a photo from a phone carries them.
CAMERA = "GrassrootsPhone"


def photo(fmt: str = "JPEG", size=(64, 48), appended: bytes = b"") -> bytes:
    """A small image in ``fmt`` with EXIF (a camera make and a GPS block), and ``appended``
    bytes after its end (what a polyglot would hide there)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = CAMERA
    exif[0x8825] = {1: "N", 2: (22.0, 33.0, 44.0)}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue() + appended


def has_exif(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif()) or "exif" in image.info


def pdf(body: bytes = b"") -> bytes:
    """A one-page PDF; ``body`` goes into its catalogue (``/OpenAction ...``)."""
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + body + b" >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def pdf_with_compressed_script() -> bytes:
    """The script inside a Flate stream, where a plain byte search would not see it."""
    hidden = zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    return pdf(b"/Names 4 0 R").replace(
        b"trailer",
        b"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(hidden)
        + hidden
        + b"\nendstream\nendobj\ntrailer",
    )


ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
MZ = b"MZ\x90\x00\x03" + b"\x00" * 200


def office(kind: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal DOCX (``word``) or XLSX (``sheet``) package, or a ZIP that is neither
    (``zip``)."""
    main = {
        "word": ("word/document.xml",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
        "sheet": ("xl/workbook.xml",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        "zip": ("data.xml", "application/xml"),
    }[kind]  # fmt: skip
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Override PartName="/'
        + main[0]
        + '" ContentType="'
        + main[1]
        + '"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr(main[0], "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


@contextmanager
def s3_server() -> Iterator[str]:
    """A real S3 HTTP endpoint (moto's server, in a thread) on a free port."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_config(endpoint: str, bucket: str = "evidence-test") -> dict:
    """The settings of an S3 store at ``endpoint``."""
    return {
        "EVIDENCE_STORAGE": "s3",
        "EVIDENCE_S3_ENDPOINT": endpoint,
        "EVIDENCE_S3_BUCKET": bucket,
        "EVIDENCE_S3_ACCESS_KEY": "test",
        "EVIDENCE_S3_SECRET_KEY": "testtest",
        "EVIDENCE_S3_REGION": "us-east-1",
    }
