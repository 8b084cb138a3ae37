"""Sentence handling for extractive composition: Markdown passages become readable sentences."""

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
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(prose)):
        if sentence.strip():
            out.append(sentence.strip())
    return [u for u in out if len(u) > 12]


def prose_sentences(passage: str) -> list[str]:
    """Only the prose sentences (no list items or table rows): for one-line module summaries."""
    flat = [
        ln.strip()
        for ln in passage.splitlines()
        if ln.strip() and not ln.lstrip().startswith(("#", "|", "-", "*")) and not TABLE_RULE.match(ln.strip())
    ]
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(flat)) if len(s) > 12]


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
