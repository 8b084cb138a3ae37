"""Suggested replies to support tickets, and who should take a ticket.

The reply is read by the customer, whoever asks for it: the policy's ``support_reply`` task (public
help content and the customer's own service data, under the contract), in the contact's language
whatever language the ticket was written in. It greets the contact, names the problem, gives the
steps of the help article that fits the ticket and says what happens next; when no help content fits,
or the ticket reports what no article fixes (a crash, a breach, a legal demand, money to pay back), it
says the request went to a specialist and is marked for escalation.
"""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime

from pydantic import BaseModel

from copilot import pipeline
from copilot.assembly import prepare
from copilot.core.context import AppContext
from copilot.core.domain import Tier
from copilot.core.errors import not_found
from copilot.core.identity import Actor
from copilot.core.instructions import looks_injected
from copilot.core.permissions import Perm, require
from copilot.core.store.models import Ticket
from copilot.core.store.repo import crm_records, people
from copilot.engines.composer import intent as intents
from copilot.engines.composer import reply as composer_reply
from copilot.engines.composer.spoken import calm
from copilot.engines.composer.terms import Vocabulary, Word, everyday, fold, found, given_names, key_terms, vocabulary
from copilot.engines.registry import get_engine
from copilot.results import Blocked, Citation, GuardReport, Provenance
from copilot.writing import tone
from copilot.writing.library import Card, library
from prompts import templates
from retrieval import service as retrieval
from retrieval.language import language_of
from retrieval.models import SearchFilters
from tools import tiers

HELP_TYPES = ("help_article", "faq")
"""Content a reply may give as the solution (feature pages and stories sell; they do not fix)."""
FITS = 0.82
"""A help passage at least this close to the ticket may be about its problem (cosine of e5 vectors)..."""
TOPIC_SHARE = 0.5
"""...when it also has at least this share of the ticket subject's words."""
BODY_SHARE = 0.3
"""...or of the body's words, when the subject names nothing."""
VAGUE = 0.5
"""A subject whose words weigh less than one everyday word of a topic ("quick question") names nothing."""
SOME = 1e-9
"""Any share at all: an article has at least one of the words."""
NEGATIVE_SENTIMENT = -0.3
"""Below this a ticket reads as unhappy (sentiment runs from -1 angry to +1 happy)."""


class Escalation(BaseModel):
    level: str
    """``senior`` (escalate now), ``experienced`` or ``standard``."""
    handled_by: str
    reasons: list[str]
    text: str


def escalation(tier: str, *, sentiment: float | None, churn_band: str | None, overdue: bool) -> Escalation:
    """Who should take the ticket, and why: the tier's service level, raised by anger, risk or delay."""
    level = tiers.SERVICE_MATRIX[Tier(tier)]
    reasons: list[str] = []
    unhappy = sentiment is not None and sentiment <= NEGATIVE_SENTIMENT
    if unhappy:
        reasons.append(f"negative sentiment ({sentiment:+.2f})")
    if churn_band == "high":
        reasons.append("high churn risk")
    if overdue:
        reasons.append(f"reply-time target of {level.reply_within_hours} h exceeded")
    if tier == Tier.vip.value:
        reasons.insert(0, "VIP account")
    if tier == Tier.vip.value and (unhappy or churn_band == "high" or overdue):
        return Escalation(level="senior", handled_by="senior specialist", reasons=reasons,
                          text="Escalate now to a senior specialist and tell the account owner.")
    if unhappy or churn_band == "high" or overdue:
        return Escalation(level="experienced", handled_by="experienced agent", reasons=reasons,
                          text="Hand to an experienced agent; acknowledge the problem in the first line.")
    return Escalation(level="standard", handled_by=level.handled_by, reasons=reasons,
                      text=f"Normal handling by a {level.handled_by}.")


class SuggestedReply(BaseModel):
    status: str = "ok"
    ticket_id: str
    contact_id: str | None
    language: str
    text: str
    article: Citation | None
    """The help content the reply draws on (for the agent to check); None when nothing fits."""
    escalate: bool
    """True when no help content fits the ticket: a specialist should look at it."""
    transparency: str
    guard: GuardReport
    provenance: Provenance


