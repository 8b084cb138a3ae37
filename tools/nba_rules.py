"""The rules behind each kind of next action, as plain functions of an account's signals.

Each rule returns the fields of an ``nba.Action`` (a dict, so this module needs no models): the
English title, reason and value basis, and the same values as ``facts`` for other languages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from copilot.core.locale import day, money, number, percent, plural

if TYPE_CHECKING:
    from tools.nba import AccountSignals

EN = "en"
SLA_HOURS = 24
SAVE_WINDOW_DAYS = 180
"""A term ending within this many days puts an at-risk account's renewal first (notice is due 90 days before)."""
RENEWAL_WINDOW_DAYS = 120
RISK_BAND = 0.2
"""Churn risk at or over this (the medium band) makes a renewal "at risk"."""
SAVE_RATE = 0.3
"""Share of at-risk value a personal intervention is assumed to keep (a guess to refine with data)."""
SERVICE_STAKE = 0.05
"""Share of an account's value a missed reply-time target is assumed to put at stake (a guess)."""
INTENT_PAGES = ("pricing", "services", "reference")
CONTENT_BY_STAGE = {
    # stage: (what to send, content kind, share of a typical deal the next step is worth)
    "awareness": ("a blog post or short video that challenges the status quo, with a guide as the call to action",
                  "guide", 0.01),
    "consideration": ("a how-to guide, white paper or webinar invitation", "webinar", 0.02),
    "decision": ("a customer reference story, brochure or ROI calculator", "reference", 0.05),
    "customership": ("tips for using what they have and news of features that fit", "use_case", 0.02),
}
TECHNICAL_PERSONAS = {"cio"}
Fields = dict[str, Any]


def _base(s: AccountSignals, **kw: Any) -> Fields:
    return {"account_id": s.account_id, "account_name": s.name, "owner": s.owner,
            "owner_name": s.owner_name or s.owner, **kw}


def customer_actions(s: AccountSignals, now: datetime) -> list[Fields]:
    out: list[Fields] = []
    churn = s.churn_probability or 0.0
    why = s.churn_driver.text if s.churn_driver else ""
    saved = False
    for c in s.contracts:
        days = (c.end_date - now).days
        if not -30 <= days <= SAVE_WINDOW_DAYS:
            continue
        facts: Fields = {"account": s.name, "product": c.product, "days": abs(days), "end_date": c.end_date.date()
                         .isoformat(), "annual": c.annual_value, "churn": churn, "stay": 1 - churn}
        ends = (f"the term ends in {plural(days, {'one': '{n} day', 'other': '{n} days'}, EN)} "
                f"({day(c.end_date, EN)})" if days >= 0 else f"the term ended {day(c.end_date, EN)}, not yet renewed")
        if s.is_customer and churn >= RISK_BAND:
            saved = True
            ev = churn * SAVE_RATE * max(s.clv, c.annual_value)
            urgency = 1 + max(0, SAVE_WINDOW_DAYS - max(days, 0)) / 60
            facts |= {"clv": max(s.clv, c.annual_value), "save": SAVE_RATE, "case": "due" if days >= 0 else "passed"}
            out.append(_base(
                s, kind="renewal_at_risk", record_id=c.contract_id, due=now + timedelta(days=2 if days > 60 else 1),
                flag="red" if days <= 90 or churn >= 0.5 else "amber", overdue=days < 0,
                title=f"Save the renewal of {s.name}: a personal call, no automated message",
                reason=f"{ends}; churn risk {percent(churn, EN)}" + (f" ({why})" if why else "")
                + f"; {money(c.annual_value, EN)} a year", driver=s.churn_driver,
                expected_value=round(ev, 2), priority=ev * urgency,
                value_basis=f"P(leaves) {percent(churn, EN)} × save rate {percent(SAVE_RATE, EN)} × "
                            f"CLV {money(facts['clv'], EN)}", facts=facts))
        elif days <= RENEWAL_WINDOW_DAYS:
            ev = c.annual_value * (1 - churn)
            facts["case"] = "due" if days >= 0 else "passed"
            out.append(_base(
                s, kind="renewal", record_id=c.contract_id, due=max(now, c.renewal_date - timedelta(days=30)),
                overdue=days < 0, flag="red" if days < 30 else "none",
                title=f"Prepare the renewal of {c.product} with {s.name}", reason=f"{ends}; "
                f"{money(c.annual_value, EN)} a year",
                expected_value=round(ev, 2), priority=ev * (1 + max(0, RENEWAL_WINDOW_DAYS - days) / 60),
                value_basis=f"annual value {money(c.annual_value, EN)} × P(renews) {percent(1 - churn, EN)}",
                facts=facts))
    if s.is_customer and churn >= 0.5 and not saved:
        ev = churn * SAVE_RATE * s.clv
        out.append(_base(
            s, kind="retention", due=now + timedelta(days=3), flag="amber",
            title=f"Call {s.name} about how Kaarna is working for them (no automated message)",
            reason=f"churn risk {percent(churn, EN)}" + (f" ({why})" if why else ""), driver=s.churn_driver,
            expected_value=round(ev, 2), priority=ev,
            value_basis=f"P(leaves) {percent(churn, EN)} × save rate {percent(SAVE_RATE, EN)} × CLV {money(s.clv, EN)}",
            facts={"account": s.name, "churn": churn, "save": SAVE_RATE, "clv": s.clv}))
    out += _interest(s, now)
    return out


