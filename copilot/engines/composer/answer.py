"""Composer answers: extractive, cited, and honest about what the sources do not say.

For a question about the customer's own account (order status, agreement, open requests) the answer
is built from the allowed account facts. Otherwise the best sentences of the top passages are
quoted with their citation numbers; when no passage shares enough with the question, the answer
says it does not know and offers a person instead of guessing.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from copilot.assembly import TaskContext
from copilot.engines.composer.text import units
from copilot.results import Citation
from prompts import templates
from retrieval.textproc import tokenize

INTENTS = {
    "handoff": re.compile(
        r"\b(ihmi\w*|asiakaspalvelija\w*|asiantuntija\w*|myyjä\w*|human|agent|real person|"
        r"someone|speak to|talk to)\b",
        re.IGNORECASE,
    ),
    "order": re.compile(r"\b(tilau\w*|toimitu\w*|orders?|delivery|shipment)\b", re.IGNORECASE),
    "contract": re.compile(
        r"\b(sopimu\w*|lisenssi\w*|contracts?|agreement|licen[cs]es?|subscription)\b", re.IGNORECASE
    ),
    "tickets": re.compile(r"\b(tukipyyn\w*|tiket\w*|tickets?|support requests?|cases?)\b", re.IGNORECASE),
}
# "my order" in English, and in Finnish also the possessive suffix: tilaukse-ni, sopimukse-mme.
ACCOUNT_WORDS = re.compile(r"\b(minun|meidän|oma\w*|my|our|mine|\w{4,}(?:ni|mme))\b", re.IGNORECASE)
MAX_SENTENCES = 3
MIN_OVERLAP = 2


class ComposedAnswer(BaseModel):
    text: str
    citations: list[Citation]
    known: bool
    handoff: bool
    used_categories: list[str]


def intent(question: str) -> str | None:
    """``order``, ``contract``, ``tickets`` for questions about one's own account, ``handoff``, or None."""
    if INTENTS["handoff"].search(question) and re.search(
        r"\b(haluan|voinko|can i|i want|please|could)\b", question, re.IGNORECASE
    ):
        return "handoff"
    if ACCOUNT_WORDS.search(question):
        for name in ("order", "contract", "tickets"):
            if INTENTS[name].search(question):
                return name
    return None


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
                latest_order_date=tc.fact("latest_order.date"),
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
                contract_end_date=end,
            )
        )
    else:
        text = t["tickets_status"].format(tickets_open_count=tc.fact("tickets.open_count") or "0")
    return ComposedAnswer(text=text, citations=[], known=True, handoff=False, used_categories=[needed])


def extractive(tc: TaskContext, question: str) -> ComposedAnswer:
    t = templates("answer", tc.language)
    q_terms = set(tokenize(question, tc.language))
    scored: list[tuple[float, int, int, str]] = []
    for p in tc.passages[:6]:
        # A unit under a heading that matches the question (a price table under "prices per user")
        # counts part of the heading's overlap: table rows rarely repeat the question's words.
        heading = p.location.split("#", 1)[1] if "#" in p.location else ""
        head_overlap = len(q_terms & set(tokenize(heading, tc.language)))
        for order, unit in enumerate(units(p.body)):
            overlap = len(q_terms & set(tokenize(unit, tc.language)))
            if overlap + head_overlap:
                scored.append((overlap + 0.6 * head_overlap + 1.0 / (p.ref + 1), p.ref, order, unit))
    scored.sort(key=lambda s: -s[0])
    best = [s for s in scored if s[0] >= MIN_OVERLAP][:MAX_SENTENCES]
    if not best:
        return ComposedAnswer(text=t["unknown"], citations=[], known=False, handoff=True, used_categories=[])
    best.sort(key=lambda s: (s[1], s[2]))
    refs = sorted({ref for _s, ref, _o, _t in best})
    text = " ".join(f"{sentence} [{ref}]" for _s, ref, _o, sentence in best)
    cited = [p for p in tc.passages if p.ref in refs]
    used = ["public_content"] + (["internal_content"] if tc.decision.may_use("internal_content") else [])
    return ComposedAnswer(text=text, citations=cited, known=True, handoff=False, used_categories=used)


def compose(tc: TaskContext, question: str, *, follow_up_of: str | None = None) -> ComposedAnswer:
    t = templates("answer", tc.language)
    kind = intent(question)
    if kind == "handoff":
        return ComposedAnswer(text=t["handoff_ack"], citations=[], known=True, handoff=True, used_categories=[])
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
        return ComposedAnswer(
            text=f"{t['not_allowed_account']} {t['handoff_offer']}",
            citations=[],
            known=False,
            handoff=True,
            used_categories=[],
        )
    # A short follow-up is read together with the question it follows.
    return extractive(tc, f"{follow_up_of} {question}" if follow_up_of else question)