def _fitting_help(ctx: AppContext, ticket: Ticket, language: str) -> Card | None:
    """The help content about the ticket's problem, in ``language``; None when none is.

    Fit is judged in the ticket's own language (its words must be the article's topic, and the
    article must be close in meaning), then the article is taken in the reader's language.
    """
    subject, body = calm(ticket.subject), calm(ticket.body)
    text = f"{subject}. {body}".strip()
    if incident(text):
        return None  # a defect, a breach or a demand is a specialist's, however close an article reads
    written_in = language_of(text, default=language)
    # only help content can be quoted: a feature page or the price list must not take its places
    hits = retrieval.search(ctx, text, k=6, filters=_help(written_in)).hits
    cards = {c.id: c for c in library(ctx)}
    # The subject's own words, not the everyday ones around them: "POISSAOLORAPORTTI ON TAAS PIELESSÄ" is
    # about the absence report, "Webhooks not arriving" about webhooks (an article may say "arrive"). A
    # subject of everyday words only ("quick question", "help"), or one in another language than the
    # ticket (copied from an internal ticket), leaves it to the body's words, of which a smaller share
    # will do: a body tells more than its problem.
    # "Sari ei näe omaa porukkaansa": Sari is no topic (but "Help With Excel Export" names no person)
    weights = _no_given_names(_weights(subject, written_in))
    told = _unnamed(_weights(body, written_in), body)
    asked = intents.asked_clauses(body)

    def by_body() -> Card | None:
        # What the body asks names the problem ("Kuinka kauan uuden palkkaliittymän käyttöönotto kestää?"),
        # not the story around it (an acquisition, dates, who signs); of articles that fit it as well, the
        # one with more of the whole body's words
        of_asked = _unnamed(_weights(asked, written_in), asked)
        by_asked = _closest(hits, cards, of_asked, TOPIC_SHARE, written_in, then=told) \
            if max(of_asked.values(), default=0.0) >= 1.0 else None  # "Mitä tässä pitää tehdä?" names nothing
        return by_asked or _closest(hits, cards, told, BODY_SHARE, written_in)
    subject_in = language_of(subject, default=written_in)
    if subject_in != written_in:
        # "Kirjautuminen ei onnistu" over an English body: a colleague wrote the subject, and it still
        # names the problem, in its own language
        mine = by_body() or _closest(
            retrieval.search(ctx, subject, k=6, filters=_help(subject_in)).hits,
            cards, _weights(subject, subject_in), TOPIC_SHARE, subject_in)
    elif sum(weights.values()) < VAGUE:
        mine = by_body()
    else:
        # A subject of everyday words only that no article has ("Locked out - all of us") says how the
        # customer sees it, not what it is: the body tells. One that names a thing no article covers
        # ("Webhooks not arriving") is a specialist's.
        # "Toinen palkkaliittymä yrityskaupan myötä": a subject that names a thing an article covers (the
        # payroll integration) beside one none does (the acquisition) leaves it to the body as well.
        # of articles as close by the subject's words and title, the one with more of the rest of the ticket
        # ("Access problem after reorg" over a supervisor who took over a team: the rights guide, not the
        # sign-in guide that also says "organisation")
        mine = _closest(hits, cards, weights, TOPIC_SHARE, written_in, then=told)
        own = {w: v for w, v in weights.items() if v >= 1.0}
        if mine is None and (not own or _closest(hits, cards, own, SOME, written_in) is not None):
            mine = by_body()
    if mine is None:
        return None
    twin = next((c for c in cards.values() if c.pair_id == mine.pair_id and c.language == language), None)
    return twin or (mine if mine.language == language else None)


def _help(language: str) -> SearchFilters:
    return SearchFilters(language=language, public=True, type=list(HELP_TYPES))


