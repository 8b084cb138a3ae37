"""Chat writing read as the language the content is in: spoken Finnish as written Finnish, shouting
as ordinary case.

Visitors type as they speak: "onks teillä", "kuinka nopeesti", "maksaa ittensä takas", "tarvittais".
The stemmer and the word lists know the standard forms, so a question is read with its spoken forms
replaced by them (the question as asked is what is stored and shown). Pure functions.
"""

from __future__ import annotations

import re
from functools import lru_cache

from copilot.guards.memo import cleared_on_erasure

# Whole words whose standard form is not a regular change of the ending.
WORDS = {
    "takas": "takaisin", "ittensä": "itsensä", "ittesä": "itsensä", "itteensä": "itseensä", "itteään": "itseään",
    "eka": "ensimmäinen", "ekana": "ensimmäisenä", "ekalla": "ensimmäisellä", "ekaa": "ensimmäistä",
    "mä": "minä", "sä": "sinä", "mun": "minun", "sun": "sinun", "mulle": "minulle", "sulle": "sinulle",
    "mulla": "minulla", "meiän": "meidän", "teiän": "teidän", "ois": "olisi", "oisko": "olisiko",
    "oo": "ole", "ollu": "ollut", "tää": "tämä", "toi": "tuo", "noi": "nuo", "niinku": "niin kuin",
    "joo": "kyllä", "nää": "nämä", "semmonen": "sellainen", "tommonen": "tuollainen", "kauanko": "kuinka kauan",
    "miks": "miksi", "kaks": "kaksi", "ilmaseks": "ilmaiseksi", "ennenku": "ennen kuin", "sillonku": "silloin kun",
    "ku": "kun", "meil": "meillä", "teil": "teillä", "niil": "niillä", "mul": "minulla", "sul": "sinulla",
    "henkee": "henkeä", "tän": "tämän", "ootte": "olette", "oon": "olen", "nään": "näen", "tarvii": "tarvitsee",
    "jotenki": "jotenkin", "kuussa": "kuukaudessa", "hlö": "henkilöä", "kännykkä": "puhelin",
    "kännykällä": "puhelimella", "kännykkään": "puhelimeen", "soppari": "sopimus", "sopparin": "sopimuksen",
    "sopparista": "sopimuksesta", "työsopparin": "työsopimuksen", "firmas": "yrityksessä", "firma": "yritys",
    "hajoo": "hajoaa", "hajos": "hajosi", "mut": "mutta",
    # a past participle without its -t ("ei oo saanu mitään")
    "saanu": "saanut", "tullu": "tullut", "menny": "mennyt", "tehny": "tehnyt", "nähny": "nähnyt",
    "pystyny": "pystynyt", "toiminu": "toiminut", "lähteny": "lähtenyt",
    # a dropped -ts-, -d-, -n or -i ("kattoa palkkalaskelman", "oikeudet nähä", "vieläki", "uus esimies")
    "kattoa": "katsoa", "kattoo": "katsoo", "katon": "katson", "kattomaan": "katsomaan", "nähä": "nähdä",
    "tehä": "tehdä", "vieläki": "vieläkin", "myöski": "myöskin", "uus": "uusi", "kännykästä": "puhelimesta",
    "kännykän": "puhelimen", "kännykkää": "puhelinta",
    # Speech drops a pronoun's final -n ("onks teil mitää") and the -i- of -ainen adjectives ("ilmasta").
    "mitää": "mitään", "mikää": "mikään", "kukaa": "kukaan", "ketää": "ketään", "missää": "missään",
    "mistää": "mistään", "mihinkää": "mihinkään", "jonku": "jonkun", "ilmanen": "ilmainen", "ilmasta": "ilmaista",
    "ilmasen": "ilmaisen", "sellasta": "sellaista", "sellanen": "sellainen", "tällasta": "tällaista",
    "tällanen": "tällainen", "tollasta": "tuollaista", "millanen": "millainen", "millasta": "millaista",
    # ...and the -ä of a partitive after -i- ("meit on 40 tyyppii"); only these words: "toimii" is a verb,
    # "teit" the past of "tehdä".
    "meit": "meitä", "tyyppii": "tyyppiä", "ihmisii": "ihmisiä", "tyyppei": "tyyppejä",
}
_ASKING = re.compile(r"^(\w{2,})ks$")
"""The spoken -ks of a question verb ("onks", "toimiiks", "löytyyks"): -ko/-kö, by vowel harmony."""

