"""The notifier's resource page (``services/console/resources/notifier.py``) against the
embedded default: each person edits their own notification preferences; a bad quiet hour
is refused next to its field and nothing is stored; one person's settings are not
another's."""

from __future__ import annotations

import pytest

from services.console import catalogue
from services.console.resources import notifier
from tests.console.test_app import csrf_of
from tests.console.test_resources import client_as, field_error, html_of

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("console-resources")]


def test_every_text_of_the_notifier_resources_has_its_english():
    template = catalogue.texts()
    texts = set()
    for resource in notifier.RESOURCES:
        texts |= {t for t in resource.texts() if t}
    assert texts <= {m.id for m in template}


@pytest.mark.parametrize("username", ["trainee1", "mentor1"])
def test_a_person_edits_their_own_preferences(base, api, username):
    client = client_as(base, username)
    assert "/notifier/preferences/" in html_of(client.get("/"))
    before = api.get("/notifier/preferences", username)
    form = html_of(client.get("/notifier/preferences/"))
    assert 'id="f-email"' in form and 'id="f-quiet_start"' in form
    # a quiet hour that is not HH:MM: refused by its field, typed text kept, nothing stored
    refused = client.post(
        "/notifier/preferences/",
        data={"csrf_token": csrf_of(form), "email": "1", "quiet_start": "25点",
              "quiet_end": "07:00", "language": "zh"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "HH:MM" in field_error(html_of(refused), "quiet_start")
    assert 'value="25点"' in html_of(refused)
    assert api.get("/notifier/preferences", username) == before
    saved = client.post(
        "/notifier/preferences/",
        data={"csrf_token": csrf_of(form), "sms": "1", "quiet_start": "22:00",
              "quiet_end": "07:00", "digest": "1", "language": "en"},
    )  # fmt: skip
    assert saved.status_code == 302, html_of(saved)[:2000]
    mine = api.get("/notifier/preferences", username)
    assert sorted(mine["channels"]) == ["inbox", "sms"]
    assert mine["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert mine["digest"] is True and mine["language"] == "en"
    again = html_of(client.get("/notifier/preferences/"))
    assert 'id="f-sms" name="sms" type="checkbox" value="1" checked' in again
    assert 'id="f-email" name="email" type="checkbox" value="1" checked' not in again
    # someone else's are untouched
    assert api.get("/notifier/preferences", "town1")["quiet_hours"] is None
    cleared = client.post(
        "/notifier/preferences/",
        data={"csrf_token": csrf_of(form), "email": "1", "language": "zh"},
    )
    assert cleared.status_code == 302
    assert api.get("/notifier/preferences", username)["quiet_hours"] is None


def test_signed_out_there_is_no_form(base):
    from tests.console.test_app import make_app

    response = make_app(base).test_client().get("/notifier/preferences/")
    assert response.status_code in (302, 401)