# What no help article fixes, however close one reads: the app crashing, someone seeing data they should
# not, a demand under the law (erasure, termination), money to be paid back, a holiday balance worked out
# wrong, records to restore from a backup, the service down for all.
# Each kind is named in the reply (prompts/support_reply: incidents), so the customer sees it understood.
INCIDENTS = {
    "crash": re.compile(
        r"\b(?:app|application|sovellus|mobiilisovellus)\w*\W+(?:\w+\W+){0,4}(?:kaatu\w*|crash\w*|pysähty\w*)|"
        r"\b(?:kaatu\w*|crash\w*|pysähty\w*)\W+(?:\w+\W+){0,3}(?:app|application|sovellus|käynnisty\w*|startup|launch)",
        re.IGNORECASE),
    "breach": re.compile(r"\b(?:data breach|data leak|tietovuo\w*|tietosuojaloukkau\w*|tietosuojaongelm\w*|"
                         # someone got in, not a sign-in error's text ("'Unauthorized access' error", "401")
                         r"(?:suspect\w*|possible|detected|noticed|epäil\w*|mahdolli\w*|havaittu\w*)\s+(?:\w+\s+){0,2}"
                         r"(?:unauthori[sz]ed access|luvato\w* (?:pääsy|käyttö|katselu)\w*)|"
                         r"privacy breach|nähneensä toisen|saw (?:another|other|someone else)\w*|"
                         # one person shown another's payslip or record
                         r"(?:näke|näky)\w* (?:\w+ ){0,3}toisen (?:\w+ )?(?:henkilön|työntekijän) "
                         r"(?:palkka\w*|laskelm\w*|nimi\w*|henkilötie\w*)|"
                         r"(?:sees|can see|shows?|showing) (?:another employee's|someone else's|a colleague's) "
                         r"(?:payslip|salary|personal data))", re.IGNORECASE),
    "erasure": re.compile(r"\b(?:poistopyyn\w*|erasure request|right to (?:erasure|be forgotten)|"
                          r"oikeu\w* tulla unohdetuksi|(?:vaati\w*|demand\w*)\W+(?:\w+\W+){0,4}"
                          r"(?:poist\w*|erasure|deletion|deleted)|wants? (?:everything|all (?:of )?(?:his|her|their) "
                          r"(?:personal )?data|(?:his|her|their) (?:personal )?data) deleted|"
                          r"(?:gdpr|tietosuoja-asetuksen)\W+art(?:icle|ikla|\.)?\s*(?:15 and )?17)\b", re.IGNORECASE),
    "data_copy": re.compile(r"\b(?:copy of (?:all )?(?:\w+ )?(?:personal )?data|subject access request|tietopyyn\w*|"
                            r"tarkastuspyyn\w*|all (?:the )?data (?:we|you) hold about|"
                            r"(?:gdpr|tietosuoja-asetuksen)\W+art(?:icle|ikla|\.)?\s*15)\b", re.IGNORECASE),
    "refund": re.compile(r"\b(?:refund\w*|charged twice|double[- ]charged|veloitettu (?:kahdesti|kahteen kertaan)|"
                         r"tuplaveloit\w*|hyvitys\w*|hyvittä\w* (?:\w+ ){0,2}(?:lasku|laskutu|maksu|veloitu)\w*|"
                         r"credit note|(?:a|some) credit for the (?:difference|unused|remaining|overpaid|extra|"
                         r"downtime|outage)|credit (?:us|it) back|"
                         r"palautta\w* (?:\w+ )?(?:maksu|maksun|maksut|rahat|summa)\b|"
                         r"lasku\w*[^.]{0,80}\bmaksa\w* (?:molemmat|kumpikin)|"
                         r"invoices?\b[^.]{0,80}\bpaid (?:both|them both)|"
                         r"(?:maksettu|maksoi\w*|maksoimme|paid)\s+(?:\w+\s+){0,5}"
                         r"(?:kahdesti|kahteen kertaan|twice))", re.IGNORECASE),
    "termination": re.compile(r"\b(?:(?:irtisano|päättä)\w*\s+(?:\w+\s+){0,2}sopimu\w*|"
                              r"sopimu\w*\s+(?:\w+\s+){0,2}(?:irtisano|päättä)\w*|"
                              r"terminat\w* (?:the|our) (?:contract|agreement)|(?:can|could|may) we terminate early|"
                              r"transfer (?:the|our) (?:contract|agreement) to (?:the |our |a )?(?:new )?"
                              r"(?:parent|owner|group|company|subsidiary|buyer)|"
                              r"cancel\w* (?:the|our|this) (?:contract|agreement|subscription)|"
                              r"confirm (?:the |our )?termination|"
                              r"not to (?:continue|renew) (?:when )?(?:our|the) contract|"
                              r"(?:lopett|lopeta)\w* (?:\w+ )?(?:sopimu|asiakkuu)\w*)", re.IGNORECASE),
    # The contract with us changed before its term ends (a downgrade, a module given up, "changing the
    # contract"): a person changes it, though the pricing FAQ says when users may be reduced.
    "contract_change": re.compile(
        r"\bdowngrad\w*|\bkeep only (?:hr core|insight|flow)\b|"
        r"\b(?:switch|move|change)\w*\s+(?:\w+\s+){0,2}from complete to\b|"
        r"\bchang\w*\s+(?:to\s+)?(?:our|the)\s+(?:contract|agreement)\b(?!'s|\s+(?:template|type|signing|order|of|for)\b)|"
        r"\bkesken sopimuskau\w*|\bluopu\w*\s+(?:\w+\s+){0,2}(?:insight\w*|flow\w*|moduul\w*)|"
        r"\b(?:vaihta|siirty)\w*\s+(?:\w+\s+){0,2}completesta\b|\bsopimusmuuto\w*|"
        r"\bmuutta\w* (?:\w+ )?sopimust\w*", re.IGNORECASE),
    # A holiday balance Kaarna works out is wrong (under a collective agreement): a defect to look into,
    # which no article fixes, though the ones on balances and reports read close.
    "miscalculation": re.compile(
        r"\b(?:lomasaldo\w*|lomapäiv\w*|lomaoikeu\w*|lomakertym\w*)\W+(?:\w+\W+){0,6}"
        r"(?:väärin|pienempi|suurempi|virheelli\w*)|"
        r"\b(?:lomasaldo\w*|lomakertym\w*)\W+(?:(?:ovat|on|ovat nyt)\W+)?(?:tuplaantu\w*|kaksinkertaistu\w*|sekaisin)|"
        r"\b(?:holiday|vacation|leave) (?:days?|balances?|entitlements?|accru\w*|calculation)\W+(?:\w+\W+){0,4}"
        r"(?:wrong\w*|incorrect\w*)|\b(?:holiday|vacation|leave) balances? (?:have |has )?doubled|"
        r"\b(?:wrong\w*|incorrect\w*)\W+(?:\w+\W+){0,2}(?:holiday|vacation|leave) (?:days?|balances?|accru\w*)",
        re.IGNORECASE),
    # Records deleted by mistake, to be restored from a backup: only our specialists can restore.
    "recovery": re.compile(
        r"\bpoist\w*\W+(?:\w+\W+){0,3}vahingossa|\bvahingossa\W+(?:\w+\W+){0,3}poist\w*|"
        r"\bpalaut\w*\W+(?:\w+\W+){0,2}poistet\w*|\bpoistet\w*\W+(?:\w+\W+){0,3}palaut\w*|"
        r"\b(?:accidentally|mistakenly|by mistake|by accident)\W+(?:\w+\W+){0,2}(?:deleted|removed|erased)|"
        r"\b(?:deleted|removed|erased)\W+(?:\w+\W+){0,4}(?:by mistake|by accident|accidentally|mistakenly)|"
        r"\b(?:restore|recover|undelete|get back)\w*\W+(?:[\w']+\W+){0,4}(?:deleted|removed|erased)\b",
        re.IGNORECASE),
    # Records that appear twice (after an import, say): a data fault that only our specialists clean up.
    "duplicates": re.compile(
        r"\b(?:tuplahenkilö\w*|tuplatietu\w*|tuplatyöntekijä\w*|"
        r"duplicate(?:d)? (?:employee )?(?:records?|employees?|people|persons?|profiles?)|"
        r"(?:employees?|people|records?|persons?)\W+(?:\w+\W+){0,2}(?:appear\w*|show(?:s|n)?(?: up)?|are listed|"
        r"exist)\W+(?:\w+\W+){0,2}twice|"
        r"(?:henkilö\w*|työntekijä\w*|tietu\w*|poissaolo\w*|sairauspoissaolo\w*)\W+"
        r"(?:(?:näky\w*|on|ovat|löytyy|löytyvät|esiintyy)\W+(?:\w+\W+){0,2})?"
        r"(?:kahteen kertaan|kahdesti|kahesti|tuplana)|"
        r"(?:absences?|entries|records?)\W+(?:\w+\W+){0,2}(?:appear\w*|show(?:s|n)?(?: up)?|are listed)\W+"
        r"(?:\w+\W+){0,2}twice|duplicated? (?:absences?|entries|sick days))", re.IGNORECASE),
    # The service itself is down for everyone: a server error or an outage, not one person's sign-in.
    "outage": re.compile(r"\b(?:bad gateway|50[34] service unavailable|outage|käyttökatko\w*|"
                         r"(?:kaikki|koko palvelu|palvelu) (?:on )?(?:alhaalla|nurin)|"
                         # a gateway's or server's 5xx: the service, not one person's sign-in
                         r"(?:virhe\w*|error)\W{0,3}50[234]\b|"
                         r"ei aukea kenellekään|(?:is|are|went|been|kaarna|polku|service) down for "
                         r"(?:everyone|everybody|all(?: users| of us)?)\b|"
                         r"(?:kaarna|polku|the service|palvelu)\W+(?:\w+\W+){0,4}(?:completely unavailable|"
                         r"503 error|virhe 503))", re.IGNORECASE),
}


