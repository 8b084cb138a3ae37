"""Grounding: every number, price, percentage, date, e-mail address, URL and known name in an output
must appear in the context the engine was given. What does not is removed or flags the output.

Pure functions over text. Values are normalised before comparing (``1 500,00 €`` and ``1500.00``
are the same amount, ``1.3.2026`` and ``2026-03-01`` the same day), so a faithful rewording passes
and an invented figure does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from copilot.guards.memo import line_cache

CITATION = re.compile(r"\[\d{1,2}\]")
URL = re.compile(r"https?://[^\s)\]>\"']+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
FI_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
EN_DATE = re.compile(r"\b(\d{1,2}) (" + "|".join(_MONTHS) + r")[a-z]*\.? (\d{4})\b", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:[  ]\d{3})+(?:[.,]\d+)?|(?<![\w.,])\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Claim:
    kind: str
    text: str
    """As written in the output."""
    keys: frozenset[str]
    """Normalised forms; the claim is grounded when any of them is in the context."""


def _number_keys(raw: str) -> frozenset[str]:
    compact = raw.replace(" ", "").replace(" ", "")
    keys = set()
    for decimal in (",", "."):
        other = "." if decimal == "," else ","
        candidate = compact.replace(other, "") if compact.count(other) and other != decimal else compact
        try:
            value = float(candidate.replace(decimal, "."))
        except ValueError:
            continue
        keys.add(f"{value:.4f}")
    return frozenset(keys)


def _strip_dates_and_links(text: str) -> str:
    for pattern in (URL, EMAIL, ISO_DATE, FI_DATE, EN_DATE, CITATION):
        text = pattern.sub(" ", text)
    return text


def claims(text: str, names: Iterable[str] = ()) -> list[Claim]:
    """The checkable claims in ``text``; ``names`` are known person/company names to look for.

    Claims are listed by kind (links, addresses, dates, numbers, then names), each kind in text order.
    """
    # No value pattern crosses a line break, so the text's claims are its lines' claims. Lines repeat
    # a lot (template wording, and in a campaign the same module lines in every draft of a group), so
    # each distinct line is parsed once.
    per_line = [_line_claims(line) for line in text.split("\n")]
    found = [claim for kind in range(len(_KINDS)) for line in per_line for claim in line[kind]]
    lowered = text.lower()
    found += [Claim("name", n, frozenset({n.lower()})) for n in names if n and n.lower() in lowered]
    return found


_KINDS = ("url", "email", "iso_date", "fi_date", "number")
_DIGIT = re.compile(r"\d")


@line_cache(maxsize=16384)
def _line_claims(line: str) -> tuple[tuple[Claim, ...], ...]:
    """One line's value claims, one tuple per entry of ``_KINDS``."""
    urls = tuple(Claim("url", u.rstrip(".,;"), frozenset({u.rstrip(".,;").lower()})) for u in URL.findall(line))
    emails = tuple(Claim("email", e, frozenset({e.lower().rstrip(".")})) for e in EMAIL.findall(line))
    if _DIGIT.search(line) is None:  # dates and numbers all need a digit; most prose lines have none
        return urls, emails, (), (), ()
    iso = tuple(Claim("date", m.group(0), frozenset({m.group(0)})) for m in ISO_DATE.finditer(line))
    fi = tuple(
        Claim("date", m.group(0), frozenset({f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"}))
        for m in FI_DATE.finditer(line)
    ) + tuple(
        Claim("date", m.group(0), frozenset({f"{m[3]}-{_MONTHS.index(m[2].lower()[:3]) + 1:02d}-{int(m[1]):02d}"}))
        for m in EN_DATE.finditer(line)
    )
    numbers = tuple(
        Claim("number", m.group(0), _number_keys(m.group(0))) for m in NUMBER.finditer(_strip_dates_and_links(line))
    )
    return urls, emails, iso, fi, numbers


def context_keys(context: str) -> set[str]:
    """Every normalised value the context contains."""
    keys: set[str] = set()
    for claim in claims(context):
        keys |= claim.keys
    keys.add(context.lower())  # names are matched as substrings of the whole context
    return keys


def ungrounded(output: str, context: str, names: Iterable[str] = ()) -> list[Claim]:
    """Claims of ``output`` that ``context`` does not contain."""
    return check(output, context_keys(context), context.lower(), names)


def check(output: str, keys: set[str] | frozenset[str], lowered: str, names: Iterable[str] = ()) -> list[Claim]:
    """Like :func:`ungrounded` with the context's keys computed beforehand (they are reused)."""
    missing = []
    for claim in claims(output, names):
        if claim.kind == "name":
            if claim.text.lower() not in lowered:
                missing.append(claim)
        elif not claim.keys & keys:
            missing.append(claim)
    return missing


def remove_sentences_with(text: str, bad: list[Claim]) -> tuple[str, list[str]]:
    """Drop every sentence that carries an ungrounded claim; return the text and what was dropped."""
    if not bad:
        return text, []
    pieces = re.split(r"(?<=[.!?])\s+|\n", text)
    kept, dropped = [], []
    for piece in pieces:
        if any(c.text in piece for c in bad):
            dropped.append(piece.strip())
        else:
            kept.append(piece)
    return "\n".join(p for p in kept if p is not None).strip(), dropped
