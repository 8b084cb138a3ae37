"""What a question asks for: a topic intent (price, implementation, support...), an account question,
a hand-off or a greeting; the form its answer should have; the situation it tells before asking and
the names it writes. Pure functions over the question's words (typos forgiven)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import yaml

from copilot.engines.composer.terms import (
    COMMON_ZIPF,
    Vocabulary,
    Word,
    everyday,
    fold,
    found,
    head_of,
    key_terms,
    same,
    terms,
    words,
)
from copilot.guards.memo import cleared_on_erasure

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
# "Voisiko joku soittaa minulle?", "could someone call me back": a person asked for, in so many words.
CALL_ME = re.compile(r"\bgive (?:me|us) a (?:call|ring)\b|"
                     r"\b(?:soit\w*|call|ring|phone|contact|reach|email|e-mail)\s+(?:\w+\s+)?(?:minulle|mulle|meille|me|us)\b|"
                     r"\b(?:minulle|mulle|meille)\s+(?:\w+\s+)?soit\w*|\bsoittopyyn\w*|\bcall ?back\b|"
                     r"\b(?:ottaa|ottaisi|ottakaa|ota)\s+(?:\w+\s+)?(?:minuun|muhun|meihin)\s+yhteyttä|"
                     r"\bget in touch with (?:me|us)\b", re.IGNORECASE)
# "Can you send us your DPA?", "Voitteko toimittaa meille sertifikaatin?": a document asked for, which only a
# person can send; the chat says so instead of answering what the document is about.
SEND_ME = re.compile(r"\b(?:can|could|would|will) you (?:please )?(?:send|e-?mail|mail|forward|share)\b|"
                     r"\bplease (?:send|e-?mail|forward)\b|"
                     r"\b(?:voi(?:tte|sitte|t|sit)(?:ko|kö)?|lähettäkää|toimittakaa)\s+(?:\w+\s+)?"
                     r"(?:lähettää|toimittaa|meille|minulle)\b", re.IGNORECASE)
# "We'd like a demo for our management team", "Haluaisin varata demon": a meeting only a person can set up;
# "who should I contact?" asks for one in so many words.
# (a demo environment, video or slides is a thing to ask about, not a meeting; so is one's own presentation)
BOOK = re.compile(r"\b(?:book|schedule|arrange|set up|request|get|like|want|need|walk (?:me|us) (?:through|thru))\s+"
                  r"(?:[\w'-]+\s+){0,3}"
                  r"(?:demo|demonstration|meeting|presentation)\b"
                  r"(?!\s*(?:environment|video|slides?|recording|account|site|version))|"
                  r"\b(?:vara\w*|halua\w*|halut\w*|saa(?:da|isi\w*)|sopia|järjestää)\s+"
                  r"(?:(?!ennen|jälkeen|oma|oman|sisäi|lisää|lukea|kuulla|kokeil)[\w-]+\s+){0,2}(?:\w+-)?"
                  r"(?:demo(?!ympäristö|video|tallen)\w*|esittely\w*|tapaami\w*|palaveri\w*)|"
                  r"\bwho (?:should|can|do) (?:i|we) (?:contact|talk to|speak to|call)\b|"
                  r"\bwho(?:'s| is) (?:your|the) (?:\w+\s+)?(?:sales (?:contact|rep|person|manager)|account manager)\b|"
                  r"\bke(?:hen|neen|nelle) (?:\w+\s+)?(?:ottaa|otan|otamme|soitan|soitamme|voi laittaa|voin laittaa|"
                  r"laitan|lähetän|voi lähettää|voin lähettää)\b", re.IGNORECASE)
GREETING = re.compile(r"^\s*(hei|moi|moikka|moro|heippa|terve|huomenta|päivää|hyvää päivää|hello|hi|hey|"
                      r"good (morning|afternoon|evening))[\s!.,?]*$", re.IGNORECASE)
# "kiitti, tää riitti mulle! hyvää viikonloppua", "cool, that's everything I needed. cheers!": the visitor
# closes the chat: thanks or a goodbye and nothing else ("Kiitos, paljonko maksaa HR Core?" asks a price).
THANKS = re.compile(r"\b(?:kiitos|kiitti|kiitoksia|kiitokset|thanks|thank you|thx|cheers|bye|goodbye|heippa|"
                    r"hyvää (?:päivänjatkoa|viikonloppua|illanjatkoa)|"
                    r"have a (?:nice|good|great) (?:day|weekend)|"
                    r"that'?s (?:all|everything)|that was (?:all|everything|helpful|useful)|(?:tää|tämä|se) riitti)\b",
                    re.IGNORECASE)
_CLOSING = frozenset((
    "cool", "great", "ok", "okay", "perfect", "awesome", "nice", "super", "fine", "very", "much", "lot", "so",
    "again", "really", "for", "the", "your", "help", "helping", "i", "needed", "need", "that", "was", "it",
    "all", "everything", "just", "now", "hyvä", "hyvin", "selvä", "kiva", "mahtava", "loistava", "tarvitsin",
    "mulle", "minulle", "nyt", "paljon", "vielä", "kerran", "avusta", "avustasi", "apua", "tää", "tämä", "se",
    "oli", "riitti", "kaikki", "mitä",
))
"""What else a closing says ("cool, that's everything I needed", "tää riitti mulle")."""


class Intent(NamedTuple):
    stems: frozenset[str]
    heads: frozenset[str]
    """The intent's words as written (folded, four letters or more): a Finnish compound that ends in one
    is of the intent ("asiakastuki" is a "tuki")."""
    shape: str | None
    """The form the answer's first sentence should have (``money``, ``duration``, ``hours``)."""
    prefer: tuple[str, ...]
    """Content types that answer such questions (a price list, not an ROI example)."""
    things: frozenset[str] = frozenset()
    """Stems of the words that name a thing ("backup", "SFTP"): they mark the intent, yet they are also what
    the question is about, so they stay in its topic."""
    exact: frozenset[str] = frozenset()
    """Words that count only as written (folded): their stem is another word's too ("stored" and a
    "store", "paljonko" and "paljon")."""
    quiet: frozenset[str] = frozenset()
    """Words (folded, as written) that belong to the intent but do not mark it: "laskelmia" asked with a
    payback is the worked example, not a topic the content must name; "lomarahan laskelma" is no ROI."""


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Intent]:
    raw = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    raw.pop("synonyms", None)
    raw.pop("matches", None)
    raw.pop("industries", None)
    raw.pop("names", None)
    out = {}
    for name, spec in raw.items():
        loose = [w.lstrip("+") for w in spec["words"] if not w.startswith(("=", "~"))]
        listed = " ".join(loose)
        named = " ".join(w[1:] for w in spec["words"] if w.startswith("+"))
        heads = frozenset(fold(w) for w in loose if len(w) >= 4)
        out[name] = Intent(frozenset(terms(listed, "fi")) | frozenset(terms(listed, "en")), heads, spec.get("shape"),
                           tuple(spec.get("prefer", ())), frozenset(terms(named, "fi")) | frozenset(terms(named, "en")),
                           frozenset(fold(w[1:]) for w in spec["words"] if w.startswith("=")),
                           frozenset(fold(w[1:]) for w in spec["words"] if w.startswith("~")))
    return out