# Not ours to escalate: an employee's contract ended ("Irtisanoimme työntekijän sopimuksen") is HR's daily
# work, and a planned break ("milloin on seuraava käyttökatko?") is answered by the support FAQ.
_NOT_OURS = {
    "termination": re.compile(r"\b(?:probation\w*|koeaika\w*|(?:työntekijä\w*|employee'?s?|employment|worker'?s?)"
                              r"\s+(?:\w+\s+){0,2}"
                              r"(?:sopimu\w*|contract)|contract (?:of|for) (?:an? |our |the )?(?:new )?"
                              r"(?:employee|worker|staff)|työsopimu\w*)", re.IGNORECASE),
    # an invoice has its guide; a balance the customer mis-entered is theirs to fix
    "miscalculation": re.compile(r"\b(?:lasku\w*|invoice\w*|billed|billing|unohdin|unohdimme|I forgot|we forgot|"
                                 r"I entered|we entered)\b", re.IGNORECASE),
    # who may see what is set in the rights ("Palkanlaskija näkee toisen henkilön palkkatiedot, miten rajaan…")
    "breach": re.compile(r"\b(?:miten (?:saan|asetan|rajaan|rajataan)|how do I|is that (?:the )?default|"
                         r"onko (?:se|tämä) oikein)\b", re.IGNORECASE),
    # rights given again have their own guide ("Poistin vahingossa esihenkilön oikeudet")
    "recovery": re.compile(r"\b(?:oikeu\w*|rights|permissions?|roles?|rooli\w*)\b", re.IGNORECASE),
    # an employee's contract changed is HR's daily work
    "contract_change": re.compile(r"\b(?:työsopimu\w*|employment contract|employee'?s? contract|of an employee|"
                                  r"sijaisen sopimu\w*)", re.IGNORECASE),
    # one person's error while the others work is theirs ("only for me, colleagues are fine")
    "outage": re.compile(r"\b(?:only (?:for )?me|just me|only mine|(?:colleagues|others) (?:are fine|can|work)|"
                         r"muilla toimii|muut pääsee|vain (?:minulla|mulla|minulle))\b|"
                         r"\b(?:next|upcoming|planned|scheduled|seuraava\w*|tuleva\w*|suunniteltu\w*)\s+(?:\w+\s+)?"
                         r"(?:outage|maintenance|käyttökatko\w*|huolto\w*)", re.IGNORECASE),
}


