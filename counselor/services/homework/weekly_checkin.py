"""The weekly healthy-dependence check-in: its rules in one place.

The counselor turns it on per couple (``Couple.weekly_checkin``). Each partner then rates
every current item (the ladder file's ``[weekly_checkin]``, synced by
``homework.ladder.sync_weekly_items``) from 1 to 5 once per their own local week
(``week_rules.partner_current_week``); answering again in the same week replaces their
answers. Every item is required and nothing is written unless all are valid.

``couple_series`` reads the answers back as each partner's series — per week, each item's
score and the partner's mean; the latest week's change; and the items the partners scored
``DIVERGENCE_POINTS`` or more apart in the same week. The couple page, the API and the
report all show what it returns (the report's data carries it), so they always agree.
Scores are compared only in the same words: an item reworded between the two weeks has no
change (nor has the partner's mean), and two partners who rated different wordings in one
week are not flagged apart — each marked "wording changed" instead.
A mean is kept to one decimal, as every page shows it, and its change is the difference
of those shown means (``_mean``), so "2.8 → 3.7" always reads "+0.9" beside it.
It is a practice tool to talk about in sessions, not a validated clinical measure
(``reports.data.PRACTICE_TOOL_NOTE``, shown wherever its figures are).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from statistics import mean

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Couple, CoupleStatus, Partner, WeeklyAnswer, WeeklyCheckinItem
from counselor.services.audit import Actor, record_event
from counselor.services.couples.erased import refuse_if_erased
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.progress import week_rules
from counselor.services.progress.charts import LineChart, Tick, completion_chart
from counselor.tenancy import get_in_practice
from reports.data import (
    PRACTICE_TOOL_NOTE,
    WeeklyCheckinData,
    WeeklyDivergence,
    WeeklyItem,
    WeeklyPartnerSeries,
)
from reports.weekly_checkin import DIFFERENT_WORDS, item_change, mean_change, signed_change

# Two scores this far apart or more, for the same item in the same week, are flagged: a
# one-point gap is ordinary wobble on a 1–5 scale, two points is a different week.
DIVERGENCE_POINTS = 2
# The weeks the series covers, the latest being the current one (as the completion chart).
WEEKS_SHOWN = 8
MEAN_DECIMALS = 1  # a partner's weekly mean and its change, everywhere they show
LOWEST, HIGHEST = 1, 5


def choose_a_score() -> str:
    return gettext("Choose a number from %(low)s to %(high)s.", low=LOWEST, high=HIGHEST)


def current_items() -> list[WeeklyCheckinItem]:
    """The items a partner is asked now, in the ladder file's order."""
    return list(
        db.session.scalars(
            sa.select(WeeklyCheckinItem)
            .where(WeeklyCheckinItem.retired.is_(False))
            .order_by(WeeklyCheckinItem.position, WeeklyCheckinItem.id)
        )
    )


def form_open(partner: Partner) -> bool:
    """Whether the partner may answer: the counselor turned the check-in on and the couple
    is active (a paused, closed or erased couple's partner gets no form)."""
    couple = partner.couple
    return (
        couple.weekly_checkin and couple.status == CoupleStatus.ACTIVE and couple.erased_at is None
    )


def answers_this_week(partner: Partner, now: datetime | None = None) -> dict[str, int]:
    """The partner's scores for their current week, by item key (empty: not answered)."""
    week = week_rules.partner_current_week(partner, now)
    rows = db.session.execute(
        sa.select(WeeklyCheckinItem.key, WeeklyAnswer.score)
        .join(WeeklyCheckinItem, WeeklyAnswer.item_id == WeeklyCheckinItem.id)
        .where(WeeklyAnswer.partner_id == partner.id, WeeklyAnswer.week_start == week)
    )
    return {key: score for key, score in rows}


