"""A/B variants that change exactly one element of a message, each with its hypothesis, plus the
sample size and duration the test needs (from the tools' A/B statistics)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, require
from copilot.engines.composer.email import topic as persona_topic
from copilot.results import Blocked
from copilot.tasks.email import EmailRequest, Goal, draft_email
from prompts import templates
from tools import abtest

Element = Literal["subject", "offer", "cta", "channel", "send_time", "angle"]
ELEMENTS: tuple[str, ...] = ("subject", "angle", "offer", "cta", "channel", "send_time")


class Variant(BaseModel):
    name: str
    """``control``, ``B``, ``C``..."""
    elements: dict[str, str]
    changed: list[str]
    hypothesis: str


class VariantSet(BaseModel):
    status: Literal["ok"] = "ok"
    element: str
    language: str
    metric: str
    variants: list[Variant]
    sample_size: abtest.SampleSize
    duration: abtest.Duration
    body: str
    """The message body the variants share (everything but the varied element is identical)."""


class VariantRequest(BaseModel):
    contact_id: str = Field(min_length=1, max_length=64)
    element: Element
    n: int = Field(default=3, ge=1, le=4)
    goal: Goal = "nurture"
    mde: float = Field(default=0.2, gt=0, lt=1)
    """Minimum detectable effect, relative to the baseline rate of the element's metric."""
    daily_traffic: float = Field(default=100.0, gt=0)


def variants(
    ctx: AppContext, req: VariantRequest, *, actor: Actor, surface: str = "cli", now: datetime | None = None
) -> VariantSet | Blocked:
    """Variants of the contact's e-mail; ``surface`` is the one that asked (recorded in the audit)."""
    require(actor, Perm.variants)
    draft = draft_email(ctx, EmailRequest(contact_id=req.contact_id, goal=req.goal, surface=surface),
                        actor=actor, now=now)
    if isinstance(draft, Blocked):
        return draft
    t = templates("variants", draft.language)
    control = {
        "subject": draft.subject,
        "angle": draft.body.split("\n\n")[1] if draft.body.count("\n\n") >= 2 else "",
        "offer": draft.cta,
        "cta": t["cta_control"],
        "channel": t["channel_control"],
        "send_time": draft.send_time,
    }
    topic = persona_topic(draft.persona, draft.language)
    options = [o for o in t[req.element] if _fill(o["value"], topic) != control[req.element]][: req.n]
    if not options:
        raise PolkuError("invalid", f"no alternatives for {req.element}")
    out = [Variant(name="control", elements=control, changed=[], hypothesis="current message")]
    for i, option in enumerate(options):
        elements = {**control, req.element: _fill(option["value"], topic)}
        check = abtest.check_one_element(control, elements)
        if not check.ok:  # a template that changes nothing or more than one element is a bug
            raise PolkuError("invalid", f"variant {i + 1}: {check.message}")
        out.append(
            Variant(name=chr(ord("B") + i), elements=elements, changed=check.changed, hypothesis=option["hypothesis"])
        )
    size = abtest.sample_size(baseline=t["baseline"][req.element], mde=req.mde, relative=True, groups=len(out))
    duration = abtest.minimum_duration(per_group=size.per_group, groups=len(out), daily_traffic=req.daily_traffic)
    return VariantSet(
        element=req.element,
        language=draft.language,
        metric=t["metric"][req.element],
        variants=out,
        sample_size=size,
        duration=duration,
        body=draft.body,
    )


def _fill(value: str, topic: str) -> str:
    return value.format(topic=topic[:1].upper() + topic[1:], topic_lower=topic)
