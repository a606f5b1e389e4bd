"""Evidence in reporting: a duty item's parties attach evidence of progress, the city
attaches evidence to a supervision visit, and an item's owner to the closing of a
rectification; whoever may read the record downloads it as an attachment; others get
404; a refused file stores nothing."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from services.reporting.models import Evidence, ReportAudit
from shared.clock import city_today
from tests.conftest import auth
from tests.evidence_files import ELF, has_exif, pdf, photo
from tests.worlds import build_world

API = "/api/v1/reporting"
CITY = auth("city")
TODAY = city_today("Asia/Shanghai")


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "evidence"


@pytest.fixture
def world(sqlite_url, store_dir):
    world = build_world(
        "reporting", sqlite_url, EVIDENCE_DIR=str(store_dir), EVIDENCE_MAX_BYTES=200_000
    )
    yield world
    world.db.dispose()


def post(world, path, body, headers=CITY) -> dict:
    response = world.client.post(f"{API}{path}", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def duty_item(world, town=1) -> int:
    return post(
        world,
        "/duty-items",
        {
            "party_kind": "town",
            "party_id": town,
            "title": "落实周转房",
            "due_date": f"{TODAY.year}-12-31",
            "year": TODAY.year,
        },
    )["id"]


def supervision_visit(world, town=1) -> dict:
    return post(
        world,
        "/supervision-visits",
        {
            "kind": "inspection",
            "party_kind": "town",
            "party_id": town,
            "visit_date": TODAY.isoformat(),
            "team": "督导组",
            "checked": "台账",
            "findings": [{"finding": "台账不全", "due_date": f"{TODAY.year}-12-31"}],
        },
    )


def upload(world, path, data, filename="佐证.jpg", headers=CITY):
    return world.client.post(
        f"{API}{path}/evidence",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )


def stored(world, store_dir) -> tuple[int, int]:
    with world.db.transaction() as s:
        rows = s.scalar(sa.select(sa.func.count()).select_from(Evidence))
    files = [p for p in store_dir.rglob("*") if p.is_file()] if store_dir.exists() else []
    return rows, len(files)


def test_a_town_attaches_progress_evidence_to_its_duty_item(world):
    item = duty_item(world)
    response = upload(world, f"/duty-items/{item}", photo(), "进度𠮷.jpg", auth("town", 1))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["parent_kind"], body["filename"]) == ("duty_item", "进度𠮷.jpg")
    download = world.client.get(body["content_url"], headers=CITY)
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert not has_exif(download.data)
    with world.db.transaction() as s:
        [row] = s.scalars(sa.select(ReportAudit).where(ReportAudit.entity == "evidence")).all()
        assert (row.action, row.role) == ("upload", "town")
    for headers in (auth("town", 2), auth("unit", 2), auth("trainee", 2)):
        assert (
            world.client.get(f"{API}/duty-items/{item}/evidence", headers=headers).status_code
            == 404
        )
        assert world.client.get(body["content_url"], headers=headers).status_code == 404


def test_the_city_documents_a_visit_and_the_owner_the_closing_of_its_item(world, store_dir):
    visit = supervision_visit(world)
    [item] = visit["rectifications"]
    assert upload(world, f"/supervision-visits/{visit['id']}", pdf(), "督导.pdf").status_code == 201
    town = auth("town", 1)
    # the town reads the visit, but its evidence is the Department's
    assert (
        upload(world, f"/supervision-visits/{visit['id']}", photo(), headers=town).status_code
        == 403
    )
    closing = upload(world, f"/rectifications/{item['id']}", photo("WEBP"), "整改.webp", town)
    assert closing.status_code == 201, closing.get_json()
    assert closing.get_json()["content_type"] == "image/webp"
    other = auth("town", 2)
    assert upload(world, f"/rectifications/{item['id']}", photo(), headers=other).status_code == 404
    page = world.client.get(f"{API}/rectifications/{item['id']}/evidence", headers=town)
    assert page.get_json()["total"] == 1
    assert stored(world, store_dir) == (2, 2)


@pytest.mark.parametrize(
    ("data", "status"),
    [(ELF, 415), (pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>"), 422), (b"", 422)],
)
def test_a_refused_file_stores_nothing(world, store_dir, data, status):
    item = duty_item(world)
    assert upload(world, f"/duty-items/{item}", data, "a.jpg").status_code == status
    assert stored(world, store_dir) == (0, 0)


def test_an_upload_without_its_file_field_is_a_400_naming_the_field(world, store_dir):
    item = duty_item(world)
    response = world.client.post(
        f"{API}/duty-items/{item}/evidence",
        data={"photo": (io.BytesIO(photo()), "佐证.jpg")},
        content_type="multipart/form-data",
        headers=CITY,
    )
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["detail"].startswith("请在表单字段 file 中上传文件")
    assert body["errors"]["file"][0].startswith("缺少文件")
    assert stored(world, store_dir) == (0, 0)
