"""Archiving a finished cohort (届别): ``python -m tools.archive_cohort`` exports each
trainee's records and evidence from every service into one ZIP whose manifest verifies,
refuses a cohort that still has active trainees, changes nothing in a dry run, writes the
same bytes when run again, and with ``--purge`` deletes the evidence and pseudonymises the
cohort's people, and nothing of another cohort.

The city: roster's trainees 1 (张𠀾, with a CJK Extension B character) and 3, cohort 2024,
both completed; trainee 2, cohort 2025, still active. Mentorship (a talk with a photo) and
welfare (a care visit with a PDF) hold evidence of trainees 1 and 2."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from services.mentorship.archive import part as mentorship_part
from services.mentorship.models import PROJECTIONS as MENTORSHIP
from services.mentorship.models import Audit, Talk
from services.mentorship.models import Evidence as TalkEvidence
from services.reporting.models import PROJECTIONS as REPORTING
from services.reporting.models import DutyItem, ReportAudit
from services.reporting.models import Evidence as DutyEvidence
from services.roster.models import Outbox, StatusChange, Town, Trainee, Unit, Village
from services.roster.spec import SPEC as ROSTER
from services.welfare.models import Evidence as VisitEvidence
from services.welfare.models import MoneyAudit, Visit
from shared.archive import Refused, purge_part
from shared.clock import city_today
from tests.conftest import _fresh_database, auth, migrated
from tests.evidence_files import pdf, photo
from tests.mentorship.test_talks import assign, record
from tests.welfare.test_housing import copy_world
from tests.welfare.test_visits import campaign, visit
from tests.worlds import build_world
from tools.archive_cohort import main

pytestmark = pytest.mark.xdist_group("archive_cohort")

RARE = "张𠀾"
CITY = auth("city")
TODAY = city_today("Asia/Shanghai")
#: the day cohort 2024's last trainee finished
FINISHED = TODAY - dt.timedelta(days=30)


def _roster(url: str):
    db = migrated(ROSTER, url)
    with db.transaction() as s:
        s.add_all([Unit(id=1, code="U1", name="区财政局"), Unit(id=2, code="U2", name="区教育局")])
        s.add_all([Town(id=1, code="T1", name="石龙镇"), Town(id=2, code="T2", name="新塘镇")])
        s.flush()
        s.add_all([Village(id=11, code="V11", name="村11", town_id=1),
                   Village(id=21, code="V21", name="村21", town_id=2)])  # fmt: skip
        s.flush()
        for tid, name, cohort, unit, status, id_number in (
            (1, RARE, 2024, 1, "completed", "110101199001011234"),
            (2, "李四", 2025, 2, "active", "110101199202021234"),
            (3, "王五", 2024, 1, "completed", None),
        ):
            s.add(Trainee(id=tid, name=name, cohort=cohort, unit_id=unit, status=status,
                          id_number=id_number, phone="13800000000"))  # fmt: skip
        s.flush()
        for tid in (1, 3):
            s.add(StatusChange(trainee_id=tid, from_status="active", to_status="completed",
                               effective_date=FINISHED, reason="期满"))  # fmt: skip
    return db


def _cohort_and_finish(world, tid: int, name: str, unit: int, town, village) -> None:
    """Roster's events for a cohort-2024 trainee: renamed into the cohort, then finished."""
    world.feed("trainee.updated", {
        "id": tid, "name": name, "cohort": 2024, "unit_id": unit, "status": "active",
        "town_id": town, "village_id": village, "version": world.next_version(("t", tid)),
    })  # fmt: skip
    world.status(tid, "completed", unit, FINISHED)


def _duty_items(world) -> None:
    """A duty item with a photo for trainees 1 and 2 (reporting)."""
    for tid in (1, 2):
        response = world.client.post(
            "/api/v1/reporting/duty-items",
            json={"party_kind": "trainee", "party_id": tid, "title": "撰写民情日记",
                  "due_date": f"{TODAY.year}-12-31", "year": TODAY.year},
            headers=CITY,
        )  # fmt: skip
        assert response.status_code == 201, response.get_json()
        response = world.client.post(
            f"/api/v1/reporting/duty-items/{response.get_json()['id']}/evidence",
            data={"file": (io.BytesIO(photo()), "民情日记𠀾.jpg")},
            content_type="multipart/form-data",
            headers=CITY,
        )
        assert response.status_code == 201, response.get_json()


