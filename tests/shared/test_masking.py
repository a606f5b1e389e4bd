"""Identity numbers and phones are masked in every form people type them (issue 18): in
log lines, in the API's display of a stored E.164 phone, and in the parked messages that
``manage parked list`` prints."""

from __future__ import annotations

import json

import pytest

from shared.bus import PARKED, Bus, dumps
from shared.consumer import parked_messages
from shared.observability import mask_document, mask_phone, mask_sensitive

ID = "44010619950501005X"


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        (ID, "440106***********X"),
        (ID.lower(), "440106***********x"),
        ("440106 19950501 005X", "440106 ******** ***X"),
        ("440106-19950501-005X", "440106-********-***X"),
        ("４４０１０６１９９５０５０１００５Ｘ", "４４０１０６***********Ｘ"),
        ("440106950501005", "440106********5"),  # a 15-digit old number
        ("13912345678", "139****5678"),
        ("139 1234 5678", "139 **** 5678"),
        ("139-1234-5678", "139-****-5678"),
        ("+86 139 1234 5679", "+86 139 **** 5679"),
        ("+8613912345678", "+86139****5678"),
        ("8613912345678", "86139****5678"),
        ("１３９１２３４５６７８", "１３９****５６７８"),
        ("＋８６ １３９１２３４５６７８", "＋８６ １３９****５６７８"),
        ("020-12345678", "020-****5678"),
        ("(0755) 1234567", "(0755) ***4567"),
        ("+862012345678", "+8620****5678"),
    ],
)
def test_every_typed_form_is_masked_in_a_log_line(typed, masked):
    assert mask_sensitive(f"电话：{typed}。") == f"电话：{masked}。"


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-15 10:00:00 took 12 ms",
        "request 3f2a1399-1234-5678-9abc-139123456789",
        "trainee 1234 of 20000",
        "amount_fen=139123456",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert mask_sensitive(text) == text


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+8613912345678", "139****5678"),
        ("+862012345678", "020-****5678"),
        ("+8675588881234", "0755-****1234"),
        ("13912345678", "139****5678"),  # a row stored before E.164
        (None, None),
    ],
)
def test_a_stored_phone_is_shown_masked(stored, shown):
    assert mask_phone(stored) == shown


def test_a_json_document_is_masked_also_where_its_digits_are_escaped():
    body = json.dumps({"phone": "１３９１２３４５６７８", "id": ID, "n": 5})  # \uff11...
    assert "\\uff11" in body
    masked = json.loads(mask_document(body))
    assert masked == {"phone": "１３９****５６７８", "id": "440106***********X", "n": 5}
    assert mask_document("{not json 13912345678") == "{not json 139****5678"


def test_parked_messages_are_listed_masked(names):
    bus = Bus("memory://", names["EVENTS_EXCHANGE"], names["QUEUE_PREFIX"])
    conn = bus.connect()
    try:
        bus.declare(conn, "door", ["trainee.registered"])
    finally:
        conn.release()
    envelope = {
        "id": "5f0c2d0e-0000-4000-8000-000000000001",
        "type": "trainee.registered",
        "payload": {"phone": "+8613912345678", "note": "身份证 440106 19950501 005x"},
    }
    bus.send_hop(
        "door",
        PARKED,
        dumps(envelope),
        {"x-parked-reason": "cannot apply: phone 139-1234-5678", "x-attempts": 3},
        envelope["id"],
    )
    [parked] = parked_messages(bus, "door")
    assert "13912345678" not in parked["body"] and "1234-5678" not in parked["reason"]
    assert json.loads(parked["body"])["payload"] == {
        "phone": "+86139****5678",
        "note": "身份证 440106 ******** ***x",
    }
    assert parked["reason"] == "cannot apply: phone 139-****-5678"
    assert parked["message_id"] == envelope["id"]
