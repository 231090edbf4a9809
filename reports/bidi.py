"""Right-to-left text for a PDF without a shaping engine: Arabic joining and visual order.

ReportLab draws characters in the order it is given them and, without the
optional rlbidi/uharfbuzz packages, neither reorders nor joins them. This module
does the small part of that work the report needs for Hebrew and Arabic in
client text: it picks Arabic contextual forms (Unicode's presentation forms, so
letters join) and reorders one already-wrapped line into visual order with a
simplified Unicode Bidirectional Algorithm (no explicit embeddings or bracket
pairs). Text extractors that read right-to-left runs back (pypdf does) recover
the logical text.
"""

from __future__ import annotations

import unicodedata

# Arabic letter → (isolated form in Presentation Forms-B, number of forms).
# 4 forms (isolated, final, initial, medial) = joins both sides; 2 = right only.
_FORMS: dict[str, tuple[int, int]] = {
    "\u0621": (0xFE80, 1), "\u0622": (0xFE81, 2), "\u0623": (0xFE83, 2),
    "\u0624": (0xFE85, 2), "\u0625": (0xFE87, 2), "\u0626": (0xFE89, 4),
    "\u0627": (0xFE8D, 2), "\u0628": (0xFE8F, 4), "\u0629": (0xFE93, 2),
    "\u062a": (0xFE95, 4), "\u062b": (0xFE99, 4), "\u062c": (0xFE9D, 4),
    "\u062d": (0xFEA1, 4), "\u062e": (0xFEA5, 4), "\u062f": (0xFEA9, 2),
    "\u0630": (0xFEAB, 2), "\u0631": (0xFEAD, 2), "\u0632": (0xFEAF, 2),
    "\u0633": (0xFEB1, 4), "\u0634": (0xFEB5, 4), "\u0635": (0xFEB9, 4),
    "\u0636": (0xFEBD, 4), "\u0637": (0xFEC1, 4), "\u0638": (0xFEC5, 4),
    "\u0639": (0xFEC9, 4), "\u063a": (0xFECD, 4), "\u0641": (0xFED1, 4),
    "\u0642": (0xFED5, 4), "\u0643": (0xFED9, 4), "\u0644": (0xFEDD, 4),
    "\u0645": (0xFEE1, 4), "\u0646": (0xFEE5, 4), "\u0647": (0xFEE9, 4),
    "\u0648": (0xFEED, 2), "\u0649": (0xFEEF, 2), "\u064a": (0xFEF1, 4),
}  # fmt: skip
_TATWEEL = "\u0640"
_LAM = "\u0644"
# Alef variant → isolated lam-alef ligature (its final form is the next code point).
_LAM_ALEF = {"\u0622": 0xFEF5, "\u0623": 0xFEF7, "\u0625": 0xFEF9, "\u0627": 0xFEFB}
_MIRRORED = str.maketrans("()[]{}<>«»", ")(][}{><»«")
_RTL_CLASSES = frozenset({"R", "AL"})
_ISOLATES = "\u2066\u2067\u2068"  # LRI, RLI, FSI
_FSI, _PDI = "\u2068", "\u2069"


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds any right-to-left letter."""
    return any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text)


def base_is_rtl(text: str) -> bool:
    """Direction of a paragraph by its first strong letter (rule P2); LTR when none."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in _RTL_CLASSES:
            return True
        if kind == "L":
            return False
    return False