def incident(text: str) -> str | None:
    """The kind of ticket no help article fixes (a crash, a breach, a data request, money to pay back,
    the contract with us ended, a miscalculation, records to restore, an outage), or None."""
    return next((kind for kind, pattern in INCIDENTS.items() if pattern.search(text)
                 and not (kind in _NOT_OURS and _NOT_OURS[kind].search(text))), None)


def _weights(text: str, lang: str) -> dict[Word, float]:
    return {w: _weight(w, lang) for w in key_terms(text, lang)}


_FULL_NAME = re.compile(r"\b([A-ZÄÖ][a-zäöå]+)\s+([A-ZÄÖ][a-zäöå]+(?:-[A-ZÄÖ][a-zäöå]+)?)\b")


def _unnamed(weights: dict[Word, float], text: str) -> dict[Word, float]:
    """The body's words without the people it names ("Mikko Lahtinen", "Laura Bennett", "Anna started…"):
    whose problem it is, not what it is. A first name and a surname inside a sentence are a person, and so is a
    common given name alone; another single name ("our Netvisor") may be the system the ticket is about."""
    people = {fold(p) for m in _FULL_NAME.finditer(text) if m.start() and text[m.start() - 2] not in ".!?\n"
              for p in m.groups()}
    return _no_given_names({w: 0.0 if w.raw in people else weight for w, weight in weights.items()})


