"""Identity numbers and phone numbers are never logged: the JSON log formatter masks them
whatever logged them, and the access log of a request carries none."""

from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager

from shared.observability import JsonFormatter
from tests.conftest import auth
from tests.roster.helpers import API

ID_NUMBER = "11010119900307123X"
PHONE = "13812345678"


@contextmanager
def captured(logger_name: str):
    """Lines that ``logger_name`` writes through a JsonFormatter, as parsed JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("roster"))
    logger = logging.getLogger(logger_name)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_identity_and_phone_numbers_passed_to_a_log_call_come_out_masked():
    with captured("x") as lines:
        logging.getLogger("x").info("id %s phone %s", ID_NUMBER, PHONE)
    [line] = lines
    assert ID_NUMBER not in line["message"] and PHONE not in line["message"]
    assert line["message"] == "id 110101***********X phone 138****5678"
    assert (line["level"], line["service"], line["logger"]) == ("INFO", "roster", "x")


def test_numbers_inside_text_and_with_a_country_code_are_masked():
    with captured("x") as lines:
        logging.getLogger("x").warning(
            f"电话+86 {PHONE}，身份证{ID_NUMBER.lower()}。旧证110101900307123"
        )
    text = lines[0]["message"]
    assert PHONE not in text and ID_NUMBER.lower() not in text
    assert "110101900307123" not in text
    assert "+86 138****5678" in text


def test_numbers_in_an_exception_traceback_are_masked():
    with captured("x") as lines:
        try:
            raise ValueError(f"duplicate {ID_NUMBER} for {PHONE}")
        except ValueError:
            logging.getLogger("x").exception("import failed")
    assert ID_NUMBER not in lines[0]["exc"] and PHONE not in lines[0]["exc"]
    assert "110101***********X" in lines[0]["exc"]


def test_ordinary_numbers_are_left_alone():
    with captured("x") as lines:
        logging.getLogger("x").info("imported %d rows in %s ms, request 20261127", 1234, 5678)
    assert lines[0]["message"] == "imported 1234 rows in 5678 ms, request 20261127"


def test_the_access_log_of_a_request_carries_no_unmasked_phone(roster):
    with captured("grassroots.access") as lines:
        query = roster.client.get(
            f"{API}/trainees?q={PHONE}&phone={PHONE}&id={ID_NUMBER}", headers=auth("city")
        )
        in_path = roster.client.get(f"{API}/trainees/{PHONE}", headers=auth("city"))
    assert query.status_code == 200
    assert [line["logger"] for line in lines] == ["grassroots.access"] * 2
    text = json.dumps(lines, ensure_ascii=False)
    assert PHONE not in text and ID_NUMBER not in text
    assert lines[0]["message"].startswith(f"GET {API}/trainees 200")
    assert f"/trainees/138****5678 {in_path.status_code}" in lines[1]["message"]
    assert lines[0]["request_id"] == query.headers["X-Request-ID"]


def test_no_log_line_of_a_request_carries_an_identity_number_or_phone(roster):
    with captured("") as lines:
        roster.client.post(
            f"{API}/trainees",
            headers=auth("city"),
            json={
                "name": "新人",
                "cohort": 2026,
                "unit_id": roster.unit_x,
                "id_number": "11010119990307000X",
                "phone": PHONE,
            },
        )
        roster.client.post(
            f"{API}/auth/token",
            data={"grant_type": "password", "username": PHONE, "password": ID_NUMBER},
        )
    assert lines, "nothing was logged"
    text = json.dumps(lines, ensure_ascii=False)
    assert PHONE not in text and "11010119990307000X" not in text and ID_NUMBER not in text
