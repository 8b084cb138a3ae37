"""What a question asks for: a topic intent (price, implementation, support...), an account question,
a hand-off or a greeting. Pure functions over the question's words (typos forgiven)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from copilot.engines.composer.terms import same, terms

LEXICON = Path(__file__).with_name("intents.yaml")

# "my order" in English, and in Finnish also the possessive suffix: tilaukse-ni, sopimukse-mme.
ACCOUNT_WORDS = re.compile(r"\b(minun|meidän|oma\w*|my|our|mine|\w{4,}(?:ni|mme))\b", re.IGNORECASE)
ACCOUNT_TOPICS = {
    "order": re.compile(r"\b(tilau\w*|toimitu\w*|orders?|delivery|shipment)\b", re.IGNORECASE),
    "contract": re.compile(r"\b(sopimu\w*|lisenssi\w*|contracts?|agreement|licen[cs]es?|subscription)\b",
                           re.IGNORECASE),
    "tickets": re.compile(r"\b(tukipyyn\w*|tiket\w*|tickets?|support requests?|cases?)\b", re.IGNORECASE),
}
WANTS = re.compile(r"\b(haluan|haluaisin|voinko|voisinko|saisinko|pääsenkö|can i|could i|i want|i'd like|i would "
                   r"like|please|connect me|put me through|speak|talk|puhua|jutella)\b", re.IGNORECASE)
GREETING = re.compile(r"^\s*(hei|moi|moikka|terve|huomenta|päivää|hello|hi|hey|good (morning|afternoon)|kiitos|"
                      r"thanks|thank you)[\s!.,?]*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[frozenset[str], str | None]]:
    """Intent → (its stems in both languages, the answer shape it wants)."""
    raw = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    out = {}
    for name, spec in raw.items():
        words = " ".join(spec["words"])
        out[name] = (frozenset(terms(words, "fi")) | frozenset(terms(words, "en")), spec.get("shape"))
    return out


def topic_intent(question: str, lang: str) -> str | None:
    """The topic intent with the most matching words (None when no word marks one)."""
    q = terms(question, lang)
    best, hits = None, 0
    for name, (stems, _shape) in lexicon().items():
        if name == "handoff":
            continue
        n = sum(1 for t in q if any(same(t, s) for s in stems))
        if n > hits:
            best, hits = name, n
    return best


def intent_terms(name: str | None) -> frozenset[str]:
    return lexicon()[name][0] if name in lexicon() else frozenset()


def shape(name: str | None) -> str | None:
    return lexicon()[name][1] if name in lexicon() else None


def classify(question: str, lang: str) -> str | None:
    """``handoff``, ``greeting``, an account question (``order``, ``contract``, ``tickets``), or None."""
    if GREETING.match(question):
        return "greeting"
    stems, _ = lexicon()["handoff"]
    asks_person = any(any(same(t, s) for s in stems) for t in terms(question, lang))
    if asks_person and WANTS.search(question):
        return "handoff"
    if ACCOUNT_WORDS.search(question):
        for name, pattern in ACCOUNT_TOPICS.items():
            if pattern.search(question):
                return name
    return None