# "Do you support SCIM?", "Is SSO supported?": the verb, not the support desk.
_SUPPORT_VERB = re.compile(r"\b(?:(?:do|does|did|you|we|they|it|can|to|kaarna)\s+support|supports|supported|"
                           r"supporting)\b", re.IGNORECASE)


# "pay slip", "payday", "pay period": the employees' pay, not what Kaarna costs ("payroll" is an integration's).
_PAY_THING = re.compile(r"\bpay[- ]?(?:slip|day|period|run|stub|check|cheque)s?\b", re.IGNORECASE)
# Finnish compounds the same way: "palkanmaksu" is a payment of wages ("palkanmaksu on perjantaina"), no fee.
_PALKKA = re.compile(r"\bpal(?:kan|kka)maksu\w*", re.IGNORECASE)
# "an hour ago", "two hours later", "tunti sitten": when something happened, not the support's hours.
_AGO = re.compile(r"\b(?:an?|one|two|three|few|couple of|several|\d+)\s+hours?\s+(?:ago|later|earlier|before)\b|"
                  r"\b(?:tunti|tuntia|tunnin)\s+(?:sitten|myöhemmin|aiemmin)\b", re.IGNORECASE)


# Finnish "iso" is big ("isosta määrästä", "iso firma"); the standard is written "ISO" or named with its number.
_BIG = re.compile(r"\b[Ii]so\w*\b(?![\s-]*(?:27001|9001|sertifi|standard))")


# "Käyttääkö joku kunta Kaarnaa?", "Does any hospital use it?": asks for customers, like "references".
_SOMEONE = r"(joku|jokin|kukaan|mikään|yksikään|ketkä|kuka|mikä|mitkä|any|anyone|someone|who|which)"
_USE = r"(käyttä\w*|uses?|using|used)"
# "Has any city implemented Kaarna?", "Onko joku kunta ottanut Kaarnan käyttöön?": a customer too, but only
# after "any" ("which modules are deployed first?" asks about the rollout).
_ANY = r"(joku|jokin|kukaan|mikään|yksikään|any|anyone|someone)"
_ADOPTED = r"(implemented|adopted|deployed|rolled out|switched to|käyttöön)"
_USED = re.compile(rf"\b(?:{_USE}|{_ADOPTED})\b", re.IGNORECASE)
_WHO_USES = re.compile(rf"\b{_SOMEONE}\b.*\b{_USE}\b|\b{_USE}\b.*\b{_SOMEONE}\b|\b{_ANY}\b.*\b{_ADOPTED}\b",
                       re.IGNORECASE)


def asks_who_uses(question: str) -> bool:
    """Whether the question asks which customers use (or adopted) the product: "Has any city rolled out
    Kaarna?" names Kaarna as what they use, and asks about them, not about us."""
    return bool(_WHO_USES.search(question))


# "we'd get 20 % off": a discount, though "off" alone is no price word ("log off", "a day off").
_PERCENT_OFF = re.compile(r"\d\s*(?:%|per ?cent)\s*off\b(?!-)(?!\s+(?:sick|work|duty|site)\b)", re.IGNORECASE)


# "How much is Kaarna?": a price, though neither word is one ("how much data" is not).
# Spoken Finnish asks "paljon se maksaa?" and "kuinka paljon…": "paljon" opening a clause is "how much";
# inside one it is "a lot" ("meillä paljon ulkomaalaisia").
_HOW_MUCH = re.compile(r"\bhow much (?:is|are|does|do|would|will|for)\b|"
                       r"\b(?:kuinka|miten) paljon\b(?! (?:aiemmin|ennen|etukäteen))|"
                       r"(?:^|[.!?,:]\s*)(?:no\s+|entä\s+|ja\s+)?paljon\b", re.IGNORECASE)


@cleared_on_erasure  # a question may name a person
@lru_cache(maxsize=4096)
def topic_intent(question: str, lang: str) -> str | None:
    """The topic intent with the most matching words (None when no word marks one), of what is asked
    when that marks one: "…how quickly do you pick it up? We'd go with the cheapest plan" asks about
    support, whatever the plan costs. Memoised: the ask path reads it to retrieve for the intent, and
    the composer again to read the passages."""
    asked = asked_clauses(question)
    if not asked or asked == question.strip():
        return _intent_of(question, lang)
    # What is asked decides; when it marks no intent, the story does ("Kysyn hintaa 600 hengelle. Saako
    # isosta määrästä hyvitystä?"). But customers told of are the asker's own kind ("I'm an HR partner at one
    # of your customers. How do I get the report to Excel?"): only a question that leans on them asks for
    # customer stories.
    of_asked = _intent_of(asked, lang)
    if of_asked:
        return of_asked
    whole = _intent_of(question, lang)
    if whole == "references" and words(asked, lang) and not points_back(question) and not _THEY.search(asked):
        return None
    return whole


# "…a customer of 250 people… What happened to their eNPS?": the customers told of are what is asked about.
_THEY = re.compile(r"\b(?:they|their|heidän|heillä|heille)\b", re.IGNORECASE)


def _intent_of(question: str, lang: str) -> str | None:
    if _PAYBACK.search(question):
        return "roi"  # "kauanko kesti, että se maksaa itsensä takaisin?" asks for the payback, not the rollout
    text = _PAY_THING.sub(" ", _SUPPORT_VERB.sub(" ", _AGO.sub(" ", question))) if lang == "en" \
        else _BIG.sub(" ", _PALKKA.sub(" ", _AGO.sub(" ", question)))
    change = asks_change(question)
    if change:  # "paljonko allekirjoitus nopeutui?" asks how big a change was, not a price; "laski" is no invoice
        text = CHANGE.sub(" ", _HOW_MUCH_OF.sub(" ", text))
    who_uses = asks_who_uses(question)
    if who_uses:  # "has any city implemented Kaarna?" asks who did, not how an implementation goes
        text = _USED.sub(" ", text)
    how_much = (bool(_HOW_MUCH.search(question)) and not change) or bool(_PERCENT_OFF.search(question))
    reach = bool(_REACH.search(question))
    marked: dict[str, float] = {}
    for w in words(text, lang):
        for name, weight in _word_intents(w.raw, w.stem, w.common, lang):
            marked[name] = marked.get(name, 0.0) + weight
    best, hits = None, 0.0
    for name in lexicon():
        n = marked.get(name, 0.0) + (who_uses and name == "references") + (how_much and name == "price") \
            + (reach and name == "support")
        if n > hits:
            best, hits = name, n
    return best


