"""Composer answers: the direct answer first, from the passage that answers the question, or an honest
"I don't know" with a person offered.

For a question about the customer's own account (order status, agreement, open requests) the answer
is built from the allowed account facts. Otherwise every sentence, list item and table row of the
retrieved passages is scored for how well it answers: the question's topic words it covers (typos
and inflections forgiven; the situation told before the question counts less), whether the heading
above it asks the same question, whether it has the shape the question wants (an amount for a
price, a duration for "how long", times for support hours), whether it speaks of organisations of
the asker's size, and how close its passage is to the question. The best one opens the answer;
one or two sentences of the same passage may follow. When the best candidate leaves the
question's topic uncovered, or the question names something no source has, the answer says so
instead of quoting something loosely related.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from pydantic import BaseModel

from copilot.assembly import TaskContext
from copilot.core import locale
from copilot.engines.composer import estimate, sizes
from copilot.engines.composer import intent as intents
from copilot.engines.composer.spoken import calm, standard
from copilot.engines.composer.terms import (
    FUNCTION_ZIPF,
    Vocabulary,
    Word,
    everyday,
    fold,
    found,
    frequency,
    given_names,
    key_terms,
    little_typo,
    manner,
    named_in,
    same,
    vocabulary,
)
from copilot.results import Citation
from prompts import templates
from retrieval.units import answer_units, is_step, list_units, step_openings

SHAPES = {
    # A discount is an amount too ("500–999 users: −10 %"); a share such as "99,9 %" is not.
    "money": re.compile(r"\d[\d\s\u00a0.,]*\s?(€|euroa?|eur\b)|€\s?\d|[−-]\s?\d+(?:[.,]\d+)?\s?%", re.IGNORECASE),
    "duration": re.compile(r"\b\d+(?:\s?[–-]\s?\d+)?(?:\s?(?:viik|päiv|kuukau|tunti|week|day|month|hour)|"
                           r"-(?:day|week|month|hour))", re.IGNORECASE),  # "30-day", not "11-päivitys"
    # A response time may be minutes, or said in words ("within one hour", "neljän työtunnin kuluessa").
    "response": re.compile(r"\b(?:\d+(?:\s?[–-]\s?\d+)?|one|two|three|four|yhden|kahden|kolmen|neljän)\s?"
                           r"(?:business\s)?(?:hour|tunni|tunti|työtun|minut|minuut)", re.IGNORECASE),
    "count": re.compile(r"\d|\b(yksi|kaksi|kolme|neljä|viisi|kuusi|seitsemän|kahdeksan|yhdeksän|kymmenen|one|two|"
                        r"three|four|five|six|seven|eight|nine|ten|twelve|dozens?|hundreds?)\b", re.IGNORECASE),
    # A result is a change in figures: a share, or a figure with a verb of change ("fell to 9 %", "0,8
    # päivää, kun aiemmin 6"); "click Save" or "from Monday to Friday" is none.
    "change": re.compile(r"\d(?:[.,]\d+)?\s?(?:%|prosent|percent)|^(?=.*\d).*\b(?:aiemmin|previously|puolittui|"
                         r"halved|doubled|kaksinkertaistui|" + intents.CHANGE_WORDS + r")\b", re.IGNORECASE),
    # The effort asked of the customer's people: "about one day a week", "roughly two days".
    "effort": re.compile(r"\b(?:päivä\w* viikossa|days? (?:a|per) week|(?:kaksi|kolme|two|three) päivää|"
                         r"(?:two|three) days)\b", re.IGNORECASE),
    "year": re.compile(r"\b(?:19|20)\d{2}\b"),
    "percent": re.compile(r"\d(?:[.,]\d+)?\s?%|\bprosent\w*|\bper ?cent\b", re.IGNORECASE),
    # A moment: "at the end of the last working day", "viimeistään viisi arkipäivää ennen aloitusta"
    "moment": re.compile(r"\b(?:at the (?:end|start|beginning) of|on the (?:first|last|same)|the same day|"
                         r"(?:days?|weeks?) (?:before|in advance)|at the latest|no later than|"
                         r"within \d+|as soon as|immediately|automatically|viimeistään|samana päivänä|viimeisenä|"
                         r"ensimmäisenä|ennen (?:aloitus|ensimmäis)\w*|kuluessa|heti kun|välittömästi|"
                         r"automaattisesti|(?:päättymis|aloitus)päivänä)\b", re.IGNORECASE),
    "hours": re.compile(r"\b\d{1,2}(?:[.:]\d{2})?\s?[–-]\s?\d{1,2}(?:[.:]\d{2})?\b|24/7|ympäri vuorokauden|"
                        r"around the clock", re.IGNORECASE),
}
UNIT_WEIGHT = 10.0
"""How much a unit's own closeness to the question counts (when its vector is known)."""
PASSAGES = 8
"""Passages the composer reads (retrieval returns more for the llm engine)."""
NEAREST_EXAMPLE = 0.3
"""Score for every unit of the worked example (or story) nearest the asker's size (see sizes.closest)."""
STEP = 0.3
"""Score for a how-to's step (a numbered item's instruction) when the question asks how to do something."""
MAX_FOLLOW = 2
"""Sentences of the same passage that may follow the answer, when they add to it."""
NAMING_SHARE = 0.7
"""An existence question's answer may score this share of the best sentence if it names the thing asked."""
CHANGE_TOLD = 1.0
"""What telling a change adds for a question that asks how far a figure must move to pay back: more than a
sentence repeating the asker's own figures ("The chain has 800 employees and annual turnover of 30%") gets
for sharing their words; half of it for any other question that asks a change."""
MIRROR = 0.5
"""What a unit that only repeats the asker's situation back loses."""
FRAGMENT = re.compile(r"^(?:in|at|on|from|by|within|through|via|under)\b"
                      r"(?![^.!?]*\b(?:is|are|was|were|be|can|will|may|must|has|have|had|do|does|did|we|you|they|it)\b)"
                      r"[^,.!?]{0,60}[.!?]?$|"
                      r"^(?:\w+(?:ssa|ssä|lla|llä|sta|stä|lta|ltä)\s+)+\w+(?:ssa|ssä|lla|llä|sta|stä|lta|ltä)\.?$|"
                      r"^\w+(?:,\s*\w+)*\s+(?:and|or|ja|tai)\s+\w+\.?$",  # "Finnish and English.", "Suomeksi ja…"
                      re.IGNORECASE)
"""A reply without a verb ("In two data centres located in Finland.", "Kahdessa Suomessa sijaitsevassa
konesalissa."): it answers its FAQ question, and reads as nothing after another sentence."""
CHAT_ZIPF = 5.0
"""An acronym at least this frequent is a chat word ("OK" 5.1, "LOL" 5.1), not a name ("AI" 4.2)."""
LITTLE_ZIPF = 5.5
"""Words this frequent ("own" 5.7, "year" 6.0) are in any text; "data" (5.3) and "check" still say something."""
SURE_SIMILARITY = 0.86
"""A passage this close to the question answers it even when one of its words differs (a paraphrase)."""
CLOSE_PARAPHRASE = 0.87
"""Closeness at which a sentence answers a question although several of the question's words differ."""
CONTEXT_WEIGHT = 0.4
"""How much a word of the question's context counts beside the words of what it asks."""
ON_INTENT = 0.2
"""Per word of the intent's own vocabulary a unit has (at most two), when it has none of the question's:
support hours are in the sentence that says "support", not in the one about maintenance evenings."""
ABOUT_US = re.compile(r"\b(teidän|teillä|teiltä|teitä|teil|teijän|your|yours|you|kaarnan?|kaarnalla|kaarnassa)\b",
                      re.IGNORECASE)
PLACE = re.compile(r"\b(?:menu\w*|valiko\w*|valikko\w*|välilehd\w*|välilehti|tab|button|painike\w*|corner|kulma\w*|"
                   r"sidebar|sivupalk\w*|settings|asetuks\w*|asetukset|top right|top left|bottom|näkymä\w*|"
                   r"console|konsoli\w*)\b", re.IGNORECASE)
