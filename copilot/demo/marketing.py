"""What the demo contacts do before and around buying: campaigns reach them, they click and read,
and some become leads, deals and customers.

Every customer came from a won deal that closed the day its first contract started, after a lead
some weeks earlier. In the two years of campaigns most new customers' buying group was first
reached by a campaign shortly before that lead, so attribution has something to find; channels
differ the way they do in B2B: webinars and events bring customers, LinkedIn brings cheap leads
that rarely buy, content syndication mostly reach. Prospects' leads convert with fit (size,
seniority) and a hidden intent that their web behaviour around the lead shows; their deals are open
or lost. Customers' own contacts sometimes ask for more (upsell leads and deals).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np

from copilot.core.store import models as m
from copilot.demo import lifecycle, vocab
from copilot.demo.activity import _days, _pick
from copilot.demo.bulk import Frame, Ids

DAY = timedelta(days=1)
Rows = Iterator[tuple[Any, Frame | list[dict[str, Any]]]]
MONTHS = 24
"""Campaigns ran once a month over the last two years."""
EVENT_DAYS = 540
"""Web and e-mail behaviour kept, in days."""
# channel: (payment model, cost range in € for a 500-account store, pull on buyers, pull on leads)
CHANNELS = {
    "email": ("fixed", (5_000, 9_000), 1.2, 0.8),
    "linkedin": ("cpc", (25_000, 35_000), 0.35, 1.6),
    "google_ads": ("cpc", (12_000, 20_000), 1.0, 1.2),
    "events": ("fixed", (25_000, 40_000), 1.4, 0.7),
    "webinar": ("fixed", (8_000, 14_000), 1.6, 1.0),
    "content": ("cpm", (15_000, 25_000), 0.15, 1.2),
}
TOUCHED_BUYERS = 0.5
"""Share of new customers (in the campaign years) whose buying group a campaign reached before the lead."""


def marketing(state: dict[str, Any], n: int) -> Rows:
    acc, rng, clock, life = state["acc"], state["rng"], state["clock"], state["life"]
    contacts = state["contacts"]
    campaigns = state.get("campaigns")
    if campaigns is None:  # the first block draws the campaigns of the whole store; later blocks reuse them
        campaigns = state["campaigns"] = _campaigns(rng, clock.now.date(), scale=max(state["accounts"], 50) / 500)
        yield m.Campaign, campaigns
    leads, opps, links, touches, bursts = _leads_and_deals(acc, life, contacts, campaigns, rng, clock)
    yield m.Touch, touches
    yield m.Event, _events(acc, contacts, campaigns, bursts, rng, clock)
    yield m.Opportunity, opps
    yield m.OpportunityContact, links
    yield m.Lead, leads


def _campaigns(rng: np.random.Generator, today: date, scale: float) -> list[dict[str, Any]]:
    names = list(CHANNELS)
    out = []
    for k in range(MONTHS):
        theme, persona = vocab.CAMPAIGN_THEMES[k % len(vocab.CAMPAIGN_THEMES)]
        channel = names[k % len(names)]
        model, (lo, hi), _, _ = CHANNELS[channel]
        start = today - DAY * (30 * (MONTHS - k) + 15)
        impressions = int(rng.integers(5_000, 80_000) * scale)
        clicks = int(impressions * rng.uniform(0.005, 0.03))
        out.append({
            "id": f"cmp-{k + 1:03d}",
            "name": f"{theme} {start.year}/{k % 4 + 1}",
            "channel": channel,
            "persona": persona,
            "theme": theme,
            "payment_model": model,
            "cost": float(round(rng.uniform(lo, hi) * scale, 2)),
            "impressions": impressions,
            "clicks": clicks,
            "start_date": start,
            "end_date": start + DAY * 30,
        })
    return out


def _first_touches(created_ago: np.ndarray, pull: np.ndarray, camp_start: np.ndarray, share: float,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For leads created ``created_ago`` days ago: (lead rows, campaign, days ago of the touch) of the
    campaigns that reached them first, 1-60 days before the lead, chosen by the channel's ``pull``."""
    start = camp_start[None, :]
    # a campaign reaches people from its start to 30 days after; the touch falls 1-60 days before the lead
    overlap = (start >= created_ago[:, None] + 1) & (start - 30 <= created_ago[:, None] + 60)
    w = overlap * pull[None, :]
    has = (w.sum(axis=1) > 0) & (rng.random(len(created_ago)) < share)
    rows = np.flatnonzero(has)
    cdf = np.cumsum(w[rows], axis=1)
    pick = (cdf < rng.random(len(rows))[:, None] * cdf[:, -1:]).sum(axis=1)
    hi = np.minimum(camp_start[pick], created_ago[rows] + 60)
    lo = np.maximum(camp_start[pick] - 30, created_ago[rows] + 1)
    return rows, pick, rng.uniform(lo, np.maximum(hi, lo + 0.1))


