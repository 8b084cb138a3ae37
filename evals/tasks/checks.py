"""Deterministic usefulness checks on the copilot's outputs: pure functions of the text and facts.

Each check answers a question its reader would ask: does the first sentence answer me, is this in my
language, does this e-mail pitch something we already own, does this brief read as Finnish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from retrieval.language import detect

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"”A-ZÄÖÅ0-9€])")
CITATION_MARKER = re.compile(r"\[\d{1,2}\]")
WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# Codes of the store that a person should never read: enum values and snake_case field names.
RAW_CODE = re.compile(
    r"\b(?:[a-z]+_[a-z_]+|customership|hr_director|hr_manager|use_case|roi_example|"
    r"it_services|legitimate_interest|no_action|churn_probability)\b"
)
RECORD_ID = re.compile(r"\b(?:rep|acc|con|sup|mkt|adm)-[a-z0-9]{3,}\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
EN_THOUSANDS = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
EN_DECIMAL_MONEY = re.compile(r"\b\d+\.\d{1,2}\s?€|€\s?\d+\.\d")
FI_DECIMAL_MONEY = re.compile(r"\b\d+,\d{2}\s?€")
PLURAL_ERRORS = re.compile(r"\b1\s+(?:actions|leads|tickets|days|accounts|toimenpidettä|liidiä|tukipyyntöä|päivää)\b")


def first_sentences(text: str, n: int = 2) -> str:
    return " ".join(_SENTENCE_END.split(text.strip())[:n])


def key_facts_early(text: str, groups: Sequence[Sequence[str]]) -> bool:
    """Every group of acceptable spellings has one in the first two sentences (case and spaces
    forgiven: a no-break space counts as a space)."""
    early = " ".join(first_sentences(text).lower().split())
    return all(any(" ".join(s.lower().split()) in early for s in group) for group in groups)


QUOTED = re.compile(r"[\"”“][^\"”“\n]{1,200}[\"”“]")


def in_language(text: str, lang: str) -> bool:
    """The text reads as ``lang`` (names, links, numbers and quotes aside: a CRM note or a ticket subject quoted
    stays in the words its writer used)."""
    code, confidence = detect(QUOTED.sub(" ", re.sub(r"https?://\S+", " ", text)))
    return code == lang or (code is None and confidence == 0.0)


def words(text: str) -> int:
    return len(WORD.findall(text))


def no_markers(text: str) -> bool:
    return CITATION_MARKER.search(text) is None


def names_any(text: str, facts: Iterable[str]) -> bool:
    """At least one of the account's own facts (its name, a date, a product it has) is in the text."""
    lowered = text.lower()
    return any(f and f.lower() in lowered for f in facts)


def pitches_none_of(text: str, owned_names: Iterable[str]) -> bool:
    """No product the account owns is named (an upsell or nurture to a customer sells what it lacks)."""
    return not any(re.search(rf"\b{re.escape(n)}\b", text) for n in owned_names)


def distinct_share(subjects: Sequence[str]) -> float:
    return len(set(subjects)) / len(subjects) if subjects else 1.0


def staff_text_problems(text: str, lang: str) -> list[str]:
    """What makes a brief or next-actions text read as a database dump, in the reader's language."""
    problems = []
    if m := RAW_CODE.search(text):
        problems.append(f"raw code {m.group(0)!r}")
    if m := RECORD_ID.search(text):
        problems.append(f"id instead of a name {m.group(0)!r}")
    if m := ISO_DATE.search(text):
        problems.append(f"ISO date {m.group(0)!r}")
    if m := PLURAL_ERRORS.search(text):
        problems.append(f"plural {m.group(0)!r}")
    if lang == "fi":
        if m := EN_THOUSANDS.search(text) or EN_DECIMAL_MONEY.search(text):
            problems.append(f"English number format {m.group(0)!r}")
    elif m := FI_DECIMAL_MONEY.search(text):
        problems.append(f"Finnish number format {m.group(0)!r}")
    return problems
