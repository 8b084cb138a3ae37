"""Content terms of a question and a passage, and a forgiving match between them.

Visitors write "kayttoonotto" for "käyttöönotto", "insigth" for "Insight", "palkanlaskentaan" where the
text says "palkanlaskenta-": terms are Snowball stems with the Scandinavian letters folded, and two
terms match when they are equal, one inflects or compounds the other, or they differ by a typo.
Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import Stemmer
from wordfreq import top_n_list, zipf_frequency

from copilot.guards.memo import cleared_on_erasure
from retrieval.textproc import STOPWORDS

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FOLD = str.maketrans("äöåé", "aoae")
GENERIC_FILE = Path(__file__).with_name("generic_words.txt")


GIVEN_NAMES_FILE = Path(__file__).with_name("given_names.txt")


def _listed(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(fold(w) for line in lines for w in line.partition("#")[0].split())


@lru_cache(maxsize=1)
def generic() -> frozenset[str]:
    """Words that carry no topic of their own in a question to this vendor's assistant (folded)."""
    return _listed(GENERIC_FILE)


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Common given names (folded): a person the question names is no topic the content lacks."""
    return _listed(GIVEN_NAMES_FILE)


@lru_cache(maxsize=2)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("finnish" if lang == "fi" else "english")


def fold(word: str) -> str:
    return word.lower().translate(_FOLD)


@cleared_on_erasure  # questions and tickets may name a person
@lru_cache(maxsize=8192)
def terms(text: str, lang: str) -> tuple[str, ...]:
    """Folded stems of the content words of ``text`` (stop words dropped), in order."""
    return tuple(w.stem for w in words(text, lang))


class Word(NamedTuple):
    stem: str
    raw: str
    """The word as written, folded: Snowball's Finnish stems differ between inflections of one word
    ("alennusta" → "alenu", "alennukset" → "alennuks"), its first letters do not."""
    common: bool = False
    """An everyday word of its language ("jotain", "realistic", "ollenkaan"), see :func:`everyday`."""


COMMON_ZIPF = 4.0
"""Words at least this frequent (Zipf scale: 4.0 ≈ 10 per million words of general text) are everyday
words: a question may use them without the content having to."""


FUNCTION_ZIPF = 5.3
"""Words this frequent are pronouns, particles and auxiliaries ("siihen", "saanut"), whatever is asked."""


TYPO_ZIPF = 3.5
"""A word rarer than this ("ther" 3.1) may be a slip; "timer" (3.7) is a word."""
LITTLE_WORDS = 100
"""The commonest words of a language ("the", "their", "miten", "kanssa"): the ones people misspell in a hurry."""


@lru_cache(maxsize=4)
def _little(lang: str) -> frozenset[str]:
    return frozenset(fold(w) for w in top_n_list(lang, LITTLE_WORDS) if len(w) >= 3)


def little_typo(word: str, lang: str) -> bool:
    """Whether a word is a misspelt little word of English ("ther", "wich", "shoud"): one letter off one of
    its commonest words and rare as itself ("timer" and "tile" are words). Three-letter words are left
    alone ("aws" is one letter off "was"), and so is Finnish, whose words are read folded: "kylma" is
    "kylmä", not a slip for "kyllä"."""
    return (lang == "en" and len(word) >= 4 and not everyday(word, lang, TYPO_ZIPF)
            and any(_distance_at_most_one(word, w) for w in _little(lang)))


def manner(word: str, lang: str) -> bool:
    """Whether an English word is an adverb made of an everyday word ("realistically", "roughly",
    "basically"): how the visitor asks, not what about. "supply" and "family" are no such adverbs."""
    if lang != "en" or len(word) < 6 or not word.endswith("ly"):
        return False
    bases = {word[:-2], word[:-4] if word.endswith("ally") else "", word[:-3] + "y" if word.endswith("ily") else ""}
    return any(len(b) >= 4 and everyday(b, lang) for b in bases)


@lru_cache(maxsize=65536)
def everyday(word: str, lang: str, at_least: float = COMMON_ZIPF) -> bool:
    """Whether a word, as written, is an everyday word of its language (by wordfreq's general corpora,
    which ship in its wheel). The content not having "ollenkaan" or "realistic" says nothing about
    whether it answers; not having "SOC" or "Netvisor" does."""
    return not word.isdigit() and zipf_frequency(word, lang) >= at_least


def frequency(word: str, lang: str) -> float:
    """How common a word is in its language (wordfreq's Zipf scale: 0 unseen, 7 "the")."""
    return zipf_frequency(word, lang)


class Vocabulary(NamedTuple):
    stems: frozenset[str]
    raws: frozenset[str]


# "our IT department", "IT:n pitää…": the department, written in capitals, is no pronoun "it" (a stop word)
_IT = "ict"


@cleared_on_erasure  # questions and tickets may name a person
@lru_cache(maxsize=8192)
def words(text: str, lang: str) -> tuple[Word, ...]:
    raw = [_IT if w == "IT" else w.lower() for w in _WORD.findall(text)]
    raw = [w for w in raw if w not in STOPWORDS[lang] and (len(w) > 1 or w.isdigit())]
    return tuple(Word(fold(st), fold(w), everyday(w, lang))
                 for st, w in zip(_stemmer(lang).stemWords(raw), raw, strict=True))


@cleared_on_erasure  # questions and tickets may name a person
@lru_cache(maxsize=4096)
def vocabulary(text: str, lang: str) -> Vocabulary:
    ws = words(text, lang)
    return Vocabulary(frozenset(w.stem for w in ws), frozenset(w.raw for w in ws))


def key_terms(question: str, lang: str) -> tuple[Word, ...]:
    """The question's content words: not generic question words (numbers stay: "24/7", "ISO 27001")."""
    skip = generic()
    kept = [w for w in _WORD.findall(question) if w == "IT" or fold(w) not in skip]
    return tuple(dict.fromkeys(words(" ".join(kept), lang)))


def _distance_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):  # one substitution, or two neighbours swapped
        rest_a, rest_b = a[i + 1 :], b[i + 1 :]
        swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        return rest_a == rest_b or swapped
    return a[i:] == b[i + 1 :]  # one insertion


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@cleared_on_erasure  # questions and tickets may name a person
@lru_cache(maxsize=65536)
def same(a: str, b: str, typos: bool = True) -> bool:
    """Whether two folded stems name the same thing (inflection, compound part or, with ``typos``, a
    typo). A word the language knows well is no typo: "changing" is not a misspelt "charge"."""
    if a == b:
        return True
    short = min(len(a), len(b))
    if short == 3 and abs(len(a) - len(b)) == 1 and _common_prefix(a, b) == 3:  # "hin"/"hint" (hinta)
        return True
    if short < 4:
        return False
    longer = max(len(a), len(b))
    # inflected ("kertakirjautum"/"kertakirjautumin", not "kayt"/"kayttoonoto"), a compound's head
    # ("integraatio" in "palkkaintegraatio") or, with ``typos``, a typo
    inflected = _common_prefix(a, b) >= max(4, short - 1) and (short >= 6 or longer - short <= 3)
    alike = (inflected or (short >= 6 and head_of(*sorted((a, b), key=len)))
             or (typos and short >= 5 and _distance_at_most_one(a, b)))
    return alike and _apart(a) == _apart(b)