# "…does anyone at Kaarna actually pick up?", "voiko teille soittaa viikonloppuna?": whether someone is there
# to help at a time, which the support hours answer, whatever the problem told around it.
_REACH = re.compile(r"\b(?:pick(?:s|ing)? up|answers? the phone|"
                    r"how (?:fast|quickly|soon) (?:are you|do you|will you|would you|you) "
                    r"(?:answer|respond|react|reply)\w*|"
                    r"(?:anyone|someone|somebody)\s+(?:\w+\s+){0,3}"
                    r"(?:available|on call|answer\w*|pick\w* up)|on[- ]call|"
                    r"päivyst\w*|ympäri vuorokauden|"
                    r"(?:soittaa|soitan|soittaisin|soittaako|soitella)\s+(?:teille|tukeen|asiakastukeen)|"
                    r"(?:teille|tukeen|asiakastukeen)\s+(?:\w+\s+)?(?:soittaa|soittaako|soitella)|"
                    r"(?:call|phone) (?:you|your support|support))\b", re.IGNORECASE)


@cleared_on_erasure  # a question's word may be a name
@lru_cache(maxsize=16384)
def _word_intents(raw: str, stem: str, common: bool, lang: str) -> tuple[tuple[str, float], ...]:
    """The intents one question word marks, each with its weight. Memoised: every question reads its
    words against every intent's stems."""
    out = []
    for name, (stems, heads, _shape, _prefer, _things, exact, _quiet) in lexicon().items():
        if name == "handoff":
            continue
        # A word written as the intent's own outweighs one that only stems alike ("kokemusta" is experience,
        # not "kokeilu"). Finnish writes compounds as one word: "asiakastuki" is a "tuki" (English writes
        # "customer support").
        if raw in exact:
            out.append((name, 1.5))
        elif any(same(stem, s, not common) for s in stems) or (
                lang == "fi" and any(head_of(h, raw, after=3) for h in heads)):
            out.append((name, 1.0))
    return tuple(out)


def intent_terms(name: str | None, *, things: bool = True) -> frozenset[str]:
    """The intent's word stems; without ``things``, only the ones that name no thing of their own."""
    if name not in lexicon():
        return frozenset()
    found = lexicon()[name]
    return found.stems if things else found.stems - found.things


def own_words(name: str | None) -> frozenset[str]:
    """The intent's words kept as written (folded): those that count only so, and those that mark nothing."""
    return lexicon()[name].exact | lexicon()[name].quiet if name in lexicon() else frozenset()


def shape(name: str | None) -> str | None:
    return lexicon()[name].shape if name in lexicon() else None


PHRASE = 2
"""What an industry's phrase found whole counts for, against one word."""


@lru_cache(maxsize=1)
def _industries() -> dict[str, tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]]:
    """Each industry's words, as stems; its phrases, found only whole ("asset management": an asset alone
    is no industry); and its Finnish words as written, that may open a compound ("kuntasektori")."""
    raw = yaml.safe_load(LEXICON.read_text(encoding="utf-8")).get("industries", {})
    out = {}
    for code, entries in raw.items():
        single = " ".join(e for e in entries if " " not in e)
        out[code] = (frozenset(terms(single, "fi")) | frozenset(terms(single, "en")),
                     tuple(e.lower() for e in entries if " " in e),
                     tuple(fold(e) for e in entries if " " not in e and len(e) >= COMPOUND_HEAD))
    return out


COMPOUND_HEAD = 4
"""An industry word this long may open a Finnish compound: "kunta" in "kuntasektorin", "hoiva" in "hoivakodit"."""


def industry(question: str, lang: str) -> str | None:
    """The industry a question names ("asiakastarinoita teollisuudesta" → ``manufacturing``), if any."""
    q, text = terms(question, lang), question.lower()
    # each Finnish word as written, with its stems, read once for every industry
    written = [(fold(w), terms(w, lang)) for w in re.findall(r"\w+", text)] if lang == "fi" else []
    # an everyday word is no typo of an industry's: "kauan" (long) is not a misspelt "kaupan"
    known = {t for t in q if everyday(t, lang, COMMON_ZIPF)}
    best, hits = None, 0.0
    for code, (stems, phrases, heads) in _industries().items():
        # a word as the lexicon has it says more than one that only comes close ("kaupunki" is a city, not
        # "kauppa"), and a phrase more than a word that may only look like one of another industry's
        # ("wealth", "health")
        n = sum(1.0 if t in stems else 0.5 for t in q if any(same(t, s, typos=t not in known) for s in stems)) \
            + sum(PHRASE for p in phrases if p in text) \
            + sum(1.0 for w, w_stems in written if any(w.startswith(h) and len(w) >= len(h) + 3 for h in heads)
                  and not any(same(t, s) for t in w_stems for s in stems))
        if n > hits:
            best, hits = code, n
    return best


@lru_cache(maxsize=2)
def _names(cased: bool) -> tuple[tuple[str, re.Pattern[str]], ...]:
    raw = yaml.safe_load(LEXICON.read_text(encoding="utf-8")).get("names", [])
    # The content writes a product as it is named ("Kaarna Complete"); a visitor may not ("flow pricing?").
    return tuple((n, re.compile(rf"\b{re.escape(n)}", 0 if cased else re.IGNORECASE)) for n in raw)


def names(text: str, *, cased: bool = False) -> frozenset[str]:
    """The product and plan names a text mentions; inflections count ("HR Coren"). With ``cased``
    (for the content) only as written there, so "complete the sign-in" names no product."""
    return frozenset(name for name, p in _names(cased) if p.search(text))


_COMPARE = re.compile(r"\b(?:difference|differ\w*|compar\w*|vs|versus|each|both|ero|eroa\w*|erot|eroja|erotus|"
                      r"vertail\w*|verrattuna|kumpi\w*|kummassa\w*|molemm\w*)\b", re.IGNORECASE)


def compared(question: str) -> list[str]:
    """A question comparing products or plans ("Plus vs Enterprise: how fast do you react in each?") as one
    question per name, the others left out; empty when it compares nothing."""
    if not _COMPARE.search(question):
        return []
    named = [(name, p) for name, p in _names(False) if p.search(question)]
    if len(named) < 2:
        return []
    out = []
    for name, _ in named:
        text = question
        for other, pattern in named:
            if other != name:
                text = pattern.sub("", text)
        out.append(" ".join(text.split()))
    return out


def preferred(name: str | None) -> tuple[str, ...]:
    return lexicon()[name].prefer if name in lexicon() else ()


PERSON_WITHIN = 60
"""Characters after a wish in which the person wished for is named."""


