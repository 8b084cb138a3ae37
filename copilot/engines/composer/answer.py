"""Composer answers: the direct answer first, from the passage that answers the question, or an honest
"I don't know" with a person offered.

For a question about the customer's own account (order status, agreement, open requests) the answer
is built from the allowed account facts. Otherwise every sentence, list item and table row of the
retrieved passages is scored for how well it answers: the question's topic words it covers (typos
and inflections forgiven), whether the heading above it asks the same question, whether it has the
shape the question wants (an amount for a price, a duration for "how long", times for support
hours) and how close its passage is to the question. The best one opens the answer; one or two
sentences of the same passage may follow. When the best candidate leaves the question's topic
uncovered, the answer says so instead of quoting something loosely related.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

from copilot.assembly import TaskContext
from copilot.core import locale
from copilot.engines.composer import intent as intents
from copilot.engines.composer.terms import found, key_terms, same, terms
from copilot.engines.composer.text import units
from copilot.results import Citation
from prompts import templates

SHAPES = {
    "money": re.compile(r"\d[\d\s\u00a0.,]*\s?(€|euroa?|eur\b)|€\s?\d", re.IGNORECASE),
    "duration": re.compile(r"\b\d+(?:\s?[–-]\s?\d+)?\s?(viiko|päiv|kuukau|tunti|week|day|month|hour)", re.IGNORECASE),
    "hours": re.compile(r"\b\d{1,2}(?:[.:]\d{2})?\s?[–-]\s?\d{1,2}(?:[.:]\d{2})?\b|24/7|ympäri vuorokauden|"
                        r"around the clock", re.IGNORECASE),
}
PASSAGES = 8
"""Passages the composer reads (retrieval returns more for the llm engine)."""
MAX_FOLLOW = 2
"""Sentences of the same passage that may follow the answer, when they add to it."""
MIN_COVERAGE = 0.55
"""Share of the question's topic (by weight) the answer's passage must cover to count as an answer."""
SURE_SIMILARITY = 0.86
"""A passage this close to the question answers it even when its words differ (a paraphrase)."""


class ComposedAnswer(BaseModel):
    text: str
    citations: list[Citation]
    known: bool
    handoff: bool
    used_categories: list[str]


@dataclass
class Candidate:
    passage: Citation
    order: int
    text: str
    score: float
    coverage: float


def account_answer(tc: TaskContext, kind: str) -> ComposedAnswer | None:
    """An answer from the account's own facts, or None when the decision does not allow them."""
    t = templates("answer", tc.language)
    needed = "support_history" if kind == "tickets" else "purchase_history"
    if not tc.decision.may_use(needed):
        return None
    if kind == "order":
        status = tc.fact("latest_order.status")
        if status is None:
            text = t["no_orders"]
        else:
            text = t["order_status"].format(
                latest_order_id=tc.fact("latest_order.id"),
                latest_order_product=tc.fact("latest_order.product"),
                latest_order_date=_day(tc, tc.fact("latest_order.date")),
                latest_order_status=t["order_status_words"].get(status, status),
            )
    elif kind == "contract":
        end = tc.fact("contract.end_date")
        text = (
            t["no_contract"]
            if end is None
            else t["contract_status"].format(
                contract_product=tc.fact("contract.product"),
                contract_licences=tc.fact("contract.licences"),
                contract_end_date=_day(tc, end),
            )
        )
    else:
        count = int(tc.fact("tickets.open_count") or "0")
        forms = t["tickets_status"]
        text = forms["zero"] if count == 0 else locale.plural(count, forms, tc.language)
    return ComposedAnswer(text=text, citations=[], known=True, handoff=False, used_categories=[needed])


def _day(tc: TaskContext, iso: str | None) -> str:
    return locale.day(date.fromisoformat(iso), tc.language) if iso else ""


def _weights(topic: tuple[str, ...], vocabulary: list[set[str]]) -> dict[str, float]:
    """Inverse document frequency of each topic term over the candidate passages: a term no passage
    has weighs most (the question is about something they do not cover)."""
    n = max(len(vocabulary), 1)
    out = {}
    for term in topic:
        df = sum(1 for v in vocabulary if found(term, v))
        out[term] = math.log(1 + n / (df + 0.5)) + (0.5 if len(term) >= 6 else 0.0)
    return out


