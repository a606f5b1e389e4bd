"""The refusal forms every service raises: a DomainError subclass declared in its header,
one field refused with ``.on`` and its HTTP twin ``field_problem``."""

from __future__ import annotations

import pytest

from shared.errors import Conflict, DomainError, Forbidden, NotFound, TooManyAttempts
from shared.http import ProblemError, field_problem


def test_a_subclass_gives_its_status_and_title_in_its_header():
    class Gone(DomainError, status=410, title="Gone"):
        pass

    class StillGone(Gone):
        pass

    assert (Gone.status, Gone.title) == (410, "Gone")
    assert (StillGone.status, StillGone.title) == (410, "Gone")
    assert (DomainError.status, DomainError.title) == (422, "Rule violated")
    assert [(c.status, c.title) for c in (Conflict, Forbidden, NotFound, TooManyAttempts)] == [
        (409, "Conflict"),
        (403, "Forbidden"),
        (404, "Not found"),
        (429, "Too many attempts"),
    ]


def test_on_refuses_one_field_in_both_languages():
    error = Conflict.on("talk", ("该谈话已经确认过", "already acknowledged"), ("已确认", "done"))
    assert isinstance(error, Conflict) and error.status == 409
    assert error.detail == "该谈话已经确认过 / already acknowledged"
    assert error.errors == {"talk": ["已确认 / done"]}


@pytest.mark.parametrize(
    ("status", "title"),
    [(400, "Bad Request"), (404, "Not found"), (409, "Conflict"), (422, "Unprocessable Entity")],
)
def test_field_problem_takes_its_title_from_the_status(status, title):
    error = field_problem(
        status, "file", ("上传的文件是空的", "the upload is empty"), ("空", "empty")
    )
    assert isinstance(error, ProblemError)
    assert (error.code, error.title) == (status, title)
    assert error.detail == "上传的文件是空的 / the upload is empty"
    assert error.errors == {"file": ["空 / empty"]}