def _asks_person(question: str, lang: str) -> bool:
    """Whether the question wants a person: a wish ("can I", "haluaisin") with a person named right after
    it ("…talk to a human", "…puhua myyjän kanssa"). Whole words in English: "personal records" and a
    "400-person company" ask for nobody, nor does "before we talk to vendors"."""
    handoff = lexicon()["handoff"]
    for m in WANTS.finditer(question):
        after = question[m.start(): m.end() + PERSON_WITHIN]
        if lang == "en":
            raws = {w.raw.removesuffix("s") for w in words(after, lang)}
            if raws & handoff.heads:
                return True
        elif any(w.stem in handoff.stems for w in words(after, lang)):
            return True
    return False


def classify(question: str, lang: str) -> str | None:
    """``handoff``, ``greeting``, ``thanks``, ``send`` (a document asked for), an account question (``order``,
    ``contract``, ``tickets``), or None."""
    if GREETING.match(question):
        return "greeting"
    if _asks_person(question, lang) or CALL_ME.search(question) or BOOK.search(question):
        return "handoff"
    if THANKS.search(question) and "?" not in question \
            and set(re.findall(r"[^\W\d_]+", THANKS.sub(" ", question).lower().replace("'", " "))) <= _CLOSING:
        return "thanks"
    if SEND_ME.search(question):
        return "send"
    if ACCOUNT_WORDS.search(question):
        for name, pattern in ACCOUNT_TOPICS.items():
            if pattern.search(question):
                return name
    return None


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, tuple[str, ...]]:
    lexicon_file = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, ...]] = {}
    # the synonyms, and the words that only count as a match (see intents.yaml: matches)
    for word, others in [*lexicon_file.get("synonyms", {}).items(), *lexicon_file.get("matches", {}).items()]:
        # A phrase stays whole ("data processing agreement"): all its words must be found, not any one.
        stems = tuple(dict.fromkeys(" ".join(t) for o in others for lang in ("fi", "en") if (t := terms(o, lang))))
        for lang in ("fi", "en"):
            for key in terms(str(word), lang):
                out[key] = tuple(dict.fromkeys(out.get(key, ()) + stems))
    return out


@cleared_on_erasure  # a question's word may be a name
@lru_cache(maxsize=16384)
def alternatives(term: str) -> tuple[str, ...]:
    """The term and the words the content may use for it instead ("sso" → "kertakirjautumin"...); a
    phrase is its words' stems joined by spaces ("singl sign").
    Memoised: every question word is looked up against every passage."""
    table = _synonyms()
    found = next((v for k, v in table.items() if same(term, k)), ())
    return (term, *found)


def said_otherwise(term: str, vocab: Vocabulary) -> bool:
    """Whether the text has a word the content uses instead of ``term``, every word of it when it is a
    phrase ("sign in" for "login", "data processing agreement" for a "DPA")."""
    return any(all(found(part, vocab) for part in alt.split()) for alt in alternatives(term)[1:])


# "-ko" makes a yes/no question of a verb ("Sisältyykö…?"), but "paljonko" and "montako" ask for an amount.
YES_NO = re.compile(r"^\s*(?:(?!paljonko\b|montako\b|pljonko\b)\w+(?:ko|kö|kos|kös)\b|"
                    # "…? ja maksaako jokainen erikseen": a verb joined on ("Entä taulukko, …?" names a thing)
                    r"(?:ja|and|entä|also|myös)\s+(?:(?!paljonko\b|montako\b)\w+(?:ko|kö)\s+\w|"
                    r"(?:is|are|do|does|did|can|could|will|would|should|has|have|may)\b)|"
                    r"(?:is|are|do|does|did|can|could|will|would|should|has|have|may)\b)", re.IGNORECASE)


# The words that open what is asked: a question word, or a verb made a question by -ko/-kö.
_ASKS = re.compile(r"^\s*(?:paljonko|montako|mikä|mitä|mitkä|miten|millainen|millaisia|kuinka|milloin|missä|mistä|"
                   r"mihin|kuka|ketkä|voiko|onko|\w+(?:ko|kö)|what|how|when|where|which|who|why|is|are|do|does|"
                   r"can|could|will|would)\b", re.IGNORECASE)


def interrogative(clause: str) -> bool:
    """Whether a clause asks ("paljonko HR Core maksaisi") rather than tells ("meillä on 120 työntekijää"):
    a question word or a question verb opens it. A clause of a word or two ("HR Core, paljonko…") names
    what is asked about, so it asks too."""
    return bool(_ASKS.match(clause)) or len(clause.split()) < 3


# "Kuinka nopeasti…", "how soon…": a duration, whatever the topic (a payback time, an onboarding).
_HOW_LONG = re.compile(r"\b(?:kuinka|miten|how)\s+(?:kauan|pitkään|nopeasti|pian|long|fast|quickly|soon|early)\b|"
                       r"\b(?:kuinka|miten) (?:paljon|monta kuukautta) (?:aiemmin|ennen|etukäteen)\b|"
                       r"\bhow (?:far|long) in advance\b|\bhow much notice\b|"
                       r"\bmissä ajassa\b", re.IGNORECASE)


# "How much of MY time would it take?", "paljonko vie meidän omaa aikaa viikossa?": the effort asked of
# the customer's people, not how long the project runs.
_EFFORT = re.compile(r"\b(?:how much (?:of )?(?:my|our) (?:own )?time (?:would|will|does|do|is)\b(?!.*\bsav)|"
                     r"how much time (?:would|will|do) (?:i|we) (?:need|have) to (?:put|spend|give)\b|"
                     # "how much time you'll need from our IT department": the customer's side of the work (not
                     # a saving, nor the time "from our order to go-live")
                     r"how much (?:time|effort|work)\b(?![^.?!]*\bsav)[^.?!]{0,40}\bfrom (?:us|me|our|my)\b"
                     r"(?![^.?!]*\bto\b)|"
                     r"\b(?:aikaa|työtä)\b[^.?!]{0,30}(?:\bmeiltä|osastol(?:ta|tamme))\b|"
                     r"\bmeiltä (?:tarvitaan|vaaditaan)\b[^.?!]{0,20}\b(?:aikaa|työtä)\b|"
                     r"(?:omaa|meidän|minun|mun) (?:omaa )?(?:työ)?aikaa (?:viikossa|kuluu|menee|tarvitaan)|"
                     r"(?:vie|veisi|kuluu|menee|tarvitaan) (?:meidän |meiltä |minun |multa )?(?:omaa )?(?:työ)?aikaa|"
                     r"työmäär\w* (?:käyttöönot|projekti)\w*|(?:käyttöönot|projekti)\w* työmäär\w*)", re.IGNORECASE)


# "When was the company founded?", "milloin Kaarna perustettiin?": a year.
_FOUNDED = re.compile(r"\b(?:when|what year|which year)\b[^?]{0,40}\b(?:founded|established|set up|started)\b|"
                      r"\bperustet\w*|\bperustamisvuo\w*|\bfounding year\b", re.IGNORECASE)
