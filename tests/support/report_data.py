"""Builders of PreSessionReportData for the renderer's tests: realistic, hostile and empty."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reports import (
    READY_TO_MOVE_UP,
    AssignmentRow,
    PartnerReadiness,
    PartnerSummary,
    PreSessionReportData,
    ReadinessWeek,
    ReflectionItem,
    RungInfo,
    TalkingPoint,
    WeekCell,
)

BERLIN = ZoneInfo("Europe/Berlin")
PERIOD_START = date(2025, 10, 27)  # a Monday: the previous session
PERIOD_END = date(2025, 11, 9)
WEEKS = (PERIOD_START, PERIOD_START + timedelta(weeks=1))
CHART_WEEKS = tuple(PERIOD_START - timedelta(weeks=6 - i) for i in range(8))
# The two finished weeks a readiness verdict on Mon 10 Nov 2025 is about.
JUDGED_WEEKS = (date(2025, 10, 27), date(2025, 11, 3))
NOT_JUDGED = PartnerReadiness(signal=None, steady_on_top_rung=False, weeks=())
RUNGS = (
    RungInfo(1, "Notice your solo defaults"),
    RungInfo(2, "Small turns toward your partner"),
    RungInfo(3, "Share emotional loads"),
    RungInfo(4, "Collaborate on decisions"),
    RungInfo(5, "Ask for specific support"),
    RungInfo(6, 'Ask "How can we do this together?"'),
)


AGENDA = "Check in on José's week at work.\nPlan the weekend talk together."
NOTES = "Both tired; José quiet. Agreed to try the worry step daily and review in two weeks."


def _completion(done: int, target: int) -> float | None:
    """counselor.services.progress.readiness.completion, restated: importing it would load
    the application into the report tests, which prove the report package needs none."""
    return None if target <= 0 else min(max(done, 0), target) / target


def make_readiness(
    signal: str | None, *weeks: tuple[int, int, float | None], steady_on_top_rung: bool = False
) -> PartnerReadiness:
    """A readiness verdict on JUDGED_WEEKS from (done, target, lowest rung completion)."""
    return PartnerReadiness(
        signal=signal,
        steady_on_top_rung=steady_on_top_rung,
        weeks=tuple(
            ReadinessWeek(monday, done, target, lowest)
            for monday, (done, target, lowest) in zip(JUDGED_WEEKS, weeks, strict=True)
        ),
    )


def make_partner(name: str, **overrides: Any) -> PartnerSummary:
    """A partner who did 4 of 6 this period and 5 of 6 before, with no readiness
    suggestion, unless overridden. Completions follow the counts, as the service
    computes them."""
    fields: dict[str, Any] = {
        "name": name,
        "done_this_period": 4,
        "target_this_period": 6,
        "done_previous_period": 5,
        "target_previous_period": 6,
        "mean_comfort": 3.8,
        "previous_mean_comfort": 3.2,
        "streak_weeks": 3,
        "reminders_stopped": False,
        "weekly_completion": (None, 0.33, 0.67, 1.0, 0.67, 1.0, 0.67, 0.67),
        "weekly_mean_comfort": (None, 2.5, 3.0, 3.0, 3.5, 3.0, 4.0, 3.5),
        "readiness": NOT_JUDGED,
        "done_this_week": 2,  # the last chart week, so far
        "target_this_week": 3,
        "ratings_this_period": 5,
        "ratings_previous_period": 4,
        "last_check_in_on": date(2025, 11, 8),
        "recent_comforts": (4, 3, 4),
    }
    fields.update(overrides)
    fields.setdefault(
        "completion_this_period",
        _completion(fields["done_this_period"], fields["target_this_period"]),
    )
    fields.setdefault(
        "completion_previous_period",
        _completion(fields["done_previous_period"], fields["target_previous_period"]),
    )
    return PartnerSummary(**fields)


def week_cells(*done_target: tuple[int, int]) -> tuple[WeekCell, ...]:
    """One WeekCell per period week from (done, target) pairs."""
    return tuple(
        WeekCell(week, done, target)
        for week, (done, target) in zip(WEEKS, done_target, strict=True)
    )


def make_assignment(title: str, **overrides: Any) -> AssignmentRow:
    """A rung-3 step for each partner, twice a week, unless overridden."""
    fields: dict[str, Any] = {
        "title": title,
        "instructions": "Once today, tell your partner about one thing that weighed on you.",
        "rung_position": 3,
        "rung_title": "Share emotional loads",
        "assignee_label": "Each partner",
        "times_per_week": 2,
        "starts_on": date(2025, 10, 27),
        "due_on": None,
        "status": "active",
        "cells": (("Zoë", week_cells((2, 2), (1, 2))), ("José", week_cells((1, 2), (0, 2)))),
    }
    fields.update(overrides)
    return AssignmentRow(**fields)


def make_reflection(text: str, **overrides: Any) -> ReflectionItem:
    """A reflection Zoë shared on a rung-3 step, unless overridden."""
    fields: dict[str, Any] = {
        "occurred_on": date(2025, 11, 6),
        "partner_name": "Zoë",
        "rung_position": 3,
        "step_title": "Share one worry from your day",
        "text": text,
        "shared": True,
        "comfort": 4,
    }
    fields.update(overrides)
    return ReflectionItem(**fields)


def make_report_data(**overrides: Any) -> PreSessionReportData:
    """A realistic couple two weeks after their last session: Zoë steady, José struggling."""
    data = PreSessionReportData(
        practice_name="Harbour Couples Practice",
        counselor_name="Dr Miriam Okafor",
        couple_label="Zoë & José M.",
        timezone_name="Europe/Berlin",
        session_starts_at=datetime(2025, 11, 11, 17, 0, tzinfo=BERLIN),
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        period_description="since the previous session on Mon 27 Oct",
        current_rung=3,
        rungs=RUNGS,
        partners=(
            make_partner("Zoë"),
            make_partner(
                "José",
                done_this_period=1,
                done_previous_period=4,
                mean_comfort=2.5,
                previous_mean_comfort=3.4,
                streak_weeks=0,
                reminders_stopped=True,
                done_this_week=0,
                weekly_completion=(None, 0.33, 0.67, 0.67, 0.33, 0.67, 0.17, 0.0),
                weekly_mean_comfort=(None, 3.0, 3.5, 3.5, 3.0, 3.5, 2.5, None),
                ratings_this_period=4,
                ratings_previous_period=5,
                last_check_in_on=date(2025, 11, 4),
                recent_comforts=(2, 4, 3),
            ),
        ),
        assignments=_assignments(),
        chart_weeks=CHART_WEEKS,
        reflections=_reflections(),
        generated_at=datetime(2025, 11, 10, 6, 30, tzinfo=UTC),
        agenda=AGENDA,
        last_session_on=PERIOD_START,
        last_session_notes=NOTES,
        paper="a4",
        readiness_bar=0.8,  # counselor.services.progress.readiness.READY_COMPLETION
    )
    return replace(data, **overrides)


def _assignments() -> tuple[AssignmentRow, ...]:
    return (
        make_assignment(
            "Share one worry from your day",
            instructions=(
                "Once a day, tell your partner about one small worry, before you have solved it "
                "yourself. You are not asking them to fix it; just let them carry a little of it "
                "with you, and notice how it feels to be heard."
            ),
            cells=(("Zoë", week_cells((2, 2), (1, 2))), ("José", week_cells((1, 2), (0, 2)))),
        ),
        make_assignment(
            "Hand over a chore you usually do",
            instructions=(
                "Choose one chore you always do yourself and ask your partner to take it on this "
                "week. Let them do it their own way, and tell them you appreciated the help."
            ),
            rung_position=2,
            rung_title="Small turns toward your partner",
            times_per_week=1,
            starts_on=date(2025, 10, 13),
            cells=(("Zoë", week_cells((1, 1), (0, 1))), ("José", week_cells((0, 1), (0, 1)))),
        ),
        make_assignment(
            "Talk through a stressful week together",
            instructions=(
                "Set aside twenty minutes at the weekend. Each of you names the hardest moment of "
                "the week and what would have helped. Listen first; plans can wait."
            ),
            assignee_label="Together",
            times_per_week=1,
            due_on=date(2025, 11, 23),
            cells=(("Together", week_cells((1, 1), (0, 1))),),
            check_ins_by_partner=(("Zoë", 1), ("José", 0)),
        ),
    )


def _reflections() -> tuple[ReflectionItem, ...]:
    return (
        make_reflection(
            "I told José about the deadline instead of staying late alone. He made tea and "
            "just listened; it was easier than I expected.",
            occurred_on=date(2025, 11, 6),
        ),
        make_reflection(
            "I wanted to tell Zoë about my father's appointment but the evening got away from "
            "me. I am not sure why this is so hard.",
            occurred_on=date(2025, 11, 4),
            partner_name="José",
            shared=False,
            comfort=2,
        ),
        make_reflection(
            "José did the grocery run his way. We ended up with three kinds of pasta & no "
            "onions, and we laughed about it.",
            occurred_on=date(2025, 10, 30),
            rung_position=2,
            step_title="Hand over a chore you usually do",
            comfort=5,
        ),
    )


def make_empty_data() -> PreSessionReportData:
    """A couple just set up: nothing assigned, nothing logged, no rung yet."""
    quiet = {
        "done_this_period": 0,
        "target_this_period": 0,
        "done_previous_period": 0,
        "target_previous_period": 0,
        "mean_comfort": None,
        "previous_mean_comfort": None,
        "streak_weeks": 0,
        "weekly_completion": (None,) * 8,
        "weekly_mean_comfort": (None,) * 8,
        "done_this_week": 0,
        "target_this_week": 0,
        "ratings_this_period": 0,
        "ratings_previous_period": 0,
        "last_check_in_on": None,
        "recent_comforts": (),
    }
    return make_report_data(
        current_rung=None,
        session_starts_at=None,
        period_description="the last 14 days",
        partners=(make_partner("Zoë", **quiet), make_partner("José", **quiet)),
        assignments=(),
        reflections=(),
        agenda=None,
        last_session_on=None,
        last_session_notes=None,
    )


def make_quiet_data() -> PreSessionReportData:
    """A couple a week into their first step: one check-in, one reflection, no agenda yet
    and no notes from an earlier session."""
    partners = (
        make_partner("Zoë", done_this_period=1, target_this_period=2, done_previous_period=0,
                     target_previous_period=0, mean_comfort=4.0, previous_mean_comfort=None,
                     ratings_this_period=1, ratings_previous_period=0, streak_weeks=0,
                     done_this_week=1, target_this_week=2, weekly_completion=(None,) * 7 + (0.5,),
                     weekly_mean_comfort=(None,) * 7 + (4.0,)),
        make_partner("José", done_this_period=0, target_this_period=2, done_previous_period=0,
                     target_previous_period=0, mean_comfort=None, previous_mean_comfort=None,
                     ratings_this_period=0, ratings_previous_period=0, streak_weeks=0,
                     last_check_in_on=None, recent_comforts=(), done_this_week=0,
                     target_this_week=2, weekly_completion=(None,) * 7 + (0.0,),
                     weekly_mean_comfort=(None,) * 8),
    )  # fmt: skip
    step = make_assignment(
        "Notice one moment you did it alone",
        rung_position=1,
        rung_title="Notice your solo defaults",
        starts_on=date(2025, 11, 3),
        cells=(("Zoë", week_cells((0, 0), (1, 2))), ("José", week_cells((0, 0), (0, 2)))),
    )
    return make_report_data(
        current_rung=1,
        period_start=date(2025, 10, 27),
        period_description="the last 14 days",
        partners=partners,
        assignments=(step,),
        reflections=(
            make_reflection(
                "It was odd to notice. I always carry the bags.",
                rung_position=1,
                step_title=step.title,
                occurred_on=date(2025, 11, 5),
            ),
        ),
        agenda=None,
        last_session_on=None,
        last_session_notes=None,
    )


BUSY_AGENDA = "\n".join(
    f"{n}. " + line
    for n, line in enumerate(
        [
            "Start with José's week: the appointment with his father and how it went.",
            "Ask Zoë what made the worry step easy this time, and what would make it easier "
            "for José.",
            "The together step: only Zoë has been checking it off. Is José there for it?",
            "Review the chore hand-over: three kinds of pasta, no onions — what did they "
            "learn about letting the other do it their way?",
            "Comfort is falling for José although he keeps trying; name that effort.",
            "Decide whether rung 3 stays for another two weeks or whether Zoë's pace "
            "suggests adding a step.",
            "Leave ten minutes for what they bring themselves.",
            "Homework for the next two weeks: agree on one change together.",
        ]
        * 3,
        start=1,
    )
)
BUSY_NOTES = (
    "Session went well overall. Zoë talked about work pressure; José mostly listened and "
    "said later that he felt 'left out of the planning'. We practised the worry exchange in "
    "the room: José managed one small worry, Zoë responded with a question rather than a "
    "fix, which he noticed and appreciated.\n"
    "Agreed: the worry step daily, the chore hand-over weekly, the weekend talk together. "
    "Watch for José withdrawing when Zoë is busy; he may stop checking in rather than say "
    "it is hard. Next time ask about his father's health and the appointment.\n" * 4
)


def make_busy_data() -> PreSessionReportData:
    """A busy fortnight: many check-ins and reflections, a long agenda and long notes, and
    figures that set off most talking-point rules."""
    data = make_report_data()
    zoe, jose = data.partners
    zoe = replace(zoe, done_this_period=12, target_this_period=12, done_previous_period=8,
                  target_previous_period=12, completion_this_period=1.0,
                  completion_previous_period=8 / 12, ratings_this_period=12,
                  ratings_previous_period=8,
                  readiness=make_readiness(READY_TO_MOVE_UP, (6, 6, 1.0), (6, 6, 1.0)))  # fmt: skip
    jose = replace(jose, done_this_period=3, target_this_period=12, completion_this_period=0.25,
                   done_previous_period=8, target_previous_period=12,
                   completion_previous_period=8 / 12, last_check_in_on=date(2025, 11, 1),
                   recent_comforts=(1, 2, 4),
                   readiness=make_readiness(None, (2, 6, 0.33), (1, 6, 0.17)))  # fmt: skip
    worry, chore, talk = data.assignments
    worry = replace(worry, early_weeks=(("Zoë", 2), ("José", 0)))
    talk = replace(talk, check_ins_by_partner=(("Zoë", 4), ("José", 0)))
    texts = [r.text for r in data.reflections]
    reflections = tuple(
        make_reflection(
            f"{texts[i % 3]} " + "We talked about it again the next evening. " * (i % 4),
            occurred_on=PERIOD_END - timedelta(days=i // 2),
            partner_name=("Zoë", "José")[i % 2],
            shared=i % 3 != 1,
            comfort=(4, 2, 5, 3, 1, 4)[i % 6],
        )
        for i in range(14)
    )
    return replace(
        data,
        partners=(zoe, jose),
        assignments=(worry, chore, talk, *(replace(a, title=f"{a.title} ({n})")
                                           for n, a in enumerate(data.assignments * 3))),
        reflections=reflections,
        agenda=BUSY_AGENDA,
        last_session_notes=BUSY_NOTES,
    )  # fmt: skip


def make_crowded_data() -> PreSessionReportData:
    """The busy couple with four partners' worth of talking points: 19 of them, more
    than page 1 shows."""
    busy = make_busy_data()
    points = tuple(
        TalkingPoint(
            f"Point {n}: {name} has stopped reminder emails and needs a word about it",
            f"{name}: reminders stopped; 4 of 6 this period — based on 6 check-offs due "
            "and the partner's own email setting, read on the day the report was made",
        )
        for n, name in enumerate(["Zoë", "José"] * 10, start=1)
    )[:19]
    return replace(busy, talking_points=points)


# --- the hostile set ---------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
TOM_AND_JERRY = "Tom & Jerry <b>bold</b>"
HEBREW = "אני מרגיש שאנחנו מתקרבים"
ARABIC = "أشعر أننا نقترب من بعضنا"
EMOJI = "😊🙏🏽👨‍👩‍👧"
HOSTILE_INSERTS = (
    f"Today felt lighter {EMOJI} and we hugged.",
    f"My mother said {HEBREW} on the phone.",
    f"A friend wrote {ARABIC} to us.",
    f"I typed {SCRIPT} and then {TOM_AND_JERRY} as a joke.",
    "A very long word: " + "unbelievably" * 25 + " and a tab\there, a null\x00 and 你好.",
)


def hostile_reflection_text(index: int, length: int = 2000) -> str:
    """About ``length`` characters of numbered sentences around one hostile insert."""
    sentences = [HOSTILE_INSERTS[index % len(HOSTILE_INSERTS)]]
    n = 0
    while sum(len(s) + 1 for s in sentences) < length:
        n += 1
        sentences.append(f"Entry{index}x{n}: I noticed I wanted to do it alone again.")
    middle = len(sentences) // 2
    sentences.insert(middle, "\n\n")
    return " ".join(sentences)[:length]


def make_hostile_data(*, check_ins: bool = True) -> PreSessionReportData:
    """Emoji, right-to-left text, markup, long text and many steps all at once."""
    partners = (
        make_partner(f"Zoë {EMOJI}"),
        make_partner("יוסף", done_this_period=0, reminders_stopped=True),
    )
    if not check_ins:
        partners = tuple(
            replace(p, done_this_period=0, done_previous_period=0, completion_this_period=0.0,
                    completion_previous_period=0.0, mean_comfort=None,
                    previous_mean_comfort=None, streak_weeks=0,
                    weekly_completion=(0.0,) * 8, weekly_mean_comfort=(None,) * 8)
            for p in partners
        )  # fmt: skip
    names = [p.name for p in partners]
    assignments = tuple(
        make_assignment(
            f"Step {i}: {SCRIPT} {TOM_AND_JERRY} {HEBREW if i % 3 == 0 else ARABIC}",
            instructions=f"{TOM_AND_JERRY} {SCRIPT} " + "Ask for help once a day. " * 8,
            rung_position=i % 6 + 1,
            cells=tuple(
                (name, week_cells((0, 2), (1, 2) if check_ins else (0, 2))) for name in names
            ),
        )
        for i in range(40)
    )
    long_ones = [
        make_reflection(
            hostile_reflection_text(i),
            partner_name=names[i % 2],
            shared=i % 2 == 0,
            step_title=f"{SCRIPT} & {TOM_AND_JERRY}",
        )
        for i in range(5)
    ]
    right_to_left = make_reflection(f"{HEBREW}. {ARABIC}.", partner_name=names[1], shared=False)
    reflections = (*long_ones, right_to_left) if check_ins else ()
    hostile_words = " ".join(HOSTILE_INSERTS)
    return make_report_data(
        agenda=f"{SCRIPT}\n{hostile_words}\n" + hostile_reflection_text(7, 1500),
        last_session_notes=f"{HEBREW}\n{ARABIC} {EMOJI}\n{TOM_AND_JERRY} " + "x" * 400,
        practice_name=f"Practice {TOM_AND_JERRY}",
        counselor_name=f"Dr {SCRIPT}",
        couple_label=f"{TOM_AND_JERRY} {EMOJI} & {HEBREW}",
        period_description=f"since {SCRIPT}",
        partners=partners,
        assignments=assignments,
        reflections=reflections,
        talking_points=None,
    )
