"""Evidence of care visits: the city, units and towns attach photos and files to the
visits in their scope; whoever may read a visit (its trainee too) lists and downloads
them as attachments; others get 404; a refused file stores nothing."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from services.welfare.models import Evidence, MoneyAudit
from tests.conftest import auth
from tests.evidence_files import ELF, has_exif, pdf, photo
from tests.welfare.test_housing import copy_world
from tests.welfare.test_visits import TOWN1, campaign, visit

API = "/api/v1/welfare"


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "evidence"


@pytest.fixture
def world(tmp_path, store_dir):
    world = copy_world(tmp_path, EVIDENCE_DIR=str(store_dir), EVIDENCE_MAX_BYTES=200_000)
    yield world
    world.db.dispose()


@pytest.fixture
def visit_id(world):
    response = visit(world, campaign(world), 1)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def upload(world, visit_id, data, filename="慰问照片.jpg", headers=TOWN1):
    return world.client.post(
        f"{API}/visits/{visit_id}/evidence",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )


def stored(world, store_dir) -> tuple[int, int]:
    with world.db.transaction() as s:
        rows = s.scalar(sa.select(sa.func.count()).select_from(Evidence))
    files = [p for p in store_dir.rglob("*") if p.is_file()] if store_dir.exists() else []
    return rows, len(files)


def test_a_town_attaches_a_photo_the_trainee_downloads_it_without_exif(world, visit_id):
    response = upload(world, visit_id, photo("PNG"), "春节慰问𠮷.png")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["filename"], body["content_type"]) == ("春节慰问𠮷.png", "image/png")
    download = world.client.get(body["content_url"], headers=auth("trainee", 1))
    assert download.status_code == 200 and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert not has_exif(download.data)
    page = world.client.get(f"{API}/visits/{visit_id}/evidence", headers=auth("unit", 1))
    assert page.get_json()["total"] == 1
    with world.db.transaction() as s:
        [row] = s.scalars(sa.select(MoneyAudit).where(MoneyAudit.entity == "evidence")).all()
        assert row.action == "upload" and row.actor


@pytest.mark.parametrize(
    ("data", "status"),
    [(ELF, 415), (pdf(b"/AA << /O << /S /JavaScript >> >>"), 422), (b"\x00" * 300_000, 413)],
)
def test_a_refused_file_stores_nothing(world, visit_id, store_dir, data, status):
    assert upload(world, visit_id, data, "a.jpg").status_code == status
    assert stored(world, store_dir) == (0, 0)


def test_other_scopes_get_404_and_the_trainee_cannot_add(world, visit_id, store_dir):
    evidence = upload(world, visit_id, pdf(), "慰问清单.pdf").get_json()
    for headers in (auth("town", 2), auth("unit", 2), auth("trainee", 2)):
        assert (
            world.client.get(f"{API}/visits/{visit_id}/evidence", headers=headers).status_code
            == 404
        )
        assert upload(world, visit_id, photo(), headers=headers).status_code == 404
        assert world.client.get(evidence["content_url"], headers=headers).status_code == 404
    assert upload(world, visit_id, photo(), headers=auth("trainee", 1)).status_code == 403
    assert (
        world.client.delete(f"{API}/evidence/{evidence['id']}", headers=auth("unit", 1)).status_code
        == 403
    )
    assert world.client.delete(f"{API}/evidence/{evidence['id']}", headers=TOWN1).status_code == 204
    assert stored(world, store_dir) == (0, 0)
