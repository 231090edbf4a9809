"""The report's "Leaning on each other" section: per direction, how often one partner leaned
on the other and how often the other noticed, then each leaning act of the period with
the other partner's acknowledgement (or "not answered yet", or "no longer asked" once
older than the page's two weeks). The words of each figure
are the data's own (``LeaningDirection.summary``, ``LeaningAct.answer``), as on the couple
page."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer

from reports.data import LeaningAct, PreSessionReportData
from reports.formatting import short_date
from reports.styles import Styles
from reports.text import client_paragraphs, markup, truncate

HEADING = "Leaning on each other"
NO_LEANING = "No step that leans on the other partner was checked off in this period."
ACTS_SHOWN = 30  # the latest ones; the counts above cover every act


def leaning_section(data: PreSessionReportData, s: Styles) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(120), Paragraph(HEADING, s.h2)]
    if not data.leaning_acts:
        return [*story, Paragraph(NO_LEANING, s.empty)]
    story += [
        Paragraph(
            "What one partner did on their own (steps that turn toward the other partner: "
            "by default those of rungs 2–5), and what the other partner answered when asked.",
            s.muted,
        ),
        Spacer(1, 4),
        *(Paragraph(markup(d.summary + ".", s.fonts), s.body) for d in data.leaning),
        Spacer(1, 4),
    ]
    shown = data.leaning_acts[-ACTS_SHOWN:]
    if len(shown) < len(data.leaning_acts):
        earlier = len(data.leaning_acts) - len(shown)
        story.append(Paragraph(f"The latest {len(shown)}; {earlier} earlier not listed.", s.muted))
    for act in reversed(shown):
        story += _act(act, s)
    return story


def _act(act: LeaningAct, s: Styles) -> list[Flowable]:
    who = markup(truncate(f"{act.leaner_name} leaned on {act.leaned_on_name}", 80), s.fonts)
    step = markup(truncate(act.step_title, 110), s.fonts)
    line = f"<b>{short_date(act.occurred_on)} · {who}</b> · {step} — {markup(act.answer, s.fonts)}"
    story: list[Flowable] = [CondPageBreak(40), Paragraph(line, s.cell)]
    if act.note:
        story += client_paragraphs(act.note, s.reflection, s.fonts)
    story.append(Spacer(1, 5))
    return story
