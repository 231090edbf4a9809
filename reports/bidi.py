"""Right-to-left text for a PDF without a shaping engine: Arabic joining and visual order.

ReportLab draws characters in the order it is given them and, without the
optional rlbidi/uharfbuzz packages, neither reorders nor joins them. This module
does the small part of that work the report needs for Hebrew and Arabic in
client text: it picks Arabic and Persian contextual forms (Unicode's presentation
forms, so letters join) and reorders one already-wrapped line into visual order
with a simplified Unicode Bidirectional Algorithm (no explicit embeddings; the
three ASCII bracket pairs), mirroring brackets in right-to-left runs. Text
extractors that read right-to-left runs back (pypdf does) recover the logical text.

It was kept over python-bidi by measurement (docs/design.md, "Right-to-left
text"): python-bidi orders a line faster but leaves brackets unmirrored and joins
no Arabic letters; checked against GNU FriBidi, this module orders the report's
text, and 20,000 random mixed-direction lines, exactly as FriBidi does.
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
    # Persian letters, in Presentation Forms-A (DejaVu Sans draws all four forms of each).
    "\u067e": (0xFB56, 4), "\u0686": (0xFB7A, 4), "\u0698": (0xFB8A, 2),
    "\u06a9": (0xFB8E, 4), "\u06af": (0xFB92, 4), "\u06cc": (0xFBFC, 4),
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
    if text.isascii():
        return False  # every right-to-left letter lies beyond ASCII
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
    if not rtl_base and not has_rtl("".join(u for i, u in enumerate(units) if i not in isolated)):
        return "".join(units)
    kinds = _weak_types(units, isolated, rtl_base)
    _resolve_brackets(units, kinds, isolated, rtl_base)
    kinds = _resolve_neutrals(kinds, rtl_base)
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
    """The line's characters, each with the marks that follow it, and each isolate replaced
    by its own ordered text (and the indexes of those isolates)."""
    units: list[str] = []
    isolated: set[int] = set()
    i, length = 0, len(line)
    while i < length:
        ch = line[i]
        if ch == _PDI:  # an unmatched PDI: nothing to close
            i += 1
            continue
        if ch not in _ISOLATES:
            # A letter and its marks (vowel signs) stay together, in that order.
            if unicodedata.category(ch) == "Mn" and units and len(units) - 1 not in isolated:
                units[-1] += ch
            else:
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


def _weak_types(units: list[str], isolated: set[int], rtl_base: bool) -> list[str]:
    """Each unit as L, R, EN, AN or N (neutral), after rules W1–W7."""
    start_of_line = "R" if rtl_base else "L"
    kinds: list[str] = []
    last_strong = start_of_line
    for i, unit in enumerate(units):
        kind = "ON" if i in isolated else unicodedata.bidirectional(unit[0])
        if kind == "NSM":  # W1: a mark on its own (a unit starts with it only at the start)
            kind = start_of_line
        if kind in ("L", "R", "AL"):
            last_strong = kind
        elif kind == "EN" and last_strong == "AL":  # W2: digits after Arabic are Arabic numbers
            kind = "AN"
        kinds.append("R" if kind == "AL" else kind)  # W3
    for i in range(1, len(kinds) - 1):  # W4: 1,000 and 3.5 and 18:30 stay one number
        if kinds[i] in ("ES", "CS"):
            before, after = kinds[i - 1], kinds[i + 1]
            if before == after and (before == "EN" or (before == "AN" and kinds[i] == "CS")):
                kinds[i] = before
    if "ET" in kinds:
        _join_terminators(kinds)
    resolved: list[str] = []
    last_strong = start_of_line
    for kind in kinds:
        if kind in ("L", "R"):
            last_strong = kind
        if kind == "EN" and last_strong == "L":  # W7: digits in Latin text are Latin
            kind = "L"
        resolved.append(kind if kind in ("L", "R", "EN", "AN") else "N")  # W6
    return resolved


def _join_terminators(kinds: list[str]) -> None:
    """W5: terminators next to a European number join it: 50%, $5, 20°."""
    i = 0
    while i < len(kinds):
        if kinds[i] != "ET":
            i += 1
            continue
        end = i
        while end < len(kinds) and kinds[end] == "ET":
            end += 1
        if (i > 0 and kinds[i - 1] == "EN") or (end < len(kinds) and kinds[end] == "EN"):
            kinds[i:end] = ["EN"] * (end - i)
        i = end


_OPENING_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_CLOSING_BRACKETS = frozenset(_OPENING_BRACKETS.values())


def _resolve_brackets(
    units: list[str], kinds: list[str], isolated: set[int], rtl_base: bool
) -> None:
    """Rule N0: a bracket pair takes the paragraph's direction when the text inside has it,
    else the other direction when the text inside and before the pair both have that one
    ("Yosef wrote (יוסף) 3 times" keeps the brackets around the name)."""
    embedding = "R" if rtl_base else "L"
    for start, end in _bracket_pairs(units, kinds, isolated):
        inside = {_strong(kind) for kind in kinds[start + 1 : end]} - {"N"}
        if not inside:
            continue
        if embedding in inside:
            direction = embedding
        else:
            before = next((_strong(k) for k in reversed(kinds[:start]) if k != "N"), embedding)
            direction = before
        kinds[start] = kinds[end] = direction


def _bracket_pairs(units: list[str], kinds: list[str], isolated: set[int]) -> list[tuple[int, int]]:
    """Matching bracket positions (rule BD16), in the order of their opening brackets."""
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for i, unit in enumerate(units):
        if kinds[i] != "N" or i in isolated:
            continue
        if unit[0] in _OPENING_BRACKETS:
            if len(stack) == 63:  # BD16 stops pairing past this depth
                break
            stack.append((_OPENING_BRACKETS[unit[0]], i))
        elif unit[0] in _CLOSING_BRACKETS:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == unit[0]:
                    pairs.append((stack[depth][1], i))
                    del stack[depth:]
                    break
    return sorted(pairs)


def _strong(kind: str) -> str:
    """Numbers count as right-to-left when brackets and neutrals look around them."""
    return "R" if kind in ("R", "EN", "AN") else kind


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