# Regular changes of a word's end: "nopeesti" → "nopeasti", "onks" → "onko", "tarvittais" → "tarvittaisiin".
ENDINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\w{2,}[^aeiouyäö])eesti$"), r"\1easti"),
    (re.compile(r"^(\w{3,})eks$"), r"\1eksi"),  # the translative: "vuodeks" → "vuodeksi"
    (re.compile(r"^(\w{3,}v[aä])ks$"), r"\1ksi"),  # ...of a participle: "allekirjoitettavaks"
    (re.compile(r"^takas(in\w+)$"), r"takais\1"),  # in a compound too: "takasinmaksuaika"
    (re.compile(r"^(\w{2,})isko$"), r"\1isiko"),  # the conditional asked: "saisko" → "saisiko"
    (re.compile(r"^(\w{2,})iskö$"), r"\1isikö"),
    (re.compile(r"^(\w{3,}tt)ais$"), r"\1aisiin"),
    (re.compile(r"^(\w{3,}tt)äis$"), r"\1äisiin"),
    (re.compile(r"^(\w{3,}[aeiouyäö])is$"), r"\1isi"),
)
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
_BACK_VOWELS = set("aou")


def _word(token: str, opens: bool) -> str:
    low = token.lower()
    if low in WORDS:
        return WORDS[low]
    if opens and (m := _ASKING.match(low)):  # only where a question verb stands: "webhooks" stays
        return m.group(1) + ("ko" if _BACK_VOWELS & set(m.group(1)) else "kö")
    for pattern, repl in ENDINGS:
        m = pattern.match(low)
        if m:
            return m.expand(repl)
    return token


@cleared_on_erasure  # a question may name a person
@lru_cache(maxsize=4096)
def standard(text: str, lang: str) -> str:
    """``text`` with its spoken Finnish forms written as the standard language; other languages as is."""
    if lang != "fi":
        return text
    text = _CASE_AFTER_NAME.sub(r"\1", text)
    return _TOKEN.sub(lambda m: _word(m.group(0), _opens(text, m.start())), text)


# A case ending after a foreign name's apostrophe ("Flow'sta", "Excel'iin") is no word of its own.
_CASE_AFTER_NAME = re.compile(r"(\w)['’](?:sta|stä|ssa|ssä|lla|llä|lle|lta|ltä|iin|hin|ksi|ta|tä|n)\b")


def _opens(text: str, at: int) -> bool:
    """Whether the word at ``at`` opens a clause: the text's start or after a mark that ends one."""
    before = text[:at].rstrip()
    return not before or before[-1] in ".,;:!?–-\"("


_SHOUTED = re.compile(r"[^.!?\n]*[.!?\n]*")


def calm(text: str) -> str:
    """Sentences written in capitals throughout ("EXPORT BUTTON GONE!!") in ordinary case: the search model
    and the word lists read capitals as other words. An acronym inside an ordinary sentence stays."""
    def one(m: re.Match[str]) -> str:
        part = m.group(0)
        letters = [c for c in part if c.isalpha()]
        if len(letters) < 6 or not all(c.isupper() for c in letters):
            return part
        low = part.lower()
        at = next((i for i, c in enumerate(low) if c.isalpha()), 0)
        return low[:at] + low[at:at + 1].upper() + low[at + 1:]
    return _SHOUTED.sub(one, text)

