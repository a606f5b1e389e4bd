"""Evidence of talks: the mentor who recorded a talk (or its trainee, or the city) attaches
photos and files; whoever may read the talk lists and downloads them, as attachments; a
file whose content is not what is accepted is refused and nothing is stored; callers
outside the talk's scope get 404. Also: a talk's place and time."""

from __future__ import annotations

import io
import urllib.parse

import pytest
import sqlalchemy as sa
from PIL import Image

from services.mentorship.models import Audit, Evidence, Talk
from shared.evidence import store_from_config
from tests.conftest import auth
from tests.evidence_files import ELF, has_exif, pdf, photo, s3_config, s3_server
from tests.mentorship.test_talks import API, TODAY, assign, record, talk_events
from tests.worlds import build_world

MAX = 300_000


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "evidence"


@pytest.fixture
def world(sqlite_url, store_dir):
    world = build_world(
        "mentorship", sqlite_url, EVIDENCE_DIR=str(store_dir), EVIDENCE_MAX_BYTES=MAX
    )
    yield world
    world.db.dispose()


@pytest.fixture
def talk_id(world):
    assign(world, 1, 105, "practical")
    response = record(world, 105)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def upload(world, talk_id, data, filename="照片.jpg", headers=None, **extra):
    return world.client.post(
        f"{API}/talks/{talk_id}/evidence",
        data={"file": (io.BytesIO(data), filename), **extra},
        content_type="multipart/form-data",
        headers=headers or auth("mentor", 105),
    )


def stored(world, store_dir) -> tuple[int, list]:
    with world.db.transaction() as s:
        rows = s.scalar(sa.select(sa.func.count()).select_from(Evidence))
    files = sorted(p for p in store_dir.rglob("*") if p.is_file()) if store_dir.exists() else []
    return rows, files


def test_the_mentor_attaches_a_photo_re_encoded_and_downloaded_as_an_attachment(
    world, talk_id, store_dir
):
    response = upload(world, talk_id, photo(), "走访𠮷照片.jpg")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["filename"] == "走访𠮷照片.jpg"
    assert (body["content_type"], body["parent_kind"], body["parent_id"]) == (
        "image/jpeg",
        "talk",
        talk_id,
    )
    assert body["uploaded_by_role"] == "mentor" and len(body["sha256"]) == 64
    [path] = stored(world, store_dir)[1]
    assert "照片" not in str(path) and not str(path).endswith(".jpg")

    download = world.client.get(body["content_url"], headers=auth("trainee", 1))
    assert download.status_code == 200
    assert download.mimetype == "image/jpeg"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert urllib.parse.quote("走访𠮷照片.jpg") in disposition
    assert not has_exif(download.data)
    with Image.open(io.BytesIO(download.data)) as image:
        assert image.format == "JPEG"

    listing = world.client.get(f"{API}/talks/{talk_id}/evidence", headers=auth("unit", 1))
    assert listing.status_code == 200
    page = listing.get_json()
    assert page["total"] == 1 and page["items"][0]["filename"] == "走访𠮷照片.jpg"
    with world.db.transaction() as s:
        [row] = s.scalars(sa.select(Audit).where(Audit.entity == "evidence")).all()
        assert (row.action, row.after["sha256"]) == ("upload", body["sha256"])


@pytest.mark.parametrize(
    ("data", "filename", "status"),
    [
        (ELF, "photo.jpg", 415),
        (b"MZ\x90\x00" + b"\x00" * 100, "谈话记录.jpg", 415),
        (pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "a.pdf", 422),
        (b"", "empty.jpg", 422),
        (photo(size=(2000, 2000)) + b"\x00" * MAX, "large.jpg", 413),
    ],
)
def test_a_file_refused_stores_nothing(world, talk_id, store_dir, data, filename, status):
    response = upload(world, talk_id, data, filename)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert stored(world, store_dir) == (0, [])


def test_a_multipart_body_without_a_file_is_a_400_also_with_an_idempotency_key(
    world, talk_id, store_dir
):
    for headers in ({}, {"Idempotency-Key": "no-file-1"}):
        response = world.client.post(
            f"{API}/talks/{talk_id}/evidence",
            data={"file": "just text", "note": "没有文件"},
            content_type="multipart/form-data",
            headers={**auth("mentor", 105), **headers},
        )
        assert response.status_code == 400, response.get_json()
    assert stored(world, store_dir) == (0, [])


