"""Composer e-mail: prose written from the message plan, the way a skilled rep would write it.

An opening that names why now, one paragraph with one angle, one proof point, one call to action,
signed by the rep: 60-180 words. The sentences come from the templates (prompts/draft_email) and the
modules' e-mail material; which wording of each slot is used is fixed per recipient (the plan's
``variant``), so a segment's e-mails differ and the same person always gets the same draft. Sources
go to the rep with the result, never as markers in the customer's text. Pure functions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from copilot.assembly import TaskContext
from copilot.core import locale
from copilot.results import Citation
from copilot.writing import offers
from copilot.writing.library import Card
from copilot.writing.plan import MessagePlan, mentions
from prompts import templates

MIN_WORDS, MAX_WORDS = 60, 180
_FIELD = re.compile(r"{(\w+)}")


class ComposedEmail(BaseModel):
    subject: str
    body: str
    cta: str
    send_time: str
    send_time_reason: str
    transparency: str
    used_categories: list[str]


def _fill(options: str | Sequence[str], values: dict[str, str], variant: int) -> str:
    """The ``variant``-th wording whose placeholders all have values (the next one that does, else "")."""
    choices = [options] if isinstance(options, str) else list(options)
    for step in range(len(choices)):
        text = choices[(variant + step) % len(choices)]
        if all(values.get(name) for name in _FIELD.findall(text)):
            return text.format(**values)
    return ""


def _product_name(crm_name: str, lang: str) -> str:
    key = offers.product_key(crm_name)
    return offers.name(key, lang) if key else crm_name


def slot_values(tc: TaskContext, plan: MessagePlan, t: dict[str, Any]) -> dict[str, str]:
    """Everything a template may name, formatted for the reader's language."""
    lang, s = tc.language, tc.subject
    raw = plan.trigger.values
    values = {
        "first_name": s.first_name or "",
        "company": s.account_name or "",
        "industry_in": t["industry_in"].get(s.industry or "", t["industry_in_default"]),
        "topic": topic(plan.persona, lang),
        "days": raw.get("days", ""),
        "year": raw.get("year", ""),
        "product": _product_name(raw["product"], lang) if raw.get("product") else "",
        "date": locale.day(date.fromisoformat(raw["date"]), lang) if raw.get("date") else "",
    }
    if plan.offer:
        values |= {"offer": offers.name(plan.offer, lang), "offer_topic": t["offer_topics"][plan.offer]}
        if plan.trigger.kind == "webinar":  # the invitation's topic is what the e-mail then talks about
            values["topic"] = values["offer_topic"]
    return values


def topic(persona: str | None, lang: str) -> str:
    """The persona's topic phrase (for webinar invitations, subject lines and A/B variants)."""
    t = templates("draft_email", lang)
    return str(t["topics"].get(persona or "", t["topic_default"]))


def _subject_key(plan: MessagePlan) -> str:
    kind = plan.trigger.kind
    if kind.startswith("renewal") or kind in ("welcome", "new_product", "onboarding_generic", "pricing_visit",
                                              "reference_visit", "former_customer", "last_order", "quiet",
                                              "webinar") or (kind == "recent_order" and plan.offer):
        return kind
    if plan.offer:
        return "offer"
    return "adoption" if plan.goal == "upsell" else "stage"


def _clean(sentences: Sequence[str], avoid: Sequence[str]) -> list[str]:
    """Sentences that pitch nothing the reader owns."""
    return [x for x in sentences if x and not mentions(x, avoid)]


def _middle(plan: MessagePlan, t: dict[str, Any], values: dict[str, str]) -> str:
    angle, v = plan.angle, plan.variant
    if angle is None:
        return _fill(t["no_angle"], values, v)
    if plan.goal == "upsell" and not plan.offer:
        parts = [_fill(t["adoption_lead"], values, v), angle.value]
    elif plan.offer:
        lead = _fill(t["offer_lead"].get(plan.goal, t["offer_lead"]["default"]), values, v)
        parts = [lead, angle.value] if lead else [angle.hook, angle.value]  # a lead already opens the topic
    elif plan.goal == "onboarding":
        parts = [angle.value]
    else:
        parts = [angle.hook, angle.value]
    kept = _clean(parts, plan.avoid)
    return " ".join(kept) if any(p in kept for p in (angle.value, angle.hook)) else _fill(t["no_angle"], values, v)


