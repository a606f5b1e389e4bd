"""The refusal forms every service raises: a DomainError subclass declared in its header,
one field refused with ``.on`` and its HTTP twin ``field_problem``."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    TooManyAttempts,
    not_after_today,
    not_before,
    only_active,
)
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


def test_already_words_a_one_time_act_asked_again_alike_in_both_languages():
    error = Conflict.already("rectification", ("该整改事项", "this item"), ("销号", "closed"))
    assert isinstance(error, Conflict) and error.status == 409
    assert error.detail == "该整改事项已经销号 / this item is already closed"
    assert error.errors == {"rectification": ["已销号 / already closed"]}


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


def test_a_day_after_today_is_refused_in_both_languages_naming_the_day():
    today = dt.date(2026, 12, 31)
    not_after_today("end_date", today, today, ("腾退日期", "end date"))  # today itself is fine
    with pytest.raises(DomainError) as refused:
        not_after_today("end_date", dt.date(2027, 1, 1), today, ("腾退日期", "end date"))
    assert refused.value.detail == "腾退日期不能晚于今天 / the end date cannot be in the future"
    assert refused.value.errors == {
        "end_date": ["晚于今天（本市时间 2026-12-31） / after today (2026-12-31, the city's date)"]
    }


def test_a_day_before_its_bound_is_refused_naming_the_bound():
    start = dt.date(2026, 3, 2)
    end = ("腾退日期", "end date")
    not_before("end_date", start, start, end, ("入住日期", "the start"))  # the bound itself
    with pytest.raises(DomainError) as refused:
        not_before("end_date", dt.date(2026, 3, 1), start, end, ("入住日期", "the start"))
    assert (
        refused.value.detail == "腾退日期不能早于入住日期 / the end date cannot be before the start"
    )
    assert refused.value.errors == {
        "end_date": ["早于入住日期 2026-03-02 / before the start (2026-03-02)"]
    }


def test_no_such_words_an_id_that_names_no_row_alike_with_the_given_status():
    error = NotFound.no_such("trainee_id", 7, ("选调生", "trainee"))
    assert isinstance(error, NotFound) and error.status == 404
    assert error.detail == "没有编号为 7 的选调生 / no trainee with id 7"
    assert error.errors == {"trainee_id": ["不存在 / not found"]}


def test_only_active_refuses_a_trainee_out_of_training_naming_the_status():
    only_active("trainee_id", "active", ("分配床位", "get a bed"))  # no refusal
    with pytest.raises(DomainError) as refused:
        only_active("trainee_id", "completed", ("分配床位", "get a bed"))
    assert refused.value.detail == (
        "该选调生状态为“期满”，只有在岗选调生才能分配床位"
        " / the trainee is completed: only active trainees get a bed"
    )
    assert refused.value.errors == {"trainee_id": ["选调生状态为“期满” / trainee is completed"]}