# "Kuinka suuren hyvityksen saamme?", "how big a credit…": a size, in figures.
_HOW_BIG = re.compile(r"\b(?:kuinka|miten) (?:suur|iso)\w*|\bhow (?:big|large)\b", re.IGNORECASE)
# "How many months until…" counts a time: the payback's
_MANY_TIMES = re.compile(r"\b(?:how many|montako|kuinka monta)\s+(?:months?|weeks?|years?|days?|kuukau\w*|viiko\w*|"
                         r"vuo(?:si|tta|de)\w*|päiv\w*)\b", re.IGNORECASE)
# "What uptime % is guaranteed?", "mikä käytettävyysprosentti luvataan?": a share, in per cent.
_PERCENT = re.compile(r"\bwhat (?:\w+ )?(?:%|percent\w*)|\bhow many per ?cent\b|\bpercentage\b|"
                      r"\b(?:kuinka monta|montako|mikä) (?:\w+ )?prosent\w*|\w+prosentti\w*\b", re.IGNORECASE)
# "Montako…", "how many…": a number.
_HOW_MANY = re.compile(r"\b(?:montako|kuinka monta|kuinka moni|how many)\b", re.IGNORECASE)


# "Mihin aikaan…", "what time…", "aukioloajat": the times of day something is open.
_WHAT_TIME = re.compile(r"\b(?:mihin aikaan|mihin asti|mistä mihin|mikä aika|monelta|what time|what hours|until when|"
                        r"opening hours|office hours|aukiolo\w*|palveluaika\w*)\b", re.IGNORECASE)


# "Paljonko allekirjoitus nopeutui?", "how much did turnover drop?": the size of a change, not a price.
CHANGE_WORDS = (r"nopeutu\w*|hidastu\w*|vähen\w*|väheni|laski|laskivat|pudota|kasvo\w*|kasvoi|lisääntyi|"
                r"parani|säästi\w*|"
                r"lyheni|putosi|speed\w* up|sped up|faster|slower|drop(?:s|ped|ping)?|fell|fall|falls|decreas\w*|"
                r"increas\w*|reduc\w*|improv\w*|sav(?:e|ed|ing)|(?:go|goes|went|gone|come|came) down")
CHANGE = re.compile(rf"\b(?:{CHANGE_WORDS})\b", re.IGNORECASE)
CHANGED = re.compile(fold(CHANGE.pattern), re.IGNORECASE)
"""The same words as the question's terms write them (folded: "vähenivät" → "vahenivat")."""
# "How much lower would turnover need to be…?": a comparative right after "how much" asks a change's size too;
# "how much for fewer than 10 people?" asks a price.
_HOW_MUCH_MORE = re.compile(r"\b(?:by how much|how much|kuinka paljon|paljonko)\s+(?:lower|higher|less|more|fewer|"
                            r"vähemmän|enemmän|pienempi|pienemmäksi|suurempi|suuremmaksi)\b", re.IGNORECASE)
TELLS_CHANGE = re.compile(rf"\b(?:{CHANGE_WORDS}|fewer|lower|vähemmän|laskua|nousua|down from|up from|rose|nousi)\b",
                          re.IGNORECASE)
"""A sentence that tells a change ("once about 23 fewer people leave", "vaihtuvuuden laskua 27 prosenttiin")."""


# "What's the payback time?", "maksaako se itsensä takaisin?": a time too.
# ("it pays back", not "you pay it back": a refund is no payback)
_PAYBACK = re.compile(r"\b(?:payback|pa(?:ys?|id) (?:for )?itself|"
                      # the products pay for themselves, not the employees or contractors
                      r"(?:core|insight|flow|kaarna|they|modules?|products?|systems?|tools?)\s+(?:would\s+|will\s+)?"
                      r"(?:have\s+)?pa(?:y|id) for themselves|"
                      r"(?:it|they|this|that|system|investment|kaarna)\s+(?:\w+\s+){0,2}pa(?:ys?|id) back|"
                      # "would Kaarna actually pay off for us?" (not a fee or a debt paid off)
                      r"(?:it|they|this|that|kaarna|investment|system|core|insight|flow)\s+(?:\w+\s+){0,2}"
                      r"pa(?:ys?|id) off\b(?!\s+(?:the|our|an?|my|your|this|that)\b)|"
                      r"covers? (?:its|their) (?:own )?costs?|"
                      r"break[- ]?even|kannattavuusraj\w*|"
                      r"takaisinmaksu\w*|maksa\w*(?:\s+\w+)?\s+(?:itsensä|ittensä|ittensa) takaisin)", re.IGNORECASE)


_OFF_HOURS = re.compile(r"\b(?:weekends?|saturdays?|sundays?|(?:at|during the|in the|middle of the) night|overnight|"
                        r"evenings?|"
                        r"24/7|24 ?h\b|(?:a)?round the clock|outside (?:of )?(?:office|business|working) hours|"
                        r"after hours|ympäri vuorokauden|virka-ajan ulkopuol\w*|(?:toimisto|työ)ajan ulkopuol\w*|"
                        r"public holidays?|viikonlop\w*|lauantai\w*|sunnuntai\w*|yöllä|öisin|illalla|iltaisin|"
                        r"arkipyh\w*|juhlapyh\w*)\b", re.IGNORECASE)


# Who would help: "…does anyone pick up?", "saako tukea…", not whether the app or a job runs at the weekend
_HELPERS = re.compile(r"\b(?:support|help|anyone|someone|somebody|pick\w* up|call|phone|"
                      r"(?:you|you're|you are|are you) answer\w*|tuki\w*|tuke\w*|tuen|apua|"
                      r"avun|joku|kukaan|soitta\w*|soitet\w*|päivyst\w*)\b", re.IGNORECASE)


def off_hours(text: str) -> bool:
    """Whether a question asks for help at a time outside office hours ("if it breaks on a Saturday night, does
    anyone pick up?"), not whether something runs then ("Do payroll exports run overnight?")."""
    return bool(_OFF_HOURS.search(text)) and bool(_HELPERS.search(text))


OFF_HOURS_QUERY = {"fi": "tuki palvelee arkisin ja kriittiset häiriöt hoidetaan ympäri vuorokauden",
                   "en": "support is open on weekdays and critical incidents are handled around the clock"}
"""What the support plans say of help outside office hours: the query that finds it, whatever the problem told."""
PAYBACK_QUERY = {"fi": "takaisinmaksuaika maksaa itsensä takaisin kuukaudessa",
                 "en": "payback period pays for itself in months"}
"""What every worked example's outcome says, whatever its size or industry: the query that finds them all."""
BREAK_EVEN_QUERY = {"fi": "kannattavuusraja kustannukset katetaan kun muutos on",
                    "en": "break-even cost is covered once"}
"""What a worked example says of how far a figure must move for it to pay back ("how far must turnover fall?")."""


