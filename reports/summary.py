"""Page 1 is the session: who and when, the agenda and last time's notes, how each
partner did against the period before with the readiness figures behind any suggestion,
the talking points and the reflections most worth reading.

Page 1 never runs over: it shows at most ``PAGE_ONE_POINTS`` talking points (the rest
open page 2), and ``summary_page`` lays it out in a frame of the page's size and, when it
does not fit, shows less of the agenda, the notes and the reflections (``ROOMS``, most
generous first); what is cut is said, and the agenda and notes follow in full on page 2.
"""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, Image, Paragraph, Spacer, Table

from reports.data import (
    DISCUSS_BARRIERS,
    READY_TO_MOVE_UP,
    PreSessionReportData,
    TalkingPoint,
)
from reports.formatting import (
    date_range,
    date_time,
)
from reports.ladder_strip import ladder_size
from reports.partner_table import partner_table
from reports.reflection_picks import telling_reflections
from reports.session_page import (
    CONTINUED_LATER,
    LATER,
    Room,
    full_copies,
    picked_reflections,
    session_boxes,
    talking_points_table,
)
from reports.styles import (
    ACCENT,
    CAUTION_EDGE,
    CAUTION_FILL,
    CONTENT_WIDTH,
    MUTED,
    RULE,
    Styles,
    hex_of,
    table_style,
)
from reports.text import markup, text_paragraph, truncate

CAUTION = (
    "This report supports counselling and is no substitute for it. It is prepared for the "
    "treating counselor only; reflections marked “counselor only” were not shared with the "
    "other partner."
)
NAME_LIMIT = 100  # practice, counselor and couple names: page 1 stays a summary
# The couple's suggestion under its current rung, worded as on the couple page.
COUPLE_SUGGESTIONS = {
    READY_TO_MOVE_UP: "The couple: suggests moving up — the counselor decides",
    DISCUSS_BARRIERS: "The couple: suggests talking about barriers",
}
LOGO_MAX = (42 * mm, 16 * mm)
FACT_SHARES = (0.2, 0.27, 0.28, 0.25)  # counselor, session, period, rung
# From the most generous to the least: the first that fits page 1 is used. Page 1 keeps
# two reflections until the agenda and the notes are at their smallest.
ROOMS = (
    Room(text_chars=600, text_lines=9, reflections=3, reflection_chars=300),
    Room(text_chars=420, text_lines=7, reflections=3, reflection_chars=200),
    Room(text_chars=300, text_lines=5, reflections=3, reflection_chars=140),
    Room(text_chars=200, text_lines=4, reflections=2, reflection_chars=120),
    Room(text_chars=140, text_lines=3, reflections=2, reflection_chars=90),
    Room(text_chars=90, text_lines=2, reflections=2, reflection_chars=70),
    Room(text_chars=60, text_lines=1, reflections=2, reflection_chars=50),
    Room(text_chars=60, text_lines=1, reflections=1, reflection_chars=50),
)
PAGE_ONE_POINTS = 6  # talking points on page 1; the rest open page 2


def summary_page(
    data: PreSessionReportData, points: list[TalkingPoint], s: Styles, frame_height: float
) -> tuple[list[Flowable], list[Flowable]]:
    """The flowables of page 1, in reading order, and those that open page 2 (the
    talking points beyond ``PAGE_ONE_POINTS``, and the agenda and notes in full when
    page 1 had to cut them)."""
    for room in ROOMS:
        story = _page_one(data, points, s, room)
        if _fits(story, frame_height):  # laid out once to measure, fine to lay out again
            return story, _page_two(data, points, s, room)
    # Even the least room is too much (many partners, long names): page 1 runs on, and
    # what follows it comes later than page 2.
    room = replace(ROOMS[-1], continued=CONTINUED_LATER, later=LATER)
    return _page_one(data, points, s, room), _page_two(data, points, s, room)


def _fits(story: list[Flowable], frame_height: float) -> bool:
    """Whether ``story`` fits one frame of the page, laid out as the document will lay it
    out (spaces collapsed as the frame collapses them). Measured, not drawn: the document
    draws page 1 once, when it builds."""
    frame = Frame(
        0, 0, CONTENT_WIDTH, frame_height,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
    )  # fmt: skip
    scratch = Canvas(BytesIO())  # some flowables read the canvas while they wrap
    return all(_placed_undrawn(frame, flowable, scratch) for flowable in story)


def _placed_undrawn(frame: Frame, flowable: Flowable, canvas: Canvas) -> bool:
    """``frame.add`` without its drawing: whether ``flowable`` fits what is left of the
    frame, taking its place if it does. The frame's own rules decide (space before and
    after, collapsing at the top); only the drawing it would do then is skipped, for this
    call, by shadowing the flowable's ``drawOn``."""
    setattr(flowable, "drawOn", _not_drawn)  # noqa: B010 - an instance attribute, for this call
    try:
        return bool(frame.add(flowable, canvas))
    finally:
        delattr(flowable, "drawOn")


def _not_drawn(*_args: object, **_kwargs: object) -> None:
    """What a measured flowable draws on the scratch canvas: nothing."""


def _page_two(
    data: PreSessionReportData, points: list[TalkingPoint], s: Styles, room: Room
) -> list[Flowable]:
    """The talking points page 1 had no room for, then the agenda and notes in full."""
    story: list[Flowable] = []
    if len(points) > PAGE_ONE_POINTS:
        names = tuple(p.name for p in data.partners)
        rest = points[PAGE_ONE_POINTS:]
        story += [
            Paragraph("Talking points, continued", s.h2),
            talking_points_table(rest, names, s, first_number=PAGE_ONE_POINTS + 1),
        ]
    return story + full_copies(data, room, s)


