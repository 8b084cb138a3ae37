"""A passage as the units an answer is made of: sentences, list items and table rows, as plain text.

The composer quotes units; retrieval embeds them (for the content library, at ingest) so that the
composer can tell which unit of a passage is closest to a question, not only which passage.
"""

from __future__ import annotations

import re

TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")


def units(passage: str, *, rows: bool = False) -> list[str]:
    """Sentences, list items and table rows of a passage as plain text units (headings dropped).

    A whole table is one unit, ``<header>: <row>; <row>`` (a price list answers as a list); with
    ``rows`` each row is a unit of its own too (``Kaarna Insight: 3,00 €/käyttäjä/kk.``), so a
    question about one product can be answered with its row. A list item is one unit; prose is split
    into sentences.
    """
    out: list[str] = []
    prose: list[str] = []
    table: list[list[str]] = []
    for raw in [*passage.splitlines(), ""]:
        line = raw.strip()
        if line.startswith("|"):
            if not TABLE_RULE.match(line):
                table.append([c.strip() for c in line.strip("|").split("|") if c.strip()])
            continue
        if table:
            out.append(_table_unit(table))
            if rows:
                out += _row_units(table)
            table = []
        if not line or line.startswith("#") or TABLE_RULE.match(line):
            continue
        if line[:2] in ("- ", "* ") or re.match(r"^\d+\.\s", line):
            out.append(re.sub(r"^([-*]|\d+\.)\s+", "", line))
            continue
        prose.append(line)
    out += _prose_sentences(" ".join(prose))
    return [u for u in out if len(u) > 12]


_QUOTES = re.compile(r'["“”]')
QUOTE_MAX = 400
"""Characters a quotation unit may grow to; past them the passage's quotation marks are not followed."""


def _prose_sentences(text: str) -> list[str]:
    """Sentences, a quotation whole: its first sentence alone ("We thought it was about pay.") would
    say what the speaker went on to deny."""
    out: list[str] = []
    inside, capped = False, False
    for piece in re.split(r"(?<=[.!?])\s+", text):
        piece = piece.strip()
        if not piece:
            continue
        if inside and len(out[-1]) >= QUOTE_MAX:
            capped = True  # an inch mark, a quotation never closed: the rest of the passage stands alone
        if inside and not capped:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
        inside ^= len(_QUOTES.findall(piece)) % 2 == 1
    return out


def _table_unit(rows: list[list[str]]) -> str:
    header, body = rows[0], rows[1:]
    if not body:
        return ", ".join(header)
    if all(len(r) >= 2 for r in body):  # label | value(s): each row says what it is and its unit
        return "; ".join(u.rstrip(".") for u in _row_units(rows)) + "."
    label = " / ".join(header[1:]) or header[0]
    return f"{label}: " + "; ".join(f"{r[0]} {', '.join(r[1:])}".strip() for r in body if r) + "."


def _row_units(rows: list[list[str]]) -> list[str]:
    header, body = rows[0], rows[1:]
    out = []
    for row in body:
        if len(row) < 2:
            continue
        values = [f"{v} {h}".strip() if h and h not in v else v for v, h in zip(row[1:], header[1:], strict=False)]
        out.append(f"{row[0]}: {', '.join(values)}.")
    return out


_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)")
_NAMED = re.compile(r"\s[–—-]\s")


def answer_units(body: str, heading: str = "") -> list[str]:
    """The passage's units as an answer would quote them: Markdown emphasis gone, and a list item
    under a heading that names a thing ("Enterprise – €2.40 per user per month") carries that name,
    so "24/7" comes with "Enterprise"."""
    items = {ln.strip()[2:].strip() for ln in body.splitlines() if ln.strip()[:2] in ("- ", "* ")}
    name = _EMPHASIS.sub("", heading).strip()
    named = bool(name) and not name.endswith("?") and bool(_NAMED.search(name))
    out = []
    for unit in units(body, rows=True):
        plain = _EMPHASIS.sub("", unit).strip()
        if unit not in items:
            out.append(plain)
            continue
        label = f"{name}: " if named else ""
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÅ])", plain)
        # A long item is several sentences; a short first one ("Customer chat – contract.") labels the rest.
        if len(sentences) > 1 and len(sentences[0].split()) <= 6:
            head, rest = sentences[0].rstrip("."), sentences[1:]
            out += [f"{label}{head}: {x}" for x in rest]
        elif len(sentences) > 1:
            out += [f"{label}{x}" for x in sentences]
        else:
            out.append(f"{label}{plain}")
    return out + list_units(body, heading)


_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*\S)\s*$")


def numbered_items(body: str) -> list[str]:
    """The numbered items of a passage, in order, as written: the steps of a help article."""
    return [m.group(1) for m in (_NUMBERED.match(line) for line in body.splitlines()) if m]


def step_openings(body: str) -> tuple[str, ...]:
    """The numbered items of the passage (Markdown emphasis gone): the steps of a how-to."""
    return tuple(_EMPHASIS.sub("", item).strip() for item in numbered_items(body))


def is_step(unit: str, openings: tuple[str, ...]) -> bool:
    """Whether ``unit`` is a step's own instruction (a numbered item's first sentence), not what it explains."""
    start = unit.rstrip(".")[:40]
    return bool(start) and any(item.startswith(start) for item in openings)


def list_units(body: str, heading: str) -> list[str]:
    """Each list of two or more short items once more as one unit, after the passage's own units: "volume
    discounts?" is answered by the whole list under its heading, not by one of its rows."""
    heading = _EMPHASIS.sub("", heading).strip()
    groups: list[list[str]] = [[]]
    for line in body.splitlines():
        item = line.strip()
        if item[:2] in ("- ", "* "):
            groups[-1].append(_EMPHASIS.sub("", item[2:]).strip().rstrip("."))
        elif item:
            groups.append([])
    label = f"{heading.rstrip(':')}: " if heading and not heading.endswith("?") else ""
    return [label + "; ".join(g) + "." for g in groups if len(g) >= 2 and all(len(i.split()) <= 12 for i in g)]


def embed_text(title: str, heading: str, unit: str) -> str:
    """What is embedded for a unit: where it stands (title and heading) and the unit itself."""
    return f"{title} > {heading}\n{unit}" if heading else f"{title}\n{unit}"
