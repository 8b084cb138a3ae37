"""A price question with a user count gets the sum, not the price table: "What would 120 users on
Complete cost a month?" is answered "For 120 users, Kaarna Complete comes to €1,380 a month", with
how it was reckoned (the minimum billing, a volume discount) in the next sentence.

The figures come from the product catalogue, and only while the retrieved price list says the same
prices: an estimate never states a price the public content does not.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from copilot.core import locale
from copilot.engines.composer import intent as intents
from copilot.engines.composer import sizes
from copilot.engines.composer.terms import FUNCTION_ZIPF, everyday, fold, key_terms, same
from copilot.results import Citation
from copilot.writing import offers
from tools.price_estimate import Estimate, Line, estimate

PRICE_KINDS = ("pricing", "service_level")
"""Content types whose passages state list prices."""

# Not the monthly licence: a one-off fee ("käyttöönotto 200 hengelle") or a connector...
_ONE_OFF = re.compile(r"\b(?:käyttöönot\w*|aloitusmaks\w*|kertamaks\w*|liittym\w*|implementation|set-?up|"
                      r"one-off|onboarding|connector\w*|integration\w*)", re.IGNORECASE)
# ...nor what the product pays back ("jotta HR Core ja Insight kannattavat", "before it pays for itself"),
# unless the month's price is asked too ("kannattaako tää meille, paljonko tulis maksamaan kuussa?").
_PAYBACK = re.compile(r"\b(?:kannatta\w*|takaisin\w*|pa(?:ys?|id) (?:for )?itself|break[- ]?even|"
                      r"payback|roi|sääst\w*|saving\w*|save)", re.IGNORECASE)
# A sum asked for in so many words ("paljonko tulis maksamaan", "what would it cost us"): only then is the
# base product priced when the question names none; "nonprofit pricing?" or "a discount at 1,200 users?"
# asks something else.
_COST = re.compile(r"\b(?:paljonko|maksa\w*|kustan\w*|cost\w*|how much|price|hinta|hinnan|bill\w*|lasku\w*)\b",
                   re.IGNORECASE)
_DISCOUNT = re.compile(r"\b(?:alennu\w*|hyvity\w*|discount\w*|reduction\w*|rebate\w*)", re.IGNORECASE)
# "200 employees, all three products, per month??": a month's price asked without a price word.
MONTHLY = re.compile(r"\b(?:per month|a month|monthly|kuukaudessa|kuukausihin\w*|per kk)\b|/kk\b", re.IGNORECASE)
_YEARLY = re.compile(r"\b(?:vuodessa|vuosi\w*|vuodelta|vuositasolla|year\w*|annual\w*|per annum)\b", re.IGNORECASE)
_NUMBER = r"(\d{1,3}(?:[ \u00a0\u202f,]\d{3})+|\d+)"
# "jos käyttäjiä on 250", "users: 250": the count after the word.
_COUNT_AFTER = re.compile(r"\b(?:käyttäjiä|käyttäjää|users|employees|henkilöitä|työntekijöitä)\s*(?:on|is|are|:|=)?"
                          rf"\s*(?:n\.\s*|noin\s+|about\s+|around\s+|roughly\s+)?{_NUMBER}\b", re.IGNORECASE)


def users_in(question: str) -> int | None:
    """The number of users a question prices ("120 users", "40 hengen yritys", "käyttäjiä on 250")."""
    count = sizes.headcount(question)
    if count is None and (m := _COUNT_AFTER.search(question)):
        count = int(re.sub(r"[ \u00a0\u202f,]", "", m.group(1)))
    return count if count else None


def products_in(question: str, lang: str = "en") -> list[str]:
    """Catalogue keys of the products a question names, a bundle instead of its parts. A name that is
    an everyday word of the question's language ("plus", "complete"; "flow" in English, not in Finnish)
    counts only capitalised, as a name, or joined to another product by "+" or "&" ("hr core + flow")."""
    found = []
    lowered = question.lower()
    cat = offers.catalogue().products
    for key, product in cat.items():
        for alias in [*product.aliases, *product.asked_as]:
            if alias.isalpha() and everyday(alias, lang):
                hit = re.search(rf"\b{re.escape(alias.capitalize())}", question) or \
                    re.search(rf"[+&]\s*{re.escape(alias)}\b|\b{re.escape(alias)}\s*[+&]", lowered)
            else:
                hit = re.search(rf"\b{re.escape(alias)}", lowered)
            if hit:
                found.append(key)
                break
    for key, product in cat.items():  # all of a bundle's parts asked for are the bundle ("everything")
        if product.bundles and set(product.bundles) <= set(found) and key not in found:
            found.append(key)
    return [key for key in found if key not in _parts(found)]


def _priced(question: str, lang: str, *, base: bool = True) -> tuple[int, list[str]] | None:
    """The user count and the products a question asks the monthly price of (with ``base``, the base
    product when it names none); None when it asks none (no count, a one-off fee, what it pays back)."""
    users, keys = users_in(question), products_in(question, lang)
    if base and not keys and _COST.search(question) and not _DISCOUNT.search(question) \
            and _asks_for_it(question, lang) and not _named_loosely(question):
        keys = [_base()]  # "18 of us, what would it cost a month?": the product every other one requires
    payback = _PAYBACK.search(question) and not MONTHLY.search(question)
    return (users, keys) if users and keys and not _ONE_OFF.search(question) and not payback else None


_IT = tuple(fold(w) for w in (
    "system", "software", "solution", "product", "service", "tool", "platform", "järjestelm", "ohjelm", "palvelu",
    "tää", "tämä", "month", "kuukau", "total", "yhteensä", "altogether", "firm", "yrity", "organisaatio",
    "company", "organi", "business", "heng", "henki", "people", "staff", "employee", "työntekijä", "user",
    "käyttäj", "tulis", "tulee"))
"""Word beginnings (folded, as question words are read) of what "what would it cost us, a firm of 60?"
may call the system it prices, or the asker and their size."""
_PAYBACK_WORDS = tuple(fold(w) for w in ("kannatta", "takaisin", "sääst", "saving", "payback", "roi"))


def _named_loosely(question: str) -> bool:
    """Whether the question may name a product in lower case ("paljonko flow maksaa?"): then it is not
    the base product's price that is asked, and the price list's rows answer."""
    lowered = question.lower()
    return any(re.search(rf"\b{re.escape(alias.lower())}\b", lowered)
               for p in offers.catalogue().products.values() for alias in [*p.aliases, *p.asked_as, p.short])


def _asks_for_it(question: str, lang: str) -> bool:
    """Whether what is asked names nothing but everyday words: "paljonko tulis maksamaan kuussa?" prices
    the system; "paljonko maksaa teidän työvuorosuunnittelu?" asks about a thing of its own."""
    asked = " ".join(intents.asking(question)) or question
    price, other = _intent_words()
    words = key_terms(asked, lang)
    return not any(w.stem in other for w in words) and all(
        w.raw.isdigit() or any(same(w.stem, p) for p in price) or w.raw.startswith(_IT)
        or everyday(w.raw, lang, FUNCTION_ZIPF)
        or (w.raw.startswith(_PAYBACK_WORDS) and MONTHLY.search(question)) for w in words)


@lru_cache(maxsize=1)
def _intent_words() -> tuple[frozenset[str], frozenset[str]]:
    """The stems of the price intents' words, and of every other intent's."""
    price = intents.intent_terms("price") | intents.intent_terms("billing")
    other = frozenset().union(*(intents.intent_terms(n) for n in intents.lexicon() if n not in ("price", "billing")))
    return price, other


def _base() -> str:
    """The catalogue's base product: the one the others require."""
    products = offers.catalogue().products
    return next((r for p in products.values() for r in p.requires), next(iter(products)))


