"""shared.evidence: the type is read from the content, never the name; images are
re-encoded without their metadata; unsafe PDFs and Office files are refused; files are
kept under random keys on local disk or in an S3 store, and downloaded as attachments."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from shared import evidence
from shared.http import content_disposition
from tests.evidence_files import (
    CAMERA,
    ELF,
    MZ,
    has_exif,
    office,
    pdf,
    pdf_with_compressed_script,
    photo,
    s3_config,
    s3_server,
)


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("JPEG", evidence.JPEG), ("PNG", evidence.PNG), ("WEBP", evidence.WEBP)],
)
def test_a_photo_is_re_encoded_without_its_exif_or_what_was_appended(fmt, content_type):
    original = photo(fmt, appended=b"PK\x03\x04 a zip hidden after the image")
    assert has_exif(original)
    clean = evidence.accept(original, "现场照片.jpg")
    assert clean.content_type == content_type
    assert not has_exif(clean.data)
    assert CAMERA.encode() not in clean.data and b"hidden after" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.size == (64, 48)


@pytest.mark.parametrize("payload", [ELF, MZ, b"#!/bin/sh\nrm -rf /\n", b"<html><script>"])
def test_an_executable_or_script_named_jpg_is_unsupported(payload):
    with pytest.raises(evidence.Refused) as refused:
        evidence.accept(payload, "photo.jpg")
    assert refused.value.status == 415
    assert refused.value.detail.startswith("只接受")


def test_an_empty_file_is_unprocessable_and_a_large_one_too_large():
    with pytest.raises(evidence.Refused) as empty:
        evidence.accept(b"", "a.jpg")
    assert empty.value.status == 422
    with pytest.raises(evidence.Refused) as large:
        evidence.accept(photo(), "a.jpg", max_bytes=100)
    assert large.value.status == 413


def test_a_truncated_image_is_corrupt():
    with pytest.raises(evidence.Refused) as refused:
        evidence.accept(photo("PNG")[:60], "a.png")
    assert refused.value.status == 422


@pytest.mark.parametrize(
    "body",
    [
        b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        b"/OpenAction << /S /Launch /F (cmd.exe) >>",
        b"/Names << /EmbeddedFiles 5 0 R >>",
        b"/OpenAction << /S /J#61vaScript /J#53 (x) >>",
    ],
)
def test_a_pdf_with_scripts_launch_actions_or_embedded_files_is_refused(body):
    with pytest.raises(evidence.Refused) as refused:
        evidence.accept(pdf(body), "通知.pdf")
    assert refused.value.status == 422


def test_a_script_in_a_compressed_stream_is_found():
    with pytest.raises(evidence.Refused):
        evidence.accept(pdf_with_compressed_script(), "a.pdf")


def test_a_plain_pdf_is_kept_byte_for_byte():
    data = pdf(b"/OpenAction [3 0 R /Fit]")
    clean = evidence.accept(data, "整改报告.pdf")
    assert (clean.data, clean.content_type, clean.filename) == (data, evidence.PDF, "整改报告.pdf")


def test_docx_and_xlsx_are_recognised_by_their_content_types_and_macros_refused():
    assert evidence.accept(office("word"), "x.docx").content_type == evidence.DOCX
    assert evidence.accept(office("sheet"), "台账").filename == "台账.xlsx"
    with pytest.raises(evidence.Refused) as macro:
        evidence.accept(office("word", {"word/vbaProject.bin": b"macro"}), "x.docm")
    assert macro.value.status == 415
    with pytest.raises(evidence.Refused) as plain_zip:
        evidence.accept(office("zip"), "x.docx")
    assert plain_zip.value.status == 415


def test_the_name_is_nfkc_keeps_chinese_and_takes_the_real_extension():
    assert evidence.download_name("C:\\fakepath\\走访𠮷照片.JPG", evidence.JPEG) == "走访𠮷照片.JPG"
    assert evidence.download_name("../../ｅｔｃ/照片.jpg", evidence.PNG) == "照片.jpg.png"
    assert evidence.download_name("", evidence.PDF) == "evidence.pdf"
    assert evidence.download_name("a\x00b\r\n.pdf", evidence.PDF) == "ab.pdf"


def test_the_download_header_is_an_attachment_with_an_ascii_fallback():
    header = content_disposition('𠮷 "照片".jpg', "evidence")
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%F0%A0%AE%B7" in header
    fallback = content_disposition("谈话.pdf", "evidence")
    assert fallback.startswith('attachment; filename="evidence.pdf"')
    assert content_disposition("talks-2027-01.csv") == 'attachment; filename="talks-2027-01.csv"'


def test_the_local_store_keeps_files_under_random_keys(tmp_path):
    store = evidence.LocalStore(tmp_path)
    key = evidence.new_key("mentorship")
    assert key != evidence.new_key("mentorship")
    store.put(key, b"data", evidence.PDF)
    assert store.get(key) == b"data"
    store.delete(key)
    store.delete(key)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


@pytest.fixture(scope="module")
def s3_endpoint():
    """A real S3 HTTP endpoint (moto's server) for this module."""
    with s3_server() as endpoint:
        yield endpoint


def test_the_s3_store_round_trips_over_http(s3_endpoint):
    store = evidence.store_from_config(s3_config(s3_endpoint))
    assert isinstance(store, evidence.S3Store)
    store.ensure_bucket()
    key = evidence.new_key("welfare")
    clean = evidence.accept(photo(), "照片.jpg")
    store.put(key, clean.data, clean.content_type)
    assert store.get(key) == clean.data
    head = store.client.head_object(Bucket="evidence-test", Key=key)
    assert head["ContentType"] == evidence.JPEG
    store.delete(key)
    with pytest.raises(store.client.exceptions.NoSuchKey):
        store.get(key)