def _no_given_names(weights: dict[Word, float]) -> dict[Word, float]:
    return {w: 0.0 if w.raw in given_names() else weight for w, weight in weights.items()}


def _closest(hits: list, cards: dict[str, Card], weights: dict[Word, float], needed: float, lang: str,
             *, then: dict[Word, float] | None = None) -> Card | None:
    """Of the help hits close in meaning, the one that has most of the weighted words (at least
    ``needed`` of them): "signature stuck" is the guide to stuck signatures, not the onboarding form that
    also speaks of signatures. Of two that have as many, the one whose title has more of them ("Laskussa
    liikaa käyttäjiä": the guide "Näin laskun käyttäjämäärä lasketaan", not the pricing FAQ that also counts
    users), then the one with more of ``then`` (when given: the rest of the ticket), then the closer."""
    total = sum(weights.values())
    if not total:
        return None
    fitting: list[tuple[float, float, float, float, Card]] = []
    for hit in hits:
        card = cards.get(str(hit.meta.get("module_id")))
        if card is None or hit.meta.get("type") not in HELP_TYPES or hit.meta.get("instructions") \
                or (hit.similarity or 0.0) < FITS:
            continue
        # The words of the whole article (an FAQ: the passage that answers), not of the chunk that came up,
        # and of the hook its authors wrote for it: the problem as a customer puts it ("työsopimus odottanut
        # allekirjoitusta", though the steps speak of "asiakirja").
        whole = card.body if card.type == "help_article" else f"{hit.location} {hit.text}"
        about = vocabulary(f"{card.title} {card.hook if card.type == 'help_article' else ''} {whole}", lang)
        if (share := _share(weights, about)) >= needed:
            fitting.append((-share, -_share(weights, vocabulary(card.title, lang)),
                            -_share(then, about) if then else 0.0, -(hit.similarity or 0.0), card))
    return min(fitting, key=lambda f: f[:4])[4] if fitting else None


def _share(weights: dict[Word, float], about: Vocabulary) -> float:
    """The weighted share of the words that the text has, as written or as the content says them instead."""
    total = sum(weights.values())
    return sum(v for w, v in weights.items() if found(w, about) or intents.said_otherwise(w.stem, about)) / total \
        if total else 0.0


URGENCY = re.compile(r"(?:kiire\w*|pikai\w*|apua|urgent\w*|asap|emergency|critical|kriitti\w*)$")
"""How pressing the customer finds it ("KIIREELLINEN palkat", "URGENT!!!"), not what it is about."""
STILL = re.compile(r"(?:yh[äa]|viel[äa](?:k[äa][äa]n)?|edelleen|taas|j[äa]lleen|still|again|anymore|yet)$")
"""That a problem goes on ("Vanha esimies näkee yhä tiedot"): any problem may, so it tells none apart."""
PLAIN_ZIPF = 5.0
"""Subject words this frequent say how any problem is reported ("gone", "missing", "issue", "taas"), not which."""


def _weight(word: Word, lang: str) -> float:
    """How much a subject's word says what the ticket is about: its own words fully, everyday words
    half ("export", "button"), the words of any complaint not at all."""
    if everyday(word.raw, lang, PLAIN_ZIPF) or any(ch.isdigit() for ch in word.raw) or URGENCY.match(word.raw) \
            or STILL.match(word.raw):
        return 0.0  # nor a number, a date or an error code ("Q3", "AADSTS50105"): no article names those
    return 0.5 if word.common else 1.0


