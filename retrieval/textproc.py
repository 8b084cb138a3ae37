"""Keyword tokenisation for Finnish and English: Snowball stems plus sub-word features.

Finnish inflects heavily (``asiakkaan``, ``asiakkaille``) and glues compounds (``huoltosopimus``).
Snowball stems handle inflection; it does not split compounds, so words of six or more letters also contribute
character 5-grams of their stem (marked with ``#`` so they never collide with whole words). A
query about ``sopimus`` then still meets ``huoltosopimuksen`` through shared grams.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

from retrieval.language import MIN_CONFIDENCE, detect

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NGRAM = 5
_MIN_COMPOUND = 6
_FI_HINTS = frozenset(
    [
        "ja",
        "on",
        "ei",
        "se",
        "että",
        "kun",
        "mitä",
        "miten",
        "mikä",
        "miksi",
        "voi",
        "olla",
        "ovat",
        "tai",
        "kuin",
        "myös",
        "sekä",
        "jos",
        "kanssa",
        "mutta",
        "meidän",
        "teidän",
        "asiakas",
        "asiakkaan",
        "kuinka",
        "paljon",
        "onko",
    ]
)
_EN_HINTS = frozenset(
    [
        "the",
        "and",
        "is",
        "are",
        "of",
        "to",
        "what",
        "how",
        "why",
        "which",
        "does",
        "do",
        "for",
        "with",
        "can",
        "our",
        "your",
        "a",
        "an",
        "in",
    ]
)
STOPWORDS = {
    "fi": frozenset(
        [
            "ja",
            "on",
            "ei",
            "se",
            "että",
            "kun",
            "tai",
            "kuin",
            "myös",
            "sekä",
            "jos",
            "mutta",
            "olla",
            "ovat",
            "oli",
            "ole",
            "voi",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "of",
            "to",
            "a",
            "an",
            "in",
            "on",
            "for",
            "with",
            "be",
            "was",
            "were",
            "it",
            "this",
            "that",
            "or",
            "by",
            "as",
            "at",
        ]
    ),
}


@lru_cache(maxsize=2)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("finnish" if lang == "fi" else "english")


def guess_language(text: str) -> str:
    """``fi`` or ``en``: lingua's reading where it is clear, else a count of function words."""
    code, confidence = detect(text)
    if code in ("fi", "en") and confidence >= MIN_CONFIDENCE:
        return code
    words = [w.lower() for w in _WORD.findall(text)]
    if any(ch in text.lower() for ch in "äöå"):
        return "fi"
    fi = sum(w in _FI_HINTS for w in words)
    en = sum(w in _EN_HINTS for w in words)
    return "fi" if fi > en else "en"


def tokenize(text: str, lang: str | None = None) -> list[str]:
    """Index terms of a passage: stems in its language plus compound grams for Finnish."""
    lang = lang if lang in ("fi", "en") else guess_language(text)
    words = [w for w in (t.lower() for t in _WORD.findall(text)) if w not in STOPWORDS[lang]]
    stems = _stemmer(lang).stemWords(words)
    terms = list(stems)
    if lang == "fi":
        terms.extend(_grams(stems))
    return terms


def tokenize_query(text: str, lang: str | None = None) -> list[str]:
    """Query terms: stems under both stemmers (the question's language may differ from the
    passage's), plus Finnish compound grams when the question looks Finnish."""
    guessed = lang if lang in ("fi", "en") else guess_language(text)
    words = [w for w in (t.lower() for t in _WORD.findall(text)) if w not in STOPWORDS[guessed]]
    fi = _stemmer("fi").stemWords(words)
    en = _stemmer("en").stemWords(words)
    terms = list(dict.fromkeys([*fi, *en]))
    if guessed == "fi":
        terms.extend(dict.fromkeys(_grams(fi)))
    return terms


def _grams(stems: list[str]) -> list[str]:
    out: list[str] = []
    for s in stems:
        if len(s) >= _MIN_COMPOUND:
            out.extend(f"#{s[i : i + _NGRAM]}" for i in range(len(s) - _NGRAM + 1))
    return out