def shape_arabic(text: str) -> str:
    """Replace Arabic letters by their joined contextual forms (logical order kept)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == _LAM and i + 1 < len(text) and text[i + 1] in _LAM_ALEF:
            final = _joins_forward(_neighbour(text, i, -1))
            out.append(chr(_LAM_ALEF[text[i + 1]] + (1 if final else 0)))
            i += 2
            continue
        out.append(_contextual_form(text, i) if ch in _FORMS else ch)
        i += 1
    return "".join(out)


def _neighbour(text: str, i: int, step: int) -> str | None:
    """The nearest letter before (step -1) or after (+1) position i, skipping marks."""
    j = i + step
    while 0 <= j < len(text) and unicodedata.category(text[j]) == "Mn":
        j += step
    return text[j] if 0 <= j < len(text) else None


def _joins_forward(ch: str | None) -> bool:
    return ch == _TATWEEL or (ch in _FORMS and _FORMS[ch][1] == 4)


def _joins_backward(ch: str | None) -> bool:
    return ch == _TATWEEL or (ch in _FORMS and _FORMS[ch][1] >= 2)


def _contextual_form(text: str, i: int) -> str:
    isolated, forms = _FORMS[text[i]]
    after_joiner = forms >= 2 and _joins_forward(_neighbour(text, i, -1))
    before_joiner = forms == 4 and _joins_backward(_neighbour(text, i, 1))
    if after_joiner and before_joiner:
        return chr(isolated + 3)
    if after_joiner:
        return chr(isolated + 1)
    if before_joiner:
        return chr(isolated + 2)
    return chr(isolated)


def visual_order(line: str, rtl_base: bool = False) -> str:
    """One line in left-to-right display order (rules W, N, I and L2 of UAX #9, simplified).

    Text between an isolate initiator (LRI, RLI, FSI) and PDI is ordered on its
    own and counts as one neutral character outside, which keeps a Hebrew name
    in an English sentence from pulling the numbers after it into its run. The
    isolate controls themselves are not drawn.
    """
    units, isolated = _units(line)
    if not has_rtl("".join(u for i, u in enumerate(units) if i not in isolated)):
        return "".join(units)
    kinds = _resolve_neutrals(_weak_types(units, isolated), rtl_base)
    levels = [_level(kind, rtl_base) for kind in kinds]
    cells = [
        u.translate(_MIRRORED) if levels[i] % 2 and i not in isolated else u
        for i, u in enumerate(units)
    ]
    for floor in range(max(levels), 0, -1):
        _reverse_runs(cells, levels, floor)
    return "".join(cells)


def isolate(text: str) -> str:
    """``text`` wrapped as a first-strong isolate (FSI … PDI)."""
    return f"{_FSI}{text}{_PDI}"


def _units(line: str) -> tuple[list[str], set[int]]:
    """The line's characters, with each isolate replaced by its own ordered text
    (and the indexes of those isolates)."""
    units: list[str] = []
    isolated: set[int] = set()
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == _PDI:  # an unmatched PDI: nothing to close
            i += 1
            continue
        if ch not in _ISOLATES:
            units.append(ch)
            i += 1
            continue
        end, depth = i + 1, 1
        while end < len(line) and depth:
            depth += 1 if line[end] in _ISOLATES else -1 if line[end] == _PDI else 0
            end += 1
        inner = line[i + 1 : end - 1 if depth == 0 else end]
        rtl = {"\u2066": False, "\u2067": True}.get(ch, base_is_rtl(inner))
        ordered = visual_order(inner, rtl)
        if ordered:
            isolated.add(len(units))
            units.append(ordered)
        i = end
    return units, isolated


def _weak_types(units: list[str], isolated: set[int]) -> list[str]:
    """Each unit as L, R, EN, AN or N (neutral), after rules W1–W7."""
    kinds: list[str] = []
    last_strong = "L"
    for i, unit in enumerate(units):
        kind = "ON" if i in isolated else unicodedata.bidirectional(unit)
        if kind == "NSM" and kinds:
            kind = kinds[-1]
        if kind in ("L", "R", "AL"):
            last_strong = kind
        if kind == "EN" and last_strong == "AL":
            kind = "AN"
        elif kind == "EN" and last_strong == "L":
            kind = "L"
        kinds.append("R" if kind == "AL" else kind if kind in ("L", "R", "EN", "AN") else "N")
    for i in range(1, len(kinds) - 1):  # W4: 1,000 and 3.5 stay one number
        if kinds[i] == "N" and units[i] in ",." and kinds[i - 1] == kinds[i + 1] == "EN":
            kinds[i] = "EN"
    return kinds


def _resolve_neutrals(kinds: list[str], rtl_base: bool) -> list[str]:
    """Rules N1–N2: a neutral run takes the direction around it, else the base's."""
    base = "R" if rtl_base else "L"
    strong = ["R" if k in ("R", "EN", "AN") else k for k in kinds]
    resolved = list(kinds)
    i = 0
    while i < len(kinds):
        if kinds[i] != "N":
            i += 1
            continue
        end = i
        while end < len(kinds) and kinds[end] == "N":
            end += 1
        before = strong[i - 1] if i > 0 else base
        after = strong[end] if end < len(kinds) else base
        resolved[i:end] = [before if before == after else base] * (end - i)
        i = end
    return resolved


def _level(kind: str, rtl_base: bool) -> int:
    if rtl_base:
        return 1 if kind == "R" else 2
    return {"L": 0, "R": 1}.get(kind, 2)


def _reverse_runs(chars: list[str], levels: list[int], floor: int) -> None:
    i = 0
    while i < len(chars):
        if levels[i] < floor:
            i += 1
            continue
        end = i
        while end < len(chars) and levels[end] >= floor:
            end += 1
        chars[i:end] = chars[i:end][::-1]
        levels[i:end] = levels[i:end][::-1]
        i = end