"""Where on the screen a thing is: what "where's the export?" asks about a screen."""
FALLBACK = re.compile(r"^\s*(?:if|jos)\b.{0,80}\b(?:still|yet|again|although|even though|vieläkään|edelleen|uudelleen|"
                      r"enää|vaikka|jälkeenkään)\b|"
                      r".*\b(?:open a (?:support )?request|tee tukipyyntö|contact (?:our )?support)\b", re.IGNORECASE)
"""What to do when the steps did not help ("If the new supervisor still cannot see…", "open a request in
the customer portal"): not the steps."""
NOT_THERE = re.compile(r"^\s*(?:if|jos)\b.{0,80}\b(?:no|not|doesn't|isn't|aren't|don't|cannot|can't|missing|ei|eikä|"
                       r"et|eivät|en|puuttuu)\b", re.IGNORECASE)
"""What to do when a thing is not where it should be ("If the menu has no export option…"): not where it is."""
LEANS_BACK = re.compile(r"^\s*(?:(?:sen|tämän) jälkeen(?!,?\s*(?:kun|kuin))|sitten|siksi|tämän vuoksi|näin ollen|"
                        r"then|after that|we then|you then|therefore|this means|that is why|"
                        r"vertailun vuoksi|for comparison|by comparison|(?:se|tämä) tarkoittaa|"
                        # "They can view their payslips…": who "they" are is in the sentence before
                        r"he|hän|ne|they|she)\b", re.IGNORECASE)
"""A sentence that opens by pointing at the one before it: it cannot open an answer alone."""
INFERRED = re.compile(r"^(?:\S+\s+){0,5}(?:siis|thus|hence|therefore)\b", re.IGNORECASE)
"""A sentence that draws its claim from the one before ("…näkyvät raportissa siis vasta seuraavana aamuna")."""
FRAMING = re.compile(r"^\s*(?:this|the|our) example (?:shows|works out|calculates|looks at)\b|"
                     r"^\s*(?:tämä )?esimerkki (?:näyttää|laskee|kuvaa)\b|^\s*tässä esimerkissä\b", re.IGNORECASE)
"""A worked example's opening that says what it will show: it frames the question, it answers none."""
VERDICT = re.compile(r"^\s*(?:yes|no|kyllä|ei)(?:[,.!:;]|\s+(?:voi|ole|because|sillä|koska))", re.IGNORECASE)
"""An FAQ answer that opens with its yes or no."""
MULTI_YEAR = re.compile(r"\b(?:[2-9]|two|three|four|five|kahden|kolmen|neljän|viiden|kahdeksi|kolmeksi|neljäksi|"
                        r"viideksi|kahdelle|kolmelle|neljälle|viidelle|useam\w*|several|multiple)[- ]?"
                        r"(?:years?|vuo(?:den|deksi|delle|tinen|tise)\w*)\b|\bmulti-?year|\bmonivuoti\w*|"
                        r"\b(?:kaksi|kolmi|neli|viisi)vuoti\w*|\b(?:24|36|48|60)[- ]?(?:months?|kuukau\w*)",
                        re.IGNORECASE)
WEEKDAY = re.compile(r"(?:maanantai|tiistai|keskiviikko|torstai|perjantai|lauantai|sunnuntai|monday|tuesday|"
                     r"wednesday|thursday|friday|saturday|sunday)\w*$", re.IGNORECASE)
"""A day of the week says when the asker's trouble comes ("…vai pitääkö odottaa maanantaihin?"); the
content says "arkisin", not every day's name, and lacking one is no sign it does not answer."""
# "according to your numbers, what does a leaver cost?" asks the worked example's figure too
EXAMPLE = re.compile(r"esimerk\w*|laskelm\w*|\bexample|\bcalculation|\broi\b|"
                     r"\b(?:according to|based on|by) your (?:own )?(?:numbers|figures|estimates?)\b|"
                     r"\b(?:lukujenne|arvioidenne|teidän (?:lukujen|lukujenne|arvioiden)) mukaan\b", re.IGNORECASE)
STORIES = ("reference", "roi_example")
"""Content that tells about a customer or an example company, not about what is sold."""
RESULT = re.compile(rf"^(?=.*\d).*(?:\b(?:{intents.CHANGE_WORDS}|nousi|rose)\b|\bkun aiemmin\b|\b(?:down|up) from\b|"
                    r"\bfrom\s+\d[^.]*\bto\s+\d)", re.IGNORECASE)
"""A story's result: a figure that changed ("Early turnover fell from 41% to 29%.", "97 %, kun aiemmin 58 %"),
not its starting point ("Previously they had 3 HR tools", "300 employees from 12 countries")."""
SPEED = re.compile(r"\b(?:nopeutu\w*|hidastu\w*|lyhen\w*|faster|slower|quicker|sped up|speed\w* up)\b",
                   re.IGNORECASE)
LINK = re.compile(r"https?://\S+")
# A way to reach the visitor, written in the message: a phone number or an e-mail address.
CONTACT = re.compile(r"(?:\+\d{1,3}[\s-]?)?\b0?\d{2,3}[\s-]?\d{3}[\s-]?\d{3,4}\b|[\w.+-]+@[\w-]+\.[\w.]+")
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
AMOUNT = re.compile(r"\b(?:paljonko|kuinka paljon|how much)\b", re.IGNORECASE)
"""An amount asked in so many words, beside a figure of the asker's ("Paljonko hyvitetään, jos 99,9 % ei toteudu?")."""
NOTHING = re.compile(r"\b(?:nothing|free of charge|no (?:extra )?(?:charge|cost|fee)|included|maksutta|ilmai\w*|"
                     r"ei(?:vät)? maksa|sisält\w*|veloituksetta|maksuto\w*)\b", re.IGNORECASE)
"""An amount said in words: "cost nothing", "sisältyy hintaan"."""
# A fact of the vendor as a company, which only a sentence about the company answers ("how long has Kaarna
# been around?", "montako asiakasta teillä on?", "what's your revenue?", "are you hiring?")
COMPANY_FACT = re.compile(r"\b(?:been around|in business|(?:montako|kuinka monta|how many)\s+(?:\w+\s+)?"
                          r"(?:asiakas\w*|asiakkai\w*|customers?|clients?)\s+(?:teillä|kaarnalla|on teillä|"
                          r"do you (?:\w+ )?have|does kaarna have)|"
                          r"(?:employees|people|staff) (?:do you have|work (?:at|for|in) (?:you|your|kaarna))|"
                          r"(?:montako|kuinka monta) (?:työntekijää|henkeä|ihmistä) (?:teillä|kaarnassa|teille) "
                          r"(?:on|työskentelee)|liikevaihto\w*|revenue|(?:kuinka|miten) (?:iso|suuri) (?:firma|yritys)|"
                          r"how (?:big|large) (?:is|are) (?:your company|your firm|kaarna|you)|are you hiring|"
                          r"rekrytoitteko|onko teillä avoimia työpaikkoja)\b", re.IGNORECASE)
# What a supplier register asks: the company's registration, which only a sentence that gives one answers.
REGISTRATION = re.compile(r"\b(?:y-?tunnu\w*|alv-?tunnu\w*|business id|business identity code|vat (?:number|id)|"
                          r"(?:company )?registration number|kaupparekisteri\w*)", re.IGNORECASE)
BUSINESS_ID = re.compile(r"\b\d{7}-\d\b")
VENDOR = re.compile(r"\bKaarna(?:n|lla|ssa|sta)?\b(?!\s+(?:HR Core|Insight|Flow|Complete))", re.IGNORECASE)
"""The vendor named as a company, not one of its products."""
FOUNDED = re.compile(r"\b(?:founded|established|perustettu\w*|perustettiin|perustamis\w*)\b", re.IGNORECASE)
WHY = re.compile(r"\b(?:miksi|why|how come)\b|\bmistä (?:se |tämä |tuo )?johtuu\b", re.IGNORECASE)
# A sentence that says where a thing comes from; not "because" or "koska", which explain in passing
# ("…and access rights, because a supervisor sees only their own team").
CAUSE = re.compile(r"\b(?:johtu\w*|syy|syynä|due to|caused by|comes? from|results? from|the reason)\b", re.IGNORECASE)
SAVING = re.compile(r"\bsääst\w*|\bsav(?:e|es|ed|ing|ings)\b", re.IGNORECASE)
# Information, not a thing sold: whether there is "an estimate" or "any figures" any content may answer.
INFO = re.compile(r"(?:arvio\w*|laskelm\w*|lukuja|lukua|tilasto\w*|tietoa|tietoja|estimates?|figures?|numbers|"
                  r"statistics?|benchmarks?|data)$", re.IGNORECASE)
