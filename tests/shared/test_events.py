"""The envelope and the catalogue: nothing that fails validation is built or accepted."""

import datetime as dt

import pytest

from shared.events import EventInvalid, build_event, validate_event
from shared.events.catalogue import CATALOGUE


def _trainee(**over):
    return {
        "id": 1,
        "name": "张𠀾",
        "cohort": 2025,
        "unit_id": 1,
        "status": "active",
        "version": 1,
        **over,
    }


def test_built_event_has_the_envelope_of_the_design_and_validates():
    event = build_event("trainee.registered", _trainee(), producer="roster", correlation_id="abc")
    assert set(event) == {
        "id",
        "type",
        "version",
        "occurred_at",
        "producer",
        "correlation_id",
        "payload",
    }
    assert dt.datetime.fromisoformat(event["occurred_at"]).tzinfo is not None
    loaded = validate_event(event)
    assert loaded["payload"]["name"] == "张𠀾"


def test_a_producer_cannot_build_an_event_whose_payload_does_not_validate():
    with pytest.raises(EventInvalid):
        build_event("trainee.registered", _trainee(status="asleep"), producer="roster")
    with pytest.raises(EventInvalid):
        build_event("trainee.registered", {**_trainee(), "id_number": "1"}, producer="roster")


def test_an_unknown_type_or_version_is_refused():
    with pytest.raises(EventInvalid):
        build_event("trainee.teleported", {}, producer="roster")
    event = build_event("trainee.registered", _trainee(), producer="roster")
    with pytest.raises(EventInvalid):
        validate_event({**event, "version": 9})


@pytest.mark.parametrize(
    "breakage",
    [
        {"id": "not-a-uuid"},
        {"occurred_at": "yesterday"},
        {"payload": {"id": "1"}},
        {"extra": 1},
    ],
)
def test_a_consumer_rejects_a_malformed_envelope(breakage):
    event = build_event("trainee.registered", _trainee(), producer="roster")
    with pytest.raises(EventInvalid):
        validate_event({**event, **breakage})


def test_every_catalogue_entry_is_a_versioned_dotted_type():
    for (type_, version), schema in CATALOGUE.items():
        assert "." in type_ and version >= 1
        assert schema.__class__.Meta.unknown == "raise"


def test_a_calendar_update_lists_only_days_of_its_year_each_once():
    payload = {"year": 2026, "revision": 1, "days": [{"date": "2026-12-24", "kind": "holiday"}]}
    loaded = validate_event(build_event("calendar.updated", payload, producer="reporting"))
    assert loaded["payload"]["days"] == [
        {"date": dt.date(2026, 12, 24), "kind": "holiday", "name": ""}
    ]
    for days in (
        [{"date": "2027-01-01", "kind": "holiday"}],
        [{"date": "2026-12-24", "kind": "holiday"}, {"date": "2026-12-24", "kind": "workday"}],
        [{"date": "2026-12-24", "kind": "day off"}],
    ):
        with pytest.raises(EventInvalid):
            build_event("calendar.updated", {**payload, "days": days}, producer="reporting")
    with pytest.raises(EventInvalid):
        build_event("calendar.updated", {**payload, "revision": 0}, producer="reporting")