def test_an_upload_retried_with_its_idempotency_key_is_stored_once(world, talk_id, store_dir):
    key = {"Idempotency-Key": "upload-1", **auth("mentor", 105)}
    first = upload(world, talk_id, photo("PNG"), "a.png", headers=key)
    again = upload(world, talk_id, photo("PNG"), "a.png", headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert stored(world, store_dir)[0] == 1


def test_callers_outside_the_talk_get_404_and_readers_cannot_add(world, talk_id, store_dir):
    evidence = upload(world, talk_id, pdf(), "记录.pdf").get_json()
    outsiders = [auth("town", 2), auth("unit", 2), auth("trainee", 2), auth("mentor", 108)]
    for headers in outsiders:
        assert (
            world.client.get(f"{API}/talks/{talk_id}/evidence", headers=headers).status_code == 404
        )
        assert upload(world, talk_id, photo(), headers=headers).status_code == 404
        assert world.client.get(evidence["content_url"], headers=headers).status_code == 404
        assert (
            world.client.delete(f"{API}/evidence/{evidence['id']}", headers=headers).status_code
            == 404
        )
    # the unit can read the talk, but adds nothing to it
    assert upload(world, talk_id, photo(), headers=auth("unit", 1)).status_code == 403
    assert (
        world.client.delete(f"{API}/evidence/{evidence['id']}", headers=auth("unit", 1)).status_code
        == 403
    )
    assert stored(world, store_dir)[0] == 1


def test_the_uploader_or_the_city_deletes_and_the_file_goes(world, talk_id, store_dir):
    first = upload(world, talk_id, photo(), "a.jpg").get_json()
    second = upload(world, talk_id, photo("PNG"), "b.png", headers=auth("trainee", 1)).get_json()
    assert (
        world.client.delete(
            f"{API}/evidence/{second['id']}", headers=auth("mentor", 105)
        ).status_code
        == 403
    )
    assert (
        world.client.delete(
            f"{API}/evidence/{first['id']}", headers=auth("mentor", 105)
        ).status_code
        == 204
    )
    assert (
        world.client.delete(f"{API}/evidence/{second['id']}", headers=auth("city")).status_code
        == 204
    )
    assert stored(world, store_dir) == (0, [])
    assert world.client.get(first["content_url"], headers=auth("city")).status_code == 404


def test_evidence_on_a_missing_talk_is_404(world):
    assert upload(world, 999, photo(), headers=auth("city")).status_code == 404


def test_evidence_is_kept_in_an_s3_store(sqlite_url, tmp_path):
    with s3_server() as endpoint:
        config = s3_config(endpoint, "mentorship-evidence")
        world = build_world("mentorship", sqlite_url, **config)
        try:
            store = store_from_config(config)
            store.ensure_bucket()
            assign(world, 1, 105, "practical")
            talk = record(world, 105).get_json()["id"]
            body = upload(world, talk, photo(), "照片.jpg").get_json()
            keys = [
                o["Key"]
                for o in store.client.list_objects_v2(Bucket="mentorship-evidence")["Contents"]
            ]
            assert len(keys) == 1 and keys[0].startswith("mentorship/")
            download = world.client.get(body["content_url"], headers=auth("city"))
            assert download.status_code == 200 and download.data == store.get(keys[0])
            assert (
                world.client.delete(
                    f"{API}/evidence/{body['id']}", headers=auth("city")
                ).status_code
                == 204
            )
            assert store.client.list_objects_v2(Bucket="mentorship-evidence").get("KeyCount") == 0
        finally:
            world.db.dispose()


# -- a talk's place and time ----------------------------------------------------------------


def test_a_talk_records_its_place_and_time(world):
    assign(world, 1, 105, "practical")
    at = f"{TODAY.isoformat()}T09:30:00+08:00"
    response = record(world, 105, place="  村委会会议室 ", talk_time=at)
    assert response.status_code == 201, response.get_json()
    talk = response.get_json()
    assert talk["place"] == "村委会会议室"
    assert talk["talk_time"].startswith(TODAY.isoformat()) or talk["talk_time"]
    with world.db.transaction() as s:
        assert s.get(Talk, talk["id"]).talk_time.utcoffset().total_seconds() == 0
    # the event says where and when too (the time in UTC, with its offset)
    [event] = talk_events(world)
    assert event["payload"]["place"] == "村委会会议室"
    assert event["payload"]["talk_time"] == f"{TODAY.isoformat()}T01:30:00+00:00"


def test_a_talk_time_on_another_day_or_without_its_offset_is_refused(world):
    assign(world, 1, 105, "practical")
    for at in ("2001-01-01T09:30:00+08:00", f"{TODAY.isoformat()}T09:30:00"):
        response = record(world, 105, talk_time=at)
        assert response.status_code == 422, response.get_json()
        assert "talk_time" in response.get_json()["errors"]
