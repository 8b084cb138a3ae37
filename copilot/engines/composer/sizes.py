"""Organisation sizes in questions and content: "we have 1 500 employees" is answered by the sentence
about organisations "over 1,000 people", not the one about a typical onboarding. Pure functions."""

from __future__ import annotations

import math
import re
from typing import NamedTuple

_NUMBER = r"\b(\d{1,3}(?:[ \u00a0\u202f,]\d{3})+|\d+)\b"
_PEOPLE = (r"(?:hengen|henkeä|hengelle|henkilö\w*|työntekijä\w*|käyttäjä\w*|ihmis(?:tä|en|elle)|employees?|"
           r"users?|people|staff|workers?|persons?|seats?|heads?|folks)")
_HEADCOUNT = re.compile(rf"{_NUMBER}\s*(?:-\s*)?({_PEOPLE})", re.IGNORECASE)  # the count, then what it counts
# "meitä on n. 40 tyyppiä" says a headcount in speech; "5 tyyppiä sopimuksia" are five types
_CREW = re.compile(rf"\bmeitä\s+on\s+(?:n\.\s*|noin\s+|about\s+)?{_NUMBER}\s*tyyppiä\b", re.IGNORECASE)
_RANGE = re.compile(rf"{_NUMBER}\s*[–-]\s*{_NUMBER}\s*{_PEOPLE}", re.IGNORECASE)
_ABOVE = re.compile(rf"\b(?:yli|over|more than|vähintään|at least|from)\s+{_NUMBER}\s*{_PEOPLE}|"
                    rf"{_NUMBER}\s*{_PEOPLE}\s+(?:or more|tai enemmän|tai yli)", re.IGNORECASE)
_BELOW = re.compile(rf"\b(?:enintään|alle|up to|under|less than|fewer than)\s+{_NUMBER}\s*{_PEOPLE}", re.IGNORECASE)
IN_RANGE = 0.6
"""Score for a unit whose size range holds the asker's headcount."""
OUT_OF_RANGE = -0.3
"""Score for a unit about organisations of another size."""


def _int(text: str) -> int:
    return int(re.sub(r"[ \u00a0\u202f,]", "", text))


LONGEST = 600
"""Characters of a question or sentence read for sizes: the patterns need not scan a pasted page."""


def headcount(question: str) -> int | None:
    """The size the asker gives ("meillä on 1 500 työntekijää", "we are 30 people"), if any."""
    m = _HEADCOUNT.search(question[:LONGEST]) or _CREW.search(question[:LONGEST])
    return _int(m.group(1)) if m else None


# Another size than the one the asker is: "more than 300 users?", "…but we will grow past 400", "if we reach 1,000"
_OTHER_SIZE = re.compile(r"\b(?:over|more than|above|beyond|past|grow\w*|reach\w*|yli|kasva\w*|if we|jos)\b",
                         re.IGNORECASE)


def sole_headcount(question: str) -> int | None:
    """The asker's size when it is the only size the question speaks of: a table may then be cut to its row
    (see :func:`narrowed`); "we have 1,200 staff but 280 users" or "what if we grow past 400?" keep it whole."""
    text = question[:LONGEST]
    if len(re.findall(_NUMBER, text)) != 1 or _OTHER_SIZE.search(text):
        return None
    return headcount(question)


def counts(text: str) -> set[tuple[int, str]]:
    """Every number of people the text tells, with the start of the word it counts ("50 users" → (50,
    "users"), "50 käyttäjää" → (50, "käytt")): "50 employees" is not the "50 users" of a minimum bill."""
    return {(_int(m.group(1)), m.group(2).lower()[:5]) for m in _HEADCOUNT.finditer(text[:LONGEST * 4])}


class Size(NamedTuple):
    low: float
    high: float
    bounded: bool
    """Said as a range ("over 1,000", "500–999"); a bare count ("50 users") may be a floor or an
    example, so it can only fit, never rule a unit out."""


def ranges(unit: str) -> list[Size]:
    """The organisation sizes a unit speaks of: "over 1,000 people" is (1000, ∞), "500–999 users"
    (500, 999), "a 300-employee company" 300 from −30 % to +40 %."""
    out: list[Size] = []
    taken: list[tuple[int, int]] = []
    for pattern, make in (
        (_RANGE, lambda m: Size(_int(m.group(1)), _int(m.group(2)), True)),
        (_ABOVE, lambda m: Size(_int(m.group(1) or m.group(2)), math.inf, True)),
        (_BELOW, lambda m: Size(0, _int(m.group(1)), True)),
        (_HEADCOUNT, lambda m: Size(0.7 * _int(m.group(1)), 1.4 * _int(m.group(1)), False)),
    ):
        for m in pattern.finditer(unit[:LONGEST]):
            if any(a <= m.start() < b for a, b in taken):
                continue  # "500–999 users" is one range, not also "999 users"
            taken.append(m.span())
            out.append(make(m))
    return out


def narrowed(size: int | None, unit: str) -> str:
    """A table of size tiers ("One-off fees: Implementation for up to 300 users: €4,900; … for 301–1,000
    users: €8,900; …") without the rows of other sizes than the asker's; the rows for any size stay (a
    connector's fee). Any other unit as it is."""
    rows = unit.split("; ")
    if size is None or len(rows) < 2:
        return unit
    head, sep, first = rows[0].partition(": ")  # the table's name ("One-off fees: "), unless it is a row's size
    if not sep or ranges(head):
        head, sep, first = "", "", rows[0]
    kept = [r for r in [first, *rows[1:]] if fit(size, r) >= 0]
    if len(kept) == len(rows) or not any(fit(size, r) > 0 for r in kept):
        return unit  # nothing to leave out, or no row is the asker's: the whole table says more
    return f"{head}{sep}{'; '.join(kept)}"


def closest(size: int | None, texts: dict[str, str]) -> set[str]:
    """Of worked examples and stories (key -> text), those about the organisation nearest the asker's
    size: each tells its size once ("Yrityksessä on 300 työntekijää"), and every sentence of it is about
    that organisation. Empty without a size, or when no text tells one."""
    told = {key: _int(m.group(1)) for key, text in texts.items() if (m := _HEADCOUNT.search(text[:LONGEST * 4]))}
    if size is None or size <= 0 or not told:
        return set()
    gap = {key: abs(math.log(max(n, 1) / size)) for key, n in told.items()}
    best = min(gap.values())
    return {key for key, g in gap.items() if g == best}


def fit(size: int | None, unit: str) -> float:
    """How a unit's sizes fit the asker's: in range, out of range, or nothing said (0)."""
    if size is None:
        return 0.0
    found = ranges(unit)
    if any(s.low <= size <= s.high for s in found):
        return IN_RANGE
    return OUT_OF_RANGE if any(s.bounded for s in found) else 0.0