def _leads_and_deals(acc: Any, life: lifecycle.Life, c: dict, campaigns: list[dict], rng: np.random.Generator,
                     clock: Any) -> tuple[Frame, Frame, Frame, Frame, dict[str, np.ndarray]]:
    a_all = c["account"]
    seniority = np.array([1.0, 0.3, 0.8, 0.6, 1.2])[c["persona"]]
    fit_all = 0.6 * acc.size[a_all] + seniority
    p_all = 1 / (1 + np.exp(-(1.1 * fit_all + 1.3 * acc.health[a_all] - 1.8)))
    first_contact = np.searchsorted(a_all, np.arange(len(acc.ids)))  # contacts are grouped by account
    cust = np.flatnonzero(acc.customer)
    # 1. every customer's origin: its first contact's lead, won when the first term started
    origin = first_contact[cust]
    o_close = life.since[cust]
    o_opp = o_close + rng.uniform(30, 120, len(cust))
    o_created = o_opp + rng.uniform(2, 20, len(cust))
    # 2. prospects' contacts and some customer contacts (asking for more) become leads over two years
    other = np.flatnonzero(~acc.customer[a_all] | (rng.random(len(a_all)) < 0.15))
    other = other[~np.isin(other, origin) | ~acc.customer[a_all[other]]]
    p_created = rng.uniform(0.2, 700, len(other))
    contact = np.r_[origin, other]
    created = np.r_[o_created, p_created]
    is_origin = np.r_[np.ones(len(origin), bool), np.zeros(len(other), bool)]
    a = a_all[contact]
    total = len(contact)
    fresh = ~is_origin & (created < 4)  # fresh leads: some still wait for the first call (the 24-hour rule)
    u = rng.random(total)
    converted = is_origin | (~fresh & (u < p_all[contact]))
    dead = ~converted & ~fresh & (u < p_all[contact] + 0.25)
    contacted = ~fresh & ~converted & ~dead
    # first touches: campaigns before the leads of the campaign years
    camp_start = np.array([(clock.today - np.datetime64(x["start_date"], "D")).astype(int) for x in campaigns], float)
    era = created < camp_start.max()
    buy_pull = np.array([CHANNELS[x["channel"]][2] for x in campaigns])
    lead_pull = np.array([CHANNELS[x["channel"]][3] for x in campaigns])
    o_rows = np.flatnonzero(is_origin & era)
    r1, k1, t1 = _first_touches(created[o_rows], buy_pull, camp_start, TOUCHED_BUYERS, rng)
    p_rows = np.flatnonzero(~is_origin & era & ~acc.customer[a])
    r2, k2, t2 = _first_touches(created[p_rows], lead_pull, camp_start, 0.55, rng)
    t_contact = np.r_[contact[o_rows[r1]], contact[p_rows[r2]]]
    t_camp, t_ago = np.r_[k1, k2], np.r_[t1, t2]

    # deals of the converted leads
    o = np.flatnonzero(converted)
    origin_deal = is_origin[o]
    upsell = ~origin_deal & acc.customer[a[o]]
    won = origin_deal | (upsell & (rng.random(len(o)) < 0.6))
    open_ = ~won & (rng.random(len(o)) < 0.35)
    pad = np.zeros(len(other))
    opp_created = np.where(origin_deal, np.r_[o_opp, pad][o], np.maximum(created[o] - rng.uniform(3, 10, len(o)), 0.5))
    close_ago = np.where(origin_deal, np.r_[o_close, pad][o],
                         np.maximum(opp_created - rng.uniform(30, 150, len(o)), 1))
    first_value = lifecycle.annual_value(life, a[o])
    amount = np.where(origin_deal, first_value,
                      np.where(upsell, 1_500 * (1.0 + acc.size[a[o]]) ** 1.5,
                               9_000 * (1.0 + acc.size[a[o]]) ** 1.6) * rng.lognormal(0, 0.3, len(o)))
    opp_ids = Ids("opp-", acc.serial.take("opp-", len(o)), 6)
    names = [f"{vocab.PRODUCTS[0 if not up else 1 + k % 3][0]} – {x}"
             for k, (up, x) in enumerate(zip(upsell.tolist(), acc.names[a[o]].tolist(), strict=True))]
    opps = {
        "id": opp_ids,
        "account_id": acc.ids[a[o]],
        "name": np.array(names, dtype=object),
        "stage": np.where(won, "won", np.where(open_, "proposal", "lost")).astype(object),
        "amount": np.round(amount, 2),
        "close_date": np.where(open_, clock.today + _days(45), clock.date_ago(close_ago.astype(int))),
        "created_at": clock.ago_days(opp_created),
        "win_reason": np.where(won, "product_fit", NULL),
        "loss_reason": np.where(won | open_, NULL, _pick(("price", "competitor", "no_decision", "timing"), o % 4)),
        "owner": _pick([r[0] for r in vocab.REPS], acc.owner[a[o]]),
    }
    links = {"opportunity_id": opp_ids, "contact_id": c["ids"][contact[o]], "role": "decision_maker"}
    # an upsell deal was helped along by a campaign or two in its last three months
    up = np.flatnonzero(upsell & (rng.random(len(o)) < 0.6))
    up_ago = opp_created[up] + rng.uniform(1, 90, len(up))
    near = np.abs(camp_start[None, :] - 15 - up_ago[:, None]).argmin(axis=1)
    t_contact = np.r_[t_contact, contact[o[up]]]
    t_camp, t_ago = np.r_[t_camp, near], np.r_[t_ago, np.clip(up_ago, camp_start[near] - 30, camp_start[near])]

    stage = np.where(fresh & (fit_all[contact] + acc.health[a] > 1.2), "mql", "prospect").astype(object)
    stage[o] = np.where(won, "customer", "opportunity")
    stage[contacted] = _pick(("prospect", "mql", "sql"), np.flatnonzero(contacted) % 3)
    status = np.full(total, "no_action", dtype=object)
    status[o], status[dead], status[contacted] = "converted", "dead", "contacted"
    created_at = clock.ago_days(created)
    contacted_at = np.full(total, np.datetime64("NaT", "us"))
    contacted_at[o] = created_at[o] + _frac_days(rng.uniform(0.05, 2, len(o)))
    contacted_at[dead] = created_at[dead] + np.timedelta64(2, "D")
    contacted_at[contacted] = created_at[contacted] + np.timedelta64(1, "D")
    opportunity_id = np.full(total, None, dtype=object)
    opportunity_id[o] = opp_ids.take(0, len(o))
    feedback = np.full(total, None, dtype=object)
    feedback[o] = np.where(won, "deal", "no_deal")
    order = np.argsort(-created, kind="stable")  # ids in the order the leads came in
    n = acc.serial.take("led-", total)
    leads = {
        "id": Ids("led-", n, 6),
        "contact_id": c["ids"][contact][order],
        "account_id": acc.ids[a][order],
        "source": _pick(("web", "event", "webinar", "partner"), contact % 4)[order],
        "created_at": created_at[order],
        "contacted_at": contacted_at[order],
        "dead_reason": np.where(dead, _pick(("no_budget", "wrong_person", "not_potential"), contact % 3), NULL)[order],
        "opportunity_id": opportunity_id[order],
        "stage": stage[order],
        "status": status[order],
        "quality_feedback": feedback[order],
        "feedback_note": None,
    }
    touches = _touch_rows(acc, c, life, campaigns, t_contact, t_camp, t_ago, camp_start, rng, clock)
    recent = created < EVENT_DAYS
    bursts = {"contact": contact[recent], "created": created[recent], "p": p_all[contact[recent]],
              "converted": converted[recent]}
    return leads, opps, links, touches, bursts


