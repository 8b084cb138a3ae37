"""What the demo accounts do over three years: buy, use, complain, click, and become leads and deals.

Every generator here reads the latent ``health`` of an account (see ``generator``): unhealthy
customers log in less and less, file unhappy tickets, pay late and order less before they churn;
interested prospects visit pricing and reference pages and convert more often.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from copilot.demo import vocab
from copilot.store import models as m

DAY = timedelta(days=1)
Rows = Iterator[tuple[Any, Iterable[dict[str, Any]]]]


def commerce(state: dict[str, Any], _n: int) -> Rows:
    acc, rng, now = state["acc"], state["rng"], state["now"]
    cust = np.flatnonzero(acc.customer)
    yield m.Contract, _contracts(acc, cust, rng, now.date())
    yield m.Order, _orders(acc, cust, rng, now.date())
    yield m.UsageWeek, _usage(acc, cust, rng, now.date())


def _contract_end(acc: Any, i: int, today: date) -> date:
    if acc.churned[i]:
        return today - DAY * int(20 + (i * 37) % 300)
    return today + DAY * int(10 + (i * 53) % 350)


def _contracts(acc: Any, cust: np.ndarray, rng: np.random.Generator, today: date) -> Iterator[dict]:
    licences = (acc.employees * rng.uniform(0.5, 1.0, len(acc.ids))).astype(int) + 5
    for i in cust:
        end = _contract_end(acc, i, today)
        start = min(today - DAY * int(acc.start[i]), end - DAY * 365)
        yield {
            "id": f"ctr-{i + 1:05d}",
            "account_id": acc.ids[i],
            "product": vocab.PRODUCTS[0][0],
            "start_date": start,
            "end_date": end,
            "renewal_date": end - DAY * 90,
            "annual_value": float(round(licences[i] * vocab.PRODUCTS[0][1] * 12, 2)),
            "licences": int(licences[i]),
            "status": "cancelled" if acc.churned[i] else "active",
        }


def _orders(acc: Any, cust: np.ndarray, rng: np.random.Generator, today: date) -> Iterator[dict]:
    # Monthly-ish orders of add-ons and services; shrinking for unhealthy accounts.
    counts = rng.poisson(3 + 3 * acc.size[cust] + np.clip(acc.health[cust], -1, 2) * 2)
    n = 0
    for i, count in zip(cust, counts, strict=True):
        span = int(acc.start[i])
        end_offset = 0 if not acc.churned[i] else (today - _contract_end(acc, i, today)).days
        days = np.sort(rng.integers(end_offset, max(span, end_offset + 1), max(int(count), 1)))[::-1]
        base = 500 * (1 + acc.size[i]) ** 2
        for k, ago in enumerate(days):
            trend = 1 + 0.25 * acc.health[i] * (1 - ago / max(span, 1))  # recent orders follow health
            amount = round(float(base * max(trend, 0.2) * rng.lognormal(0, 0.3)), 2)
            odate = today - DAY * int(ago)
            delay = int(max(0, rng.normal(4 - 6 * acc.health[i], 6)))
            n += 1
            product = vocab.PRODUCTS[1 + (n % 3)][0]
            recent = ago < 10
            yield {
                "id": f"ord-{n:07d}",
                "account_id": acc.ids[i],
                "order_date": odate,
                "amount": amount,
                "margin": round(amount * 0.7, 2),
                "product": product,
                "status": ("received", "processing", "shipped")[k % 3] if recent else "delivered",
                "invoice_due": odate + DAY * 14,
                "paid_date": None if recent else odate + DAY * (14 + delay),
                "payment_delay_days": 0 if recent else delay,
            }


def _usage(acc: Any, cust: np.ndarray, rng: np.random.Generator, today: date) -> Iterator[dict]:
    monday = today - DAY * today.weekday()
    weeks = 26
    for i in cust:
        seats = max(3, int(acc.employees[i] * 0.6))
        slope = 0.03 * min(acc.health[i], 0.5) - (0.04 if acc.churned[i] else 0.0)
        stop = (today - _contract_end(acc, i, today)).days // 7 if acc.churned[i] else -1
        noise = rng.normal(0, 0.08, weeks)
        for w in range(weeks):
            ago = weeks - 1 - w
            if stop >= 0 and ago < stop:
                continue  # no usage after the contract ended
            level = max(0.02, 0.55 + 0.15 * acc.health[i] + slope * (w - weeks) / 2 + noise[w])
            active = max(1, int(seats * min(level, 1.0)))
            yield {
                "account_id": acc.ids[i],
                "week_start": monday - DAY * 7 * ago,
                "logins": int(active * (3 + 2 * level)),
                "active_users": active,
                "avg_session_min": round(6 + 10 * level, 1),
                "features_used": int(2 + 8 * min(level, 1.0)),
            }


def service(state: dict[str, Any], _n: int) -> Rows:
    acc, rng, now = state["acc"], state["rng"], state["now"]
    cust = np.flatnonzero(acc.customer)
    yield m.Ticket, _tickets(acc, state["contacts"], cust, rng, now)
    yield m.SurveyResponse, _surveys(acc, cust, rng, now)
    yield m.Activity, _activities(acc, rng, now)


def _first_contact(contacts: dict[str, np.ndarray]) -> np.ndarray:
    # Index of each account's first contact (contacts are generated grouped by account).
    accounts = contacts["account"]
    first = np.full(int(accounts.max()) + 1, -1)
    first[accounts[::-1]] = np.arange(len(accounts))[::-1]
    return first


def _tickets(acc: Any, contacts: dict, cust: np.ndarray, rng: np.random.Generator, now: datetime) -> Iterator[dict]:
    first = _first_contact(contacts)
    counts = rng.poisson(np.clip(1.5 - 1.2 * acc.health[cust], 0.2, 6) * (1 + acc.size[cust]))
    n = 0
    for i, count in zip(cust, counts, strict=True):
        for _ in range(int(count)):
            n += 1
            ago_h = float(rng.uniform(1, 24 * 365))
            opened = now - timedelta(hours=ago_h)
            sentiment = float(np.clip(rng.normal(0.3 * acc.health[i] - 0.1, 0.4), -1, 1))
            open_ = ago_h < 24 * 10 and rng.random() < 0.6
            reply_h = float(rng.gamma(2, 3 + 4 * (acc.size[i] == 0)))
            res_h = None if open_ else round(reply_h + float(rng.gamma(2, 8)), 1)
            subj = vocab.TICKET_SUBJECTS[n % len(vocab.TICKET_SUBJECTS)]
            yield {
                "id": f"tkt-{n:06d}",
                "account_id": acc.ids[i],
                "contact_id": f"con-{first[i] + 1:06d}",
                "subject": subj[0],
                "body": f"{subj[1]}. Asiakas raportoi ongelman tukeen.",
                "status": "open" if open_ else "closed",
                "priority": ("low", "normal", "high", "urgent")[min(3, int(rng.exponential(0.7)))],
                "sentiment": round(sentiment, 2),
                "opened_at": opened,
                "first_reply_at": opened + timedelta(hours=reply_h) if reply_h < ago_h else None,
                "resolved_at": None if res_h is None else opened + timedelta(hours=res_h),
                "resolution_hours": res_h,
                "channel": ("email", "chat", "phone")[n % 3],
            }


def _surveys(acc: Any, cust: np.ndarray, rng: np.random.Generator, now: datetime) -> Iterator[dict]:
    for i in cust:
        nps = int(np.clip(round(rng.normal(7.5 + 1.5 * acc.health[i], 1.5)), 0, 10))
        csat = int(np.clip(round(rng.normal(4 + 0.6 * acc.health[i], 0.7)), 1, 5))
        at = now - DAY * int(rng.integers(5, 300))
        yield {
            "id": f"srv-{i + 1:05d}-n",
            "account_id": acc.ids[i],
            "contact_id": None,
            "kind": "nps",
            "score": nps,
            "comment": "",
            "at": at,
        }
        yield {
            "id": f"srv-{i + 1:05d}-c",
            "account_id": acc.ids[i],
            "contact_id": None,
            "kind": "csat",
            "score": csat,
            "comment": "",
            "at": at + DAY,
        }


def _activities(acc: Any, rng: np.random.Generator, now: datetime) -> Iterator[dict]:
    counts = rng.poisson(1.5 + acc.size, len(acc.ids))
    n = 0
    for i, count in enumerate(counts):
        for _ in range(int(count)):
            n += 1
            kind, fi, _en = vocab.ACTIVITY_NOTES[n % len(vocab.ACTIVITY_NOTES)]
            yield {
                "id": f"act-{n:07d}",
                "account_id": acc.ids[i],
                "contact_id": None,
                "kind": kind,
                "subject": fi,
                "body": "",
                "at": now - DAY * int(rng.integers(1, 700)),
                "actor": vocab.REPS[acc.owner[i]][0],
            }


def marketing(state: dict[str, Any], _n: int) -> Rows:
    acc, rng, now = state["acc"], state["rng"], state["now"]
    contacts = state["contacts"]
    campaigns = list(_campaigns(rng, now.date()))
    yield m.Campaign, campaigns
    yield m.Event, _events(acc, contacts, campaigns, rng, now)
    yield m.Touch, _touches(contacts, campaigns, rng, now)
    leads, opps, links = _leads_and_deals(acc, contacts, rng, now)
    yield m.Opportunity, opps
    yield m.OpportunityContact, links
    yield m.Lead, leads


def _campaigns(rng: np.random.Generator, today: date) -> Iterator[dict]:
    channels = ["email", "linkedin", "google_ads", "events", "webinar", "content"]
    models = {
        "email": "fixed",
        "linkedin": "cpc",
        "google_ads": "cpc",
        "events": "fixed",
        "webinar": "fixed",
        "content": "cpm",
    }
    for k in range(24):
        theme, persona = vocab.CAMPAIGN_THEMES[k % len(vocab.CAMPAIGN_THEMES)]
        channel = channels[k % len(channels)]
        start = today - DAY * (30 * (24 - k) + 15)
        impressions = int(rng.integers(5_000, 80_000))
        clicks = int(impressions * rng.uniform(0.005, 0.03))
        yield {
            "id": f"cmp-{k + 1:03d}",
            "name": f"{theme} {start.year}/{k % 4 + 1}",
            "channel": channel,
            "persona": persona,
            "theme": theme,
            "payment_model": models[channel],
            "cost": float(round(rng.uniform(1_500, 12_000), 2)),
            "impressions": impressions,
            "clicks": clicks,
            "start_date": start,
            "end_date": start + DAY * 30,
        }


# page types by intent: the interested look at pricing, services and references
_PAGES = ["blog", "product", "pricing", "services", "reference", "other"]
_LOW = np.array([0.45, 0.25, 0.05, 0.05, 0.05, 0.15])
_HIGH = np.array([0.15, 0.25, 0.25, 0.15, 0.15, 0.05])


def _events(acc: Any, c: dict, campaigns: list[dict], rng: np.random.Generator, now: datetime) -> Iterator[dict]:
    intent = 1 / (1 + np.exp(-acc.health[c["account"]]))
    counts = rng.poisson(1 + 6 * intent)
    n = 0
    for j, count in enumerate(counts):
        a = int(c["account"][j])
        probs = _LOW + (_HIGH - _LOW) * intent[j]
        pages = rng.choice(len(_PAGES), int(count), p=probs / probs.sum())
        hours = rng.uniform(1, 24 * 180 * (1.2 - intent[j]), int(count))
        kinds = rng.random(int(count))
        for page, h, u in zip(pages, hours, kinds, strict=True):
            n += 1
            etype = (
                "page_view" if u < 0.7 else ("download" if u < 0.8 else ("email_open" if u < 0.92 else "email_click"))
            )
            yield {
                "id": f"evt-{n:08d}",
                "account_id": acc.ids[a],
                "contact_id": f"con-{j + 1:06d}",
                "type": etype,
                "page_type": _PAGES[page] if etype == "page_view" else None,
                "url": f"https://kaarna.example/{_PAGES[page]}" if etype == "page_view" else None,
                "campaign_id": campaigns[n % len(campaigns)]["id"] if etype.startswith("email") else None,
                "at": now - timedelta(hours=float(h)),
            }


def _touches(c: dict, campaigns: list[dict], rng: np.random.Generator, now: datetime) -> Iterator[dict]:
    total = len(c["account"])
    picks = rng.random(total) < 0.3
    n = 0
    for j in np.flatnonzero(picks):
        for k in rng.choice(len(campaigns), 2, replace=False):
            n += 1
            camp = campaigns[int(k)]
            yield {
                "id": f"tch-{n:07d}",
                "campaign_id": camp["id"],
                "contact_id": f"con-{j + 1:06d}",
                "channel": camp["channel"],
                "at": datetime.combine(camp["start_date"], datetime.min.time(), now.tzinfo) + DAY * (n % 20),
            }


def _leads_and_deals(acc: Any, c: dict, rng: np.random.Generator, now: datetime) -> tuple[list, list, list]:
    leads: list[dict] = []
    opps: list[dict] = []
    links: list[dict] = []
    seniority = np.array([1.0, 0.3, 0.8, 0.6, 1.2])[c["persona"]]
    fit = 0.6 * acc.size[c["account"]] + seniority
    intent = acc.health[c["account"]]
    p_convert = 1 / (1 + np.exp(-(1.1 * fit + 1.3 * intent - 1.8)))
    u = rng.random(len(c["account"]))
    is_lead = (~acc.customer[c["account"]]) | (rng.random(len(c["account"])) < 0.15)
    for j in np.flatnonzero(is_lead):
        a = int(c["account"][j])
        created = now - DAY * float(rng.uniform(0.2, 700))
        age_days = (now - created).days
        contact_id = f"con-{j + 1:06d}"
        lead = {
            "id": f"led-{j + 1:06d}",
            "contact_id": contact_id,
            "account_id": acc.ids[a],
            "source": ("web", "event", "webinar", "partner")[j % 4],
            "created_at": created,
            "contacted_at": None,
            "dead_reason": None,
            "opportunity_id": None,
            "stage": "prospect",
            "status": "no_action",
            "quality_feedback": None,
            "feedback_note": None,
        }
        if age_days < 4:  # fresh leads: some still wait for the first call (the 24-hour rule)
            lead.update(stage="mql" if fit[j] + intent[j] > 1.2 else "prospect")
        elif u[j] < p_convert[j]:
            opp_id = f"opp-{j + 1:06d}"
            won = acc.customer[a] or rng.random() < 0.35
            open_ = (not won) and rng.random() < 0.5
            stage = "won" if won else ("proposal" if open_ else "lost")
            close = (created + DAY * float(rng.uniform(30, 150))).date()
            opps.append(
                {
                    "id": opp_id,
                    "account_id": acc.ids[a],
                    "name": f"{vocab.PRODUCTS[0][0]} – {acc.ids[a]}",
                    "stage": stage,
                    "amount": float(round(9_000 * (1 + acc.size[a]) ** 1.6 * rng.lognormal(0, 0.3), 2)),
                    "close_date": close if not open_ else (now + DAY * 45).date(),
                    "created_at": created + DAY * 7,
                    "win_reason": "product_fit" if won else None,
                    "loss_reason": None if won or open_ else ("price", "competitor", "no_decision", "timing")[j % 4],
                    "owner": vocab.REPS[acc.owner[a]][0],
                }
            )
            links.append({"opportunity_id": opp_id, "contact_id": contact_id, "role": "decision_maker"})
            lead.update(
                stage="customer" if won else "opportunity",
                status="converted",
                contacted_at=created + DAY * float(rng.uniform(0.05, 2)),
                opportunity_id=opp_id,
                quality_feedback="deal" if won else "no_deal",
            )
        elif u[j] < p_convert[j] + 0.25:
            lead.update(
                status="dead",
                dead_reason=("no_budget", "wrong_person", "not_potential")[j % 3],
                contacted_at=created + DAY * 2,
            )
        else:
            lead.update(status="contacted", stage=("prospect", "mql", "sql")[j % 3], contacted_at=created + DAY)
        leads.append(lead)
    return leads, opps, links
