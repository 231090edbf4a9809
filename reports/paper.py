"""The paper a practice prints on: Letter or A4.

A practice may choose (``Practice.paper_size``: "letter" or "a4"); when it has not, its
time zone decides: Letter in the Americas, where Letter is the paper in the shops, and A4
everywhere else. Every PDF the service makes (the pre-session report and the handout of
a couple's steps) takes its page size from here, so that both come out on the same paper.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4, LETTER

LETTER_NAME = "letter"
A4_NAME = "a4"
PAPER_NAMES = (LETTER_NAME, A4_NAME)
PAPER_LABELS = {LETTER_NAME: "US Letter (8.5 × 11 in)", A4_NAME: "A4 (210 × 297 mm)"}

# IANA zone areas in the Americas ("America/Chicago", "US/Eastern", ...); Hawaii's zone
# sits under Pacific/ but is in the United States.
_AMERICAS_PREFIXES = ("America/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
_AMERICAS_ZONES = frozenset({"Cuba", "Jamaica", "Navajo", "Pacific/Honolulu"})


def paper_name(choice: str | None, timezone_name: str) -> str:
    """The practice's paper: its own choice, else Letter in the Americas and A4 elsewhere."""
    if choice in PAPER_NAMES:
        return choice
    in_americas = timezone_name.startswith(_AMERICAS_PREFIXES) or timezone_name in _AMERICAS_ZONES
    return LETTER_NAME if in_americas else A4_NAME


def page_size(name: str) -> tuple[float, float]:
    """The page's width and height in points for a paper name from ``paper_name``."""
    return LETTER if name == LETTER_NAME else A4