# A figure with its unit: what "any figures on…" asks for, not any digit ("ISO 27001", "24/7")
FIGURE = re.compile(r"\d[\d\s\u00a0,.]*\s*(?:€|%|euro\w*|eur\b|päiv\w*|days?|viiko\w*|weeks?|kuukau\w*|months?|"
                    r"tunti\w*|tunni\w*|hours?|miljoon\w*|million)", re.IGNORECASE)
# What is said beside the answer: "Remember too that…", "Muista myös, että…".
ASIDE = re.compile(r"^\s*(?:remember (?:too|also)|note (?:too|also)|also note|muista (?:myös|vielä)|"
                   r"huomaa (?:myös|vielä))\b", re.IGNORECASE)
# "For comparison, Lumo cut early departures…": a figure set beside the answer, never the answer itself.
COMPARISON = re.compile(r"^\s*(?:for comparison|by comparison|vertailun vuoksi)\b", re.IGNORECASE)
# That a thing can be done, said without who does it or how: "its data can be exported", "tiedot voi viedä".
CAN_BE = re.compile(r"\b(?:can|could) be\b|\bvoi(?:daan)?\s+(?!olla\b)\w+", re.IGNORECASE)
HOW_TO = re.compile(r"\b(?:miten|kuinka)\s+(?:saan|saamme|voin|voimme|pääsen|pääsemme|teen|teemme)\b|"
                    r"\bmitä\s+(?:teen|teemme|pitää tehdä|kannattaa tarkistaa|tarkistan|tarkistamme)\b|"
                    r"\bhow\s+(?:do|can|could|should)\s+(?:i|we)\b|\bhow to\b|"
                    r"\bwhat\s+(?:should|do|can)\s+(?:i|we)\s+(?:do|check|try)\b", re.IGNORECASE)
THEY = re.compile(r"\b(?:ne|he|they|their|heidän|niiden)\b", re.IGNORECASE)
"""Who a question asks about when it names nobody: a customer it told of just before ("…, paljonko ne sai?")."""
WHERE = re.compile(r"\b(where|link|url|address|page|site|documentation|docs|missä|mistä|linkki|osoite|sivu\w*|"
                   r"dokumentaatio\w*|ohje\w*)", re.IGNORECASE)


class ComposedAnswer(BaseModel):
    text: str
    citations: list[Citation]
    known: bool
    handoff: bool
    used_categories: list[str]
    reckoned: str = ""
    """Figures a tool computed from the sources (a price estimate): the output guard counts them as
    grounded, as it does the sources themselves."""


@dataclass
class Candidate:
    passage: Citation
    order: int
    text: str
    score: float
    coverage: float
    near: float | None = None
    """The unit's own closeness to the question, when its vector is known."""


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


def _weights(words: tuple[Word, ...], vocabulary: list[Vocabulary], context: frozenset[Word]) -> dict[Word, float]:
    """Inverse document frequency of each question word over the candidate passages: a word no
    passage has weighs most (the question is about something they do not cover). A word only of the
    question's context ("Meillä on 30 työntekijää.") weighs less than the words of what it asks."""
    n = max(len(vocabulary), 1)
    out = {}
    for word in words:
        df = sum(1 for v in vocabulary if _has(word, v))
        weight = math.log(1 + n / (df + 0.5)) + (0.5 if len(word.stem) >= 6 else 0.0)
        out[word] = weight * (CONTEXT_WEIGHT if word in context else 1.0)
    return out


def _has(word: Word, vocab: Vocabulary, *, strict: bool = False) -> bool:
    if strict:  # a name: "Henkilöstö360" is not found in "henkilöstön" (but "SSO" is, as "kertakirjautuminen")
        return _written(word, vocab) or intents.said_otherwise(word.stem, vocab)
    return found(word, vocab) or intents.said_otherwise(word.stem, vocab)


def _written(name: Word, vocab: Vocabulary) -> bool:
    """Whether the text has the name as written, inflected or not ("Sisuun" and "Sisu"), not a word that
    only stems alike ("Koskelan" is not "koskevat") nor a longer or shorter word ("AI" is not "aikaa",
    "Salesforce" not "sales")."""
    raw = name.raw
    return name.stem in vocab.stems or raw in vocab.raws or (len(raw) >= 3 and any(
        (w.startswith(raw) and len(w) - len(raw) <= 4) or (raw.startswith(w) and len(w) >= max(4, len(raw) - 3))
        for w in vocab.raws))


def _share(weights: dict[Word, float], words: tuple[Word, ...], vocab: Vocabulary) -> float:
    total = sum(weights[w] for w in words)
    return sum(weights[w] for w in words if _has(w, vocab)) / total if total else 0.0


@dataclass
class Reading:
    """What the question asks and how the retrieved passages relate to it."""

    intent: str | None
    words: tuple[Word, ...]
    topic: tuple[Word, ...]
    """The words that are not the intent's own: what the question is about."""
    missing: tuple[Word, ...]
    """Topic words no retrieved passage has (nor a synonym of them)."""
    shape: str | None
    """The form the answer should have (none for a yes/no question)."""
    candidates: list[Candidate]
    about_us: bool = False
    """The question asks about the vendor itself ("your CEO", "teidän toimitusjohtaja")."""
    names: frozenset[str] = frozenset()
    """The words the question writes as names (capitalised inside a sentence, acronyms), folded."""
    exists: bool = False
    """The question asks whether a thing exists ("Onko teillä oma rekrytointijärjestelmä?")."""
    lang: str = "fi"
    context: frozenset[Word] = frozenset()
    """The words of the situation the question tells before (or after) what it asks."""
    counted: tuple[Word, ...] = ()
    """What a "how many" question counts: the answer's sentence must speak of it."""
    stories: frozenset[str] = frozenset()
    """Titles of the stories the question names ("Mitä tuloksia Hoivapalvelu Kielo sai?")."""
    offered: frozenset[tuple[str, str]] = frozenset()
    """Words the question offers as alternatives ("SAML or OIDC"), see :func:`intent.either`."""
    term: bool = False
    """The question makes a contract of several years its condition ("kolmen vuoden sopimus", "a 3-year deal")."""
    thing: str | None = None
    """The word right after "is there (a|some)…", the thing whose existence is asked."""
    given: frozenset[str] | None = None
    """The figures of a question that asks for one in so many words ("how big a credit if 99.9 % is missed?"),
    None when it asks for none."""
    products: frozenset[str] = frozenset()
    """The products and plans the question names ("Plus", "HR Core")."""
    vendor: bool = False
    """The question asks a fact of the vendor as a company: its age, size, customers, revenue, hiring."""
    registration: bool = False
    """The question asks for the vendor's registration ("y-tunnus", "VAT number")."""
    of_example: bool = False
    """The question asks about a worked example ("teidän logistiikkaesimerkissä", "your ROI calculation")."""
    off_hours: bool = False
    """The question asks for help outside office hours ("Is there 24/7 support?"), see :func:`intent.off_hours`."""
    back: bool = False
    """What is asked points back at someone told of before it ("…some retail chain uses your Insight. How much did
    their turnover go down?"): a story about them is what is asked, though the question says "your"."""


