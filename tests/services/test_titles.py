"""counselor/services/homework/titles.py: steps listed together are told apart."""

from __future__ import annotations

from datetime import date

from counselor.models import Assignment
from counselor.services.homework.titles import step_titles


def step(number: int, title: str, starts_on: date) -> Assignment:
    return Assignment(id=number, title=title, starts_on=starts_on)


def test_a_title_of_its_own_is_left_alone():
    steps = [
        step(1, "Ask for a lift", date(2026, 11, 3)),
        step(2, "Share a worry", date(2026, 11, 3)),
    ]
    assert step_titles(steps) == {1: "Ask for a lift", 2: "Share a worry"}


def test_the_same_title_gets_the_start_date_whatever_the_case_and_spacing():
    steps = [
        step(7, "Ask for a lift", date(2026, 11, 3)),
        step(3, "ask for  a lift ", date(2026, 10, 27)),
    ]
    assert step_titles(steps) == {
        7: "Ask for a lift (from 3 Nov)",
        3: "ask for  a lift (from 27 Oct)",
    }


def test_the_same_title_and_start_date_are_numbered_in_the_order_they_were_given():
    steps = [step(n, "Ask for a lift", date(2026, 11, 3)) for n in (12, 10, 11)]
    assert step_titles(steps) == {
        10: "Ask for a lift (from 3 Nov)",
        11: "Ask for a lift (from 3 Nov, #2)",
        12: "Ask for a lift (from 3 Nov, #3)",
    }


def test_no_steps_no_titles():
    assert step_titles([]) == {}