@pytest.fixture(scope="module")
def city(tmp_path_factory, pg_admin_url):
    """Roster, mentorship and welfare on SQLite, reporting on PostgreSQL."""
    tmp = tmp_path_factory.mktemp("archive")
    store = tmp / "evidence"
    pg = _fresh_database(pg_admin_url)
    reporting = build_world("reporting", next(pg), EVIDENCE_DIR=str(store))
    _duty_items(reporting)
    roster_db = _roster(f"sqlite:///{tmp / 'roster.db'}")
    roster_cfg = ROSTER.config(DATABASE_URL=f"sqlite:///{tmp / 'roster.db'}",
                               BROKER_URL="memory://", EVIDENCE_DIR=str(store))  # fmt: skip

    mentorship = build_world("mentorship", f"sqlite:///{tmp / 'mentorship.db'}",
                             EVIDENCE_DIR=str(store))  # fmt: skip
    talks = {}
    for tid, mentor in ((1, 105), (2, 108)):
        assign(mentorship, tid, mentor, "practical")
        response = record(mentorship, mentor, trainee_id=tid)
        assert response.status_code == 201, response.get_json()
        talks[tid] = response.get_json()["id"]
        response = mentorship.client.post(
            f"/api/v1/mentorship/talks/{talks[tid]}/evidence",
            data={"file": (io.BytesIO(photo()), f"{RARE}的谈话照片.jpg")},
            content_type="multipart/form-data", headers=CITY,
        )  # fmt: skip
        assert response.status_code == 201, response.get_json()

    welfare = copy_world(tmp, EVIDENCE_DIR=str(store))
    campaign_id = campaign(welfare)
    for tid in (1, 2):
        response = visit(welfare, campaign_id, tid, headers=CITY, notes=f"看望{RARE}")
        assert response.status_code == 201, response.get_json()
        response = welfare.client.post(
            f"/api/v1/welfare/visits/{response.get_json()['id']}/evidence",
            data={"file": (io.BytesIO(pdf()), "慰问记录𠀾.pdf")},
            content_type="multipart/form-data", headers=CITY,
        )  # fmt: skip
        assert response.status_code == 201, response.get_json()

    for world in (mentorship, welfare, reporting):
        _cohort_and_finish(world, 1, RARE, 1, 1, 11)
        _cohort_and_finish(world, 3, "王五", 1, None, None)
    configs = {
        "roster": roster_cfg,
        "mentorship": mentorship.config,
        "reporting": reporting.config,
        "welfare": welfare.config,
    }
    yield {"configs": configs, "tmp": tmp, "store": store, "roster": roster_db,
           "mentorship": mentorship, "welfare": welfare, "reporting": reporting}  # fmt: skip
    for db in (roster_db, mentorship.db, welfare.db, reporting.db):
        db.dispose()
    next(pg, None)  # drops the database


def run(city, *args) -> int:
    return main([str(arg) for arg in args], city["configs"])


def files(city) -> list:
    return sorted(p for p in city["store"].rglob("*") if p.is_file())


def snapshot(city) -> tuple:
    """What a dry run or a refusal must leave as it was: stored files, rows, names."""
    with city["mentorship"].db.transaction() as s:
        talks = s.scalars(sa.select(Talk.summary).order_by(Talk.id)).all()
        evidence = s.scalar(sa.select(sa.func.count()).select_from(TalkEvidence))
    with city["welfare"].db.transaction() as s:
        visits = s.scalars(sa.select(Visit.notes).order_by(Visit.id)).all()
    with city["roster"].transaction() as s:
        names = s.scalars(sa.select(Trainee.name).order_by(Trainee.id)).all()
    return files(city), talks, evidence, visits, names


def test_a_dry_run_lists_counts_and_changes_nothing(city, capsys):
    before = snapshot(city)
    assert run(city, "--cohort", 2024, "--dry-run", "--purge") == 0
    out = capsys.readouterr().out
    assert "试运行" in out and "将删除 3 个佐证材料" in out
    plan = json.loads(out[out.index("{") :])
    assert {name: plan[name]["evidence_files"] for name in plan} == {
        "roster": 0,
        "mentorship": 1,
        "reporting": 1,
        "welfare": 1,
    }
    assert plan["roster"]["trainees"] == 2 and plan["mentorship"]["records"]["talk"] == 1
    assert snapshot(city) == before
    assert not list(city["tmp"].glob("*.zip"))


