"""Page 1's table of the partners: this week so far, the period against the period before,
comfort with how many ratings it rests on, the streak, reminders and each partner's
readiness with the two weeks it was judged on."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable, Paragraph, Table

from reports.data import DISCUSS_BARRIERS, READY_TO_MOVE_UP, PartnerSummary, PreSessionReportData
from reports.figures import counts, percent
from reports.formatting import comfort_change, day_month, one_decimal, weeks
from reports.styles import (
    CONCERN,
    CONTENT_WIDTH,
    MUTED,
    RULE,
    ZEBRA,
    Styles,
    hex_of,
    partner_colour,
    table_style,
)
from reports.talking_points import comfort_falling
from reports.text import fit_width

PARTNER_HEADERS = (
    "Partner",
    "This week",
    "This period",
    "Period before",
    "Comfort (1–5)",
    "Streak",
    "Reminders",
    "Readiness",
)
PARTNER_WIDTHS = (52, 54, 58, 58, 68, 46, 58, 92)
# A partner's own readiness, as page 1 words it above its figures.
VERDICTS = {
    READY_TO_MOVE_UP: "ready to move up",
    DISCUSS_BARRIERS: "talk about barriers",
}


def partner_table(data: PreSessionReportData, s: Styles) -> list[Flowable]:
    """The table and the line that says how readiness is judged."""
    header = [Paragraph(h, s.cell_head) for h in PARTNER_HEADERS]
    rows = [header] + [_partner_row(i, p, s) for i, p in enumerate(data.partners)]
    scale = CONTENT_WIDTH / sum(PARTNER_WIDTHS)
    table = Table(rows, colWidths=[w * scale for w in PARTNER_WIDTHS], repeatRows=1)
    table.setStyle(
        table_style(
            s.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ],
        )
    )
    rung = f"rung {data.current_rung}" if data.current_rung else "current-rung"
    weeks_judged = _judged_weeks(data)
    bar = "at the bar" if data.readiness_bar is None else f"{percent(data.readiness_bar)}+"
    rule = (
        f"Readiness{weeks_judged}: the weakest {rung} step's completion each week, then "
        f"check-offs done/due. {bar} in both: moving up; none done in both: barriers. "
        "The counselor decides."
    )
    return [table, Paragraph(rule, s.small)]


def _judged_weeks(data: PreSessionReportData) -> str:
    """' (weeks of 27 Oct and 3 Nov)': the two weeks readiness was judged on."""
    judged = next((p.readiness.weeks for p in data.partners if p.readiness.weeks), ())
    if not judged:
        return " (the last two full weeks)"
    return " (weeks of " + " and ".join(day_month(w.week_start) for w in judged) + ")"


def _partner_row(index: int, p: PartnerSummary, s: Styles) -> list[Paragraph]:
    swatch = "■ " if s.fonts.covers("■") else ""
    colour = hex_of(partner_colour(index))
    room = PARTNER_WIDTHS[0] * CONTENT_WIDTH / sum(PARTNER_WIDTHS) - 20
    fitted = fit_width(p.name, s.fonts, s.fonts.bold, 8.5, room)
    name = f'<font color="#{colour}">{swatch}</font><b>{fitted}</b>'
    return [
        Paragraph(name, s.cell),
        Paragraph(_this_week(p), s.cell),
        Paragraph(_this_period(p), s.cell),
        Paragraph(_previous_period(p), s.cell),
        Paragraph(_comfort(p), s.cell),
        Paragraph(weeks(p.streak_weeks), s.cell),
        Paragraph(_reminders(p), s.cell),
        Paragraph(_readiness(p), s.cell),
    ]


def _comfort(p: PartnerSummary) -> str:
    """'3.8, up 0.6' and, under it, how many ratings the mean rests on; "down" in red only
    when the comfort-falling talking point rests on it (enough ratings in both periods)."""
    if p.mean_comfort is None:
        return one_decimal(None)
    change = comfort_change(p.mean_comfort, p.previous_mean_comfort)
    if comfort_falling(p):  # the talking points' rule, so red means a point was made
        change = f'<font color="#{hex_of(CONCERN)}">{change}</font>'
    ratings = p.ratings_this_period
    noun = "rating" if ratings == 1 else "ratings"
    return f'{one_decimal(p.mean_comfort)}, {change}<br/><font size="7">{ratings} {noun}</font>'


def _readiness(p: PartnerSummary) -> str:
    """'<b>ready to move up</b>' over '100%, 83% · 4/4, 5/6': the weakest current-rung
    step's completion in each judged week, older first, then all check-offs done/due."""
    judged = p.readiness
    if judged.signal in VERDICTS:
        verdict = VERDICTS[judged.signal]
    else:
        verdict = "steady on top rung" if judged.steady_on_top_rung else "no suggestion"
    if not judged.weeks:
        return f'<b>{verdict}</b><br/><font size="7">no full weeks yet</font>'
    lowest = ", ".join(percent(w.lowest_rung_completion) for w in judged.weeks)
    done = ", ".join(f"{w.done}/{w.target}" for w in judged.weeks)
    return f'<b>{verdict}</b><br/><font size="7">{lowest} · {done}</font>'


def _reminders(p: PartnerSummary) -> str:
    """'stopped' (the partner stopped emails), 'paused until 12 Nov' or 'on'."""
    if p.reminders_stopped:
        return f'<font color="#{hex_of(CONCERN)}">stopped</font>'
    if p.reminders_paused_until is not None:
        until = day_month(p.reminders_paused_until)
        return f'<font color="#{hex_of(CONCERN)}">paused until {until}</font>'
    return "on"


def _this_week(p: PartnerSummary) -> str:
    """This week so far: the figure the dashboard shows for the week."""
    ratio = p.weekly_completion[-1] if p.weekly_completion else None
    return _completion(p.done_this_week, p.target_this_week, ratio)


def _this_period(p: PartnerSummary) -> str:
    return _completion(p.done_this_period, p.target_this_period, p.completion_this_period)


def _previous_period(p: PartnerSummary) -> str:
    ratio = p.completion_previous_period
    return _completion(p.done_previous_period, p.target_previous_period, ratio)


def _completion(done: int, target: int, ratio: float | None) -> str:
    if target <= 0:
        return "nothing due" if done == 0 else f"{done} done, nothing due"
    return f"<b>{counts(done, target)}</b> ({percent(ratio)})"