def record_answers(
    actor: Actor,
    partner: Partner,
    scores: Mapping[str, object],
    now: datetime | None = None,
) -> date:
    """Store the partner's score for every current item (``scores`` by item key; a form's
    strings are read as whole numbers) for their current local week, replacing any they
    gave this week. Every item is required: one missing or out of range refuses them all,
    naming each. Returns the week's Monday. The audit event names the partner, never the
    scores."""
    if not form_open(partner):
        raise InvalidInput.single(
            "weekly_checkin", gettext("The weekly check-in is not open for you right now.")
        )
    items = current_items()
    problems = FieldErrors()
    chosen: dict[int, tuple[WeeklyCheckinItem, int]] = {}
    for item in items:
        score = _score(scores.get(item.key))
        if score is None:
            problems.add(item.key, choose_a_score())
        else:
            chosen[item.id] = (item, score)
    problems.raise_if_any()
    week = week_rules.partner_current_week(partner, now)
    _upsert(partner, week, chosen.values())
    record_event(actor, "weekly_checkin.answered", "partner", partner.id)
    return week


def _score(value: object) -> int | None:
    """A whole number from LOWEST to HIGHEST, from an int or a form's text; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = int(value) if value.isascii() and value.isdigit() and len(value) <= 2 else None
    if isinstance(value, int) and LOWEST <= value <= HIGHEST:
        return value
    return None


def _upsert(partner: Partner, week: date, chosen: Iterable[tuple[WeeklyCheckinItem, int]]) -> None:
    """One statement for the week's answers: the unique (partner, week, item) key makes a
    second answer — a re-post, a second tab — replace the first instead of failing. The
    answer records the version of the words the partner was shown."""
    stamp = timeutil.utcnow()
    rows = [
        {
            "practice_id": partner.couple.practice_id,
            "couple_id": partner.couple_id,
            "partner_id": partner.id,
            "week_start": week,
            "item_id": item.id,
            "item_version": item.version,
            "score": score,
            "created_at": stamp,
            "updated_at": stamp,
        }
        for item, score in chosen
    ]
    if not rows:
        return
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(WeeklyAnswer).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["partner_id", "week_start", "item_id"],
        set_={
            "score": statement.excluded.score,
            "item_version": statement.excluded.item_version,
            "updated_at": statement.excluded.updated_at,
        },
    )
    db.session.execute(statement)


def set_enabled(actor: Actor, couple_id: int, enabled: bool) -> bool:
    """Turn the couple's weekly check-in on or off; returns whether it was on. Answers
    already given stay (the couple page and the report keep showing them)."""
    couple = get_in_practice(Couple, couple_id)
    if enabled:
        refuse_if_erased(couple)  # nothing new is asked of an erased couple
    previous = couple.weekly_checkin
    if previous != enabled:
        couple.weekly_checkin = enabled
        action = "weekly_checkin.turned_on" if enabled else "weekly_checkin.turned_off"
        record_event(actor, action, "couple", couple.id)
    return previous


# --- the series -------------------------------------------------------------------------


def series_weeks(partners: Iterable[Partner], now: datetime | None = None) -> list[date]:
    """The Mondays the series covers, oldest first, up to the later of the partners'
    current weeks (one partner's Monday may come first in their zone)."""
    latest = max(week_rules.partner_current_week(p, now) for p in partners)
    return timeutil.week_starts_back(latest, WEEKS_SHOWN)


def couple_series(couple: Couple, now: datetime | None = None) -> WeeklyCheckinData:
    """The couple's series over ``WEEKS_SHOWN`` weeks, in one query."""
    partners = list(couple.partners)
    weeks = series_weeks(partners, now)
    both_begun = min(week_rules.partner_current_week(p, now) for p in partners)
    rows = db.session.execute(
        sa.select(
            WeeklyAnswer.partner_id,
            WeeklyAnswer.week_start,
            WeeklyAnswer.score,
            WeeklyAnswer.item_version,
            WeeklyCheckinItem,
        )
        .join(WeeklyCheckinItem, WeeklyAnswer.item_id == WeeklyCheckinItem.id)
        .where(
            WeeklyAnswer.couple_id == couple.id,
            WeeklyAnswer.week_start >= weeks[0],
            WeeklyAnswer.week_start <= weeks[-1],
        )
    ).all()
    answers = [
        Answer(partner_id, week, item, score, version)
        for partner_id, week, score, version, item in rows
    ]
    return series_from(
        answers, partners, weeks, enabled=couple.weekly_checkin, both_begun=both_begun
    )


@dataclass(frozen=True)
class Answer:
    """One stored score, with the version of the item's words the partner was shown."""

    partner_id: int
    week: date
    item: WeeklyCheckinItem
    score: int
    version: int


# (partner id, week, item key) -> (score, version of the words rated)
_Given = dict[tuple[int, date, str], tuple[int, int]]


def series_from(
    answers: Iterable[Answer],
    partners: list[Partner],
    weeks: list[date],
    *,
    enabled: bool,
    both_begun: date | None = None,
) -> WeeklyCheckinData:
    """The series from the answers: the rules, without a query. Items are those answered in
    the weeks (a retired one too, in its current words), in the ladder file's order.

    The latest week — the one compared with the week before — is the latest anyone answered
    among the weeks that have begun for both partners (``both_begun``: the earlier of their
    current weeks; default the last of ``weeks``). When one partner's zone reaches Monday
    first and they answer at once, the other is not shown "no answer" for a week they
    cannot answer yet: the comparison stays on the week before (the early answers already
    show in the chart) until the other's Monday comes. Only when nothing else was ever
    answered is that early week the latest."""
    given: _Given = {}
    items: dict[str, WeeklyCheckinItem] = {}
    for a in answers:
        given[(a.partner_id, a.week, a.item.key)] = (a.score, a.version)
        items[a.item.key] = a.item
    ordered = sorted(items.values(), key=lambda i: (i.position, i.id))
    answered = sorted({week for _, week, _ in given}, reverse=True)
    begun = both_begun or weeks[-1]
    latest = next((w for w in answered if w <= begun), answered[0] if answered else None)
    previous = latest - timedelta(weeks=1) if latest else None
    series = []
    for partner in partners:
        scores = tuple(
            tuple(_score_in(given, partner.id, week, item.key) for week in weeks)
            for item in ordered
        )
        means = tuple(_mean(row[index] for row in scores) for index in range(len(weeks)))
        reworded = [_reworded(given, partner.id, i.key, latest, previous) for i in ordered]
        changes = [
            None if moved else _whole(_change(row, weeks, latest, previous))
            for row, moved in zip(scores, reworded, strict=True)
        ]
        series.append(
            WeeklyPartnerSeries(
                name=partner.first_name,
                partner_id=partner.id,
                scores=scores,
                means=means,
                change=None if any(reworded) else _change(means, weeks, latest, previous),
                item_changes=tuple(changes),
                item_reworded=tuple(reworded),
            )
        )
    divergences, mixed = _divergences(given, partners, ordered, answered)
    return WeeklyCheckinData(
        enabled=enabled,
        weeks=tuple(weeks),
        items=tuple(WeeklyItem(i.key, i.text, i.low_label, i.high_label) for i in ordered),
        partners=tuple(series),
        divergences=divergences,
        divergence_points=DIVERGENCE_POINTS,
        latest_week=latest,
        mixed_wording=mixed,
    )


def _score_in(given: _Given, partner_id: int, week: date, key: str) -> int | None:
    answer = given.get((partner_id, week, key))
    return None if answer is None else answer[0]


def _reworded(
    given: _Given, partner_id: int, key: str, latest: date | None, previous: date | None
) -> bool:
    """Whether the partner rated the item in both weeks, but in different words."""
    if latest is None or previous is None:
        return False
    now, before = given.get((partner_id, latest, key)), given.get((partner_id, previous, key))
    return now is not None and before is not None and now[1] != before[1]


def _mean(values: Iterable[int | None]) -> float | None:
    """The week's mean to one decimal: the figure the couple page, the API and the PDF
    show, and the one its change subtracts (a change of means rounded otherwise — or not
    at all — can read "+0.8" beside "2.8 → 3.7")."""
    given = [v for v in values if v is not None]
    return round(mean(given), MEAN_DECIMALS) if given else None


def _change(
    values: tuple[float | None, ...] | tuple[int | None, ...],
    weeks: list[date],
    latest: date | None,
    previous: date | None,
) -> float | None:
    """The latest answered week's value minus the week before's; None when either is
    missing (a partner who skipped a week has no change to show, not a drop)."""
    if latest is None or previous is None or previous not in weeks:
        return None
    now, before = values[weeks.index(latest)], values[weeks.index(previous)]
    if now is None or before is None:
        return None
    return round(now - before, MEAN_DECIMALS)  # one decimal apart: only float noise goes


def _whole(change: float | None) -> int | None:
    return None if change is None else int(change)


def _divergences(
    given: _Given,
    partners: list[Partner],
    items: list[WeeklyCheckinItem],
    weeks_newest_first: list[date],
) -> tuple[tuple[WeeklyDivergence, ...], tuple[tuple[date, str], ...]]:
    """Per week (newest first) and item (in order): both partners answered, in the same
    words, and their scores are ``DIVERGENCE_POINTS`` or more apart. Second, the (week,
    item key) pairs both answered in different words (the ladder file changed between their
    answers that week): not compared, whatever the scores."""
    found, mixed = [], []
    for week in weeks_newest_first:
        for item in items:
            answers = [given.get((p.id, week, item.key)) for p in partners]
            if len(partners) < 2 or any(a is None for a in answers):
                continue
            scores = tuple(a[0] for a in answers if a is not None)
            if len({a[1] for a in answers if a is not None}) > 1:
                mixed.append((week, item.key))
            elif max(scores) - min(scores) >= DIVERGENCE_POINTS:
                found.append(WeeklyDivergence(week, item.key, item.text, scores))
    return tuple(found), tuple(mixed)


# --- the couple page's chart ---------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyCheckinView:
    """The couple page's check-in section: the series (the report's own; None while the
    check-in is off and was never answered) and its chart of each partner's mean per week,
    drawn on a 1–5 scale."""

    data: WeeklyCheckinData | None
    chart: LineChart | None

    note = PRACTICE_TOOL_NOTE

    @staticmethod
    def week_label(week: date) -> str:
        return f"{week.day} {week:%b}"

    @staticmethod
    def point_score(value: float) -> str:
        """A chart point's mean score again, for its title: "3.5" (``checkin_view`` drew
        it at ``_on_chart``)."""
        return f"{LOWEST + value * (HIGHEST - LOWEST):.1f}"

    signed = staticmethod(signed_change)  # the report's words for a change
    mean_change = staticmethod(mean_change)  # …for a partner's mean ("wording changed")
    item_change = staticmethod(item_change)  # …for a statement's score
    different_words = DIFFERENT_WORDS


def checkin_view(data: WeeklyCheckinData | None) -> WeeklyCheckinView:
    """The couple page's view of the series the report's data carries (no query)."""
    if data is None:
        return WeeklyCheckinView(None, None)
    # The chart draws 0–1, and its axis is labelled LOWEST to HIGHEST.
    series = [
        (p.name, [None if m is None else _on_chart(m) for m in p.means]) for p in data.partners
    ]
    chart = completion_chart([WeeklyCheckinView.week_label(w) for w in data.weeks], series)
    span = chart.bottom - chart.top
    ticks = [
        Tick(round(chart.bottom - _on_chart(score) * span, 1), str(score))
        for score in range(LOWEST, HIGHEST + 1)
    ]
    return WeeklyCheckinView(data, replace(chart, y_ticks=ticks))


def _on_chart(score: float) -> float:
    """Where a score sits on the chart's 0–1 scale; ``WeeklyCheckinView.point_score`` reads
    it back."""
    return (score - LOWEST) / (HIGHEST - LOWEST)


# --- the partner page's card -------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyCard:
    """The card on the partner's page: how many items, and whether they answered this week."""

    questions: int
    answered: bool

    note = PRACTICE_TOOL_NOTE


def partner_card(partner: Partner, now: datetime | None = None) -> WeeklyCard | None:
    """The card, or None when the partner has no form (``form_open``): then no query."""
    if not form_open(partner):
        return None
    answered = bool(answers_this_week(partner, now))
    return WeeklyCard(questions=len(current_items()), answered=answered)