def read(tc: TaskContext, question: str) -> Reading:
    """Every unit of the top passages scored as an answer to the question, best first."""
    lang = tc.language
    topic_intent = intents.topic_intent(question, lang)
    wanted = intents.wanted_shape(question, topic_intent)
    prefer = intents.preferred(topic_intent)
    intent_words = intents.intent_terms(topic_intent)
    words = key_terms(question, lang)
    # The topic: words that are neither the intent's own nor numbers ("30 työntekijää" is context), nor
    # the change a "how much did it…" question asks the size of ("nopeutui").
    generic, as_written = intents.intent_terms(topic_intent, things=False), intents.own_words(topic_intent)
    topic = tuple(w for w in words if not w.raw.isdigit() and not any(same(w.stem, s) for s in generic)
                  and w.raw not in as_written
                  and not (wanted == "count" and intents.CHANGED.fullmatch(w.raw))
                  and not (wanted == "duration" and w.raw in ("last", "lasts")))  # "how long does it last?"
    asks_where = bool(WHERE.search(question))
    how_to = bool(HOW_TO.search(question))
    named = intents.names(question)
    about_us = bool(ABOUT_US.search(question)) and not intents.asks_who_uses(question)
    size = sizes.headcount(question)
    explicit = intents.asked_shape(question) is not None  # "how long…" asks for its shape in so many words
    passages = tc.passages[:PASSAGES]
    # our price (a product named, "you", "Kaarna"), not what a problem costs ("paljonko vaihtuvuus maksaa?")
    prices = topic_intent == "price" and not SAVING.search(question) and (about_us or bool(named))
    heads = [p.heading for p in passages]
    vocab = [vocabulary(f"{p.title} {h} {p.body}", lang) for p, h in zip(passages, heads, strict=True)]
    context = intents.context_words(question, lang)
    counted = intents.counted(question, lang)
    asked = Asked(payback=intents.payback(question), change=intents.asks_change(question), counted=counted,
                  why=bool(WHY.search(question)), off_hours=intents.off_hours(question))
    weights = _weights(words, vocab, context)
    # An acronym that is a chat word ("OK", "LOL") names nothing; "AI" and "HR" do
    # "I'm the DPO of…", "olen yrityksen CFO": the asker's title names no thing asked about.
    proper = frozenset(n for n in intents.proper_names(question) if not everyday(n, lang, CHAT_ZIPF)) \
        - intents.asker_titles(question)
    # Short words are too often noise to miss, but not an acronym the visitor wrote ("AI", "BI").
    # A name told in the context ("We use Workday. Do you integrate with it?") is still what is asked about.
    # An everyday word ("jotain", "realistic") in a question with an intent is how people talk, not a topic
    # the content lacks ("saako isommasta määrästä jotain alennusta?" asks for the volume discount), as
    # long as the question says what it is about: a word of the intent's own ("alennusta") or a subject
    # the content has. A bare question word names no subject: "paljonko liikevaihto on?" is about the
    # revenue. A name must be found as written, not as the start of a longer word.
    # But when what is asked names a subject of its own that the content has ("How do you count seasonal
    # workers?") and does not point back at the story ("…sinne", "…with it"), a name in the story around
    # it ("our Christmas temps", "I'm CFO") is only the story.
    subject = not intents.points_back(question) and any(
        w not in context and any(_has(w, v) for v in vocab) for w in topic)
    lacking = tuple(w for w in topic if (len(w.raw) > 2 or w.raw in proper)
                    and (w not in context or (w.raw in proper and not subject))
                    and not any(_has(w, v, strict=w.raw in proper) for v in vocab))
    said = any(any(same(w.stem, s) for s in intent_words) for w in words) or any(
        w.raw not in proper and w not in lacking for w in topic)
    # A question that asks for a figure in so many words ("paljonko … nopeutui?", "how many…") says what it
    # wants as clearly as an intent does.
    asks = topic_intent is not None or explicit
    # "SAML or OIDC?": content that has one of the alternatives answers the question.
    offered = intents.either(question)
    present = {w.raw for w in topic if w not in lacking}
    missing = tuple(w for w in lacking if not (
        (asks and said and w.common and w.raw not in proper) or everyday(w.raw, lang, FUNCTION_ZIPF)
        or any(a == w.raw and b in present for a, b in offered)
        or ((little_typo(w.raw, lang) or manner(w.raw, lang)) and w.raw not in proper) or WEEKDAY.match(w.raw)
        or (w.raw in proper and w.raw in given_names())))  # "…and Maria takes over the team": a person
    # The words of what is asked that only stories have: a customer's name, say ("Koskelan kaupunki").
    # "Pirkan Teräsrakenne mainittiin sivuillanne, paljonko ne sai…": what is asked points back at the name told
    back = intents.points_back(question) or bool(THEY.search(intents.asked_clauses(question)))
    own_words = [w for w in topic if (w not in context or back) and w not in lacking
                 and not any(_has(w, v, strict=w.raw in proper)
                             for p, v in zip(passages, vocab, strict=True) if p.kind not in STORIES)]
    # Of several worked examples, the one about an organisation of the asker's size ("we are 300 people"),
    # when examples are what is asked for (a price question is answered by the price list, whatever size)
    examples: dict[str, str] = {}
    if size is not None and any(k in STORIES for k in prefer):
        for p in passages:
            if p.kind in STORIES:
                examples[p.title] = f"{examples.get(p.title, p.title)} {p.body}"  # "…300 hengen yrityksessä"
    nearest = sizes.closest(size, examples) if len(examples) > 1 else set()
    out = []
    named_stories = set()
    for rank, (p, head, pv) in enumerate(zip(passages, heads, vocab, strict=True)):
        head_vocab = vocabulary(head, lang)
        covered = _share(weights, topic, pv) if topic else 1.0
        head_hit = _share(weights, words, head_vocab)
        closeness = max((p.similarity or 0.0) - 0.8, 0.0)
        # A story is not what an intent's question asks for, unless the question names it by the words of
        # its title that no other content has ("Kuinka kauan Koskelan kaupungilla kesti…?" asks the Koskela
        # story, not the implementation FAQ).
        in_title = [w for w in own_words if _has(w, vocabulary(p.title, lang))] if p.kind in STORIES else []
        asked_of = bool(in_title)
        if any(w.raw in proper for w in in_title):
            named_stories.add(p.title)  # named as a name ("Hoivapalvelu Kielo"), not by a word ("kaupungissa")
        # Stories and the assistant's own privacy notice answer no question of another intent ("is there a
        # minimum for a firm our size?" is not answered by "Basic: your company's size and your job title").
        # A use case's euros are what a problem costs ("a leaver costs…"), never a price of ours (but they
        # are what "how much would we save?" asks).
        kind = 0.4 if p.kind in prefer or asked_of else (
            -0.4 if prefer and (p.kind in (*STORIES, "privacy_notice") or (p.kind == "use_case" and prices))
            else 0.0)
        if (about_us or named) and p.kind == "reference" and topic_intent != "references" and not asked_of:
            # "your onboarding", "how does Insight measure…": a customer's story is not the answer about us
            kind -= 0.8 if about_us else 0.5
        if how_to and p.kind == "help_article":
            kind += STEP  # "how do we get the form to new hires?": the help's steps, not the use case's promise
        if not topic and wanted and prefer and p.kind == prefer[0]:
            kind += 0.6  # "hinta?": the intent is the whole question, and its own kind of content answers it
        meaning = p.unit_similarities
        grouped = set(list_units(p.body, head))
        steps = step_openings(p.body) if how_to else ()
        for order, unit in enumerate(answer_units(p.body, head)):
            unit_vocab = vocabulary(unit, lang)
            near = meaning[order] if order < len(meaning) and meaning[order] is not None else None
            fits = bool(wanted and SHAPES[wanted].search(unit))
            own = _share(weights, words, unit_vocab)
            # A unit that shares no word with the question may still be on its subject ("Essential-tuki
            # palvelee…" for "milloin asiakastuki on auki?"): the intent's own words say so.
            on_intent = 0 if own else sum(1 for s in intent_words if s in unit_vocab.stems)
            score = (ON_INTENT * min(on_intent, 2) + 1.5 * own + 0.8 * head_hit + 0.5 * covered
                     + (0.7 if fits else 0.0) + kind + 3.0 * closeness + UNIT_WEIGHT * max((near or 0.0) - 0.82, 0.0)
                     + 0.1 / (rank + 1) - 0.02 * order
                     + (0.3 if order == 0 and head_hit >= 0.5 else 0.0))
            score += _fit(unit, r_intent=topic_intent, topic=bool(topic), wanted=wanted, fits=fits, named=named,
                          asks_where=asks_where, listed=unit in grouped, explicit=explicit, how_to=how_to)
            score += sizes.fit(size, unit) + (NEAREST_EXAMPLE if p.title in nearest else 0.0)
            if wanted and not fits and context and _mirrors(unit_vocab, topic, context):
                # "We're 300 people, HR team of three… How soon does it pay back?": the example's setup
                # repeats the situation back, and has no time to give
                score -= MIRROR
            score += _gives(unit, head, unit_vocab, asked, step=bool(steps and own and is_step(unit, steps)),
                            of_nearest=not nearest or p.title in nearest)
            out.append(Candidate(passage=p, order=order, text=unit, score=score, coverage=covered, near=near))
    out.sort(key=lambda c: -c.score)
    return Reading(intent=topic_intent, words=words, topic=topic, missing=missing, shape=wanted, candidates=out,
                   about_us=about_us, names=proper, exists=intents.asks_exists(question),
                   lang=lang, context=context, counted=counted, stories=frozenset(named_stories), offered=offered,
                   of_example=bool(EXAMPLE.search(question)), term=bool(MULTI_YEAR.search(question)),
                   off_hours=asked.off_hours, back=back,
                   vendor=bool(COMPANY_FACT.search(question) or REGISTRATION.search(question)) and about_us,
                   registration=bool(REGISTRATION.search(question)), products=named,
                   thing=intents.existing_thing(question),
                   given=frozenset(NUMBER.findall(question)) if ((explicit and wanted) or (
                       AMOUNT.search(question) and NUMBER.search(question))) and not intents.yes_no(question) else None)


