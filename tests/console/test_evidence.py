"""Evidence (佐证材料) through the console, against the embedded default: a mentor records
a talk with its place and time, attaches a photo from the phone and downloads it back as
an attachment; a disguised or oversized file is a Chinese message and stores nothing;
another town's clerk gets the 404 page from the download proxy; the other records'
pages list their evidence and take uploads the same way."""

from __future__ import annotations

import io
import re
import urllib.parse

import pytest
from PIL import Image

from services.console.views.evidence import filename_of
from shared.clock import city_today
from tests.console.test_app import csrf_of
from tests.console.test_resources import client_as, html_of
from tests.evidence_files import ELF, has_exif, photo

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console-resources")]

NAME = "谈话现场 1.jpg"


def upload(client, kind: str, id: int, back: str, data: bytes, name: str):
    page = html_of(client.get(back))
    return client.post(
        f"/evidence/{kind}/{id}?next={urllib.parse.quote(back)}",
        data={"csrf_token": csrf_of(page), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def flashes(html: str) -> str:
    return " ".join(re.findall(r'<p class="flash [a-z]+">([^<]*)</p>', html))


def download_links(html: str) -> dict[str, str]:
    return {
        name: href
        for href, name in re.findall(
            r'<a href="([^"]+)" download class="evidence-file">([^<]*)<', html
        )
    }


@pytest.fixture(scope="module")
def talk(base, api) -> dict:
    """A talk the mentor records through the console's form, with its place and time."""
    day = city_today("Asia/Shanghai").isoformat()
    seat = api.items("/mentorship/assignments?active=true")[0]
    mentor = api.username("mentor", seat["mentor_id"])
    client = client_as(base, mentor)
    form = html_of(client.get(f"/talks/new?trainee_id={seat['trainee_id']}&role={seat['role']}"))
    assert 'name="place"' in form and 'name="talk_time"' in form
    saved = client.post(
        "/talks/new",
        data={
            "csrf_token": csrf_of(form), "trainee_id": str(seat["trainee_id"]),
            "role": seat["role"], "mode": "in_person", "talk_date": day,
            "talk_time": "00:05", "place": "村委会会议室", "aspects": ["political"],
            "summary": "谈了驻村的打算",
        },
    )  # fmt: skip
    assert saved.status_code == 302, html_of(saved)[:3000]
    talk_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    return {"id": talk_id, "mentor": mentor, "client": client, "page": f"/talks/{talk_id}"}


def test_the_place_and_time_typed_in_the_talk_form_show_on_the_talk_page(talk, api):
    html = html_of(talk["client"].get(talk["page"]))
    assert re.search(r'id="talk-place">村委会会议室<', html)
    assert re.search(r'id="talk-time">00:05<', html)
    stored = api.get(f"/mentorship/talks/{talk['id']}", talk["mentor"])
    assert stored["place"] == "村委会会议室" and stored["talk_time"]
    listed = html_of(talk["client"].get("/talks/"))
    assert "村委会会议室" in listed


def test_a_photo_attached_to_a_talk_downloads_back_as_an_attachment_only(talk, api, base):
    client = talk["client"]
    page = html_of(client.get(talk["page"]))
    assert 'enctype="multipart/form-data"' in page and 'accept="image/*,application/pdf' in page
    assert "10 MB" in page and "JPEG" in page  # the API's limits, said by the form
    sent = upload(client, "talk", talk["id"], talk["page"], photo(), NAME)
    assert sent.status_code == 302 and sent.headers["Location"].endswith(talk["page"])
    html = html_of(client.get(talk["page"]))
    assert "已上传" in flashes(html)
    href = download_links(html)[NAME]
    got = client.get(href)
    assert got.status_code == 200
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert filename_of(got.headers["Content-Disposition"]) == NAME
    assert "filename*=UTF-8''" in got.headers["Content-Disposition"]
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(got.data)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
    assert not has_exif(got.data)  # re-encoded by the API: the GPS position is gone
    # another town's clerk: the download proxy answers as the API does, the 404 page
    theirs = api.get(f"/mentorship/talks/{talk['id']}")["town_id"]
    towns = [t["id"] for t in api.items("/roster/towns") if t["id"] != theirs]
    stranger = client_as(base, api.username("town", towns[0]))
    assert stranger.get(href).status_code in (403, 404)
    assert stranger.get(talk["page"]).status_code in (403, 404)
    # the uploader deletes it
    delete = re.search(r'<form method="post" action="([^"]+/delete)"', html).group(1)
    gone = client.post(delete, data={"csrf_token": csrf_of(html), "next": talk["page"]})
    assert gone.status_code == 302
    assert NAME not in download_links(html_of(client.get(talk["page"])))
    assert client.get(href).status_code == 404


def test_a_disguised_or_oversized_file_is_a_chinese_message_and_stores_nothing(talk, api):
    client = talk["client"]
    before = api.get(f"/mentorship/talks/{talk['id']}/evidence", talk["mentor"])["total"]
    disguised = upload(client, "talk", talk["id"], talk["page"], ELF, "照片.jpg")
    assert disguised.status_code == 302
    assert "文件类型不受支持" in flashes(html_of(client.get(talk["page"])))
    too_big = upload(
        client,
        "talk",
        talk["id"],
        talk["page"],
        b"\xff\xd8\xff" + bytes(11 * 1024 * 1024),
        "大.jpg",
    )
    assert too_big.status_code == 302 and too_big.headers["Location"].endswith(talk["page"])
    assert "文件太大" in flashes(html_of(client.get(talk["page"])))
    after = api.get(f"/mentorship/talks/{talk['id']}/evidence", talk["mentor"])["total"]
    assert after == before


def test_the_duty_item_supervision_visit_rectification_and_care_visit_take_evidence(base, api):
    city = client_as(base, "city")
    item = api.get("/reporting/duty-items?per_page=1")["items"][0]
    back = f"/reporting/duties/{item['id']}"
    assert 'id="evidence-upload"' in html_of(city.get(back))
    upload(city, "duty_item", item["id"], back, photo("PNG"), "进展.png")
    assert "进展.png" in download_links(html_of(city.get(back)))
    visits = api.get("/reporting/supervision-visits?per_page=50")["items"]
    visit = next((v for v in visits if v.get("rectifications")), visits[0])
    back = f"/reporting/visits/{visit['id']}"
    html = html_of(city.get(back))
    assert 'id="evidence-upload"' in html
    for r in visit.get("rectifications") or []:
        assert f"/evidence/rectification/{r['id']}?next=" in html
    campaigns = api.get("/welfare/campaigns?per_page=50")["items"]
    for campaign in campaigns:
        cared = api.get(f"/welfare/campaigns/{campaign['id']}/visits?per_page=1")["items"]
        if cared:
            back = f"/welfare/campaigns/{campaign['id']}"
            assert f"/evidence/care_visit/{cared[0]['id']}?next=" in html_of(city.get(back))
            page = f"/evidence/care_visit/{cared[0]['id']}?next={back}"
            assert f'href="{back}"' in html_of(city.get(page))
            upload(city, "care_visit", cared[0]["id"], page, photo("WEBP"), "慰问.webp")
            assert "慰问.webp" in download_links(html_of(city.get(page)))
            break