def _touch_rows(acc: Any, c: dict, life: lifecycle.Life, campaigns: list[dict], t_contact: np.ndarray,
                t_camp: np.ndarray, t_ago: np.ndarray, camp_start: np.ndarray, rng: np.random.Generator,
                clock: Any) -> Frame:
    """The touches that lead somewhere, plus reach: contacts of prospects without a lead, and
    customers' contacts after they became customers (neither changes whom a new customer's first
    touch credits)."""
    a_all = c["account"]
    since = np.where(acc.customer, life.since, np.inf)[a_all]
    reach = np.flatnonzero(~np.isin(np.arange(len(a_all)), t_contact) & (rng.random(len(a_all)) < 0.3))
    camp = rng.integers(0, len(campaigns), len(reach))
    ago = camp_start[camp] - rng.uniform(0, 30, len(reach))
    keep = ago < since[reach]  # a customer's contacts only once it is a customer
    reach, camp, ago = reach[keep], camp[keep], ago[keep]
    contact = np.r_[t_contact, reach]
    camp = np.r_[t_camp, camp].astype(int)
    ago = np.r_[t_ago, ago]
    n = acc.serial.take("tch-", len(contact))
    return {
        "id": Ids("tch-", n, 7),
        "campaign_id": _pick([x["id"] for x in campaigns], camp),
        "contact_id": c["ids"][contact],
        "channel": _pick([x["channel"] for x in campaigns], camp),
        "at": clock.ago_days(np.maximum(ago, 0.01)),
    }


