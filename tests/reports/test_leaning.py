"""Leaning on each other in the report: rule 12 ("Alex leans, Sam rarely notices", and the
reverse) at its boundaries, judged on the acts answered only, and the section that pairs each
act with its answer."""

from __future__ import annotations

from datetime import date

import pytest

from reports import derive_talking_points, render_pre_session_report
from reports.data import LeaningAct, LeaningDirection
from reports.talking_points import MIN_LEANING_ACTS, RARELY_NOTICED_BELOW
from tests.support.pdf_text import all_text
from tests.support.report_data import make_report_data

DAY = date(2025, 11, 4)


def direction(
    leaner: str, other: str, acts: int, noticed: int, answered: int | None = None
) -> LeaningDirection:
    """``answered`` defaults to every act."""
    return LeaningDirection(leaner, other, acts, acts if answered is None else answered, noticed)


def rarely_points(*directions: LeaningDirection) -> list[str]:
    points = derive_talking_points(make_report_data(leaning=directions))
    return [p.text for p in points if "rarely notices" in p.text]


def test_rarely_is_at_least_three_answered_acts_and_fewer_than_half_of_them_noticed() -> None:
    assert (MIN_LEANING_ACTS, RARELY_NOTICED_BELOW) == (3, 0.5)
    assert rarely_points(direction("Alex", "Sam", 3, 1)) == [
        "Alex leans on Sam, and Sam rarely notices"
    ]
    assert rarely_points(direction("Alex", "Sam", 2, 0)) == []  # too few acts to judge
    assert rarely_points(direction("Alex", "Sam", 3, 2)) == []  # two of three noticed
    assert rarely_points(direction("Alex", "Sam", 4, 2)) == []  # exactly half is not rarely
    assert rarely_points(direction("Alex", "Sam", 4, 1)) == [
        "Alex leans on Sam, and Sam rarely notices"
    ]


def test_acts_not_answered_yet_count_for_nothing() -> None:
    # Alex leaned three times and Sam has not opened their page: nothing to judge.
    assert rarely_points(direction("Alex", "Sam", 3, 0, answered=0)) == []
    # Many acts, but only two answered: still too few answers, whatever they said.
    assert rarely_points(direction("Alex", "Sam", 9, 0, answered=2)) == []
    # Three answered, one noticed: rarely, however many more are still open.
    assert rarely_points(direction("Alex", "Sam", 9, 1, answered=3)) == [
        "Alex leans on Sam, and Sam rarely notices"
    ]
    # Two of three answered ones noticed: not rarely, though 2 of 9 acts is under half.
    assert rarely_points(direction("Alex", "Sam", 9, 2, answered=3)) == []


def test_the_evidence_gives_the_answers_and_those_still_open() -> None:
    data = make_report_data(leaning=(direction("Alex", "Sam", 5, 1, answered=3),))
    [point] = [p for p in derive_talking_points(data) if "rarely notices" in p.text]
    assert point.evidence == (
        "Alex leaned on Sam 5 times this period; Sam answered 3 and noticed 1; 2 not answered "
        "yet — based on 3 answers"
    )
    # Acts past the page's two weeks were not refused: they are no longer asked.
    past = LeaningDirection("Alex", "Sam", 6, 3, 1, no_longer_asked=2)
    [point] = [
        p for p in derive_talking_points(make_report_data(leaning=(past,))) if "rarely" in p.text
    ]
    assert point.evidence == (
        "Alex leaned on Sam 6 times this period; Sam answered 3 and noticed 1; 1 not answered "
        "yet, 2 no longer asked (older than two weeks) — based on 3 answers"
    )
    data = make_report_data(leaning=(direction("Alex", "Sam", 4, 1),))
    [point] = [p for p in derive_talking_points(data) if "rarely notices" in p.text]
    assert point.evidence == (
        "Alex leaned on Sam 4 times this period; Sam answered 4 and noticed 1 — based on 4 answers"
    )


def test_the_reverse_is_its_own_point() -> None:
    assert rarely_points(direction("Alex", "Sam", 3, 3), direction("Sam", "Alex", 3, 0)) == [
        "Sam leans on Alex, and Alex rarely notices"
    ]
    assert rarely_points(direction("Alex", "Sam", 3, 0), direction("Sam", "Alex", 3, 1)) == [
        "Alex leans on Sam, and Sam rarely notices",
        "Sam leans on Alex, and Alex rarely notices",
    ]


def test_the_words_of_a_direction_lead_with_what_was_answered() -> None:
    assert (
        direction("Alex", "Sam", 3, 3, answered=3).summary
        == "Alex leaned on Sam 3 times; Sam answered 3 (noticed 3)"
    )
    assert direction("Alex", "Sam", 1, 0, 0).summary == (
        "Alex leaned on Sam 1 time; Sam answered 0 (noticed 0); 1 not answered yet"
    )
    # Older than the page's window and never answered: not a failure to notice.
    old = LeaningDirection("Alex", "Sam", 5, 1, 1, no_longer_asked=3)
    assert old.summary == (
        "Alex leaned on Sam 5 times; Sam answered 1 (noticed 1); 1 not answered yet, "
        "3 no longer asked (older than two weeks)"
    )


def test_the_words_of_an_answer() -> None:
    answered = LeaningAct(DAY, "Alex", "Sam", "Ask", True, "not_sure", 4, None, True)
    assert answered.answer == "noticed: not sure · felt valued 4/5 · shared with Alex"
    private = LeaningAct(DAY, "Alex", "Sam", "Ask", True, "yes")
    assert private.answer == "noticed: yes · counselor only"
    assert LeaningAct(DAY, "Alex", "Sam", "Ask", False).answer == "not answered yet"
    expired = LeaningAct(DAY, "Alex", "Sam", "Ask", False, no_longer_asked=True)
    assert expired.answer == "no longer asked (older than two weeks)"


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_report_pairs_each_act_with_its_answer(paper: str) -> None:
    acts = (
        LeaningAct(
            DAY, "Zoë", "José", "Ask their view on a work email", True, "yes", 5, "Glad.", False
        ),
        LeaningAct(date(2025, 11, 6), "Zoë", "José", "Hand over a chore", False),
    )
    data = make_report_data(
        paper=paper, leaning_acts=acts, leaning=(LeaningDirection("Zoë", "José", 2, 1, 1),)
    )
    text = " ".join(all_text(render_pre_session_report(data)).split())
    assert "Leaning on each other" in text
    # Which steps lean: the ladder file may mark a rung 2–5 step as not leaning, or others as so.
    assert "(steps that turn toward the other partner: by default those of rungs 2–5)" in text
    assert "Zoë leaned on José 2 times; José answered 1 (noticed 1); 1 not answered yet." in text
    assert (
        "Ask their view on a work email — noticed: yes · felt valued 5/5 · counselor only" in text
    )
    assert "Glad." in text
    assert "Hand over a chore — not answered yet" in text


def test_a_period_without_leaning_says_so() -> None:
    text = " ".join(all_text(render_pre_session_report(make_report_data())).split())
    assert "No step that leans on the other partner was checked off in this period." in text