AROUND_THE_CLOCK = re.compile(r"\b(?:around the clock|24/7|ympäri vuorokauden|at weekends|on weekends|"
                              r"viikonloppuisin|viikonloppuna)", re.IGNORECASE)
"""Help outside office hours, as the support plans say it (not the holiday closure that mentions on-call)."""


class Asked(NamedTuple):
    """What a question asks for that a unit shows by what it says, whatever words it shares."""

    payback: bool
    """"How fast does it pay back?", "maksaako se itsensä takaisin?"."""
    change: bool
    """"By how much must turnover fall?": the size of a change."""
    counted: tuple[Word, ...]
    """What a "how many" question counts."""
    why: bool = False
    """"Why does our invoice show 212 users?": a cause."""
    off_hours: bool = False
    """"If it breaks on a Saturday night…": a time outside office hours."""


def _gives(unit: str, head: str, unit_vocab: Vocabulary, asked: Asked, *, step: bool, of_nearest: bool) -> float:
    """What the unit gives of what the question asks for: a payback figure, a change, the thing counted, a
    step to take; and not a worked example's opening that only says what it will work out."""
    score = 0.0
    if FRAMING.match(unit) and not any(ch.isdigit() for ch in unit):
        score -= 0.8  # "This example works out how far turnover must fall…" restates the question
    if step:
        score += STEP  # "how do I get it out to Excel?": a step to take, not what the report is
    if asked.payback and intents.payback(f"{head} {unit}") and any(ch.isdigit() for ch in unit) and of_nearest:
        score += 0.6  # "how fast does it pay back?": the payback time (a figure) of the asker's example
    if asked.change and intents.TELLS_CHANGE.search(unit):
        # "by how much must turnover fall?": the sentence that tells a fall; "…before it pays for itself?" the
        # break-even, over the example's setup that repeats the asker's own figures
        score += CHANGE_TOLD if asked.payback else CHANGE_TOLD / 2
    if asked.counted and any(_has(w, unit_vocab) for w in asked.counted):
        score += 0.5  # "montako lähtijää…": the sentence with a number of leavers
    if asked.why and CAUSE.search(unit):
        score += 0.4  # "why is the invoice higher?": the sentence that says what it comes from
    if asked.off_hours and AROUND_THE_CLOCK.search(unit):
        score += 0.7  # "…on a Saturday night, does anyone pick up?": who helps outside office hours
    return score


def _fit(unit: str, *, r_intent: str | None, topic: bool, wanted: str | None, fits: bool, named: frozenset[str],
         asks_where: bool, listed: bool, explicit: bool, how_to: bool) -> float:
    """What the unit's form says about whether it answers: an amount for "how much", the whole list for a
    question that is nothing but its intent, the product asked about, a link only for "where"."""
    score = 0.0
    if wanted and not fits and (not topic or explicit or r_intent in ("price", "implementation")):
        # "how much" wants an amount; a sentence without one is not the answer, least of all when the
        # question is nothing but the intent ("hinta?")
        score -= (0.6 if explicit else 0.3) if topic else 1.0
    if not topic and fits and not listed and unit.count("; ") >= 2:
        score += 2.0  # "what does it cost?" asks for the overview: the whole price table, not one row
    if named and (other := intents.names(unit, cased=True)) and not other & named:
        score -= 0.6  # about a sibling product or plan, not the one asked about
    elif named and len(other - named) >= 2:
        score -= 0.4  # the whole price list, when the question asks about one product in it
    # what to do when the steps fail or the thing is not there: read once, it decides two scores below
    otherwise = ((how_to or asks_where) and bool(FALLBACK.match(unit))) or (asks_where and bool(NOT_THERE.match(unit)))
    if pointer(unit):  # "Read the full story: <link>" answers "where?", nothing else
        score += 0.5 if asks_where else -0.8
    elif otherwise:
        score -= 0.3  # "how do I move the rights?" is not answered by "if it still fails, open a request"
    elif how_to and LINK.search(unit):
        score += 0.3  # "how do I get my data erased?": the sentence that says where to do it
    if asks_where and PLACE.search(unit) and not otherwise:
        score += 0.4  # "where's the Excel export?": the sentence that says where on the screen (not what to
        # do when it is not there)
    elif how_to and CAN_BE.search(unit) and not PLACE.search(unit):
        score -= 0.5  # "how do I get the report to Excel?" is not answered by "its data can be exported to Excel"
    if COMPARISON.match(unit):
        score -= 0.8  # "For comparison, Lumo…" sets another figure beside the answer
    if (how_to or asks_where) and ASIDE.match(unit):
        score -= 0.5  # "Remember too that the data refreshes every night" adds to the steps, it is not one
    return score


def _mirrors(unit_vocab: Vocabulary, topic: tuple[Word, ...], context: frozenset[Word]) -> bool:
    """Whether a unit repeats the situation the asker told rather than what they ask: it shares several
    words with the situation and few with the rest ("The company has 400 employees, 320 of them drivers"
    for "We're 400 people, mostly drivers. How soon would it pay for itself?")."""
    told = sum(1 for w in context if _has(w, unit_vocab))
    asked = sum(1 for w in topic if w not in context and _has(w, unit_vocab))
    return told >= 3 and told > 2 * asked


def pointer(unit: str) -> bool:
    """A unit that only points elsewhere: a link and a few words around it."""
    return bool(LINK.search(unit)) and len(LINK.sub("", unit).split()) <= 4


def answers(r: Reading) -> bool:
    """Whether the best candidate answers the question, rather than sharing a word with it.

    A question whose topic has a word that no retrieved passage has ("on-premise", "Slack") is about
    something the content does not cover, unless the best passage is close to the question as a
    whole and misses only that one word (a paraphrase: "provisioning" for "creates accounts").
    """
    if not r.candidates:
        return False
    best = r.candidates[0]
    if _about_someone_else(r, best):
        return False
    if not r.topic:  # "paljonko maksaa?": the intent is the whole question
        wanted = r.shape
        return r.intent is not None and (wanted is None or bool(SHAPES[wanted].search(best.text)))
    if len(r.missing) == len(r.topic):
        return False
    if not _on_topic(r, best):
        return False  # "can we host it on-premise?" is not answered by "site tracking has a separate consent"
    # "oma rekrytointijärjestelmä?" is not answered by a sentence about "järjestelmiin"; "any figures on what
    # turnover costs?" is answered by one that tells a figure
    # "Is there 24/7 support?" is answered by the plan whose critical incidents are handled around the clock
    if r.exists and not _names_the_thing(r, best) and not (INFO.match(r.thing or "") and _figure(best.text)) \
            and not (r.off_hours and AROUND_THE_CLOCK.search(best.text)):
        return False
    if _lacks_what_is_asked(r, best):
        return False
    if not r.missing:
        return True
    if any(w.raw in r.names for w in r.missing):
        return False  # a name no source has ("Teams", "Tripletex", "GraphQL"): about something we do not cover
    closest = max(best.near or 0.0, best.passage.similarity or 0.0)
    if len(r.missing) == 1:
        return closest >= SURE_SIMILARITY
    # Several words of the question's own ("enforce", "logins") are not in the sources, but fewer than half
    # of them, and the best sentence is very close to the question as a whole: the same question reworded.
    return 2 * len(r.missing) < len(r.topic) and closest >= CLOSE_PARAPHRASE


