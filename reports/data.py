"""The pre-session report's input: plain, frozen dataclasses that a service fills in.

Nothing here knows about Flask, the database or the clock; every value the report
shows (including when it was generated) arrives in these objects. So do the figures the
service decides by its rules — completion ratios and each partner's readiness — so that
the report says exactly what the dashboard and the API say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# The values of PartnerReadiness.signal, as the dashboard and the API name them.
READY_TO_MOVE_UP = "ready_to_move_up"
DISCUSS_BARRIERS = "discuss_barriers"
# AssignmentRow.assignee_label (and its one row's label) of a step the couple does together.
TOGETHER_LABEL = "Together"


@dataclass(frozen=True)
class RungInfo:
    """One rung of the practical-steps ladder: its position (1 is the first) and title."""

    position: int
    title: str


@dataclass(frozen=True)
class ReadinessWeek:
    """One of the two finished weeks the readiness rule judged, as the evidence quoted.

    ``lowest_rung_completion`` is the weakest completion (0–1) among the current rung's
    steps the partner had a target for that week; None when none was due."""

    week_start: date
    done: int
    target: int
    lowest_rung_completion: float | None


@dataclass(frozen=True)
class PartnerReadiness:
    """A partner's readiness as the service's one rule decided it; the report shows it and
    never decides it.

    ``signal`` is READY_TO_MOVE_UP, DISCUSS_BARRIERS or None. ``steady_on_top_rung``: every
    step of the ladder's top rung met the bar in both weeks — there is no rung to move up
    to, so no signal, but keeping it up is worth a word. ``weeks`` are the two weeks
    judged, older first (empty when there was nothing to judge).
    """

    signal: str | None
    steady_on_top_rung: bool
    weeks: tuple[ReadinessWeek, ...]


@dataclass(frozen=True)
class PartnerSummary:
    """One partner's progress over the report period and the period before it.

    ``completion_this_period`` and ``completion_previous_period`` are done ÷ target,
    0–1, None when nothing was due — computed by the service's one completion function.
    ``weekly_completion`` and ``weekly_mean_comfort`` cover the report's eight
    ``chart_weeks``, oldest first; completion is 0–1 and either is None for a
    week with nothing due or nothing rated. ``done_this_week`` and ``target_this_week``
    are the last chart week so far, the figure the dashboard shows. ``reminders_stopped``:
    the partner stopped emails; ``reminders_paused_until``: the partner paused reminders
    until that day (the practice's date) — both as the dashboard and the API say.
    ``ratings_this_period`` and ``ratings_previous_period`` count the comfort ratings each
    mean rests on. ``last_check_in_on`` is the partner's latest check-in in the last
    eight weeks or so (None: none), and ``recent_comforts`` the partner's last three
    comfort ratings in those weeks, newest first (fewer when fewer were given).
    """

    name: str
    done_this_period: int
    target_this_period: int
    done_previous_period: int
    target_previous_period: int
    mean_comfort: float | None
    previous_mean_comfort: float | None
    streak_weeks: int
    reminders_stopped: bool
    weekly_completion: tuple[float | None, ...]
    weekly_mean_comfort: tuple[float | None, ...]
    completion_this_period: float | None
    completion_previous_period: float | None
    readiness: PartnerReadiness
    reminders_paused_until: date | None = None
    done_this_week: int = 0
    target_this_week: int = 0
    ratings_this_period: int = 0
    ratings_previous_period: int = 0
    last_check_in_on: date | None = None
    recent_comforts: tuple[int, ...] = ()


@dataclass(frozen=True)
class WeekCell:
    """One partner's check-ins of one assignment in one week (starting ``week_start``):
    ``done`` as counted, ``target`` pro rata in a week the step only partly covers. It is
    shown as ``counted/target`` and ``beyond`` apart, as on the dashboard: "1/1 +1", never
    "2/1"."""

    week_start: date
    done: int
    target: int

    @property
    def counted(self) -> int:
        return min(self.done, self.target) if self.target > 0 else self.done

    @property
    def beyond(self) -> int:
        return max(self.done - self.target, 0) if self.target > 0 else 0


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment as given to the couple, with per-partner weekly counts.

    ``cells`` pairs each partner's name (or "Together": one joint row for a
    joint step) with that partner's ``WeekCell`` for every week of the period.
    ``assignee_label`` is human-readable ("Each partner", "Together", "Zoë"). ``title`` is
    told apart from another step's with the same title by its start date. ``ended_on``: the
    day a completed or cancelled step ended (its last week's target is pro rata).
    ``check_ins_by_partner``: each partner's name with their check-ins of the step in the
    period — for a together step, who actually checks it off. ``early_weeks``: per row
    label of ``cells``, the period weeks whose whole target was met by Wednesday.
    """

    title: str
    instructions: str
    rung_position: int
    rung_title: str
    assignee_label: str
    times_per_week: int
    starts_on: date
    due_on: date | None
    status: str
    cells: tuple[tuple[str, tuple[WeekCell, ...]], ...]
    ended_on: date | None = None
    check_ins_by_partner: tuple[tuple[str, int], ...] = ()
    early_weeks: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ReflectionItem:
    """A check-in's reflection; ``shared`` is True when the other partner can read it.
    ``withdrawn_on``: the day its partner took back a reflection they had shared (the
    counselor still reads it, marked as withdrawn)."""

    occurred_on: date
    partner_name: str
    rung_position: int
    step_title: str
    text: str
    shared: bool
    comfort: int | None
    withdrawn_on: date | None = None


@dataclass(frozen=True)
class TalkingPoint:
    """A suggestion for the session and the data that triggered it."""

    text: str
    evidence: str


# LeaningAct.noticed in words.
NOTICED_WORDS = {"yes": "yes", "not_sure": "not sure", "no": "no"}
# An act without an answer: still asked on the other partner's page, or no longer — it is
# older than the invitation window (``homework.leaning.WINDOW_DAYS``: two weeks), and as
# the page shows only the newest few invitations, it may never have been shown at all.
NOT_ANSWERED_YET = "not answered yet"
NO_LONGER_ASKED = "no longer asked (older than two weeks)"


@dataclass(frozen=True)
class LeaningAct:
    """A check-off of a step that leans on the other partner (done alone, on rungs 2–5 or a
    step the ladder marks), paired with that partner's acknowledgement: ``noticed`` is
    "yes", "not_sure" or "no", None while not acknowledged; ``felt_valued`` 1–5 or None;
    ``note`` is client text; ``shared``: the partner who leaned may read the answer;
    ``no_longer_asked``: not answered, and past the window in which the page asks."""

    occurred_on: date
    leaner_name: str
    leaned_on_name: str
    step_title: str
    acknowledged: bool
    noticed: str | None = None
    felt_valued: int | None = None
    note: str | None = None
    shared: bool = False
    no_longer_asked: bool = False

    @property
    def answer(self) -> str:
        """The answer in short, as the couple page and the report give it: "noticed: yes ·
        felt valued 5/5 · shared with Alex", "not answered yet", or "no longer asked (older
        than two weeks)"."""
        if not self.acknowledged:
            return NO_LONGER_ASKED if self.no_longer_asked else NOT_ANSWERED_YET
        parts = [f"noticed: {NOTICED_WORDS.get(self.noticed or '', self.noticed)}"]
        if self.felt_valued is not None:
            parts.append(f"felt valued {self.felt_valued}/5")
        parts.append(f"shared with {self.leaner_name}" if self.shared else "counselor only")
        return " · ".join(parts)


@dataclass(frozen=True)
class LeaningDirection:
    """One partner leaning on the other over the period: how many leaning acts, how many
    the other acknowledged, how many they noticed (answered "yes"), and how many of those
    not answered are no longer asked (``LeaningAct.no_longer_asked``)."""

    leaner_name: str
    leaned_on_name: str
    acts: int
    acknowledged: int
    noticed: int
    no_longer_asked: int = 0

    @property
    def not_answered_yet(self) -> int:
        """Acts still asked on the other partner's page and not answered."""
        return self.acts - self.acknowledged - self.no_longer_asked

    @property
    def unanswered(self) -> str:
        """The acts without an answer, in words: "2 not answered yet, 3 no longer asked
        (older than two weeks)"; "" when every act was answered."""
        parts = [
            f"{n} {words}"
            for n, words in (
                (self.not_answered_yet, NOT_ANSWERED_YET),
                (self.no_longer_asked, NO_LONGER_ASKED),
            )
            if n
        ]
        return ", ".join(parts)

    @property
    def summary(self) -> str:
        """In words, leading with what was answered: "Alex leaned on Sam 5 times; Sam
        answered 2 (noticed 1); 3 no longer asked (older than two weeks)". An act never
        answered is not one the partner failed to notice: they may never have been asked."""
        times = "1 time" if self.acts == 1 else f"{self.acts} times"
        words = (
            f"{self.leaner_name} leaned on {self.leaned_on_name} {times}; "
            f"{self.leaned_on_name} answered {self.acknowledged} (noticed {self.noticed})"
        )
        return f"{words}; {self.unanswered}" if self.unanswered else words


# What the weekly check-in is, said wherever its figures are: the partner's page, the
# couple page and the report.
PRACTICE_TOOL_NOTE = (
    "A practice tool to talk about in your sessions, not a clinical test or a validated measure."
)


@dataclass(frozen=True)
class WeeklyItem:
    """A statement of the weekly healthy-dependence check-in, rated 1 (``low_label``) to 5
    (``high_label``); 5 is always the more shared, trusted, valued or included end."""

    key: str
    text: str
    low_label: str
    high_label: str


@dataclass(frozen=True)
class WeeklyPartnerSeries:
    """One partner's weekly check-in answers. ``scores`` holds, per item of
    ``WeeklyCheckinData.items``, a score per week of its ``weeks`` (None: not answered);
    ``means`` the partner's mean per week; ``change`` the latest week's mean minus the week
    before's and ``item_changes`` the same per item (None when either week is unanswered).
    ``item_reworded``, per item: the partner rated it in both weeks but its words changed
    between them, so it has no change — and nor has the mean (``wording_changed``)."""

    name: str
    partner_id: int
    scores: tuple[tuple[int | None, ...], ...]
    means: tuple[float | None, ...]
    change: float | None
    item_changes: tuple[int | None, ...]
    item_reworded: tuple[bool, ...] = ()

    @property
    def wording_changed(self) -> bool:
        return any(self.item_reworded)


@dataclass(frozen=True)
class WeeklyDivergence:
    """An item the partners scored ``divergence_points`` or more apart in the same week;
    ``scores`` in the order of the partners."""

    week_start: date
    item_key: str
    item_text: str
    scores: tuple[int, ...]


@dataclass(frozen=True)
class WeeklyCheckinData:
    """The couple's weekly check-in, decided by the service's one function
    (``services/homework/weekly_checkin.couple_series``) for the couple page, the API and
    the report. ``weeks`` are Mondays, oldest first; ``latest_week`` the latest of them
    anyone answered that has begun for both partners (None: nobody yet); ``divergences``
    newest week first, in item order; ``mixed_wording`` the (week, item key) pairs the
    partners rated in different words (never counted as a divergence)."""

    enabled: bool
    weeks: tuple[date, ...]
    items: tuple[WeeklyItem, ...]
    partners: tuple[WeeklyPartnerSeries, ...]
    divergences: tuple[WeeklyDivergence, ...]
    divergence_points: int
    latest_week: date | None
    mixed_wording: tuple[tuple[date, str], ...] = ()

    @property
    def shown(self) -> bool:
        """Worth a section: the check-in is on, or answers were given while it was."""
        return self.enabled or bool(self.items)

    def is_divergent(self, week_start: date, item_key: str) -> bool:
        return any(d.week_start == week_start and d.item_key == item_key for d in self.divergences)

    def wording_differs(self, week_start: date, item_key: str) -> bool:
        return (week_start, item_key) in self.mixed_wording


@dataclass(frozen=True)
class PreSessionReportData:
    """Everything the pre-session report shows, ready to render.

    ``session_starts_at`` is aware and already in the practice's zone
    (``timezone_name``); ``generated_at`` is aware and is shown in that zone.
    ``period_description`` follows the period's dates on page 1, e.g. "since
    the previous session on Tue 10 Nov" or "the last 14 days". ``chart_weeks`` are
    the starts of the eight charted weeks, oldest first. ``rungs`` is the whole
    ladder in order, so its last rung is the top one. ``talking_points`` left as
    None are derived by ``reports.talking_points``. ``readiness_signal`` is the couple's
    suggestion (READY_TO_MOVE_UP, DISCUSS_BARRIERS or None), decided by the service with
    each partner's. ``agenda`` is the report's session's agenda; ``last_session_on`` and
    ``last_session_notes`` are the day and the counselor's notes of the latest earlier
    session that has notes (None: none has). ``paper`` is "letter" or "a4"
    (``reports.paper``). ``readiness_bar`` is the completion (0–1) every current-rung step
    must reach in both judged weeks for the readiness rule to suggest moving up — the
    service's own constant, so page 1 describes the rule it applied (None: not said).
    """

    practice_name: str
    counselor_name: str
    couple_label: str
    timezone_name: str
    session_starts_at: datetime | None
    period_start: date
    period_end: date
    period_description: str
    current_rung: int | None
    rungs: tuple[RungInfo, ...]
    partners: tuple[PartnerSummary, ...]
    assignments: tuple[AssignmentRow, ...]
    chart_weeks: tuple[date, ...]
    reflections: tuple[ReflectionItem, ...]
    generated_at: datetime
    practice_logo_png: bytes | None = None
    talking_points: tuple[TalkingPoint, ...] | None = None
    readiness_signal: str | None = None
    agenda: str | None = None
    last_session_on: date | None = None
    last_session_notes: str | None = None
    paper: str = "a4"
    readiness_bar: float | None = None
    # Each leaning act of the period with its acknowledgement, oldest first, and the
    # counts per direction (who leaned on whom) — the couple page reads the same.
    leaning_acts: tuple[LeaningAct, ...] = ()
    leaning: tuple[LeaningDirection, ...] = ()
    # The weekly check-in's series; None when it is off and was never answered.
    weekly_checkin: WeeklyCheckinData | None = None

    @property
    def has_check_ins_this_period(self) -> bool:
        """Whether anyone checked a step off (or wrote a reflection) in the period."""
        return any(p.done_this_period > 0 for p in self.partners) or any(
            self.period_start <= r.occurred_on <= self.period_end for r in self.reflections
        )

    def rung_title(self, position: int | None) -> str | None:
        """The title of the rung at ``position``, if the ladder lists it."""
        return next((r.title for r in self.rungs if r.position == position), None)