APART = ("palvelim", "palvelin", "yhdisty", "jarjesto")
"""Roots that look like an inflection of another word and are not: a "palvelin" (server) is no "palvelu"
(service), though "palvelimet" and "palvelee" share their first six letters; a "yhdistys" (an association)
is not "yhdistetään" (connected), nor a "järjestö" (an organisation) a "järjestelmä" (a system)."""


def _apart(stem: str) -> bool:
    return stem.startswith(APART)


def _starts_inside(raw: str, word: str) -> bool:
    """Whether ``raw``'s first PREFIX letters stand inside ``word`` as the start of the same word ("alennusta"
    in "volyymialennukset"; "palvelimet" in "pilvipalvelimilla", not in "palvelee")."""
    at = word.find(raw[:PREFIX])
    while at >= 0:
        if _apart(word[at:]) == _apart(raw):
            return True
        at = word.find(raw[:PREFIX], at + 1)
    return False


def head_of(part: str, whole: str, *, after: int = 0) -> bool:
    """Whether ``part`` ends the compound ``whole`` (an inflection's few letters may follow), with at
    least ``after`` letters of other parts before it: a compound names a kind of its last part
    ("palkkaintegraatio" is an "integraatio", "lisäalennusta" an "alennus"), while a part in the middle
    says little ("kehityskeskustelutyökalu" is no "keskustelu"). A part that starts it is an inflection
    or prefix match, see :func:`same`."""
    at = whole.rfind(part)
    return at >= after and len(whole) - at - len(part) <= 3


PREFIX = 6
"""A word of more than this many letters is found where its first PREFIX letters stand inside a word
of the text (an inflection or a compound: "alennusta" in "volyymialennukset")."""


@cleared_on_erasure  # vocabularies of tickets and questions may hold a name
@lru_cache(maxsize=65536)
def _fuzzy(stem: str, stems: frozenset[str], typos: bool = True) -> bool:
    # The same passages are read for question after question: a word's fuzzy match against one passage's
    # stems is worked out once (the frozenset keeps its hash).
    return any(same(stem, v, typos) for v in stems)


def found(word: Word | str, vocab: Vocabulary | Iterable[str]) -> bool:
    if isinstance(vocab, Vocabulary):
        stem = word.stem if isinstance(word, Word) else word
        typos = not (isinstance(word, Word) and word.common)
        if stem in vocab.stems or _fuzzy(stem, vocab.stems, typos):
            return True
        raw = word.raw if isinstance(word, Word) else word
        start = raw[:PREFIX]
        return len(raw) > PREFIX and any(start in v and _starts_inside(raw, v) for v in vocab.raws)
    target = word.stem if isinstance(word, Word) else word
    return any(same(target, v) for v in vocab)


def named_in(word: Word, vocab: Vocabulary) -> bool:
    """Whether the text names the thing itself, not only the kind of thing: as :func:`found`, except
    that a part of the word does not count ("järjestelmiin" does not name a "rekrytointijärjestelmä",
    though "palkkaintegraatio" names an "integraatio")."""
    if word.stem in vocab.stems:
        return True
    if any(same(word.stem, v) and not (v in word.stem and len(word.stem) - len(v) > 3) for v in vocab.stems):
        return True
    whole = word.raw[: max(PREFIX, len(word.raw) - 3)]
    return len(word.raw) > PREFIX and any(whole in v for v in vocab.raws)
