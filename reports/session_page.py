"""The parts of page 1 that are about the session itself: the agenda, the "Last time" box,
the reflections most worth reading and the talking points.

Free text on page 1 is shown within a ``Room`` (so many characters, so many lines); what
does not fit ends "… (continued on page 2)", and page 2 opens with the agenda and notes
in full (``full_copies``). A reflection cut short on page 1 ends "…" and is whole under
"Recent reflections" on the later pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from reports.bidi import has_rtl
from reports.data import PreSessionReportData, TalkingPoint
from reports.details import reflection_header
from reports.formatting import short_date
from reports.reflection_picks import PickedReflection
from reports.styles import ACCENT, CONTENT_WIDTH, MUTED, RULE, ZEBRA, Styles, hex_of, table_style
from reports.text import clean, client_paragraphs, markup, text_paragraph

CONTINUED = "… (continued on page 2)"
CONTINUED_LATER = "… (continued in full after the summary)"
LATER = "after the summary"  # where what page 1 left out follows, when page 1 ran on
BOX_GAP = 10


@dataclass(frozen=True)
class Room:
    """How much of the agenda, the notes and each reflection page 1 shows, how many
    reflections, and where what it leaves out follows."""

    text_chars: int
    text_lines: int
    reflections: int
    reflection_chars: int
    continued: str = CONTINUED
    later: str = "on page 2"


def excerpt(text: str, room_chars: int, room_lines: int) -> tuple[str, bool]:
    """``text`` cut to ``room_chars`` characters and ``room_lines`` lines, at a word where
    one is near; and whether anything was cut."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line.strip()]
    shown = "\n".join(lines[:room_lines])
    cut = len(lines) > room_lines
    if len(shown) > room_chars:
        shown, cut = shown[:room_chars], True
        space = shown.rfind(" ")
        if space > room_chars * 0.7:
            shown = shown[:space]
    return shown.rstrip(), cut


def has_agenda(data: PreSessionReportData) -> bool:
    return bool(data.agenda and data.agenda.strip())


def has_notes(data: PreSessionReportData) -> bool:
    return bool(data.last_session_notes and data.last_session_notes.strip())


def session_boxes(data: PreSessionReportData, room: Room, s: Styles) -> list[Flowable]:
    """The agenda and the "Last time" notes side by side."""
    half = (CONTENT_WIDTH - BOX_GAP) / 2
    agenda = [Paragraph("Agenda for this session", s.h3_box), *_agenda(data, room, s)]
    last = [Paragraph(_last_time_heading(data), s.h3_box), *_notes(data, room, s)]
    table = Table([[agenda, Spacer(BOX_GAP, 1), last]], colWidths=[half, BOX_GAP, half])
    table.setStyle(
        table_style(
            s.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, 0), ZEBRA),
                ("BACKGROUND", (2, 0), (2, 0), ZEBRA),
                ("LINEBEFORE", (0, 0), (0, 0), 2.5, ACCENT),
                ("LINEBEFORE", (2, 0), (2, 0), 2.5, MUTED),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (1, 0), (1, 0), 0),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
            ],
        )
    )
    return [table]


def _last_time_heading(data: PreSessionReportData) -> str:
    if data.last_session_on is None:
        return "Last time"
    return f"Last time: notes from {short_date(data.last_session_on)}"


def _agenda(data: PreSessionReportData, room: Room, s: Styles) -> list[Flowable]:
    if data.session_starts_at is None:
        return [Paragraph("No session scheduled, so no agenda yet.", s.muted)]
    if not has_agenda(data):
        return [Paragraph("No agenda written for this session.", s.muted)]
    return _capped(data.agenda or "", room, s)


def _notes(data: PreSessionReportData, room: Room, s: Styles) -> list[Flowable]:
    if data.last_session_on is None or not has_notes(data):
        return [Paragraph("No notes from an earlier session yet.", s.muted)]
    return _capped(data.last_session_notes or "", room, s)