def _lacks_what_is_asked(r: Reading, best: Candidate) -> bool:
    """Whether the best unit lacks the very thing the question's own words ask for, whatever it shares."""
    if r.given is not None and not _gives_figure(r, best):
        return True  # "how big is the credit if 99.9 % is missed?" is not answered by the sentence with "99.9 %"
    if r.term and not MULTI_YEAR.search(best.text):
        # "a discount for a three-year contract?" is not answered by the discounts by user count, nor by a
        # price "a year"
        return True
    if r.products and (other := intents.names(best.text, cased=True)) and not other & r.products:
        return True  # "what uptime % on Plus?" is not answered by Enterprise's row
    if r.vendor and not VENDOR.search(best.text):
        return True  # "how long has Kaarna been around?" is not answered by how long chats are kept
    if r.registration and not (REGISTRATION.search(best.text) and BUSINESS_ID.search(best.text)):
        return True  # "Mikä on Kaarnan y-tunnus?" is not answered by a sentence about user IDs that names Kaarna
    # "how many customers do you have?" is not answered by a number of something else
    return bool(r.counted) and not any(_has(w, vocabulary(f"{best.passage.heading} {best.text}", r.lang))
                                       for w in r.counted)


def _gives_figure(r: Reading, best: Candidate) -> bool:
    """Whether a unit gives the figure a question asks for in so many words: a founding year says it is one;
    any other is a figure of its own, not only those the question already has, nor its heading's (a price
    row's "Enterprise – €2.40 per user:"); a unit of number words has the form asked for."""
    text = best.text
    if r.shape == "year":
        return bool(SHAPES["year"].search(text) and FOUNDED.search(text))
    if r.shape == "percent" and not SHAPES["percent"].search(text):
        return False  # "what uptime % on Plus?" is not answered by Plus's service hours
    heading = best.passage.heading.strip()
    if heading and text.startswith(heading):
        text = text[len(heading):]
    figures = set(NUMBER.findall(text))
    # in words: "viisi arkipäivää", "neljän työtunnin kuluessa", "noin päivä viikossa", "cost nothing"
    return bool(figures - (r.given or frozenset())) if figures else bool(
        SHAPES["count"].search(text) or NOTHING.search(text) or (r.shape and SHAPES[r.shape].search(text)))


def _about_someone_else(r: Reading, best: Candidate) -> bool:
    """Whether the best unit tells about someone else than what is asked: a customer's story (or an
    example company) for a question about us, a story for whether we offer a thing."""
    # An example company is not us either, unless the question asks about the example ("your ROI example")
    example = best.passage.kind == "roi_example" and r.intent != "roi" and not r.of_example
    if r.about_us and (best.passage.kind == "reference" or example) and r.intent != "references" \
            and best.passage.title not in r.stories and not (r.back and best.passage.kind == "reference"):
        return True  # a customer's story (or an example company) tells about them: its CEO is not ours
    # "can Kaarna do shift planning?": a story or an article that mentions shift planning sells none,
    # though an article's link to a guide is something offered ("tarkistuslista, jossa on 12 kohtaa: <url>")
    # "do you have payback calculations?" asks for a worked example: the kind the intent prefers is not
    # someone else's
    # "Onko teillä jotain arviota siitä, mitä sairauspäivä maksaa?" asks for a figure, which a use case tells
    return r.exists and bool(r.topic) and not INFO.match(r.thing or "") \
        and best.passage.kind not in intents.preferred(r.intent) and (
        best.passage.kind in STORIES or (best.passage.kind == "use_case" and not LINK.search(best.text)))


def _on_topic(r: Reading, best: Candidate) -> bool:
    """Whether the best unit (or the FAQ question it answers) shares a word with the question (its
    topic, the situation it tells or its intent), other than the little words any text has ("own"), or
    has the form asked for. A sentence that shares none answers another question: "Can we host it on
    our own servers?" is not answered by "site tracking has a separate consent of its own"."""
    if r.shape is not None and r.shape != "count" and SHAPES[r.shape].search(best.text):
        return True  # any digit is a count: a "how many" question's counted words decide instead
    # The sentence itself, and the question it answers (an FAQ's heading); a heading that names a section
    # speaks of all of it ("What we use data for" of every line).
    heading = best.passage.heading if best.passage.heading.rstrip().endswith("?") else ""
    # A help article is about one problem, which its title names ("How the users on your invoice are
    # counted"): each of its sentences ("A higher number than expected often comes from…") is on it.
    title = best.passage.title if best.passage.kind == "help_article" else ""
    vocab = vocabulary(f"{title} {heading} {best.text}", r.lang)
    words = [w for w in r.words if not everyday(w.raw, r.lang, LITTLE_ZIPF)]
    return any(_has(w, vocab) for w in words) or bool(intents.intent_terms(r.intent) & vocab.stems)


def _names_the_thing(r: Reading, best: Candidate) -> bool:
    """Whether the best unit (or its heading) names what an existence question asks about: every name the
    question writes, but one of two alternatives is enough ("Do you support SAML or OIDC?"; "Microsoft
    Teams" needs "Teams"), else the longest word of its topic; itself or a word the content uses for it."""
    # "Do you have an API? We'd like to pull data into Power BI.": what is asked is the intent's own name,
    # when all the rest is the situation.
    vocab = vocabulary(f"{best.passage.heading} {best.text}", r.lang)
    if r.thing and r.intent and any(w.raw == fold(r.thing) for w in r.words) \
            and not any(w.raw == fold(r.thing) for w in r.topic) and not any(w not in r.context for w in r.topic):
        # "Onko teillä laskelmia takaisinmaksuajasta? Olemme 300 hengen yritys…": the thing asked is the
        # intent's own ("laskelmia"), all the rest is the story; a unit on the intent names it
        return bool(intents.intent_terms(r.intent) & vocab.stems) or best.passage.kind in intents.preferred(r.intent)
    asked = ([w for w in r.topic if w not in r.context]
             or [w for w in r.words if w not in r.context and w.raw in r.names] or list(r.topic))
    named_first = [w for w in asked if r.thing and w.raw == fold(r.thing)]
    # Else the word of what is asked that names most: in English the rarest ("do you offer customer support in
    # swedish?" asks about Swedish); a Finnish word's frequency is its inflected form's, so there the longest
    # (a compound: "rekrytointimoduuli")
    things = [w for w in asked if w.raw in r.names] or named_first or [
        min(asked, key=lambda w: (frequency(w.raw, r.lang), -len(w.raw))) if r.lang == "en"
        else max(asked, key=lambda w: len(w.raw))]
    named = {t.raw for t in things if any(named_in(t, vocab) if alt == t.stem else
                                          all(named_in(Word(part, part), vocab) for part in alt.split())
                                          for alt in intents.alternatives(t.stem))}
    return bool(named) and all(t.raw in named or any(a == t.raw and b in named for a, b in r.offered)
                               for t in things)


