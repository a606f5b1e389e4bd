"""The mentorship's resource pages (``services/console/resources/mentorship.py``) against
the embedded default: the assignments' true total, a town ends an assignment (a refused
day shown by its field), a training event is created (a refused one stores nothing) and
its attendance recorded for several invitees at once, a key project edited and closed,
a participant added and edited, a showcase nominated and published or declined after a
confirmation; a role is not offered what it may not do."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from services.console import catalogue
from services.console.resources import mentorship
from shared import normalize
from shared.clock import city_today
from tests.console.test_app import csrf_of
from tests.console.test_confirmations import fingerprint_of
from tests.console.test_resources import client_as, field_error, first_cells, html_of

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console-resources")]


def today() -> str:
    return city_today("Asia/Shanghai").isoformat()


def test_every_text_has_its_english():
    template = {m.id for m in catalogue.texts()}
    for resource in mentorship.RESOURCES:
        assert {t for t in resource.texts() if t} <= template
    assert catalogue.untranslated(catalogue.read(), catalogue.texts()) == []


def test_the_assignments_show_their_true_total_with_names(base, api):
    total = api.get("/mentorship/assignments?per_page=1")["total"]
    assert total > 50
    city = client_as(base, "city")
    html = html_of(city.get("/mentorship/assignments/"))
    assert f"共 {total} 条" in html and f"第 1 / {-(-total // 50)} 页" in html
    names = {a["trainee_name"] for a in api.items("/mentorship/assignments")}
    assert set(first_cells(html)) <= names  # names, not ids
    active = api.get("/mentorship/assignments?active=true&role=practical&per_page=1")["total"]
    filtered = html_of(city.get("/mentorship/assignments/?active=True&role=practical"))
    assert f"共 {active} 条" in filtered
    assert "实践导师" in filtered and "廉政导师" not in filtered.split("<tbody>")[1]
    assert 'href="/mentorship/' in html_of(city.get("/mentorship/"))


def test_a_town_ends_an_assignment_and_a_day_before_its_start_is_refused_by_its_field(base, api):
    mine = api.items("/mentorship/assignments?active=true", "town1")[0]
    town = client_as(base, "town1")
    detail = html_of(town.get(f"/mentorship/assignments/{mine['id']}"))
    end_url = f"/mentorship/assignment_end/new?assignment_id={mine['id']}"
    assert end_url.replace("&", "&amp;") in detail or end_url in detail
    form = html_of(town.get(end_url))
    refused = town.post(
        end_url,
        data={"csrf_token": csrf_of(form), "assignment_id": str(mine["id"]),
              "end_date": "2001-01-01", "reason": "调动"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert field_error(html_of(refused), "end_date")
    assert api.get(f"/mentorship/assignments/{mine['id']}")["active"] is True
    saved = town.post(
        end_url,
        data={"csrf_token": csrf_of(form), "assignment_id": str(mine["id"]),
              "end_date": today(), "reason": "工作调动"},
    )  # fmt: skip
    assert saved.status_code == 302, html_of(saved)[:2000]
    assert saved.headers["Location"].endswith(f"/mentorship/assignments/{mine['id']}")
    ended = api.get(f"/mentorship/assignments/{mine['id']}")
    assert ended["active"] is False and ended["end_date"] == today()
    # an ended one offers no end
    assert "assignment_end" not in html_of(town.get(f"/mentorship/assignments/{mine['id']}"))


def test_a_training_event_is_created_and_attendance_recorded_for_several_at_once(base, api):
    before = api.get("/mentorship/training-events?per_page=1")["total"]
    city = client_as(base, "city")
    form = html_of(city.get("/mentorship/training/new"))
    refused = city.post(
        "/mentorship/training/new",
        data={"csrf_token": csrf_of(form), "kind": "training", "title": "错误的培训",
              "date": today(), "hours": "很多"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert field_error(html_of(refused), "hours")
    assert 'value="错误的培训"' in html_of(refused)
    assert api.get("/mentorship/training-events?per_page=1")["total"] == before
    towns = {t["name"]: t["id"] for t in api.items("/roster/towns")}
    town_id = towns["石龙镇"]
    saved = city.post(
        "/mentorship/training/new",
        data={"csrf_token": csrf_of(form), "kind": "study_session", "title": "理论学习会",
              "date": today(), "hours": "2.5", "organiser": "市委组织部",
              "invite_town": str(town_id)},
    )  # fmt: skip
    assert saved.status_code == 302, html_of(saved)[:2000]
    event_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    event = api.get(f"/mentorship/training-events/{event_id}")
    assert event["title"] == "理论学习会" and event["invited"] > 0 and event["attended"] == 0
    assert api.get("/mentorship/training-events?per_page=1")["total"] == before + 1
    invitees = event["attendance"]
    assert len(invitees) >= 3
    detail = html_of(city.get(f"/mentorship/training/{event_id}"))
    assert invitees[0]["name"] in detail and "记录出勤" in detail
    page = f"/mentorship/attendance/new?event_id={event_id}"
    form = html_of(city.get(page))
    # every invitee is offered by name, a box each
    for invitee in invitees:
        assert f'value="{invitee["trainee_id"]}"' in form and invitee["name"] in form
    none = city.post(page, data={"csrf_token": csrf_of(form), "event_id": str(event_id)})
    assert none.status_code == 422 and field_error(html_of(none), "trainee_ids")
    assert api.get(f"/mentorship/training-events/{event_id}")["attended"] == 0
    two = [str(i["trainee_id"]) for i in invitees[:2]]
    typed = {"csrf_token": csrf_of(form), "event_id": str(event_id), "trainee_ids": two}
    # irreversible and for several at once: first the exact effect, nothing recorded yet
    asked = city.post(page, data=typed)
    assert asked.status_code == 200
    confirm = html_of(asked)
    assert "记录 2 名选调生的出勤" in confirm
    assert invitees[0]["name"] in confirm and invitees[1]["name"] in confirm
    assert invitees[2]["name"] not in confirm.split('id="effect-text"')[1].split("</p>")[0]
    assert api.get(f"/mentorship/training-events/{event_id}")["attended"] == 0
    marked = city.post(page, data={**typed, "confirmed": "1"})
    assert marked.status_code == 302, html_of(marked)[:2000]
    assert api.get(f"/mentorship/training-events/{event_id}")["attended"] == 2
    # the two recorded are no longer offered; the others are
    form = html_of(city.get(page))
    assert f'value="{two[0]}"' not in form and f'value="{invitees[2]["trainee_id"]}"' in form
    # once attendance is announced the hours stay: the refusal is shown by the field
    edit = f"/mentorship/training/{event_id}/edit"
    form = html_of(city.get(edit))
    assert 'value="理论学习会"' in form
    values = {"kind": "study_session", "title": "理论学习会", "date": today(), "hours": "2.5",
              "organiser": "市委组织部党校", "description": ""}  # fmt: skip
    late = city.post(edit, data={"csrf_token": csrf_of(form), **values, "hours": "3"})
    assert late.status_code == 422 and field_error(html_of(late), "hours")
    saved = city.post(edit, data={"csrf_token": csrf_of(form), **values})
    assert saved.status_code == 302, html_of(saved)[:2000]
    assert api.get(f"/mentorship/training-events/{event_id}")["organiser"] == "市委组织部党校"


def test_a_key_project_is_edited_its_participant_too_and_a_showcase_is_decided(base, api):
    city = client_as(base, "city")
    form = html_of(city.get("/mentorship/projects/new"))
    refused = city.post("/mentorship/projects/new", data={"csrf_token": csrf_of(form), "name": ""})
    assert refused.status_code == 422 and field_error(html_of(refused), "name")
    saved = city.post(
        "/mentorship/projects/new",
        data={"csrf_token": csrf_of(form), "name": "乡村振兴示范点", "category": "百千万工程"},
    )
    assert saved.status_code == 302, html_of(saved)[:2000]
    project = api.items(f"/mentorship/projects?q={quote('乡村振兴示范点')}")[0]
    trainee = api.items("/roster/trainees", "town1")[0]
    town = client_as(base, "town1")
    assert "添加参与的选调生" in html_of(town.get(f"/mentorship/projects/{project['id']}"))
    page = f"/mentorship/participations/new?project_id={project['id']}"
    form = html_of(town.get(page))
    joined = town.post(
        page,
        data={"csrf_token": csrf_of(form), "project_id": str(project["id"]),
              "trainee_id": str(trainee["id"]), "role": "联络员", "results": "完成入户调查"},
    )  # fmt: skip
    assert joined.status_code == 302, html_of(joined)[:2000]
    assert trainee["name"] in html_of(city.get(f"/mentorship/projects/{project['id']}"))
    # the town edits the participation from the project's page
    part = api.items(f"/mentorship/projects/{project['id']}/participants", "town1")[0]
    edit = f"/mentorship/participations/{part['id']}/edit"
    assert edit in html_of(town.get(f"/mentorship/projects/{project['id']}"))
    form = html_of(town.get(edit))
    assert 'value="联络员"' in form and trainee["name"] in form
    backwards = town.post(
        edit,
        data={"csrf_token": csrf_of(form), "role": "组长", "results": "完成入户调查",
              "start_date": "2026-06-01", "end_date": "2026-05-01"},
    )  # fmt: skip
    assert backwards.status_code == 422 and field_error(html_of(backwards), "end_date")
    assert api.get(f"/mentorship/participations/{part['id']}", "town1")["role"] == "联络员"
    moved = town.post(
        edit,
        data={"csrf_token": csrf_of(form), "role": "组长", "results": "完成 120 户入户调查",
              "start_date": "2026-06-01", "end_date": ""},
    )  # fmt: skip
    assert moved.status_code == 302 and moved.headers["Location"].endswith(
        f"/mentorship/projects/{project['id']}"
    )
    changed = api.get(f"/mentorship/participations/{part['id']}", "town1")
    assert changed["role"] == "组长" and changed["results"] == "完成 120 户入户调查"
    # the city renames and closes the project; a town may not edit it
    assert town.get(f"/mentorship/projects/{project['id']}/edit").status_code == 403
    edit = f"/mentorship/projects/{project['id']}/edit"
    form = html_of(city.get(edit))
    closed = city.post(
        edit,
        data={"csrf_token": csrf_of(form), "name": "乡村振兴示范点（一期）",
              "category": "百千万工程", "description": "首批五个村"},
    )  # fmt: skip
    assert closed.status_code == 302, html_of(closed)[:2000]
    project = api.get(f"/mentorship/projects/{project['id']}")
    assert project["name"] == "乡村振兴示范点（一期）" and project["active"] is False
    # a showcase: nominated by the town, published or declined by the city after a confirmation
    form = html_of(town.get("/mentorship/showcases/new"))
    ids = []
    for title in ("扎根基层的一年", "村里的第一场直播"):
        saved = town.post(
            "/mentorship/showcases/new",
            data={"csrf_token": csrf_of(form), "trainee_id": str(trainee["id"]),
                  "title": title, "story": "带领村民发展特色产业。"},
        )  # fmt: skip
        assert saved.status_code == 302, html_of(saved)[:2000]
        ids.append(int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1]))
    listed = html_of(city.get("/mentorship/showcases/?status=nominated"))
    assert "扎根基层的一年" in listed and "已推荐" in listed
    assert "showcase-publish" not in html_of(town.get(f"/mentorship/showcases/{ids[0]}"))
    assert town.get(f"/confirm/showcase-publish?id={ids[0]}").status_code == 403
    detail = html_of(city.get(f"/mentorship/showcases/{ids[0]}"))
    assert "/confirm/showcase-publish?id=" in detail and "/confirm/showcase-decline?id=" in detail
    for verb, id_, status, says in (("publish", ids[0], "published", "已发布“扎根基层的一年”"),
                                    ("decline", ids[1], "declined", "不予发布")):  # fmt: skip
        url = f"/confirm/showcase-{verb}?id={id_}"
        page = html_of(city.get(url))
        assert trainee["name"] in page and "带领村民发展特色产业" in page
        assert api.get(f"/mentorship/showcases/{id_}")["status"] == "nominated"  # not yet
        sure = {"csrf_token": csrf_of(page), "fingerprint": fingerprint_of(page)}
        done = city.post(url, data=sure)
        assert done.status_code == 302, html_of(done)[:2000]
        assert api.get(f"/mentorship/showcases/{id_}")["status"] == status
        assert says in html_of(city.get(done.headers["Location"]))
    # a decided one offers nothing more and says why
    again = html_of(city.get(f"/confirm/showcase-publish?id={ids[0]}"))
    assert "已有结果：已发布" in again and "确认发布</button>" not in again
    assert "showcase-publish" not in html_of(city.get(f"/mentorship/showcases/{ids[0]}"))


def test_a_role_is_not_offered_what_it_may_not_do(base, api):
    mentor = client_as(base, "mentor1")
    listing = html_of(mentor.get("/mentorship/training/"))
    assert "共 " in listing and "new-training" not in listing
    assert mentor.get("/mentorship/training/new").status_code == 403
    assert mentor.get("/mentorship/assignment_end/new").status_code == 403
    mine = api.items("/mentorship/assignments?active=true", "mentor1")[0]
    assert "assignment_end" not in html_of(mentor.get(f"/mentorship/assignments/{mine['id']}"))
    trainee = client_as(base, "trainee1")
    assert trainee.get("/mentorship/assignments/").status_code == 403
    assert trainee.get("/mentorship/projects/new").status_code == 403
    home = html_of(trainee.get("/mentorship/"))
    assert "tile-assignments" not in home and "tile-training" in home
    town = client_as(base, "town1")
    assert "new-projects" not in html_of(town.get("/mentorship/projects/"))
    assert town.get("/mentorship/projects/new").status_code == 403


def test_the_city_edits_a_mentor_roles_duties_and_others_read_them(base, api):
    trainee = client_as(base, "trainee1")
    listing = html_of(trainee.get("/mentorship/duties/"))
    assert "共 4 条" in listing and "实践导师" in listing and "村党组织书记" in listing
    assert trainee.get("/mentorship/duties/business/edit").status_code == 403
    city = client_as(base, "city")
    page = "/mentorship/duties/business/edit"
    form = html_of(city.get(page))
    before = api.get("/mentorship/role-duties/business")
    for aspect in before["aspects"]:  # the role's aspects start ticked
        assert re.search(rf'value="{aspect}"\s+checked', form), aspect
    none = city.post(page, data={"csrf_token": csrf_of(form), "statement": "指导业务"})
    assert none.status_code == 422 and field_error(html_of(none), "aspects")
    assert api.get("/mentorship/role-duties/business") == before
    saved = city.post(
        page,
        data={"csrf_token": csrf_of(form), "statement": "指导业务知识，帮助提升能力。",
              "aspects": ["practice", "political"]},
    )  # fmt: skip
    assert saved.status_code == 302, html_of(saved)[:2000]
    after = api.get("/mentorship/role-duties/business")
    assert after["statement"] == normalize.text("指导业务知识，帮助提升能力。", multiline=True)
    assert set(after["aspects"]) == {"practice", "political"}
    shown = html_of(city.get("/mentorship/duties/"))
    assert "政治引领、实践指导" in shown or "实践指导、政治引领" in shown