def test_the_command_reads_each_services_settings_from_the_environment(city, monkeypatch, capsys):
    for name, config in city["configs"].items():
        monkeypatch.setenv(f"{name.upper()}_DATABASE_URL", config.DATABASE_URL)
    monkeypatch.setenv("EVIDENCE_DIR", str(city["store"]))
    assert main(["--cohort", "2024", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("试运行（不做任何改动）：届别 2024，2 名选调生，将导出 3 个佐证材料")


def test_a_cohort_with_an_active_trainee_is_refused_unless_forced(city, capsys):
    assert run(city, "--cohort", 1999, "--out", city["tmp"] / "x.zip") == 2
    assert capsys.readouterr().err.startswith("届别 1999 没有选调生")
    out = city["tmp"] / "archive-2025.zip"
    assert run(city, "--cohort", 2025, "--out", out) == 2
    err = capsys.readouterr().err
    assert err.startswith("届别 2025 尚未结束") and "李四（2）" in err and "--force" in err
    assert not out.exists()
    assert run(city, "--cohort", 2025, "--out", out, "--purge", "--force") == 2
    assert not out.exists()
    assert run(city, "--cohort", 2025, "--out", out, "--force") == 0
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert manifest["forced_with_active_trainees"] == [2]
    out.unlink()


def test_the_archive_holds_each_trainees_records_and_evidence_with_a_manifest(city):
    out = city["tmp"] / "archive-2024.zip"
    assert run(city, "--cohort", 2024, "--out", out) == 0
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        folder = f"trainees/000001-{RARE}"
        assert f"{folder}/roster.json" in names and f"{folder}/mentorship.json" in names
        roster = json.loads(archive.read(f"{folder}/roster.json"))
        assert roster["trainee"]["name"] == RARE
        assert roster["trainee"]["id_number"] == "110101199001011234"
        talk = json.loads(archive.read(f"{folder}/mentorship.json"))["records"]["talk"][0]
        assert talk["summary"] and talk["trainee_id"] == 1
        assert all(not n.startswith("trainees/000002") for n in names)  # another cohort
        evidence = [f for f in manifest["files"] if f["kind"] == "evidence"]
        assert {e["service"] for e in evidence} == {"mentorship", "reporting", "welfare"}
        for entry in evidence:
            data = archive.read(entry["path"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["size"] and entry["trainee_id"] == 1
            assert entry["path"].startswith(folder)
        welfare_file = next(e for e in evidence if e["service"] == "welfare")
        assert welfare_file["path"].endswith("慰问记录𠀾.pdf")
        assert welfare_file["source"]["parent_kind"] == "visit"
        # the name is stored as UTF-8 (flag bit 11), so any unzip shows 𠀾
        info = archive.getinfo(welfare_file["path"])
        assert info.flag_bits & 0x800
        roster_csv = archive.read("tables/roster/trainee.csv").decode("utf-8-sig")
        assert RARE in roster_csv and "李四" not in roster_csv
        assert "tables/welfare/visit.csv" in names
        assert RARE in archive.read("tables/welfare/visit.csv").decode("utf-8-sig")
    assert manifest["finished_on"] == FINISHED.isoformat()
    assert manifest["retain_until"] == FINISHED.replace(year=FINISHED.year + 10).isoformat()
    first = out.read_bytes()
    assert run(city, "--cohort", 2024, "--out", out) == 0
    assert out.read_bytes() == first  # the same archive again
    assert main(["--cohort", "2024", "--out", str(out), "--verify"]) == 0


def test_a_tampered_archive_does_not_verify_and_is_not_purged_by(city, capsys):
    good = city["tmp"] / "good-2024.zip"  # its own (the tests may run in any order)
    assert run(city, "--cohort", 2024, "--out", good) == 0
    bad = city["tmp"] / "tampered.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data + b"x" if item.filename.endswith(".pdf") else data)
    assert main(["--cohort", "2024", "--out", str(bad), "--verify"]) == 1
    assert "校验值不符" in capsys.readouterr().err


def test_a_purge_by_a_manifest_missing_records_deletes_nothing(city):
    before = snapshot(city)
    stale = {"services": {"mentorship": {"records": {"talk": 0}}}, "files": []}
    with pytest.raises(Refused, match="导出后新增了记录"):
        with city["mentorship"].db.transaction() as s:
            purge_part(s, mentorship_part(), 2024, stale)
    assert snapshot(city) == before


def test_purge_deletes_the_evidence_and_pseudonymises_the_cohort_only(city, capsys):
    out = city["tmp"] / "archive-2024.zip"
    kept = files(city)
    assert len(kept) == 6
    assert run(city, "--cohort", 2024, "--out", out, "--purge") == 0
    assert "已清除届别 2024" in capsys.readouterr().out
    left = files(city)
    assert len(left) == 3  # the three files of trainee 2 (cohort 2025)
    with city["mentorship"].db.transaction() as s:
        rows = s.execute(sa.select(Talk.trainee_id, TalkEvidence.id).join(
            TalkEvidence, TalkEvidence.parent_id == Talk.id)).all()  # fmt: skip
        assert [tid for tid, _ in rows] == [2]
        summaries = dict(s.execute(sa.select(Talk.trainee_id, Talk.summary)).all())
        assert summaries[1] == "" and summaries[2] != ""
        names = dict(s.execute(sa.select(MENTORSHIP.trainee.id, MENTORSHIP.trainee.name)).all())
        assert names == {1: "已归档学员1", 2: "学员2", 3: "已归档学员3"}
        audit = s.execute(sa.select(Audit.action, Audit.entity).where(Audit.actor == "archive"))
        assert sorted(audit) == [("archive_pseudonymise", "trainee")] * 2 + [
            ("archive_purge", "evidence")
        ]
    with city["welfare"].db.transaction() as s:
        notes = dict(s.execute(sa.select(Visit.trainee_id, Visit.notes)).all())
        assert notes == {1: "", 2: f"看望{RARE}"}
        assert s.scalar(sa.select(sa.func.count()).select_from(VisitEvidence)) == 1
        purged = s.scalars(sa.select(MoneyAudit.entity).where(
            MoneyAudit.action == "archive_purge")).all()  # fmt: skip
        assert purged == ["evidence"]
    with city["reporting"].db.transaction() as s:
        left_items = s.scalars(sa.select(DutyItem.party_id).join(
            DutyEvidence, DutyEvidence.parent_id == DutyItem.id)).all()  # fmt: skip
        assert left_items == [2]
        names = dict(s.execute(sa.select(REPORTING.trainee.id, REPORTING.trainee.name)).all())
        assert names[1] == "已归档学员1" and names[2] == "学员2"
        audit = s.execute(
            sa.select(ReportAudit.action, ReportAudit.entity, ReportAudit.after)
            .where(ReportAudit.actor == "archive")
            .order_by(ReportAudit.id)
        ).all()
        assert [(action, entity) for action, entity, _ in audit] == [
            ("archive_purge", "evidence"),
            ("archive_pseudonymise", "trainee"),
            ("archive_pseudonymise", "trainee"),
        ]
        assert all(len(after["archive_sha256"]) == 64 for _, _, after in audit)
    with city["roster"].transaction() as s:
        one, two = s.get(Trainee, 1), s.get(Trainee, 2)
        assert (one.name, one.id_number, one.phone) == ("已归档学员1", None, None)
        assert (two.name, two.id_number) == ("李四", "110101199202021234")
        events = s.scalars(sa.select(Outbox.envelope).where(Outbox.type == "trainee.updated"))
        assert sorted(e["payload"]["name"] for e in events) == ["已归档学员1", "已归档学员3"]
    # the archive still verifies; a second export is refused, a second purge does nothing
    assert main(["--cohort", "2024", "--out", str(out), "--verify"]) == 0
    assert run(city, "--cohort", 2024, "--out", city["tmp"] / "again.zip") == 3
    assert run(city, "--cohort", 2024, "--out", out, "--purge") == 0
    assert files(city) == left


def test_a_lost_file_stops_the_export_and_leaves_no_archive(city, capsys):
    out = city["tmp"] / "archive-2025.zip"
    lost = files(city)[0]
    lost.unlink()
    assert run(city, "--cohort", 2025, "--out", out, "--force") == 1
    assert "的文件缺失或无法读取，未生成归档" in capsys.readouterr().err
    assert not out.exists() and not list(city["tmp"].glob("*.partial"))