def payback(text: str) -> bool:
    """Whether a text speaks of the payback ("how fast does it pay back?"; "…pays for itself in 9.4 months")."""
    return bool(_PAYBACK.search(text))


# "Mitä tuloksia Kielo sai?", "what results did they get?": what changed, in figures.
_RESULTS = re.compile(r"\b(?:tulos|tulokse\w*|tuloksi\w*|tuloksia|hyöty\w*|saatu aikaan|saivat aikaan|saaneet aikaan|"
                      r"results?|outcomes?|achiev\w*|gain(?:s|ed)?)\b", re.IGNORECASE)


# "How fast do you react?", "kuinka nopeasti reagoitte?": a response time, which may be in minutes.
_RESPOND = re.compile(r"\b(?:react\w*|respon\w*|reagoi\w*|vastaat\w*|vastaa|vasteaika\w*|ehdi\w*)\b", re.IGNORECASE)


def asked_shape(question: str) -> str | None:
    """The form the question's own words ask for: "how long" or a payback a duration, "how fast do you
    react" a response time, "how many" or "how much did it drop" a number, "what time" the hours, "what
    results" a change, "what uptime %" a share."""
    if _EFFORT.search(question):
        return "effort"
    if _HOW_LONG.search(question):
        return "response" if _RESPOND.search(question) else "duration"
    if asks_change(question):  # "by how much must turnover fall before it pays for itself?": the fall's size
        return "count"
    if _FOUNDED.search(question):
        return "year"
    if _HOW_MANY.search(question) and not _MANY_TIMES.search(question):
        return "count"  # "how many fewer leavers before it pays for itself?": a number, not the payback time
    if _PAYBACK.search(question):
        return "duration"
    return next((shape for pattern, shape in _LATER_SHAPES if pattern.search(question)), None)


_LATER_SHAPES = ((_WHAT_TIME, "hours"), (_HOW_MANY, "count"), (_RESULTS, "change"), (_HOW_BIG, "count"),
                 (_PERCENT, "percent"))
"""The shapes asked for when none above is, in this order: "how many months until it pays back?" was a payback
above, so "how many" counts here only what is left."""


_EITHER = re.compile(r"([^\W_][\w-]*)\s+(?:or|tai|vai)\s+([^\W_][\w-]*)", re.IGNORECASE)


def either(question: str) -> frozenset[tuple[str, str]]:
    """Words offered as alternatives ("SAML or OIDC", "Sisu tai Tripletex"), folded, both ways round:
    content that has one of them answers the question."""
    pairs = {(fold(a.lower()), fold(b.lower())) for a, b in _EITHER.findall(question)}
    return frozenset(pairs | {(b, a) for a, b in pairs})


def counted(question: str, lang: str) -> tuple[Word, ...]:
    """What a "how many" question counts ("how many customers…" → customers): the words right after it."""
    m = _HOW_MANY.search(question)
    return key_terms(" ".join(question[m.end():].split()[:2]), lang) if m else ()


_HOW_MUCH_OF = re.compile(r"\b(?:paljonko|kuinka paljon|miten paljon|how much|by how much|how far)\b", re.IGNORECASE)


def asks_change(question: str) -> bool:
    """Whether the question asks how big a change was ("paljonko allekirjoitus nopeutui?")."""
    return bool(_HOW_MUCH_OF.search(question) and CHANGE.search(question)) or bool(_HOW_MUCH_MORE.search(question))


# "When do their accounts get closed?", "milloin tunnukset suljetaan?": a moment, when no intent says more; not
# "what happens when a supervisor leaves?"
_WHEN = re.compile(r"^\W*(?:when|milloin|mihin mennessä|missä vaiheessa)\b", re.IGNORECASE)


def wanted_shape(question: str, name: str | None) -> str | None:
    """The form the answer should have: what the question's own words ask for, else the intent's, else a
    moment for "when"; none for a yes/no question."""
    if yes_no(question):
        return asked_shape(question)
    return asked_shape(question) or shape(name) or (
        "moment" if any(_WHEN.match(c) for c in _CLAUSES.split(asked_clauses(question))) else None)


def yes_no(question: str) -> bool:
    """A question answered by yes or no ("Sisältyykö tuki hintaan?", "We hire 40 summer workers. Do we pay
    for them all year?"): its answer need not have the intent's shape (a yes/no about price has no amount
    to give). The sentence that asks decides, not the situation told before it, and within it the clause
    that asks ("Quick licence question: do admins cost extra?", "…need a login too - is that a paid seat?")."""
    return any(YES_NO.match(s) or YES_NO.match(_LEAD_IN.split(s)[-1]) or YES_NO.match(_asking_clause(s))
               for s in asking(question) or [question])


def _asking_clause(sentence: str) -> str:
    """The last clause of a sentence that a question word or verb opens ("40 kesätyöntekijää, pitääkö niistä
    maksaa koko vuodelta?" asks "pitääkö…"; "Mietimme, kannattaako Insight, paljonko se maksaisi?" asks
    the price), else the sentence. A name before it ("Moi, Mikko täällä, …") asks nothing."""
    asks = [c for c in _CLAUSES.split(sentence) if _ASKS.match(c)]
    return asks[-1] if asks else sentence


_CLAUSES = re.compile(r", |: ")
"""Where a sentence's clauses part: a comma, or the colon that introduces what is asked."""
_LEAD_IN = re.compile(r"\s*(?::|;|\s[-–—])\s+")
"""Where a sentence's lead-in ends and the clause that asks begins."""


# "Where are you based?", "mikä firma tän takana on ja missä päin te ootte": the vendor's seat, which
# content states the Finnish way, the company and its town ("Kaarna Ohjelmistot Oy (Tampere)").
WHERE_US = re.compile(r"\bwhere(?:'s|’s|\s+is|\s+are)\s+(?:you|kaarna(?!['’]s)|your (?:office|company|firm))\b|"
                      r"\b(?:you|kaarna)(?!['’]s)(?: guys)?(?: are| is)? (?:based|located)\b(?! on)|headquarter\w*|"
                      r"\bhq\b|legal entity|\bwho is behind\b|"
                      r"\b(?:which|what) (?:city|town|country) (?:are you|is kaarna(?!['’]s))\b|"
                      r"\bmissä (?:päin )?(?:te|kaarna)\b|\bmissä (?:päin )?(?:teidän )?(?:toimisto|konttori)\w*|"
                      r"\bmissä päin\b|sijaitsette|kotipaik\w*|pääkonttori\w*|\bmikä (?:yritys|firma)\b", re.IGNORECASE)


