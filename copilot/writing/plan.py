"""The message plan: what an e-mail will say, decided before any sentence is written.

Why now (the trigger), what to offer (never what the account owns), one angle for the persona and
stage, one proof point that fits the industry and size, one call to action. Both engines write from
the same plan, so they differ in wording, not in what they may say. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from pydantic import BaseModel, Field

from copilot.writing import offers
from copilot.writing.library import Card
from copilot.writing.situation import Situation

# Content types an e-mail may draw on (the privacy notice is a duty, not a selling point).
ANGLE_TYPES = {
    "awareness": ("use_case", "feature"),
    "consideration": ("feature", "use_case"),
    "decision": ("roi_example", "feature", "faq", "pricing"),
    "customership": ("feature", "use_case"),
}
GOAL_ANGLE_TYPES = {
    "onboarding": ("faq", "use_case"),
    "renewal": ("feature", "service_level", "use_case"),
}
PROOF_TYPES = ("reference", "roi_example")
SERVICE_ANGLE_TYPES = ("faq", "help_article", "service_level")
PRICE = re.compile(r"\d\s?€|€\s?\d|\beuro", re.IGNORECASE)
"""A price in a module's material: not for a service-only e-mail."""
"""What a service-only e-mail may draw on: how the service works, not what else to buy."""
STAGES = ("awareness", "consideration", "decision")
RELEVANCE = 1.5
"""How much the goal's search ranking counts in choosing the angle."""
TENURE_DAYS = 365
"""A customer of less than a year is not addressed as a long-standing one."""
EXPANDING = ("upsell", "renewal", "nurture", "reactivation", "event")
"""Goals that offer something: an owned product is never the offer, nor named as one."""


class Trigger(BaseModel):
    kind: str
    """``renewal``, ``renewal_usage_down``, ``welcome``, ``new_product``, ``recent_order``, ``pricing_visit``,
    ``reference_visit``, ``tenure``, ``former_customer``, ``last_order``, ``quiet``, ``webinar``,
    ``stage_awareness``/``stage_consideration``/``stage_decision``, ``company``, ``generic``."""
    values: dict[str, str] = Field(default_factory=dict)
    """Raw values the opening names (dates ISO, product names, day counts)."""
    categories: list[str] = Field(default_factory=list)
    """The data categories the trigger states (for the transparency line and the audit)."""


class MessagePlan(BaseModel):
    goal: str
    language: str
    persona: str | None
    stage: str
    trigger: Trigger
    offer: str | None
    """Catalogue key of the product offered, if any."""
    angle: Card | None
    proof: Card | None
    cta: str
    """Key of the call to action in the templates: the goal's own, else the journey stage's."""
    avoid: list[str] = Field(default_factory=list)
    """Names of owned products the text must not pitch (an upsell or nurture to a customer)."""
    employees: int | None = None
    """The company's size, which the proof point was chosen to fit."""
    variant: int = 0
    """Which wording of each template slot: stable per contact, so a segment's e-mails differ."""

    @property
    def modules(self) -> list[Card]:
        """The modules the e-mail draws on (its sources, for the rep)."""
        return [c for c in (self.angle, self.proof) if c is not None]


def _renewal(sit: Situation, may_use: Callable[[str], bool]) -> Trigger:
    if may_use("purchase_history") and sit.contract_end and sit.contract_product:
        values = {"product": sit.contract_product, "date": sit.contract_end.isoformat(),
                  "days": str(sit.days_to_renewal)}
        if may_use("usage") and sit.usage_down:
            return Trigger(kind="renewal_usage_down", values=values, categories=["purchase_history", "usage"])
        return Trigger(kind="renewal", values=values, categories=["purchase_history"])
    return Trigger(kind="renewal_generic")


def _onboarding(sit: Situation, may_use: Callable[[str], bool]) -> Trigger:
    if may_use("purchase_history") and sit.new_customer and sit.contract_product and sit.contract_start:
        return Trigger(kind="welcome", values={"product": sit.contract_product, "date": sit.contract_start.isoformat()},
                       categories=["purchase_history"])
    if may_use("purchase_history") and sit.recent_order:
        return _ordered("new_product", sit.recent_order)
    return Trigger(kind="onboarding_generic")