def _proof(plan: MessagePlan, t: dict[str, Any], industry: str | None, employees: int | None) -> str:
    """The proof point, introduced by why it fits (same industry, similar size); the angle's own
    concrete fact when there is no proof point (or it names an owned product)."""
    for card in (plan.proof, plan.angle):
        kept = _clean([card.proof], plan.avoid) if card is not None else []
        if kept and card is not None and card is plan.proof:
            fit = "industry" if card.industry == industry else "size" if card.fits_size(employees) else None
            lead = _fill(t["proof_lead"][fit], {}, plan.variant) if fit else ""
            return f"{lead} {kept[0]}".strip()
        if kept:
            return kept[0]
    return ""


def words(text: str) -> int:
    return len(re.findall(r"[^\W_]+(?:[-'’][^\W_]+)*", text))


def compose(tc: TaskContext, plan: MessagePlan, *, sender: str, opens: Sequence[datetime]) -> ComposedEmail:
    lang = tc.language
    t = templates("draft_email", lang)
    values = slot_values(tc, plan, t)
    v = plan.variant
    opening = _fill(t["openings"][plan.trigger.kind], values, v) or _fill(t["openings"]["generic"], values, v)
    middle, proof = _middle(plan, t, values), _proof(plan, t, tc.subject.industry, plan.employees)
    cta = t["cta"].get(plan.cta, t["cta"]["consideration"])
    greeting = t["greeting"].format(first_name=values["first_name"]) if values["first_name"] \
        else t["greeting_anonymous"]
    paragraphs = [p for p in (opening, middle, proof, cta) if p]
    signature = [_fill(t["signoff"], values, v), sender, t["company"]]
    body = "\n\n".join([greeting, *paragraphs]) + "\n\n" + "\n".join(signature)
    if words(body) > MAX_WORDS and proof:  # long material: the proof point goes first
        body = body.replace(f"\n\n{proof}", "")
    subject = _fill(t["subjects"][_subject_key(plan)], values, v) or _fill(t["subjects"]["stage"], values, v)
    used = _used(plan, values, body + subject)
    timing, reason = send_time(opens, lang)
    if len(opens) >= 3:
        used.add("behaviour")
    return ComposedEmail(subject=subject, body=body, cta=cta, send_time=timing, send_time_reason=reason,
                         transparency=_transparency(tc, t, used), used_categories=sorted(used))


def _used(plan: MessagePlan, values: dict[str, str], text: str) -> set[str]:
    used = set(plan.trigger.categories)
    if values["first_name"]:
        used.add("contact_profile")
    if (values["company"] and values["company"] in text) or plan.proof is not None:
        used.add("firmographics")  # the name, or the industry and size that chose the proof point
    return used


def send_time(opens: Sequence[datetime], lang: str) -> tuple[str, str]:
    t = templates("draft_email", lang)
    if len(opens) < 3:
        return t["send_time"]["default"], t["send_time"]["default_reason"]
    slots = Counter((o.weekday(), o.hour) for o in opens)
    (day, hour), _n = max(slots.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
    return f"{t['weekdays'][day]} {hour:02d}:00", t["send_time"]["learned_reason"]


def _transparency(tc: TaskContext, t: dict[str, Any], used: set[str]) -> str:
    words_for = t["personalisation"]
    level = next((k for k in ("behaviour", "usage", "purchase_history", "firmographics") if k in used), "none")
    key = "contract" if tc.decision.basis == "contract" else "consent"
    raw = tc.decision.obtained_via or ""
    via = t.get("obtained_via", {}).get(raw, raw) or ("lomake" if tc.language == "fi" else "a form")
    return str(t["transparency"][key]).format(obtained_via=via, personalisation=words_for[level])


def citations(cards: Sequence[Card]) -> list[Citation]:
    """The modules an e-mail drew on, as sources for the rep (the customer's text carries no markers)."""
    return [
        Citation(ref=i + 1, source_id=f"module:{c.id}", title=c.title, location=f"content_modules/{c.id}",
                 snippet=c.proof or c.value, text="\n".join(x for x in (c.hook, c.value, c.proof, c.body) if x))
        for i, c in enumerate(cards)
    ]