# page types by intent: the interested look at pricing, services and references
_PAGES = ["blog", "product", "pricing", "services", "reference", "other"]
_LOW = np.array([0.45, 0.25, 0.05, 0.05, 0.05, 0.15])
_HIGH = np.array([0.15, 0.25, 0.25, 0.15, 0.15, 0.05])
NULL = np.array(None, dtype=object)  # a typed None for np.where
_EVENT_TYPES = ["page_view", "download", "email_open", "email_click"]


def _events(acc: Any, c: dict, campaigns: list[dict], bursts: dict[str, np.ndarray], rng: np.random.Generator,
            clock: Any) -> Frame:
    """Everyday browsing over the kept history, and a burst around each lead: in the weeks before it
    and the two after, more and more purposeful the likelier the lead is to buy."""
    intent = 1 / (1 + np.exp(-acc.health[c["account"]]))
    counts = rng.poisson(0.5 + 3 * intent)
    everyday = np.repeat(np.arange(len(counts)), counts)
    b_counts = rng.poisson(1 + 7 * bursts["p"])
    burst = np.repeat(np.arange(len(b_counts)), b_counts)
    contact = np.r_[everyday, bursts["contact"][burst]]
    it = np.r_[intent[everyday], np.clip(0.3 + 0.8 * bursts["p"][burst], 0, 1)]
    ago = np.r_[rng.uniform(0.05, EVENT_DAYS, len(everyday)),
                np.maximum(0.02, bursts["created"][burst] + rng.uniform(-14, 45, len(burst)))]
    total = len(contact)
    # page type by inverse CDF; the mix moves linearly from _LOW to _HIGH with intent
    r = rng.random(total)
    page = np.zeros(total, dtype=np.int64)
    low_cdf, high_cdf = np.cumsum(_LOW / _LOW.sum()), np.cumsum(_HIGH / _HIGH.sum())
    for k in range(len(_PAGES) - 1):
        page += r >= low_cdf[k] + (high_cdf[k] - low_cdf[k]) * it
    etype = np.searchsorted([0.7, 0.8, 0.92], rng.random(total), side="right")
    order = np.argsort(-ago, kind="stable")  # ids in time order
    contact, page, etype, ago = contact[order], page[order], etype[order], ago[order]
    n = acc.serial.take("evt-", total)
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
        "at": clock.ago_days(ago),
    }


def _frac_days(days: np.ndarray) -> np.ndarray:
    return np.rint(days * 86_400_000_000).astype("timedelta64[us]")
