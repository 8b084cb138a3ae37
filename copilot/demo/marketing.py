"""What the demo contacts do before and around buying: campaigns reach them, they click and read,
and some become leads and deals.

Interested prospects (high latent ``health``, see ``generator``) visit pricing and reference pages
and convert more often; fit (account size, seniority of the persona) helps as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np

from copilot.core.store import models as m
from copilot.demo import vocab
from copilot.demo.activity import _days, _pick
from copilot.demo.bulk import Frame, Ids

DAY = timedelta(days=1)
Rows = Iterator[tuple[Any, Frame | list[dict[str, Any]]]]


def marketing(state: dict[str, Any], _n: int) -> Rows:
    acc, rng, clock = state["acc"], state["rng"], state["clock"]
    contacts = state["contacts"]
    campaigns = _campaigns(rng, clock.now.date())
    yield m.Campaign, campaigns
    yield m.Event, _events(acc, contacts, campaigns, rng, clock)
    yield m.Touch, _touches(contacts, campaigns, rng)
    leads, opps, links = _leads_and_deals(acc, contacts, rng, clock)
    yield m.Opportunity, opps
    yield m.OpportunityContact, links
    yield m.Lead, leads


def _campaigns(rng: np.random.Generator, today: date) -> list[dict[str, Any]]:
    channels = ["email", "linkedin", "google_ads", "events", "webinar", "content"]
    models = {
        "email": "fixed",
        "linkedin": "cpc",
        "google_ads": "cpc",
        "events": "fixed",
        "webinar": "fixed",
        "content": "cpm",
    }
    out = []
    for k in range(24):
        theme, persona = vocab.CAMPAIGN_THEMES[k % len(vocab.CAMPAIGN_THEMES)]
        channel = channels[k % len(channels)]
        start = today - DAY * (30 * (24 - k) + 15)
        impressions = int(rng.integers(5_000, 80_000))
        clicks = int(impressions * rng.uniform(0.005, 0.03))
        out.append(
            {
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
        )
    return out


# page types by intent: the interested look at pricing, services and references
_PAGES = ["blog", "product", "pricing", "services", "reference", "other"]
_LOW = np.array([0.45, 0.25, 0.05, 0.05, 0.05, 0.15])
_HIGH = np.array([0.15, 0.25, 0.25, 0.15, 0.15, 0.05])
NULL = np.array(None, dtype=object)  # a typed None for np.where
_EVENT_TYPES = ["page_view", "download", "email_open", "email_click"]


def _events(acc: Any, c: dict, campaigns: list[dict], rng: np.random.Generator, clock: Any) -> Frame:
    intent = 1 / (1 + np.exp(-acc.health[c["account"]]))
    counts = rng.poisson(1 + 6 * intent)
    contact = np.repeat(np.arange(len(counts)), counts)
    total = len(contact)
    it = intent[contact]
    # page type by inverse CDF; the mix moves linearly from _LOW to _HIGH with intent
    r = rng.random(total)
    page = np.zeros(total, dtype=np.int64)
    low_cdf, high_cdf = np.cumsum(_LOW / _LOW.sum()), np.cumsum(_HIGH / _HIGH.sum())
    for k in range(len(_PAGES) - 1):
        page += r >= low_cdf[k] + (high_cdf[k] - low_cdf[k]) * it
    hours = rng.uniform(1, 24 * 180 * (1.2 - it))
    etype = np.searchsorted([0.7, 0.8, 0.92], rng.random(total), side="right")
    n = np.arange(1, total + 1)
    view = etype == 0
    camp_ids = [cmp["id"] for cmp in campaigns]
    return {
        "id": Ids("evt-", n, 8),
        "account_id": acc.ids[c["account"][contact]],
        "contact_id": c["ids"][contact],
        "type": _pick(_EVENT_TYPES, etype),
        "page_type": np.where(view, _pick(_PAGES, page), NULL),
        "url": np.where(view, _pick([f"https://kaarna.example/{p}" for p in _PAGES], page), NULL),
        "campaign_id": np.where(etype >= 2, _pick(camp_ids, n % len(camp_ids)), NULL),
        "at": clock.ago_hours(hours),
    }


def _touches(c: dict, campaigns: list[dict], rng: np.random.Generator) -> Frame:
    picked = np.flatnonzero(rng.random(len(c["account"])) < 0.3)
    first = rng.integers(0, len(campaigns), len(picked))  # two different campaigns per contact
    second = (first + rng.integers(1, len(campaigns), len(picked))) % len(campaigns)
    camp = np.column_stack([first, second]).ravel()
    n = np.arange(1, len(camp) + 1)
    starts = np.array([np.datetime64(cmp["start_date"], "D") for cmp in campaigns]).astype("datetime64[us]")
    return {
        "id": Ids("tch-", n, 7),
        "campaign_id": _pick([cmp["id"] for cmp in campaigns], camp),
        "contact_id": c["ids"][np.repeat(picked, 2)],
        "channel": _pick([cmp["channel"] for cmp in campaigns], camp),
        "at": starts[camp] + _days(n % 20),
    }


def _leads_and_deals(acc: Any, c: dict, rng: np.random.Generator, clock: Any) -> tuple[Frame, Frame, Frame]:
    a_all = c["account"]
    seniority = np.array([1.0, 0.3, 0.8, 0.6, 1.2])[c["persona"]]
    fit = 0.6 * acc.size[a_all] + seniority
    intent = acc.health[a_all]
    p_convert = 1 / (1 + np.exp(-(1.1 * fit + 1.3 * intent - 1.8)))
    u = rng.random(len(a_all))
    j = np.flatnonzero((~acc.customer[a_all]) | (rng.random(len(a_all)) < 0.15))
    a, fit, intent, u, p_convert = a_all[j], fit[j], intent[j], u[j], p_convert[j]
    total = len(j)
    created = clock.ago_days(rng.uniform(0.2, 700, total))
    age_days = (clock.now_us - created) // np.timedelta64(1, "D")
    fresh = age_days < 4  # fresh leads: some still wait for the first call (the 24-hour rule)
    converted = ~fresh & (u < p_convert)
    dead = ~fresh & ~converted & (u < p_convert + 0.25)
    contacted = ~fresh & ~converted & ~dead

    # per converted lead: the deal it became
    o = np.flatnonzero(converted)
    won = acc.customer[a[o]] | (rng.random(len(o)) < 0.35)
    open_ = ~won & (rng.random(len(o)) < 0.5)
    close = (created[o] + _frac_days(rng.uniform(30, 150, len(o)))).astype("datetime64[D]")
    amount = np.round(9_000 * (1.0 + acc.size[a[o]]) ** 1.6 * rng.lognormal(0, 0.3, len(o)), 2)
    reached = created[o] + _frac_days(rng.uniform(0.05, 2, len(o)))
    opp_ids = Ids("opp-", j[o] + 1, 6)
    opps = {
        "id": opp_ids,
        "account_id": acc.ids[a[o]],
        "name": np.array([f"{vocab.PRODUCTS[0][0]} – {x}" for x in acc.ids[a[o]].tolist()], dtype=object),
        "stage": np.where(won, "won", np.where(open_, "proposal", "lost")).astype(object),
        "amount": amount,
        "close_date": np.where(open_, clock.today + _days(45), close),
        "created_at": created[o] + np.timedelta64(7, "D"),
        "win_reason": np.where(won, "product_fit", NULL),
        "loss_reason": np.where(won | open_, NULL, _pick(("price", "competitor", "no_decision", "timing"), j[o] % 4)),
        "owner": _pick([r[0] for r in vocab.REPS], acc.owner[a[o]]),
    }
    links = {"opportunity_id": opp_ids, "contact_id": c["ids"][j[o]], "role": "decision_maker"}

    stage = np.where(fresh & (fit + intent > 1.2), "mql", "prospect").astype(object)
    stage[o] = np.where(won, "customer", "opportunity")
    stage[contacted] = _pick(("prospect", "mql", "sql"), j[contacted] % 3)
    status = np.full(total, "no_action", dtype=object)
    status[o], status[dead], status[contacted] = "converted", "dead", "contacted"
    contacted_at = np.full(total, np.datetime64("NaT", "us"))
    contacted_at[o] = reached
    contacted_at[dead] = created[dead] + np.timedelta64(2, "D")
    contacted_at[contacted] = created[contacted] + np.timedelta64(1, "D")
    opportunity_id = np.full(total, None, dtype=object)
    opportunity_id[o] = opp_ids.take(0, len(o))
    feedback = np.full(total, None, dtype=object)
    feedback[o] = np.where(won, "deal", "no_deal")
    leads = {
        "id": Ids("led-", j + 1, 6),
        "contact_id": c["ids"][j],
        "account_id": acc.ids[a],
        "source": _pick(("web", "event", "webinar", "partner"), j % 4),
        "created_at": created,
        "contacted_at": contacted_at,
        "dead_reason": np.where(dead, _pick(("no_budget", "wrong_person", "not_potential"), j % 3), NULL),
        "opportunity_id": opportunity_id,
        "stage": stage,
        "status": status,
        "quality_feedback": feedback,
        "feedback_note": None,
    }
    return leads, opps, links


def _frac_days(days: np.ndarray) -> np.ndarray:
    return np.rint(days * 86_400_000_000).astype("timedelta64[us]")
