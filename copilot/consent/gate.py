"""The consent gate: before any data reaches an engine, decide what the task may use for this person.

Pure functions over the written policy (``policy.yaml``) and the person's current consents. The
result says whether the task may run at all, on which lawful basis, and which data categories the
context may then contain. Anything not listed is filtered out before the engine sees it.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, model_validator

from copilot.core.domain import ConsentStatus, LawfulBasis, PersonalisationLevel, Purpose

POLICY_FILE = Path(__file__).with_name("policy.yaml")

Category = Literal[
    "public_content",
    "internal_content",
    "firmographics",
    "contact_profile",
    "purchase_history",
    "behaviour",
    "support_history",
    "usage",
    "scores",
]
#: Categories that are never allowed into text a customer or visitor reads.
STAFF_ONLY: frozenset[str] = frozenset({"internal_content", "scores"})


class TaskPolicy(BaseModel):
    audience: Literal["staff", "customer", "visitor"]
    """Who reads the text the task writes (not who asks for it)."""
    basis: str
    purpose: Purpose | None = None
    categories: list[Category]
    personalised_by_level: bool = False
    behaviour_needs: Purpose | None = None
    objection: Purpose | None = None
    """A purpose whose withdrawal (an objection) stops this task too."""
    promotion_needs: Purpose | None = None
    """The consent without which the text carries no offers, prices or customer stories."""

    @model_validator(mode="after")
    def _audience_rule(self) -> TaskPolicy:
        leaked = sorted(STAFF_ONLY & set(self.categories)) if self.audience != "staff" else []
        if leaked:
            raise ValueError(f"a task read by a {self.audience} may not use {', '.join(leaked)}")
        return self


class Policy(BaseModel):
    levels: dict[PersonalisationLevel, list[Category]]
    tasks: dict[str, TaskPolicy]
    email_goals: dict[str, str]


class ConsentState(BaseModel):
    """One current consent of the person (a row of the ``consents`` table)."""

    purpose: Purpose
    status: ConsentStatus
    lawful_basis: LawfulBasis
    level: PersonalisationLevel = PersonalisationLevel.basic
    changed_at: datetime
    obtained_via: str = ""


class Subject(BaseModel):
    """Whom the task concerns: nobody (anonymous), or a contact with their consents."""

    contact_id: str | None = None
    account_id: str | None = None
    has_active_contract: bool = False
    consents: list[ConsentState] = Field(default_factory=list)


class Decision(BaseModel):
    """What the gate allows. ``allowed`` False means no output at all, with ``reason`` saying why."""

    task: str
    allowed: bool
    reason: str
    """Why it was allowed or blocked, in words a rep or the customer can read."""
    basis: str | None = None
    purpose: Purpose | None = None
    audience: Literal["staff", "customer", "visitor"]
    categories: list[Category] = Field(default_factory=list)
    level: PersonalisationLevel | None = None
    obtained_via: str | None = None
    """How the consent the decision rests on was obtained (for the transparency line)."""
    promotion: bool = False
    """Whether the text may promote (offers, prices, customer stories), or must be service only."""

    def may_use(self, category: str) -> bool:
        return self.allowed and category in self.categories


@lru_cache(maxsize=4)
def load_policy(path: Path = POLICY_FILE) -> Policy:
    return Policy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def task_for_email_goal(goal: str, policy: Policy | None = None) -> str:
    policy = policy or load_policy()
    if goal not in policy.email_goals:
        raise ValueError(f"unknown e-mail goal {goal!r}; expected one of {', '.join(policy.email_goals)}")
    return policy.email_goals[goal]


def _consent(subject: Subject, purpose: Purpose) -> ConsentState | None:
    return next((c for c in subject.consents if c.purpose == purpose), None)


def _granted(subject: Subject, purpose: Purpose) -> bool:
    found = _consent(subject, purpose)
    return found is not None and found.status == ConsentStatus.granted


def _blocked_reason(purpose: Purpose, found: ConsentState | None) -> str:
    label = purpose.value.replace("_", " ")
    if found is None:
        return f"no {label} consent on record"
    return f"no {label} consent: {found.status.value} since {found.changed_at.date().isoformat()}"


def _objected_reason(found: ConsentState) -> str:
    label = found.purpose.value.replace("_", " ")
    return f"objected to {label}: {found.status.value} since {found.changed_at.date().isoformat()}"


def decide(task: str, subject: Subject, policy: Policy | None = None) -> Decision:
    """Decide what ``task`` may do for ``subject`` under the written policy."""
    policy = policy or load_policy()
    if task not in policy.tasks:
        raise ValueError(f"unknown task {task!r}")
    rule = policy.tasks[task]
    base: dict[str, Any] = {"task": task, "audience": rule.audience, "purpose": rule.purpose}

    if rule.audience == "visitor":
        return Decision(
            **base,
            allowed=True,
            basis=None,
            categories=list(rule.categories),
            reason="anonymous visitor: public content only",
        )

    if rule.audience == "staff":
        categories = list(rule.categories)
        reason = "internal use by staff (legitimate interest in account management)"
        if rule.behaviour_needs and not _granted(subject, rule.behaviour_needs):
            categories = [c for c in categories if c != "behaviour"]
            reason += "; behaviour data left out: no site-tracking consent"
        return Decision(**base, allowed=True, basis=rule.basis, categories=categories, reason=reason)

    return _decide_customer(rule, subject, policy, base)


def _decide_customer(rule: TaskPolicy, subject: Subject, policy: Policy, base: dict) -> Decision:
    assert rule.purpose is not None, "customer tasks name their purpose in the policy"
    if subject.contact_id is None:
        return Decision(**base, allowed=False, reason="the task needs an identified person")
    found = _consent(subject, rule.purpose)
    if rule.basis == LawfulBasis.contract:
        if not subject.has_active_contract:
            return Decision(**base, allowed=False, reason="no active contract with this customer")
        if found is not None and found.status != ConsentStatus.granted:
            return Decision(**base, allowed=False, reason=_blocked_reason(rule.purpose, found))
        objected = _consent(subject, rule.objection) if rule.objection else None
        if objected is not None and objected.status != ConsentStatus.granted:
            return Decision(**base, allowed=False, reason=_objected_reason(objected))
        basis = LawfulBasis.contract.value
    else:
        if found is None or found.status != ConsentStatus.granted:
            return Decision(**base, allowed=False, reason=_blocked_reason(rule.purpose, found))
        basis = found.lawful_basis.value

    categories = list(rule.categories)
    level = None
    if rule.personalised_by_level:
        personal = _consent(subject, Purpose.personalisation)
        if personal is not None and personal.status == ConsentStatus.granted:
            level = personal.level
        allowed_by_level = policy.levels[level or PersonalisationLevel.basic]
        if level is None:  # no personalisation consent: firmographics only
            allowed_by_level = policy.levels[PersonalisationLevel.basic]
        categories += [c for c in allowed_by_level if c not in categories]
        if "behaviour" in categories and not _granted(subject, Purpose.site_tracking):
            categories.remove("behaviour")
    categories = [c for c in categories if c not in STAFF_ONLY]
    obtained = found.obtained_via if found is not None and found.obtained_via else None
    via = f" ({obtained})" if obtained else ""
    return Decision(
        **base,
        allowed=True,
        basis=basis,
        categories=categories,
        level=level,
        obtained_via=obtained,
        promotion=rule.promotion_needs is not None and _granted(subject, rule.promotion_needs),
        reason=f"{basis.replace('_', ' ')} for {rule.purpose.value.replace('_', ' ')}{via}",
    )
