"""Agent tools: thin LangChain wrappers whose docstrings are the schemas the LLM sees.

Dependencies come in through :class:`ToolContext` (the app context, who is asking, an optional
fixed ``now``), handed to the agent as its runtime context; nothing is read from module globals.
Each tool returns JSON text; a PolkuError becomes ``{"error": ...}`` so the model can recover.
Writes are previews unless ``confirm`` is true, so the trust layer can ask the person first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from langchain.tools import ToolRuntime, tool
from pydantic import BaseModel

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor
from tools import abtest, clv, planner, records, service, tiers


@dataclass
class ToolContext:
    app: AppContext
    actor: Actor
    now: datetime | None = None
    account_id: str | None = None
    """The one account a conversation is about: a tool asked about another is refused (an injected
    instruction in a ticket or note must not point the agent at someone else's data)."""


def _scoped(c: ToolContext, account_id: str) -> str:
    """``account_id`` when the conversation may look at it (any, when it is about no one account)."""
    if c.account_id and account_id != c.account_id:
        raise PolkuError("forbidden", f"this conversation is about account {c.account_id} only")
    return account_id


def _run(fn: Callable[[], Any]) -> str:
    try:
        result = fn()
    except PolkuError as exc:
        return json.dumps({"error": exc.as_dict()}, ensure_ascii=False)
    if isinstance(result, BaseModel):
        return result.model_dump_json()
    if isinstance(result, list):
        return json.dumps([r.model_dump(mode="json") if isinstance(r, BaseModel) else r for r in result],
                          ensure_ascii=False, default=str)
    return json.dumps(result, ensure_ascii=False, default=str)


@tool
def account_card(account_id: str, runtime: ToolRuntime[ToolContext]) -> str:
    """Read an account: its details, contacts, recent orders, contracts, tickets and timeline.

    Args:
        account_id: The account's id, e.g. "acc-00042".
    """
    c = runtime.context
    return _run(lambda: records.account_card(c.app, c.actor, _scoped(c, account_id)))


@tool
def account_scores(account_id: str, runtime: ToolRuntime[ToolContext]) -> str:
    """Scores of one account with their reasons: lead scores (fit + behaviour, routing), predicted
    conversion, churn risk with top drivers, CLV and value tier (staff only; never tell a customer).

    Args:
        account_id: The account's id, e.g. "acc-00042".
    """
    c = runtime.context
    return _run(lambda: service.score_account(c.app, c.actor, _scoped(c, account_id), now=c.now))


@tool
def next_best_actions(runtime: ToolRuntime[ToolContext], account_id: str | None = None,
                      owner: str | None = None) -> str:
    """Ranked next best actions: a renewal at risk first, then missed reply targets, waiting leads, then the
    rest; each with its reason, the account's own expected value and its formula, the owner and due time.

    Give exactly one of the two arguments.

    Args:
        account_id: One account's actions.
        owner: A rep's actions across their accounts, e.g. "rep-anna".
    """
    c = runtime.context
    return _run(lambda: service.next_actions(c.app, c.actor, account_id=_scoped(c, account_id) if account_id else None,
                                             owner=owner, now=c.now))


@tool
def funnel_metrics(runtime: ToolRuntime[ToolContext], by: str = "channel", period: str | None = None) -> str:
    """Funnel and money metrics from the CRM's touches: leads, new customers (first touch) and won revenue
    (credited once), CPL, CAC, LTV, LTV:CAC, ROMI on margin; `credits` lists the deals behind the figures.

    Args:
        by: "channel" or "campaign".
        period: None; "2026", "2026-Q3" or "2026-11" for the campaigns that started then; or "M", "Q", "Y"
            to split by campaign start.
    """
    c = runtime.context
    return _run(lambda: service.funnel(c.app, c.actor, by=by, period=period, now=c.now))


@tool
def service_health(runtime: ToolRuntime[ToolContext]) -> str:
    """Service health board: top churn risks with each account's own drivers, onboarding of new customers,
    NPS/CSAT by month, reply-time compliance per tier, funnel by channel."""
    c = runtime.context
    return _run(lambda: service.health_board(c.app, c.actor, now=c.now))


@tool
def reverse_plan(revenue_target: float, licence_price: float, win_rate: float, lead_to_opportunity: float,
                 renewal_licences: int = 0, upsell_licences: int = 0, licences_per_customer: float = 1.0,
                 sales_prospected_leads: int = 0) -> str:
    """Reverse plan: revenue target → licences → customers → opportunities → leads (no channel budget).

    Args:
        revenue_target: Euros of licence revenue to reach in the year.
        licence_price: Euros per licence per year.
        win_rate: Share of opportunities that close (0-1).
        lead_to_opportunity: Share of leads that become opportunities (0-1).
        renewal_licences: Licences expected from renewals.
        upsell_licences: Licences expected from upsell to existing customers.
        licences_per_customer: Average licences a new customer buys.
        sales_prospected_leads: Leads sales find themselves.
    """
    return _run(lambda: planner.plan(planner.PlanInput(
        revenue_target=revenue_target, licence_price=licence_price, win_rate=win_rate,
        lead_to_opportunity=lead_to_opportunity, renewal_licences=renewal_licences, upsell_licences=upsell_licences,
        licences_per_customer=licences_per_customer, sales_prospected_leads=sales_prospected_leads)))


@tool
def ab_sample_size(baseline: float, mde: float, relative: bool = False, alpha: float = 0.05,
                   power: float = 0.8) -> str:
    """Visitors or recipients needed per group for an A/B test (B2B floor: 500 per group).

    Args:
        baseline: Current conversion rate, e.g. 0.05.
        mde: Minimum detectable effect (absolute, e.g. 0.01, or relative if relative=true, e.g. 0.2).
        relative: Whether mde is relative to the baseline.
        alpha: Significance level.
        power: Statistical power.
    """
    return _run(lambda: abtest.sample_size(baseline=baseline, mde=mde, relative=relative, alpha=alpha, power=power))


@tool
def ab_analyze(control_n: int, control_conversions: int, variant_n: int, variant_conversions: int) -> str:
    """Analyse an A/B test: z-test p-value and the Bayesian probability that the variant beats control.

    Args:
        control_n: Visitors in control.
        control_conversions: Conversions in control.
        variant_n: Visitors in the variant.
        variant_conversions: Conversions in the variant.
    """
    return _run(lambda: abtest.analyze(control_n=control_n, control_conversions=control_conversions,
                                       variant_n=variant_n, variant_conversions=variant_conversions))


@tool
def subscription_value(annual_amount: float, years: int, rate: float, churn: float,
                       billed_upfront: bool = True) -> str:
    """Discounted customer lifetime value of a yearly subscription with yearly churn.

    Args:
        annual_amount: Euros billed per year.
        years: Horizon in years (upfront billing pays at years 0..years).
        rate: Discount rate, e.g. 0.15.
        churn: Yearly churn, e.g. 0.05.
        billed_upfront: Billed at the start of each year (else at the end).
    """
    return _run(lambda: clv.subscription_clv(annual_amount=annual_amount, years=years, rate=rate, churn=churn,
                                             billed_upfront=billed_upfront))


@tool
def check_customer_text(text: str) -> str:
    """Check text meant for a customer for value-tier words (VIP, Premium, tier, asiakastaso...).
    Customers must never be told their tier. Returns the words found; empty means safe.

    Args:
        text: The draft message.
    """
    return json.dumps({"tier_words": tiers.find_tier_words(text)}, ensure_ascii=False)


def _writer(operation: str) -> Callable[..., str]:
    def run(runtime: ToolRuntime[ToolContext], data: dict[str, Any], idempotency_key: str, confirm: bool) -> str:
        c = runtime.context

        def write() -> Any:
            if data.get("account_id"):
                _scoped(c, data["account_id"])
            return records.write(c.app, c.actor, operation, data, idempotency_key=idempotency_key, confirm=confirm)

        return _run(write)
    return run


@tool
def log_activity(account_id: str, kind: str, subject: str, idempotency_key: str, runtime: ToolRuntime[ToolContext],
                 body: str = "", contact_id: str | None = None, confirm: bool = False) -> str:
    """Log a call, meeting, email or note on an account. Without confirm=true it only previews.

    Args:
        account_id: The account.
        kind: call, meeting, email, note or copilot_output.
        subject: One line.
        idempotency_key: Unique per intended write; a retry with the same key does not write twice.
        body: Details.
        contact_id: The contact it concerns, if any.
        confirm: Write for real (after the person confirmed).
    """
    return _writer("log_activity")(runtime, {"account_id": account_id, "kind": kind, "subject": subject,
                                             "body": body, "contact_id": contact_id}, idempotency_key, confirm)


@tool
def create_task(account_id: str, owner: str, title: str, due_at: str, idempotency_key: str,
                runtime: ToolRuntime[ToolContext], contact_id: str | None = None, confirm: bool = False) -> str:
    """Create a follow-up task. Without confirm=true it only previews.

    Args:
        account_id: The account.
        owner: Rep id who does it, e.g. "rep-anna".
        title: What to do.
        due_at: ISO date-time, e.g. "2025-06-03T09:00:00".
        idempotency_key: Unique per intended write.
        contact_id: The contact, if any.
        confirm: Write for real.
    """
    return _writer("create_task")(runtime, {"account_id": account_id, "owner": owner, "title": title,
                                            "due_at": due_at, "contact_id": contact_id}, idempotency_key, confirm)


@tool
def set_lead_status(lead_id: str, status: str, idempotency_key: str, runtime: ToolRuntime[ToolContext],
                    dead_reason: str | None = None, confirm: bool = False) -> str:
    """Change a lead's status: no_action, contacted or dead (dead needs a reason: no_budget,
    wrong_person or not_potential). Without confirm=true it only previews.

    Args:
        lead_id: The lead.
        status: no_action, contacted or dead.
        idempotency_key: Unique per intended write.
        dead_reason: Required with status dead.
        confirm: Write for real.
    """
    return _writer("set_lead_status")(runtime, {"lead_id": lead_id, "status": status, "dead_reason": dead_reason},
                                      idempotency_key, confirm)


@tool
def convert_lead(lead_id: str, name: str, amount: float, close_date: str, idempotency_key: str,
                 runtime: ToolRuntime[ToolContext], confirm: bool = False) -> str:
    """Convert a lead into an opportunity (the lead keeps the link). Without confirm=true it only previews.

    Args:
        lead_id: The lead.
        name: Opportunity name.
        amount: Expected deal size in euros.
        close_date: Expected close date, ISO "YYYY-MM-DD".
        idempotency_key: Unique per intended write.
        confirm: Write for real.
    """
    return _writer("convert_lead")(runtime, {"lead_id": lead_id, "name": name, "amount": amount,
                                             "close_date": close_date}, idempotency_key, confirm)


@tool
def lead_feedback(lead_id: str, quality: str, idempotency_key: str, runtime: ToolRuntime[ToolContext],
                  note: str = "", confirm: bool = False) -> str:
    """Record sales' verdict on a lead's quality (deal, no_deal, bad_fit, good_fit); it feeds the
    lead-score report that tunes the scoring rules. Without confirm=true it only previews.

    Args:
        lead_id: The lead.
        quality: deal, no_deal, bad_fit or good_fit.
        idempotency_key: Unique per intended write.
        note: Why.
        confirm: Write for real.
    """
    return _writer("lead_feedback")(runtime, {"lead_id": lead_id, "quality": quality, "note": note},
                                    idempotency_key, confirm)


TOOLS = [account_card, account_scores, next_best_actions, funnel_metrics, service_health, reverse_plan,
         ab_sample_size, ab_analyze, subscription_value, check_customer_text, log_activity, create_task,
         set_lead_status, convert_lead, lead_feedback]

WRITE_TOOLS = frozenset({"log_activity", "create_task", "set_lead_status", "convert_lead", "lead_feedback"})
"""Tools that change the store: the trust layer asks for confirmation before calling with confirm=true."""