def focus(question: str, lang: str) -> str | None:
    """A search for the price list rows of the products a question prices (None when it prices none):
    the sum needs the rows, which a chatty question's own words may not bring up."""
    # A part of a message may be the price question ("Is it for a place this small, and what would the
    # monthly bill be?"): the composer reckons each part.
    asked = next((p for q in intents.parts(question) if (p := _priced(q, lang))), None)
    if asked is None:
        return None
    return " ".join(offers.name(k, lang) for k in asked[1]) + (" €/käyttäjä/kk" if lang == "fi" else " €/user/month")


def answer(question: str, lang: str, passages: list[Citation], t: dict, *,
           base: bool = True) -> tuple[str, Citation] | None:
    """The estimate and the price list passage it agrees with, or None when the question is not one to
    reckon (no user count, no product, a one-off fee) or the price list retrieved does not state the
    catalogue's prices."""
    asked = _priced(question, lang, base=base)
    if asked is None:
        return None
    users, keys = asked
    cat = offers.catalogue()
    lines = [Line(product=k, unit_price=cat.products[k].price, licence=cat.products[k].licence) for k in keys]
    listed = [p for p in passages if p.kind in PRICE_KINDS]
    said = " ".join(p.body for p in listed)
    if not listed or any(_price(line.unit_price, lang) not in said for line in lines):
        return None
    terms = cat.terms
    est = estimate(lines, users, minimum_users=terms.minimum_users,
                   discounts=[(d.users, d.percent) for d in terms.volume_discounts])
    names = [offers.name(k, lang) for k in keys]
    joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {t['and']} {names[-1]}"
    text = t["estimate"].format(users=locale.number(users, lang), products=joined, monthly=_money(est.monthly, lang))
    if _YEARLY.search(question):
        text = text.rstrip(".") + t["estimate_yearly"].format(yearly=_money(est.monthly * 12, lang))
    source = next((p for p in listed if _price(lines[0].unit_price, lang) in p.body), listed[0])
    # "What would Insight cost?": Insight needs HR Core, which the sum leaves out; say so.
    covered = set(keys) | _parts(keys)
    needed = [r for k in keys for r in cat.products[k].requires if r not in covered]
    note = t["estimate_requires"].format(product=offers.name(keys[0], lang), base=offers.name(needed[0], lang)) \
        if needed else t["estimate_note"]
    return f"{text} {_how(est, lang, t)} {note[:1].upper()}{note[1:]}", source


def _parts(keys: list[str]) -> set[str]:
    """The products the bundles among ``keys`` contain."""
    cat = offers.catalogue().products
    return {part for k in keys for part in cat[k].bundles}


def _how(est: Estimate, lang: str, t: dict) -> str:
    values = {"billed": locale.number(est.billed_users, lang),
              "per_user": locale.money(float(est.per_user), lang, decimals=2),  # "4,00 €", as the list writes it
              "list_total": _money(est.list_total, lang),
              "percent": locale.percent(float(est.discount_percent) / 100, lang)}
    if est.discount_percent:
        return t["estimate_discount"].format(**values)
    if est.billed_users > est.users:
        return t["estimate_minimum"].format(**values)
    return t["estimate_plain"].format(**values)


def _price(value: Decimal, lang: str) -> str:
    """A list price as the price list writes it: "6,50" (fi), "6.50" (en)."""
    return locale.number(float(value), lang, decimals=2)


def _money(value: Decimal, lang: str) -> str:
    whole = value == value.to_integral_value()
    return locale.money(float(value), lang, decimals=0 if whole else 2)