def _interest(s: AccountSignals, now: datetime) -> list[Fields]:
    recent = [v for v in s.visits if v.page_type in INTENT_PAGES and timedelta(0) <= now - v.at <= timedelta(days=7)]
    if not recent or not (s.is_customer or s.was_customer):
        return []
    pages = sorted({v.page_type for v in recent})
    count = plural(len(recent), {"one": "{n} visit", "other": "{n} visits"}, EN)
    annual = sum(c.annual_value for c in s.contracts) or s.typical_deal
    if s.is_customer:  # an active customer reading pricing wants more (or is comparing)
        ev, kind, basis = 0.15 * annual, "upsell_interest", f"15 % of the annual value {money(annual, EN)}"
        title = f"Ask {s.name} what they are looking for: interest in {', '.join(pages)}"
    else:
        ev, kind, basis = 0.1 * s.typical_deal, "reactivation", f"10 % of a typical deal {money(s.typical_deal, EN)}"
        title = f"Reconnect with former customer {s.name}: interest in {', '.join(pages)}"
    return [_base(s, kind=kind, due=now + timedelta(days=1), flag="amber", title=title,
                  reason=f"{count} to the {', '.join(pages)} pages in the last 7 days",
                  expected_value=round(ev, 2), priority=ev, value_basis=basis,
                  facts={"account": s.name, "count": len(recent), "pages": ",".join(pages),
                         "annual": annual, "deal": s.typical_deal})]


def ticket_actions(s: AccountSignals, now: datetime) -> list[Fields]:
    out: list[Fields] = []
    for t in s.tickets:
        if t.first_reply_at is not None:
            continue
        hours = (now - t.opened_at).total_seconds() / 3600
        if hours <= s.reply_hours:
            continue
        ev = SERVICE_STAKE * max(s.clv, s.typical_deal)
        out.append(_base(
            s, kind="sla_breach", record_id=t.ticket_id, due=t.opened_at + timedelta(hours=s.reply_hours),
            overdue=True, flag="red", contact_name=t.contact_name,
            title=f"Answer {t.contact_name or s.name}'s support ticket at {s.name}: \"{t.subject}\"",
            reason=f"unanswered for {number(hours, EN)} h, over the {s.reply_hours} h reply target of the tier",
            expected_value=round(ev, 2), priority=ev * hours / s.reply_hours,
            value_basis=f"{percent(SERVICE_STAKE, EN)} of the account's value {money(max(s.clv, s.typical_deal), EN)}",
            facts={"account": s.name, "contact": t.contact_name, "subject": t.subject, "hours": round(hours),
                   "target": s.reply_hours, "stake": SERVICE_STAKE, "clv": max(s.clv, s.typical_deal)}))
    return out