def _capped(text: str, room: Room, s: Styles) -> list[Flowable]:
    shown, cut = excerpt(text, room.text_chars, room.text_lines)
    flowables = client_paragraphs(shown, s.box_text, s.fonts)
    if cut:
        flowables.append(Paragraph(room.continued, s.small))
    return flowables


def cut_on_page_one(data: PreSessionReportData, room: Room) -> tuple[bool, bool]:
    """Whether page 1 cut the agenda and whether it cut the notes."""
    agenda = has_agenda(data) and data.session_starts_at is not None
    notes = has_notes(data) and data.last_session_on is not None
    return (
        agenda and excerpt(data.agenda or "", room.text_chars, room.text_lines)[1],
        notes and excerpt(data.last_session_notes or "", room.text_chars, room.text_lines)[1],
    )


def full_copies(data: PreSessionReportData, room: Room, s: Styles) -> list[Flowable]:
    """The agenda and notes in full, for page 2, when page 1 had to cut them."""
    agenda_cut, notes_cut = cut_on_page_one(data, room)
    story: list[Flowable] = []
    if agenda_cut:
        story += [Paragraph("Agenda for this session, in full", s.h2)]
        story += client_paragraphs(data.agenda or "", s.body, s.fonts)
    if notes_cut and data.last_session_on is not None:
        heading = f"Notes from the session on {short_date(data.last_session_on)}, in full"
        story += [Paragraph(heading, s.h2)]
        story += client_paragraphs(data.last_session_notes or "", s.body, s.fonts)
    return story


def picked_reflections(
    picks: tuple[PickedReflection, ...], room: Room, s: Styles
) -> list[Flowable]:
    """Each pick: its header (date, partner, comfort, step, visibility), why it was picked
    and as much of its text as page 1 has room for."""
    if not picks:
        return [Paragraph("No reflections in this period.", s.empty)]
    story: list[Flowable] = []
    any_cut = False
    for pick in picks[: room.reflections]:
        shown, cut = excerpt(pick.item.text, room.reflection_chars, 1)
        any_cut = any_cut or cut
        story += [reflection_header(pick.item, s), *_why_and_words(pick, shown, cut, s)]
        story.append(Spacer(1, 4))
    notes = []
    if any_cut:
        notes.append("Reflections cut short here are in full under Recent reflections.")
    left_out = len(picks) - room.reflections
    if left_out > 0:
        notes.append(f"{left_out} more picked there too.")
    if notes:
        story.append(Paragraph(" ".join(notes), s.small))
    return story


def _why_and_words(pick: PickedReflection, shown: str, cut: bool, s: Styles) -> list[Flowable]:
    """'MOST RECENT · Words…' in one paragraph; right-to-left words wrap on their own."""
    why = (
        f'<font size="7" color="#{hex_of(MUTED)}"><b>{" · ".join(pick.reasons).upper()}</b></font>'
    )
    words = " ".join(clean(shown, s.fonts).split()) + ("…" if cut else "")
    if has_rtl(words):
        return [Paragraph(why, s.reflection), text_paragraph(words, s.reflection, s.fonts)]
    return [Paragraph(f"{why}  {escape(words)}", s.reflection)]


NUMBER_WIDTH = 24  # "19" in bold 8.5 pt (12 pt) on one line, inside 6 + 2 pt of padding


def talking_points_table(
    points: list[TalkingPoint], names: tuple[str, ...], s: Styles, first_number: int = 1
) -> Flowable:
    """The points numbered from ``first_number``, each with its evidence under it."""
    if not points:
        return Paragraph("No talking points for this session.", s.empty)
    rows = [
        [
            Paragraph(f"<b>{number}</b>", s.cell_bold),
            [
                Paragraph(markup(p.text, s.fonts, names), s.cell_bold),
                Paragraph(markup(p.evidence, s.fonts, names), s.small),
            ],
        ]
        for number, p in enumerate(points, start=first_number)
    ]  # fmt: skip
    table = Table(rows, colWidths=[NUMBER_WIDTH, CONTENT_WIDTH - NUMBER_WIDTH])
    table.setStyle(
        table_style(
            s.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (0, -1), 2),
            ],
        )
    )
    return table