def references(tc: TaskContext, question: str, r: Reading) -> ComposedAnswer:
    """"Do you have customers in retail?": the stories the asker may read, named, the one from the
    industry asked about first; when none is from that industry, an honest no and the ones there are."""
    t = templates("answer", tc.language)
    stories: dict[str, Candidate] = {}
    for c in r.candidates:  # best first: each story's best unit that says something
        if c.passage.kind == "reference" and not pointer(c.text):
            stories.setdefault(c.passage.source_id, c)
    wanted = intents.industry(question, tc.language)
    fitting = [c for c in stories.values() if wanted is None or c.passage.industry == wanted]
    # "Where can I read the Koskela story?": a story named by its customer is the one asked about.
    named = [c for c in fitting if any(found(w, vocabulary(c.passage.title, tc.language)) for w in r.topic
                                       if len(w.raw) > 3)]
    fitting = named or fitting
    if not fitting:
        others = "; ".join(_story(c.passage.title) for c in stories.values())
        text = t["no_reference"].format(industry=t["industries"].get(wanted, wanted))
        if others:
            text += " " + t["other_references"].format(stories=others)
        who = "visitor" if tc.decision.audience == "visitor" else "customer"
        return ComposedAnswer(text=f"{text} {t['handoff_offer'][who]}",
                              citations=[c.passage for c in stories.values()][:2], known=False, handoff=True,
                              used_categories=_used(tc) if stories else [])
    best = fitting[0]
    if not named:  # "any retail references?": what the story achieved, in figures, says most about it
        best = next((c for c in r.candidates if c.passage.source_id == best.passage.source_id
                     and not pointer(c.text) and RESULT.search(c.text)), best)
    if wanted is None and not named and len(fitting) > 1:
        form = "references" if intents.yes_no(question) else "references_open"
        text = t[form].format(stories="; ".join(_story(c.passage.title) for c in fitting[:3]))
        cited = [c.passage for c in fitting[:3]]
    else:
        text = f"{t['reference'].format(story=_story(best.passage.title))} {_sentence(best.text)}"
        cited = [best.passage]
        link = next((c.text for c in r.candidates if c.passage.source_id == best.passage.source_id
                     and pointer(c.text)), None)
        if link and WHERE.search(question):  # "where can I read it?": the link is the answer
            text = f"{_sentence(link)} {_sentence(_story(best.passage.title))}"
    return ComposedAnswer(text=text, citations=cited, known=True, handoff=False, used_categories=_used(tc))


def _used(tc: TaskContext) -> list[str]:
    """What a content answer drew on: staff may be shown internal material (retrieval gave them what
    their decision allows), everyone else public content only."""
    return ["public_content"] + (["internal_content"] if tc.decision.may_use("internal_content") else [])


def _story(title: str) -> str:
    """"Customer story: Lumo cut departures by a third" → "Lumo cut departures by a third"."""
    _, sep, rest = title.partition(": ")
    return (rest if sep else title).strip().rstrip(".")


def _names_customer(text: str, title: str) -> bool:
    """Whether a story's sentence names its customer: "The rollout took 14 weeks" does not say it was the
    City of Koskela's, so whose figure it is goes first. The names are the capitalised words of the title,
    matched at their start (Finnish inflects them: "Koskelan", "Koskelassa")."""
    names = re.findall(r"\b[A-ZÄÖÅ][\w-]+", _story(title))
    return any(re.search(rf"\b{re.escape(n[:max(4, len(n) - 2)])}", text) for n in names)


DATA_PLACE = re.compile(r"\b(?:data|tiedo\w*|tieto\w*|server\w*|palvelim\w*|EU|ETA|EEA|stored|storage|hosted|"
                        r"säilyt\w*|varmuuskopi\w*|backups?|konesal\w*|datacent\w*|data cent\w*)\b", re.IGNORECASE)
_SEAT = re.compile(r"\b(?:[A-ZÄÖ][\w-]*\s+){1,3}Oy\s*\([A-ZÄÖ][a-zäö]+\)")


def _seat(tc: TaskContext, question: str) -> ComposedAnswer | None:
    """The sentence naming the company and its town, for a question about where (or who) we are."""
    if not intents.WHERE_US.search(question) or DATA_PLACE.search(question):
        return None  # "Is Kaarna located in the EU?" asks where the data is: the security FAQ answers
    for p in tc.passages:
        for unit in answer_units(p.body, p.heading):
            if _SEAT.search(unit) and not pointer(unit):
                return ComposedAnswer(text=_sentence(unit), citations=[p], known=True, handoff=False,
                                      used_categories=_used(tc))
    return None


def extractive(tc: TaskContext, question: str) -> ComposedAnswer:
    seat = _seat(tc, question)
    if seat:
        return seat
    story = _story_detail(tc, question)
    if story:
        return story
    asked = intents.parts(question)
    if len(asked) == 1:
        asked = intents.compared(question) or asked  # "Plus vs Enterprise?": each one's answer in turn
    return _single(tc, question) if len(asked) == 1 else _several(tc, asked)


def _story_detail(tc: TaskContext, question: str) -> ComposedAnswer | None:
    """"Onko teillä julkisen sektorin asiakkaita ja kauanko siellä käyttöönotto kesti?": the story of that
    industry named, then the sentence of that story that answers the second part (in the form it asks for);
    None when the message is not such a pair, or no one story or none of its sentences answers."""
    pair = intents.story_and_detail(question, tc.language)
    if pair is None:
        return None
    first, second = pair
    story = references(tc, first, read(tc, first))
    if not story.known or len(story.citations) != 1:
        return None
    cited = story.citations[0]
    asked = read(tc, second)
    if asked.shape is None and all(w.common for w in asked.topic):
        return None  # "mitä siellä tapahtui?" says neither a form nor a subject to pick a sentence by
    fitting = [c for c in asked.candidates if c.passage.source_id == cited.source_id and not pointer(c.text)
               and _tells(asked, second, c.text)]
    if SPEED.search(second):  # "paljonko allekirjoitus nopeutui?" asks a time: "0,8 päivää", not "2 400 asiakirjaa"
        fitting.sort(key=lambda c: not SHAPES["duration"].search(c.text))
    # one sentence, not the story's whole list of results it stands in
    detail = next((c for c in fitting if c.text.count("; ") < 2), fitting[0] if fitting else None)
    if detail is None:
        return None
    t = templates("answer", tc.language)
    text = f"{t['reference'].format(story=_story(cited.title))} {_sentence(detail.text)}"
    return story.model_copy(update={"text": text})


def _tells(asked: Reading, question: str, text: str) -> bool:
    """Whether a sentence of a story tells the detail asked of it: in the form asked for; what they achieved,
    not had ("How much did they save?" is no "12% answered the survey"); and about what is asked ("onboarding
    admin"), not another of its figures. A question of everyday words only ("How long did their rollout
    take?") is about its intent's own words ("Käyttöönotto kesti 14 viikkoa", not "60 days before a permit
    expires")."""
    if asked.shape is not None and not SHAPES[asked.shape].search(text):
        return False
    if (asked.shape == "change" or intents.asks_change(question)) and not RESULT.search(text):
        return False
    vocab = vocabulary(text, asked.lang)
    if not all(w.common for w in asked.topic):
        return any(_has(w, vocab) for w in asked.topic if not w.common)
    return asked.intent is None or bool(intents.intent_terms(asked.intent) & vocab.stems)


def _several(tc: TaskContext, asked: list[str]) -> ComposedAnswer:
    """Each question of a message answered in turn, one sentence each, so both answers come first; a part
    the sources do not answer is said to be open and a person offered."""
    t = templates("answer", tc.language)
    found: list[ComposedAnswer] = []
    for q in asked:  # a later part is not answered again with what an earlier one was
        # "…is it for a place this small, and what would the monthly bill be?": a part may be the sum
        a = _reckoned(tc, q) or _single(tc, q, follow=0, said=frozenset(f.text for f in found))
        if a.known:
            found.append(a)
    if not found:
        return unknown(tc, t)
    text = " ".join(a.text for a in found)
    handoff = len(found) < len(asked) or any(a.handoff for a in found)
    if len(found) < len(asked):
        who = "visitor" if tc.decision.audience == "visitor" else "customer"
        text += f" {t['part_unknown']} {t['handoff_offer'][who]}"
    cited = list({c.ref: c for a in found for c in a.citations}.values())
    used = sorted({u for a in found for u in a.used_categories})
    return ComposedAnswer(text=text, citations=cited, known=True, handoff=handoff, used_categories=used,
                          reckoned=" ".join(a.reckoned for a in found if a.reckoned))


