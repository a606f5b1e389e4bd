"""A talk read back names its trainee and its mentor, in the list and alone, so that no
page has to show "#17"."""

from __future__ import annotations

from tests.conftest import auth
from tests.mentorship.test_talks import API, assign, record


def test_a_talk_read_back_names_the_trainee_and_the_mentor(world):
    assign(world, 1, 105, "practical")
    talk = record(world, 105).get_json()
    one = world.client.get(f"{API}/talks/{talk['id']}", headers=auth("city")).get_json()
    assert (one["trainee_name"], one["mentor_name"]) == ("学员1", "干部105")
    listed = world.client.get(f"{API}/talks", headers=auth("mentor", 105)).get_json()
    assert [(t["trainee_name"], t["mentor_name"]) for t in listed["items"]] == [
        ("学员1", "干部105")
    ]
    own = world.client.get(f"{API}/talks", headers=auth("trainee", 1)).get_json()
    assert own["items"][0]["mentor_name"] == "干部105"