def lead_actions(s: AccountSignals, now: datetime) -> list[Fields]:
    out: list[Fields] = []
    for lead in s.leads:
        p = lead.conversion_probability if lead.conversion_probability is not None else min(1.0, lead.score / 200)
        win = p * s.win_rate
        facts: Fields = {"account": s.name, "contact": lead.contact_name, "score": round(lead.score),
                         "route": lead.route, "p": p, "win": s.win_rate, "deal": s.typical_deal}
        if lead.status == "no_action":
            due = lead.created_at + timedelta(hours=SLA_HOURS)
            late = now > due
            hours = (now - lead.created_at).total_seconds() / 3600
            left = max(0.0, SLA_HOURS - hours)
            ev = win * s.typical_deal
            facts |= {"case": "late" if late else "new", "hours": round(hours), "left": round(left)}
            out.append(_base(
                s, kind="contact_lead", record_id=lead.lead_id, due=due, overdue=late, flag="red" if late else "amber",
                contact_name=lead.contact_name, title=f"Call {lead.contact_name} at {s.name} (new lead)",
                reason=(f"waiting {number(hours, EN)} h, over the 24-hour contact rule" if late
                        else f"new lead: call within 24 h ({number(left, EN)} h left)")
                + f"; score {number(lead.score, EN)}, route {lead.route.replace('_', ' ')}",
                expected_value=round(ev, 2), priority=ev * (2 if late else 1),
                value_basis=f"P(convert) {percent(p, EN)} × win rate {percent(s.win_rate, EN)} × "
                            f"typical deal {money(s.typical_deal, EN)}", facts=facts))
        elif lead.status == "contacted" and lead.route == "nurture":
            ev = 0.2 * win * s.typical_deal
            out.append(_base(
                s, kind="nurture", record_id=lead.lead_id, owner="marketing", owner_name="marketing",
                contact_name=lead.contact_name, due=now + timedelta(days=3),
                title=f"Move {lead.contact_name} at {s.name} to a nurture track",
                reason=f"score {number(lead.score, EN)}: fit and behaviour both low; a slow, helpful series of "
                       "messages in a real person's name",
                expected_value=round(ev, 2), priority=ev,
                value_basis=f"0.2 × P(convert) {percent(p, EN)} × win rate {percent(s.win_rate, EN)} × typical deal "
                            f"{money(s.typical_deal, EN)}", facts=facts))
    out += _content(s, now)
    return out


def _content(s: AccountSignals, now: datetime, limit: int = 2) -> list[Fields]:
    out: list[Fields] = []
    annual = sum(c.annual_value for c in s.contracts)
    for c in s.contacts[:limit]:
        what, kind, share = CONTENT_BY_STAGE.get(c.journey_stage, CONTENT_BY_STAGE["awareness"])
        technical = c.persona in TECHNICAL_PERSONAS
        base = annual if c.journey_stage == "customership" and annual else s.typical_deal
        ev = share * base
        out.append(_base(
            s, kind="content", record_id=c.contact_id, owner="marketing", owner_name="marketing",
            contact_name=c.name, due=now + timedelta(days=7),
            title=f"Send {c.name} at {s.name} {what}",
            reason=f"{c.persona.replace('_', ' ')} in the {c.journey_stage} stage; angle: "
                   f"{'technical detail' if technical else 'business case'}",
            expected_value=round(ev, 2), priority=ev,
            value_basis=f"{number(share, EN, 2)} × {'annual value' if base == annual else 'typical deal'} "
                        f"{money(base, EN)}",
            facts={"account": s.name, "contact": c.name, "content": kind, "persona": c.persona,
                   "stage": c.journey_stage, "angle": "technical" if technical else "business", "share": share,
                   "base": base, "basis": "annual" if base == annual else "deal"}))
    return out