def _help_body(ctx: AppContext, ticket: Ticket, card: Card) -> str:
    """What the reply quotes: a help article whole (its steps), or the FAQ section that answers."""
    if card.type == "help_article":
        return card.body
    text = f"{ticket.subject}. {ticket.body}".strip()
    hits = retrieval.search(ctx, text, k=8, filters=_help(card.language)).hits
    return next((h.text for h in hits if h.meta.get("module_id") == card.id), "")


def suggest_reply(ctx: AppContext, ticket_id: str, *, actor: Actor, surface: str = "sidebar",
                  engine: str | None = None, now: datetime | None = None) -> SuggestedReply | Blocked:
    require(actor, Perm.reply)
    now = now or datetime.now(UTC)
    with ctx.db.session() as session:
        ticket = crm_records.get(session, model=Ticket, ident=ticket_id)
        if ticket is None:
            raise not_found("ticket", ticket_id)
        session.expunge(ticket)
        agent = people.rep_names(session).get(actor.id, "")
    tc = prepare(ctx, "support_reply", account_id=ticket.account_id, contact_id=ticket.contact_id, now=now)
    if not tc.decision.allowed:  # no contract basis (a prospect wrote to support): public help only
        tc = prepare(ctx, "visitor_chat", language=tc.language, now=now)
    if ticket.contact_id is None:
        tc = tc.model_copy(update={"language": language_of(f"{ticket.subject} {ticket.body}", default="fi")})
    card = _fitting_help(ctx, ticket, tc.language)
    article = None
    if card is not None:
        article = Citation(ref=1, source_id=f"module:{card.id}", title=card.title,
                           location=f"content_modules/{card.id}", snippet=card.value or card.title, text=card.body,
                           kind=card.type)
    tc = tc.model_copy(update={"passages": [article] if article else []})
    # The subject is the customer's own words: quoted back only when plainly a subject line that names
    # something. Else a ticket no article fixes is named by its kind ("palvelun käyttökatko" for "KAIKKI
    # ALHAALLA", "refund" for "tuplaveloitus" to an English reader).
    quotable = (language_of(ticket.subject, default=tc.language) == tc.language and len(ticket.subject) <= 80
                and not looks_injected(ticket.subject) and not ticket.subject.isupper()
                and sum(_weights(calm(ticket.subject), tc.language).values()) >= VAGUE)
    # A quoted subject that does not say what the body asks ("Our contract" over a termination) gets the kind too.
    kind = incident(calm(f"{ticket.subject}. {ticket.body}")) if card is None else None
    label = templates("support_reply", tc.language)["incidents"][kind] if kind else ""
    named = (f"{ticket.subject}: {label}" if label and not incident(calm(ticket.subject)) else ticket.subject) \
        if quotable else label
    body = _help_body(ctx, ticket, card) if card else ""
    composed, run = get_engine(ctx, engine).compose_reply(
        tc, title=card.title if card else None, body=body, subject=named,
        cause=composer_reply.cause(f"{ticket.subject}\n{ticket.body}", body) if card else "",
        unhappy=(ticket.sentiment or 0.0) <= NEGATIVE_SENTIMENT or tone.upset(f"{ticket.subject}\n{ticket.body}"),
        agent=agent, variant=zlib.crc32(ticket.id.encode()))
    text, report = pipeline.guard(ctx, composed.text, tc, customer_facing=True,
                                  extra_context=f"{agent}\n{ticket.subject}")
    prov = pipeline.run_provenance(tc, run, composed.used_categories)
    prov = pipeline.audit(ctx, tc, prov, actor=actor, surface=surface, outcome="ok" if report.ok else "flagged",
                          details={"ticket": ticket.id, "article": card.id if card else None,
                                   "flags": report.flags})
    if not report.ok:
        return Blocked(task=tc.task, reason="held back by the output guard: " + "; ".join(report.flags),
                       provenance=prov)
    t = templates("support_reply", tc.language)
    return SuggestedReply(ticket_id=ticket.id, contact_id=ticket.contact_id, language=tc.language, text=text,
                          article=article, escalate=article is None, transparency=t["transparency"],
                          guard=report, provenance=prov)