def _reactivation(sit: Situation, may_use: Callable[[str], bool]) -> Trigger:
    if may_use("purchase_history") and sit.former_end:
        return Trigger(kind="former_customer", values={"date": sit.former_end.isoformat()},
                       categories=["purchase_history"])
    if may_use("purchase_history") and sit.last_order:
        return _ordered("last_order", sit.last_order)
    return Trigger(kind="quiet")


def _ordered(kind: str, order: tuple[str, date]) -> Trigger:
    product, day = order
    return Trigger(kind=kind, values={"product": product, "date": day.isoformat()}, categories=["purchase_history"])


def trigger(goal: str, sit: Situation, stage: str, may_use: Callable[[str], bool]) -> Trigger:
    """Why this e-mail is sent now, from what the decision lets the text state."""
    if goal in ("renewal", "onboarding", "reactivation"):
        if goal == "reactivation" and may_use("behaviour") and "pricing" in sit.pages:
            return Trigger(kind="pricing_visit", values={"page": "pricing"}, categories=["behaviour"])
        return {"renewal": _renewal, "onboarding": _onboarding, "reactivation": _reactivation}[goal](sit, may_use)
    if goal == "event":
        return Trigger(kind="webinar")
    if may_use("behaviour") and "pricing" in sit.pages:
        return Trigger(kind="pricing_visit", values={"page": "pricing"}, categories=["behaviour"])
    if may_use("behaviour") and "reference" in sit.pages and goal == "nurture":
        return Trigger(kind="reference_visit", values={"page": "reference"}, categories=["behaviour"])
    if goal == "upsell" and may_use("purchase_history") and sit.recent_order:
        return _ordered("recent_order", sit.recent_order)
    if may_use("purchase_history") and sit.customer and sit.contract_start and \
            (sit.today - sit.contract_start).days >= TENURE_DAYS:
        return Trigger(kind="tenure", values={"year": str(sit.contract_start.year)}, categories=["purchase_history"])
    if goal == "nurture" and not sit.customer:
        return Trigger(kind=f"stage_{stage if stage in STAGES else 'consideration'}")
    return Trigger(kind="company" if sit.company else "generic")


def mentions(text: str, names: Sequence[str]) -> bool:
    """Whether ``text`` names any of the products (a word that starts with the name: "HR Coren")."""
    return any(re.search(rf"\b{re.escape(n)}", text) for n in names)


def _mentions(card: Card, names: Sequence[str]) -> bool:
    return mentions(f"{card.hook} {card.value} {card.proof}", names)


def _angle_score(card: Card, *, focus: str | None, persona: str | None, stage: str, industry: str | None,
                 language: str) -> float:
    score = 3.0 if focus and focus in card.products else 0.0
    if focus and mentions(card.value, offers.names(focus, language)):
        score += 2.0  # the module's own value sentence is about the product (not a story that uses it)
    score += 1.0 if card.persona == persona else (0.3 if card.persona == "any" else 0.0)
    score += 0.5 if card.stage == stage else 0.0
    score += 1.0 if card.industry == industry else 0.0
    return score


def _proof_score(card: Card, *, products: set[str], industry: str | None, employees: int | None) -> float:
    score = 2.0 if products & set(card.products) else 0.0
    score += 2.0 if card.industry == industry else 0.0
    score += 1.5 if card.fits_size(employees) else 0.0
    return score


def _choose(cards: Sequence[Card], score: Callable[[Card], float], *, industry: str | None,
            avoid: Sequence[str], size: int | None = None) -> Card | None:
    """The best card that fits: never one written for another industry, for another company size or
    one naming an owned product, unless nothing else is left."""
    fitting = [c for c in cards if c.industry in ("any", industry) and c.fits_size(size) is not False]
    clean = [c for c in fitting if not (avoid and _mentions(c, avoid))]
    pool = clean or fitting
    ranked = sorted(((score(c), c.id, c) for c in pool), key=lambda t: (-t[0], t[1]))
    return ranked[0][2] if ranked else None