def _single(tc: TaskContext, question: str, *, follow: int = MAX_FOLLOW,
            said: frozenset[str] = frozenset()) -> ComposedAnswer:
    t = templates("answer", tc.language)
    r = read(tc, question)
    if said:
        r.candidates = [c for c in r.candidates if _sentence(c.text) not in said]
    # "Do you have customers in retail?" lists stories; "how many customers?" asks for a number instead
    if r.intent == "references" and r.shape != "count" and any(c.passage.kind == "reference" for c in r.candidates):
        return references(tc, question, r)
    if r.exists and r.topic and r.candidates and not _names_the_thing(r, r.candidates[0]) and (
            INFO.match(r.thing or "") or (r.lang == "en" and r.thing and not everyday(r.thing, r.lang, LITTLE_ZIPF))):
        # "Onko teillä jotain arviota siitä, paljonko sairauspäivä maksaa?", "is there a minimum number of
        # licences?": of the sentences that score nearly as well, the one that names the thing asked for
        # (the estimate, the minimum) answers whether there is one. Any thing only in English: a Finnish
        # word's stem names too much ("yhdistyksille" is not "yhdistetään").
        top = r.candidates[0].score
        naming = next((c for c in r.candidates[1:6] if c.score >= NAMING_SHARE * top and _names_the_thing(r, c)), None)
        if naming is not None:
            r.candidates = [naming, *(c for c in r.candidates if c is not naming)]
    if not answers(r):
        off_topic = not r.candidates or (r.intent is None and len(r.missing) == len(r.topic))
        return unknown(tc, t, off_topic=off_topic)
    best = r.candidates[0]
    # "Sen jälkeen sopimus jatkuu…", "We then delete it…" lean on the sentence before: it goes first.
    before = next((c for c in r.candidates if c.passage.ref == best.passage.ref and c.order == best.order - 1),
                  None) if LEANS_BACK.match(best.text) or INFERRED.search(best.text) else None
    chosen = [before, best] if before else [best]
    # "Could we buy just Insight?" under the FAQ's "Can we buy Insight or Flow without HR Core?": its
    # "No, because…" is the answer; the sentence that matched the words best explains it.
    verdict = next((c for c in r.candidates if c.passage.ref == best.passage.ref and c.order == 0
                    and VERDICT.match(c.text)), None) \
        if best.order > 0 and best.passage.heading.rstrip().endswith("?") and intents.yes_no(question) else None
    if verdict is not None and verdict is not before:
        # one of several questions gets one sentence: its verdict is that answer
        chosen = [verdict] if follow == 0 else [verdict, *chosen]
    nearby = sorted((c for c in r.candidates[1:] if c.passage.ref == best.passage.ref and c not in chosen
                     and ((abs(c.order - best.order) <= 3 and c.score > 0.6 * best.score) or _same_price(best, c))
                     and _plain(c.text) not in _plain(best.text) and _plain(best.text) not in _plain(c.text)),
                    key=lambda c: not _same_price(best, c))
    chosen += nearby[:follow]  # the next best of the same passage, best first
    openings = step_openings(best.passage.body)
    if len(chosen) > 2 and openings and all(c.passage.ref == best.passage.ref and is_step(c.text, openings)
                                            for c in chosen):
        # the step that answers first, then the others in the order they are done
        chosen = [chosen[0], *sorted(chosen[1:], key=lambda c: c.order)]
    # "In two data centres located in Finland." answers its FAQ's "Where is our data stored?" and nothing
    # after another sentence: the verbless reply that opens an FAQ answer goes first when it is taken.
    direct = next((c for c in chosen[1:] if c.order == 0 and c.passage.heading.rstrip().endswith("?")
                   and _fragment(c.text)), None)
    if direct is not None:
        chosen = [direct] + [c for c in chosen if c is not direct]
    size = sizes.sole_headcount(question)  # "we are 220": of a table of size tiers, the asker's row
    text = " ".join(_sentence(sizes.narrowed(size, c.text if c is chosen[0] else _unprefixed(c.text, chosen[0].text)))
                    for c in chosen)
    if best.passage.kind == "roi_example" and not EXAMPLE.search(chosen[0].text):
        text = t["from_example"].format(example=_story(best.passage.title), text=text)
    elif best.passage.kind == "reference" and not any(_names_customer(t, best.passage.title)
                                                       for t in (chosen[0].text, *said)):
        text = t["from_story"].format(story=_story(best.passage.title), text=text)
    return ComposedAnswer(text=text, citations=[best.passage], known=True, handoff=False,
                          used_categories=_used(tc))


def _figure(unit: str) -> bool:
    return bool(FIGURE.search(unit))


def _fragment(unit: str) -> bool:
    return bool(FRAGMENT.match(unit.strip()))


def _same_price(best: Candidate, other: Candidate) -> bool:
    """Whether `other` prices what `best` prices ("The Complete bundle costs €2.00 less…" and the price
    row of Complete): it gives the figure the answer leans on, so it follows first, from anywhere in the
    passage and however its words match the question."""
    if not (SHAPES["money"].search(best.text) and "€" in other.text and "; " not in other.text):
        return False  # a price row, not the whole table nor the discount tiers
    # the row's own product, the name it opens with ("Kaarna Complete (HR Core + …)"), not one it requires
    opening = intents.names(re.split(r"[(:]", other.text, maxsplit=1)[0], cased=True)
    return bool(opening & intents.names(best.text, cased=True))


def _unprefixed(text: str, first: str) -> str:
    """A follow-up unit without the name the first unit already gave ("Enterprise – …: ")."""
    name, sep, rest = text.partition(": ")
    return rest if sep and first.startswith(name + ": ") else text


def _plain(text: str) -> str:
    return text.rstrip(".!? ").lower()


def _sentence(unit: str) -> str:
    unit = unit.strip()
    unit = unit if unit[-1:] in ".!?…" else unit + "."
    # A quotation too long to be one unit (retrieval.units.QUOTE_MAX), cut between its sentences, is
    # closed, or opened, where it was cut.
    for mark in "\"”":
        if unit.count(mark) % 2 == 1:
            return unit + mark if unit.startswith(mark) else mark + unit
    return unit


def unknown(tc: TaskContext, t: dict, *, off_topic: bool = False) -> ComposedAnswer:
    """An honest "I don't know" and a person offered: a visitor is asked how to reach them."""
    who = "visitor" if tc.decision.audience == "visitor" else "customer"
    text = t["off_topic" if off_topic else "unknown"] + " " + t["handoff_offer"][who]
    return ComposedAnswer(text=text, citations=[], known=False, handoff=True, used_categories=[])


def reckon(tc: TaskContext, question: str) -> tuple[str, Citation] | None:
    """A price question with a user count, reckoned by the list prices (see ``estimate``): the text and
    the price list it agrees with; both engines give these figures. Only a visitor, who has no contract
    of their own, gets the base product's sum for a question that names no product."""
    if intents.topic_intent(question, tc.language) != "price" and not estimate.MONTHLY.search(question):
        return None
    return estimate.answer(question, tc.language, tc.passages, templates("answer", tc.language),
                           base=tc.decision.audience == "visitor")


def _reckoned(tc: TaskContext, question: str) -> ComposedAnswer | None:
    found = reckon(tc, question)
    return None if found is None else ComposedAnswer(text=found[0], citations=[found[1]], known=True, handoff=False,
                                                     used_categories=["public_content"], reckoned=found[0])


def compose(tc: TaskContext, question: str, *, follow_up_of: str | None = None) -> ComposedAnswer:
    t = templates("answer", tc.language)
    question = standard(calm(question), tc.language)  # spoken Finnish read as written ("onks" → "onko")
    kind = intents.classify(question, tc.language)
    who = "visitor" if tc.decision.audience == "visitor" else "customer"
    if kind in ("greeting", "thanks"):
        # "moi", "thanks, that's all": the chat's own reply; a visitor or customer is also offered a person
        person = tc.decision.audience != "staff"
        text = f"{t[kind]} {t['person_too']}" if person else t[kind]
        return ComposedAnswer(text=text, citations=[], known=True, handoff=person, used_categories=[])
    if kind == "handoff":
        text = t["handoff_ack_given"] if who == "visitor" and CONTACT.search(question) else t["handoff_ack"][who]
        return ComposedAnswer(text=text, citations=[], known=True, handoff=True, used_categories=[])
    if kind == "send":
        return ComposedAnswer(text=f"{t['cannot_send']} {t['handoff_offer'][who]}", citations=[], known=False,
                              handoff=True, used_categories=[])
    if kind is not None and tc.decision.audience != "visitor":
        direct = account_answer(tc, kind)
        if direct is not None:
            return direct
    # A price for a number of users, whatever else it says (a visitor's "our contracts", "my team").
    reckoned = _reckoned(tc, question)
    if reckoned:
        return reckoned
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