def _page_one(
    data: PreSessionReportData, points: list[TalkingPoint], s: Styles, room: Room
) -> list[Flowable]:
    names = tuple(p.name for p in data.partners)
    story: list[Flowable] = [
        _title_block(data, s),
        Spacer(1, 6),
        _facts(data, s),
        Spacer(1, 8),
        *session_boxes(data, room, s),
        Paragraph("This period against the one before", s.h2_tight),
    ]
    if data.partners:
        story += partner_table(data, s)
    if not data.has_check_ins_this_period:
        story.append(Paragraph("No check-ins yet in this period.", s.empty))
    story += [
        Paragraph("Talking points", s.h2_tight),
        talking_points_table(points[:PAGE_ONE_POINTS], names, s),
    ]
    if len(points) > PAGE_ONE_POINTS:
        more = len(points) - PAGE_ONE_POINTS
        story.append(
            Paragraph(f"{more} more talking point{'s' * (more != 1)} {room.later}.", s.small)
        )
    story += [
        Paragraph("Reflections worth reading first", s.h2_tight),
        *picked_reflections(telling_reflections(data.reflections), room, s),
    ]
    if data.assignments or data.reflections:
        story += [Spacer(1, 4), Paragraph(_contents_note(data), s.small)]
    return story


def _contents_note(data: PreSessionReportData) -> str:
    """What the following pages hold, so the reader knows what to turn to."""
    private = sum(1 for r in data.reflections if not r.shared)
    steps = len(data.assignments)
    reflections = len(data.reflections)
    parts = ["the ladder", f"{steps} step{'s' * (steps != 1)} week by week", "charts"]
    if data.weekly_checkin is not None:
        parts.append("the weekly check-in")
    parts.append(f"{reflections} reflection{'s' * (reflections != 1)} ({private} counselor only)")
    if data.leaning_acts:
        acts = len(data.leaning_acts)
        parts.append(f"{acts} leaning act{'s' * (acts != 1)} with the answers")
    return f"Following pages: {', '.join(parts)}, step texts."


def _title_block(data: PreSessionReportData, s: Styles) -> Flowable:
    practice = markup(truncate(data.practice_name, NAME_LIMIT), s.fonts)
    left = [
        Paragraph(practice.upper() if practice.isascii() else practice, s.small),
        Paragraph("Pre-session report", s.title),
        text_paragraph(truncate(data.couple_label, NAME_LIMIT), s.subtitle, s.fonts),
    ]
    logo = _logo(data.practice_logo_png)
    if logo is None:
        table = Table([[left]], colWidths=[CONTENT_WIDTH])
    else:
        table = Table([[left, logo]], colWidths=[CONTENT_WIDTH - LOGO_MAX[0], LOGO_MAX[0]])
    table.setStyle(
        table_style(
            s.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ],
        )
    )
    return table


def _logo(png: bytes | None) -> Image | None:
    """The practice's logo scaled into its box; None if absent or unreadable."""
    if not png:
        return None
    try:
        width, height = ImageReader(BytesIO(png)).getSize()
    except Exception:  # a broken logo must not cost the counselor the report
        return None
    if width <= 0 or height <= 0:
        return None
    scale = min(LOGO_MAX[0] / width, LOGO_MAX[1] / height)
    return Image(BytesIO(png), width=width * scale, height=height * scale, hAlign="RIGHT")


def caution(s: Styles) -> Flowable:
    """That the report supports counselling, and for whom it is: it opens page 2."""
    table = Table([[Paragraph(CAUTION, s.muted)]], colWidths=[CONTENT_WIDTH])
    table.setStyle(
        table_style(
            s.fonts,
            [
                ("BACKGROUND", (0, 0), (-1, -1), CAUTION_FILL),
                ("LINEBEFORE", (0, 0), (0, -1), 2.5, CAUTION_EDGE),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ],
        )
    )
    return table


def _facts(data: PreSessionReportData, s: Styles) -> Flowable:
    """Counselor, session, period and rung in one row of four."""
    if data.session_starts_at is None:
        session = "No session scheduled"
    else:
        session = f"{date_time(data.session_starts_at)} ({data.timezone_name})"
    period = f"{date_range(data.period_start, data.period_end)}, {data.period_description}"
    rung_title = data.rung_title(data.current_rung)
    if data.current_rung is None:
        rung = "None yet (no active steps)"
    else:
        rung = f"{data.current_rung} of {ladder_size(data)}" + (
            f" · {rung_title}" if rung_title else ""
        )
    suggestion = COUPLE_SUGGESTIONS.get(data.readiness_signal or "")

    def fact(label: str, value: str, note: str | None = None) -> Paragraph:
        extra = f'<br/><font color="#{hex_of(ACCENT)}"><b>{note}</b></font>' if note else ""
        return Paragraph(
            f'<font size="7" color="#{hex_of(MUTED)}">{label.upper()}</font><br/>'
            f"{markup(value, s.fonts)}{extra}",
            s.cell,
        )

    row = [
        fact("Counselor", truncate(data.counselor_name, NAME_LIMIT)),
        fact("Session", session),
        fact("Period covered", period),
        fact("Current rung", rung, suggestion),
    ]
    table = Table([row], colWidths=[CONTENT_WIDTH * share for share in FACT_SHARES])
    table.setStyle(
        table_style(
            s.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ],
        )
    )
    return table
