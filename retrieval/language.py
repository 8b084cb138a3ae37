"""Which language a text is in, Finnish or English, with lingua's statistical models.

Short, informal questions ("paljonko kaarna maksaa", "onks teil SSO:ta") defeat function-word
counting; lingua reads them from character n-grams (its models ship in its wheel, nothing is
downloaded). Product names and acronyms say nothing about the language, so they are removed before
detecting, and a text that still gives no clear answer gets the caller's default.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_CODES = {Language.FINNISH: "fi", Language.ENGLISH: "en", Language.SWEDISH: "sv"}
_NEUTRAL = re.compile(
    r"\b(kaarna|hr core|core|insight|flow|complete|essential|plus|enterprise|polku|henkilöstö360)\b"
    r"|https?://\S+|[\w.+-]+@[\w.-]+|[\d€$%.,:;/()+\-–]+",
    re.IGNORECASE,
)
MIN_CONFIDENCE = 0.7
"""Below this share the text is too short or mixed to tell; the caller's default decides."""
MAJORITY_WORDS = 40
"""Up to this many words (a question, a ticket's subject) every word also votes; a longer text's
whole-text reading is reliable, and a vote per word would cost a detection each."""


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    # Swedish is in the set so that a Swedish question is not forced into Finnish or English.
    return LanguageDetectorBuilder.from_languages(*_CODES).build()


_PRODUCTS = ("kaarna", "insight", "complete", "enterprise", "essential")


def _letters(text: str) -> str:
    # Acronyms are matched case-sensitively: "SSO" is neutral, the Finnish word "ON" is not.
    stripped = _NEUTRAL.sub(" ", re.sub(r"\b[A-Z]{2,}[a-z]?\b", " ", text))
    # A misspelt product name ("insigth") is no more a sign of language than the right one.
    kept = [w for w in stripped.split() if not any(_like(w.lower(), p) for p in _PRODUCTS)]
    return " ".join(kept).strip()


def _like(word: str, name: str) -> bool:
    # The cheap upper bounds first: most words are nowhere near a product name's length or letters.
    # The length bound is real_quick_ratio's, without building a matcher for every word of a passage.
    if 2 * min(len(word), len(name)) < 0.8 * (len(word) + len(name)):
        return False
    m = SequenceMatcher(None, word, name)
    return m.real_quick_ratio() >= 0.8 and m.quick_ratio() >= 0.8 and m.ratio() >= 0.8


def detect(text: str) -> tuple[str | None, float]:
    """The language code (``fi``, ``en``, ``sv``) and its confidence, or ``(None, 0.0)`` for text
    with nothing to go on (only names, numbers or acronyms)."""
    return _detect(_letters(text))


def _detect(letters: str) -> tuple[str | None, float]:
    if not re.search(r"[^\W\d_]{2,}", letters):
        return None, 0.0
    values = {_CODES[v.language]: v.value for v in _detector().compute_language_confidence_values(letters)}
    if not values:
        return None, 0.0
    top = max(values, key=lambda k: values[k])
    if top == "sv":
        return top, values[top]
    # Swedish shares many n-grams with both: between Finnish and English, what counts is their ratio.
    fi, en = values.get("fi", 0.0), values.get("en", 0.0)
    return top, values[top] / (fi + en) if fi + en else 0.0


def _majority(letters: str) -> str | None:
    """The language most of a text's words are in, when more than half are in one: a question written
    in English around one Finnish word ("how long is the käyttöönotto") is English, though its
    Scandinavian letters weigh more in the text as a whole."""
    kept = letters.split()
    if not 3 <= len(kept) <= MAJORITY_WORDS:
        return None
    # a word of one or two letters ("is", "my") is noise to a guess word by word: it has no vote
    found = (_detector().detect_language_of(w) for w in kept if len(w) > 2)
    votes = Counter(_CODES[lang] if lang else None for lang in found)
    if not votes:
        return None
    code, n = votes.most_common(1)[0]
    return code if code and 2 * n > sum(votes.values()) else None


def language_of(text: str, default: str = "fi") -> str:
    """``fi`` or ``en`` for a text a person wrote: ``default`` when unclear. A Swedish (or other)
    text is answered in English, the language of the two that more visitors read."""
    letters = _letters(text)  # once: it fuzzes every word against the product names
    code, confidence = _detect(letters)
    if code is None or confidence < MIN_CONFIDENCE:
        return default
    voted = _majority(letters)
    code = voted if voted in ("fi", "en") else code  # a Swedish-looking vote does not overrule fi or en
    return code if code in ("fi", "en") else "en"