def focus_query(question: str, lang: str) -> str:
    """The question's topic words as written, with the words the content may use for them instead:
    a second, sharper query beside the question itself ("käyttääkö joku kunta…" → "kunta kaupunki…")."""
    kept = key_terms(question, lang)
    extra = [alt for w in kept for alt in _synonym_words().get(w.stem, ())]
    if WHERE_US.search(question):  # the company is named where its data controller is
        extra += ["Oy", "rekisterinpitäjä"] if lang == "fi" else ["Oy", "controller"]
    if _PERCENT_OFF.search(question):  # "20 % off" is what the price list calls a discount
        extra += ["alennus"] if lang == "fi" else ["discount"]
    return " ".join(dict.fromkeys([w.raw for w in kept] + extra))


@lru_cache(maxsize=1)
def _synonym_words() -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(LEXICON.read_text(encoding="utf-8")).get("synonyms", {})
    out: dict[str, tuple[str, ...]] = {}
    for word, others in raw.items():
        for lang in ("fi", "en"):
            for key in terms(str(word), lang):
                out[key] = tuple(dict.fromkeys(out.get(key, ()) + tuple(others)))
    return out


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# The words that make a sentence typed without a mark a question, when it opens with one (see _OPENS).
_QUESTION_WORD = (r"(?:paljonko|montako|mikä|mitä|mitkä|miten|millainen|kuinka|milloin|missä|mistä|mihin|kuka|ketkä|"
                  r"voiko|onko|saako|how|what|when|where|which|who|why)\b")
# A sentence opens as a question with a question word or a Finnish question verb ("maksetaanko…"), after
# "ja"/"and" and an "if" clause at most: "ja jos ei toimi ni kuinka ajoissa…" asks; "let me know when you
# can" does not.
# A question asked as a statement: "I'm mostly interested what happened to…", "haluaisin tietää, miten…"
_INDIRECTLY = (r"(?:i'?m|i am)\s+(?:\w+\s+)?interested\s+(?:in\s+)?|i(?:'d| would) like to know,?\s+|i wonder,?\s+|"
               r"haluaisin tietää,?\s+|(?:minua\s+|mua\s+)?kiinnostaa(?:\s+\w+)?,?\s+")
_OPENS = re.compile(rf"^\s*(?:(?:ja|and|entä|mutta|but|so)\s+)?(?:(?:jos|if)\b[^,]*?(?:,\s*|\s+(?:ni|niin|then)\s+))?"
                    rf"(?:{_INDIRECTLY})?(?:{_QUESTION_WORD}|\w{{3,}}(?:ko|kö|ks)\b)", re.IGNORECASE)


def asking(question: str) -> list[str]:
    """The sentences of a question that ask: those that end with a question mark, and the last of several
    typed without any mark when it opens as a question ("Sitoutuminen? ja jos ei toimi ni kuinka ajoissa
    pitää ilmottaa" asks twice). A message of one sentence without a mark tells no situation apart."""
    return [s for s, asks in _sentences(question) if asks]


def _sentences(question: str) -> list[tuple[str, bool]]:
    """Each sentence of a question, and whether it asks (see :func:`asking`)."""
    sentences = SENTENCE_END.split(question.strip())
    return [(s, _asks_here(s, last=0 < i == len(sentences) - 1)) for i, s in enumerate(sentences)]


def _asks_here(sentence: str, *, last: bool) -> bool:
    end = sentence.rstrip()
    return end.endswith("?") or (last and end[-1:] not in ".!" and bool(_OPENS.match(end)))


_CIRCUMSTANCE = re.compile(r"^\s*(?:kun|jos|koska|vaikka|when|if|because|since|while|although)\b", re.IGNORECASE)


def context_words(question: str, lang: str) -> frozenset[Word]:
    """The words of the statements before what is asked ("We have 300 staff. How fast would it pay
    back?", "Meillä on 120 työntekijää, paljonko HR Core maksaisi?") and of the circumstances after it
    ("…, kun käsittelette tietoja?"), unless the asking part repeats them: they tell the situation, not
    what is asked."""
    told, asked = _told_and_asked(question)
    if not asked:
        return frozenset()  # nothing asked in so many words ("Kerro hinnoista."): every word is the topic
    kept = {w for part in asked for w in key_terms(part, lang)}
    return frozenset(w for part in told for w in key_terms(part, lang) if w not in kept)


def asked_clauses(question: str) -> str:
    """What a question asks, without the situation it tells ("Jos siirto kaatuu perjantaina, saako
    teiltä apua viikonloppuna?" asks "saako teiltä apua viikonloppuna?"); "" when nothing is asked in
    so many words."""
    return " ".join(_told_and_asked(question)[1])


def _told_and_asked(question: str) -> tuple[list[str], list[str]]:
    told: list[str] = []
    asked: list[str] = []
    for sentence, asks_here in _sentences(question):
        if not asks_here:
            told.append(sentence)
            continue
        # Within a question, the clauses before the one that asks ("…, paljonko…") are context too, and
        # so are the circumstances after it ("…, kun käsittelette työntekijöidemme tietoja?").
        # "Our CISO will ask this first: what certification do you hold?": a colon introduces what is asked.
        clauses = _CLAUSES.split(sentence)
        asks = next((i for i, c in enumerate(clauses) if interrogative(c)), 0)
        told += clauses[:asks] + [c for c in clauses[asks + 1 :] if _CIRCUMSTANCE.match(c)]
        asked += [clauses[asks]] + [c for c in clauses[asks + 1 :] if not _CIRCUMSTANCE.match(c)]
    return told, asked


_TOKEN = re.compile(r"[^\W_]+")
CALENDAR = frozenset(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
                      "february", "march", "april", "may", "june", "july", "august", "september", "october",
                      "november", "december"))
"""English capitalises days and months: "she starts Monday" names no product or system."""