def candidates(tc: TaskContext, question: str, topic_intent: str | None) -> list[Candidate]:
    lang = tc.language
    wanted = intents.shape(topic_intent)
    intent_words = intents.intent_terms(topic_intent)
    topic = tuple(t for t in key_terms(question, lang) if not any(same(t, s) for s in intent_words))
    passages = tc.passages[:PASSAGES]
    heads = [p.location.split("#", 1)[1] if "#" in p.location else "" for p in passages]
    vocab = [set(terms(f"{p.title} {h} {p.body}", lang)) for p, h in zip(passages, heads, strict=True)]
    weights = _weights(topic, vocab)
    total = sum(weights.values())
    out = []
    for rank, (p, head, pv) in enumerate(zip(passages, heads, vocab, strict=True)):
        head_terms = set(terms(head, lang))
        covered = sum(w for t, w in weights.items() if found(t, pv)) / total if total else 1.0
        head_hit = sum(w for t, w in weights.items() if found(t, head_terms)) / total if total else 0.0
        similarity = p.similarity or 0.0
        for order, unit in enumerate(units(p.body, rows=True)):
            unit_terms = set(terms(unit, lang))
            own = sum(w for t, w in weights.items() if found(t, unit_terms)) / total if total else 0.0
            focus = sum(1 for u in unit_terms if any(same(u, t) for t in topic)) / max(len(unit_terms), 1)
            fits = bool(wanted and SHAPES[wanted].search(unit))
            score = (1.2 * own + 0.8 * head_hit + 0.6 * covered + 0.4 * focus + (0.8 if fits else 0.0)
                     + 2.0 * max(similarity - 0.8, 0.0) + 0.15 / (rank + 1) - 0.03 * order
                     + (0.25 if order == 0 and head_hit > 0.5 else 0.0))
            if wanted and not fits and topic_intent in ("price", "implementation"):
                score -= 0.3  # "how much" wants an amount; a sentence without one is not the answer
            out.append(Candidate(passage=p, order=order, text=unit, score=score, coverage=covered))
    out.sort(key=lambda c: -c.score)
    return out


def answers(best: Candidate, topic_intent: str | None, has_topic: bool) -> bool:
    """Whether the best candidate answers the question, rather than sharing a word with it."""
    if not has_topic:  # "paljonko maksaa?": the intent is the whole question
        wanted = intents.shape(topic_intent)
        return topic_intent is not None and (wanted is None or bool(SHAPES[wanted].search(best.text)))
    return best.coverage >= MIN_COVERAGE or (best.passage.similarity or 0.0) >= SURE_SIMILARITY


def extractive(tc: TaskContext, question: str) -> ComposedAnswer:
    t = templates("answer", tc.language)
    topic_intent = intents.topic_intent(question, tc.language)
    ranked = candidates(tc, question, topic_intent)
    has_topic = any(not any(same(k, s) for s in intents.intent_terms(topic_intent))
                    for k in key_terms(question, tc.language))
    if not ranked or not answers(ranked[0], topic_intent, has_topic):
        return unknown(tc, t, off_topic=not ranked or (ranked[0].coverage == 0 and topic_intent is None))
    best = ranked[0]
    chosen = [best]
    follow = [c for c in ranked[1:] if c.passage.ref == best.passage.ref and best.order < c.order <= best.order + 3
              and c.score > 0.5 * best.score and c.text not in best.text and best.text not in c.text]
    chosen += sorted(follow, key=lambda c: c.order)[:MAX_FOLLOW]
    text = " ".join(_sentence(c.text) for c in chosen)
    used = ["public_content"] + (["internal_content"] if tc.decision.may_use("internal_content") else [])
    return ComposedAnswer(text=text, citations=[best.passage], known=True, handoff=False, used_categories=used)


def _sentence(unit: str) -> str:
    unit = unit.strip()
    return unit if unit[-1:] in ".!?…" else unit + "."


def unknown(tc: TaskContext, t: dict, *, off_topic: bool = False) -> ComposedAnswer:
    """An honest "I don't know" and a person offered: a visitor is asked how to reach them."""
    who = "visitor" if tc.decision.audience == "visitor" else "customer"
    text = t["off_topic" if off_topic else "unknown"] + " " + t["handoff_offer"][who]
    return ComposedAnswer(text=text, citations=[], known=False, handoff=True, used_categories=[])


def compose(tc: TaskContext, question: str, *, follow_up_of: str | None = None) -> ComposedAnswer:
    t = templates("answer", tc.language)
    kind = intents.classify(question, tc.language)
    who = "visitor" if tc.decision.audience == "visitor" else "customer"
    if kind == "greeting":
        return ComposedAnswer(text=t["greeting"], citations=[], known=True, handoff=False, used_categories=[])
    if kind == "handoff":
        return ComposedAnswer(text=t["handoff_ack"][who], citations=[], known=True, handoff=True, used_categories=[])
    if kind is not None and tc.decision.audience != "visitor":
        direct = account_answer(tc, kind)
        if direct is not None:
            return direct
    if kind is not None and tc.decision.audience == "visitor":
        # An anonymous visitor asked about "my order": nothing of any account may be used. A general
        # question that only sounds like one ("what happens to our data when the contract ends?") is
        # still answered from public content when the sources answer it.
        general = extractive(tc, question)
        if general.known:  # public content only; a person is still offered for the account part
            return general.model_copy(update={"handoff": True})
        return ComposedAnswer(text=f"{t['not_allowed_account']} {t['handoff_offer']['visitor']}", citations=[],
                              known=False, handoff=True, used_categories=[])
    # A short follow-up is read together with the question it follows.
    return extractive(tc, f"{follow_up_of} {question}" if follow_up_of else question)