def plan(
    goal: str,
    *,
    language: str,
    persona: str | None,
    stage: str | None,
    sit: Situation,
    library: Sequence[Card],
    may_use: Callable[[str], bool],
    variant: int = 0,
    relevance: Mapping[str, float] | None = None,
    promotion: bool = True,
) -> MessagePlan:
    """The plan of one e-mail. ``library`` is the content library; only public modules with e-mail
    material in ``language`` are candidates, whoever asks (an e-mail is read by a customer); the
    library has already left out modules holding instructions (``library.cards``). ``relevance``
    (module id → 0..1) is how well each module matched the goal's and persona's search. Without
    ``promotion`` (a service e-mail to someone who does not allow marketing e-mail) the e-mail offers
    nothing and tells no customer story: service content only."""
    stage = stage or "consideration"
    relevance = relevance or {}
    usable = [c for c in library if c.language == language and c.public and c.has_material
              and (promotion or not PRICE.search(f"{c.hook} {c.value} {c.proof}"))]
    why = trigger(goal, sit, stage, may_use)
    avoid = [n for k in sorted(sit.owned) for n in offers.names(k, language)] if sit.customer and goal in EXPANDING \
        else []
    types = GOAL_ANGLE_TYPES.get(goal) or ANGLE_TYPES.get(stage, ANGLE_TYPES["consideration"])

    def angle_for(focus: str | None, kinds: tuple[str, ...]) -> Card | None:
        return _choose([c for c in usable if c.type in kinds and (focus is None or focus in c.products)],
                       lambda c: _angle_score(c, focus=focus, persona=persona, stage=stage, industry=sit.industry,
                                              language=language)
                       + (len(kinds) - kinds.index(c.type)) * 0.2 + RELEVANCE * relevance.get(c.id, 0.0),
                       industry=sit.industry, avoid=avoid)

    offer, angle = None, None
    if not promotion:
        types = SERVICE_ANGLE_TYPES
    elif goal in EXPANDING:  # the first product they lack that the library can speak for
        for key in offers.offer_order(sit.owned, persona):
            angle = angle_for(key, (*types, "service_level"))
            if angle is not None:
                offer = key
                break
    if angle is None:
        bought = offers.product_key(why.values["product"]) if goal == "onboarding" and "product" in why.values \
            else None
        if bought:  # onboarding to a product just bought: its own feature module
            angle = angle_for(bought, ("feature", *types))
        angle = angle or angle_for(None, types)
    proof = None
    if goal != "onboarding" and promotion:  # a newcomer needs the next step, not a customer story
        products = {offer} if offer else set(angle.products if angle else ())
        proof = _choose([c for c in usable if c.type in PROOF_TYPES and (angle is None or c.id != angle.id)],
                        lambda c: _proof_score(c, products=products, industry=sit.industry, employees=sit.employees),
                        industry=sit.industry, avoid=avoid, size=sit.employees)
    cta = goal if goal in ("renewal", "onboarding", "event", "reactivation") else stage
    return MessagePlan(goal=goal, language=language, persona=persona, stage=stage, trigger=why, offer=offer,
                       angle=angle, proof=proof, cta=cta, avoid=avoid, employees=sit.employees, variant=variant)


def render_plan(plan: MessagePlan, lang: str) -> str:
    """The plan as the llm engine reads it: the same decisions the composer wrote from."""
    lines = [
        f"Goal: {plan.goal}. Journey stage: {plan.stage}. Persona: {plan.persona or 'unknown'}.",
        f"Why now (open with this): {plan.trigger.kind} {plan.trigger.values or ''}".rstrip(),
        f"Offer: {offers.name(plan.offer, lang) if plan.offer else 'nothing new; help them get value'}.",
    ]
    if plan.angle is not None:
        lines.append(f"Angle ({plan.angle.title}): {plan.angle.hook} {plan.angle.value}")
    proof = plan.proof or plan.angle
    if proof is not None:
        lines.append(f"Proof point ({proof.title}): {proof.proof}")
    if plan.avoid:
        lines.append(f"They already own, never offer or name: {', '.join(plan.avoid)}.")
    lines.append("Rules: 60-180 words, 2-4 short paragraphs of prose, no lists, no citation markers, one call "
                 "to action, greeting and signature as in the draft.")
    return "\n".join(lines)