def proper_names(question: str) -> frozenset[str]:
    """Words written as names: capitalised inside a sentence ("a Slack integration", "Teamsiin") or
    acronyms ("AWS"), folded like the question's terms. A question in capitals throughout names nothing
    by its case."""
    letters = [c for c in question if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return frozenset()
    out = set()
    for sentence in SENTENCE_END.split(question.strip()):
        tokens = _TOKEN.findall(sentence)
        for i, token in enumerate(tokens):
            acronym = len(token) >= 2 and sum(c.isupper() for c in token) >= 2
            if (acronym or (i > 0 and token[0].isupper())) and token.lower() not in CALENDAR:
                out.add(fold(token))  # a sentence's first word is capitalised anyway
    return frozenset(out)


# "Onko teillä oma X?", "Do you offer X?": whether a thing exists; only a sentence that names it answers.
_EXISTS = re.compile(r"^\s*(?:(?:onko|onks|onkos) (?:teillä|teil|kaarnassa|kaarnalla)|löytyykö|löytyyks|tarjoatteko|"
                     r"myyttekö|pystyykö|hoituuko|tukeeko|tuetaanko|onnistuuko (?:kaarnalla|kaarnassa|teillä)|"
                     r"do you (?:have|offer|sell|provide|do|handle|support)|is there|are there|"
                     r"(?:does|can) (?:kaarna|it|the system|your system|your software|you) (?:have|offer|do|handle|"
                     r"support|manage|run|include))\b", re.IGNORECASE)


# "Is there a discount?" points nowhere: "there" after "is" or before "is" only says something exists.
_POINTS_BACK = re.compile(r"\b(?:it|them|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bbe )there(?! (?:is|are|be)\b)|"
                          r"that one|those|(?:does|did|do|would|will|can) that|"  # "How long did that take?"
                          r"(?:^|(?<=[.?!]\s))(?:is|was) that|"  # "Is that right?", not "the problem is that…"
                          r"sinne|siihen|siitä|siinä|sen|sitä|niihin|niistä|niitä|"
                          r"niiden|tähän|tuohon)\b", re.IGNORECASE)


# "…, and what does it cost?", "…, ja tallentuuko…?": a second question joined to the first.
_SECOND = re.compile(r",\s+(?:and|ja|sekä)\s+(?=(?:what|how|when|where|which|who|is|are|do|does|can|will|mitä|"
                     r"miten|mikä|mitkä|kuka|ketkä|milloin|missä|paljonko|kuinka|onko|[^\W\d_]+(?:ko|kö))\b)",
                     re.IGNORECASE)
# "…saadaanko siitä lisäalennusta? Kuinka paljon?": a question word alone asks more of the question before.
_BARE = re.compile(r"^\s*(?:(?:and|ja|entä|if so,?|jos (?:saa|on|kyllä),?(?:\s+niin)?)\s+)?"
                   r"(?:how (?:much|many|long|soon)|what (?:time|percentage)|when|why|"
                   r"kuinka (?:paljon|kauan|pian|monta)|miten paljon|paljonko|montako|milloin|miksi|mihin aikaan)"
                   r"(?:\s+(?:roughly|approximately|about|suunnilleen|noin|prosenttia))?\W*$", re.IGNORECASE)
_EACH = re.compile(r"\b(?:each|both|either|they|their|kumpi\w*|kumma\w*|kussakin|molemm\w*|siellä|heillä|he|niillä)\b",
                   re.IGNORECASE)


def parts(question: str) -> list[str]:
    """The questions a message asks, each with the situation told around it: "Is the data encrypted, and
    do you offer a Slack app?" asks two things, and each gets its own answer. A part that leans on the
    other ("…, and what does it cost?", "How fast do you react in each?", "mitä siellä saatiin aikaan?")
    keeps the message whole."""
    sentences = _sentences(question)
    questions = [s for s, asks in sentences if asks]
    told = [s for s, asks in sentences if not asks]
    asked = [part.strip() for s in questions for part in _SECOND.split(s, maxsplit=1)]
    if len(asked) != 2 or any(_EACH.search(a) or _POINTS_BACK.search(a) or _BARE.match(a) for a in asked[1:]):
        return [question]
    situation = " ".join(told)
    return [f"{situation} {a.rstrip('?')}?".strip() for a in asked]


# "…asiakkaita ja kauanko…": the second question of a message, with or without a comma before its "and"
_THEN_ASKED = re.compile(_SECOND.pattern.replace(r",\s+", r",?\s+", 1), re.IGNORECASE)


def story_and_detail(question: str, lang: str) -> tuple[str, str] | None:
    """"Onko teillä julkisen sektorin asiakkaita ja kauanko siellä käyttöönotto kesti?", "Do you have care
    customers, and how much faster did their signing get?": whether there is a customer story of an industry,
    then a detail of that story (the second part points back at it). The first part keeps the situation told."""
    sentences = _sentences(question)
    questions = [s for s, asks in sentences if asks]
    if len(questions) == 2:  # "onko teillä kuntia asiakkaana? kauanko käyttöönotto niillä kesti?"
        halves = questions
    elif len(questions) == 1:
        halves = _THEN_ASKED.split(questions[0], maxsplit=1)
    else:
        return None
    # "…and how long did their rollout take?" asks of the story; "…and does it integrate with X?" of the product
    if len(halves) != 2 or not _EACH.search(halves[1]):
        return None
    if industry(halves[0], lang) is None or topic_intent(halves[0], lang) != "references":
        return None
    situation = " ".join(s for s, asks in sentences if not asks)
    return f"{situation} {halves[0].rstrip(' ,?')}?".strip(), halves[1].strip()


def points_back(question: str) -> bool:
    """Whether what is asked refers to something told before it ("We use Netvisor. Does data go there?")."""
    return any(_POINTS_BACK.search(s) for s in asking(question))


_TITLES = r"(?:CEO|CFO|COO|CTO|CIO|CISO|CHRO|DPO|HRD|HR|IT|VP)"
_ASKER = re.compile(rf"\b(?i:i'?m|i am|olen|toimin)\s+(?i:the|a|an|our|yrityksen|firman|meidän)?\s*{_TITLES}\b|"
                    rf"\b{_TITLES}\s+(?i:here|täällä)\b|"
                    # one who asks through the visitor: "Our DPO and the works council want to know…"
                    rf"\b(?i:our|meidän)\s+{_TITLES}\b(?!\s+(?i:system|department|team|osasto|järjestelmä))"
                    rf"(?=[^.?!]{{0,40}}\b(?i:wants?|asks?|asked|is asking|needs?|kysyy|kysyi|haluaa))")


def asker_titles(question: str) -> frozenset[str]:
    """Titles the asker gives themself ("I'm the DPO of…", "CFO here", "olen CISO") or one who asks through them
    ("our CFO wants to know"), folded like names; a system they use ("I'm a Workday customer") is no title."""
    return frozenset(fold(t) for m in _ASKER.finditer(question) for t in re.findall(_TITLES, m.group(0)))


_THERE_IS = re.compile(r"\b(?:is there|are there|do you have|löytyykö|onko teillä)\s+"
                       r"(?:(?:teiltä|teillä|teilt|meille)\s+)?(?:(?:an?|some|any|joku|jokin|jotain|mitään)\s+)?"
                       # "is there a free trial?" asks for a trial: a word that only qualifies it is skipped
                       r"(?:(?:free|new|separate|ilmainen|ilmaista|maksuton|maksutonta|erillinen|erillistä)\s+)?"
                       r"([^\W\d_]{3,})", re.IGNORECASE)


def existing_thing(question: str) -> str | None:
    """The word right after "is there (a|some)…", "do you have…", "löytyykö…" ("is there some package
    deal?" asks for a package, not for what the rest of the sentence says), or None."""
    m = _THERE_IS.search(question)
    return m.group(1).lower() if m else None


def asks_exists(question: str) -> bool:
    """Whether the question asks if a thing exists ("Hei! Onko teillä oma rekrytointijärjestelmä?")."""
    return any(_EXISTS.match(sentence) for sentence in SENTENCE_END.split(question.strip()))
