"""What the demo customers do: buy, use, complain, answer surveys, meet their reps.

Every generator here reads the latent ``health`` of an account (see ``generator``) and its
relationship (``lifecycle``): unhealthy customers file more tickets and pay later, and in the months
before a customer leaves its usage falls and unhappy tickets, late payments and low NPS answers
pile up. Columns are computed for all rows at once; row order and ids follow account order.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from copilot.core.store import models as m
from copilot.demo import lifecycle, vocab
from copilot.demo.bulk import Frame, Ids

Rows = Iterator[tuple[Any, Frame]]
US_PER_HOUR = 3_600_000_000
TICKET_DAYS = 540
"""Support history kept, in days."""


def _pick(options: list[Any] | tuple[Any, ...], index: np.ndarray) -> np.ndarray:
    """``options[index]`` for a whole column, as Python objects (strings shared, not copied)."""
    out = np.empty(len(options), dtype=object)
    out[:] = list(options)
    return out[index]


def _hours(h: np.ndarray) -> np.ndarray:
    return np.rint(np.nan_to_num(h) * US_PER_HOUR).astype("timedelta64[us]")


def _days(d: Any) -> np.ndarray:
    return np.asarray(d).astype("timedelta64[D]")


def commerce(state: dict[str, Any], _n: int) -> Rows:
    acc, rng, clock, life = state["acc"], state["rng"], state["clock"], state["life"]
    cust = np.flatnonzero(acc.customer)
    yield m.Contract, lifecycle.contracts(acc, life, cust, clock)
    yield m.Order, _orders(acc, life, cust, rng, clock)
    yield m.UsageWeek, lifecycle.usage(acc, life, cust, rng, clock)


def _order_products(owner: np.ndarray, k: np.ndarray) -> np.ndarray:
    """What each order bought: the account's own add-ons first, then services, in turn.

    Which add-ons an account has is a fixed hash of its index (no draw from the shared random
    stream, so the rest of the demo data does not move): about ADDON_SHARE of a hundred customers
    have each one, so some own HR Core alone and some everything.
    """
    addons = [p[0] for p in vocab.PRODUCTS[1:]]
    menus: dict[int, list[str]] = {}
    out = np.empty(len(owner), dtype=object)
    for j, (a, nth) in enumerate(zip(owner.tolist(), k.tolist(), strict=True)):
        menu = menus.get(a)
        if menu is None:
            draw = [zlib.crc32(f"{a}:{i}".encode()) % 100 for i in range(len(addons))]
            menu = menus[a] = [x for x, d, share in zip(addons, draw, vocab.ADDON_SHARE, strict=True)
                               if d < share] + vocab.SERVICES
        out[j] = menu[nth % len(menu)]
    return out


def _orders(acc: Any, life: lifecycle.Life, cust: np.ndarray, rng: np.random.Generator, clock: Any) -> Frame:
    # Add-ons and services now and then while a customer; fewer, smaller and paid later in a decline.
    span = np.minimum(life.since[cust], 3 * 365)
    counts = np.maximum(rng.poisson((3 + 3 * acc.size[cust] + np.clip(acc.health[cust], -1, 2) * 2) * span / 700), 1)
    owner = np.repeat(cust, counts)
    total = len(owner)
    first = np.maximum(life.end[owner], 0)  # none after the contract ended
    ago = rng.uniform(first, np.maximum(np.minimum(life.since[owner], 3 * 365), first + 1)).astype(int)
    low = lifecycle.declining(life, owner, ago.astype(float))
    keep = ~low | (rng.random(total) < 0.5)
    owner, ago, low = owner[keep], ago[keep], low[keep]
    total = len(owner)
    group = np.searchsorted(cust, owner)
    order = np.lexsort((-ago, group))  # newest first within each account
    owner, ago, low = owner[order], ago[order], low[order]
    k = np.arange(total) - np.searchsorted(owner, owner) if total else np.zeros(0, int)
    health = acc.health[owner]
    base = 500 * (1.0 + acc.size[owner]) ** 2
    amount = np.round(base * np.where(low, 0.6, 1.0) * np.exp(0.15 * health) * rng.lognormal(0, 0.3, total), 2)
    delay = np.maximum(0, rng.normal(3 - 4 * health, 4) + np.where(low, rng.normal(20, 8, total), 0)).astype(int)
    n = acc.serial.take("ord-", total)
    recent = ago < 10
    odate = clock.date_ago(ago)
    return {
        "id": Ids("ord-", n, 7),
        "account_id": acc.ids[owner],
        "order_date": odate,
        "amount": amount,
        "margin": np.round(amount * 0.7, 2),
        "product": _order_products(owner, k),
        "status": np.where(recent, _pick(("received", "processing", "shipped"), k % 3), "delivered"),
        "invoice_due": odate + _days(14),
        "paid_date": np.where(recent, np.datetime64("NaT", "D"), odate + _days(14 + delay)),
        "payment_delay_days": np.where(recent, 0, delay),
    }


def service(state: dict[str, Any], _n: int) -> Rows:
    acc, rng, clock, life = state["acc"], state["rng"], state["clock"], state["life"]
    cust = np.flatnonzero(acc.customer)
    yield m.Ticket, _tickets(acc, life, state["contacts"], cust, rng, clock)
    yield m.SurveyResponse, _surveys(acc, life, cust, rng, clock)
    yield m.Activity, _activities(acc, rng, clock)


def _filer(contacts: dict[str, np.ndarray], owner: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """For each ticket of account ``owner``, one of that account's contacts (``pick`` in [0, 1))."""
    accounts = contacts["account"]
    first = np.searchsorted(accounts, np.arange(int(accounts.max()) + 1))  # contacts are grouped by account
    count = np.bincount(accounts, minlength=len(first))
    return first[owner] + (pick * count[owner]).astype(int)


def _ticket_times(acc: Any, life: lifecycle.Life, cust: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(account, hours ago, filed during a decline) of every ticket, oldest accounts first.

    Everyday questions come at a rate that grows with size and falls with health; a declining
    customer files extra, unhappier ones. Nothing is filed before the first term or after the last.
    """
    lo = np.maximum(life.end[cust], 0.0)
    hi = np.minimum(life.since[cust], TICKET_DAYS)
    days = np.maximum(hi - lo, 0)
    health = acc.health[cust]
    base = rng.poisson(days / 30 * 0.1 * (1 + acc.size[cust]) * (1 + 1 / (1 + np.exp(2 * health))))
    d_lo = np.maximum(lo, life.recover[cust])
    d_hi = np.minimum(np.nan_to_num(life.onset[cust], nan=0.0), hi)
    d_days = np.maximum(d_hi - d_lo, 0)
    extra = rng.poisson(d_days / 30 * 0.45 * (1 + acc.size[cust] / 2))
    owner = np.r_[np.repeat(cust, base), np.repeat(cust, extra)]
    lo_r = np.r_[np.repeat(lo, base), np.repeat(d_lo, extra)]
    hi_r = np.r_[np.repeat(hi, base), np.repeat(d_hi, extra)]
    ago_h = rng.uniform(lo_r * 24 + 1, np.maximum(hi_r * 24, lo_r * 24 + 2))
    bad = np.r_[np.zeros(base.sum(), bool), np.ones(extra.sum(), bool)]
    order = np.lexsort((-ago_h, owner))
    return owner[order], ago_h[order], bad[order] | lifecycle.declining(life, owner[order], ago_h[order] / 24)


def _tickets(acc: Any, life: lifecycle.Life, contacts: dict, cust: np.ndarray, rng: np.random.Generator,
             clock: Any) -> Frame:
    owner, ago_h, low = _ticket_times(acc, life, cust, rng)
    total = len(owner)
    n = acc.serial.take("tkt-", total)
    sentiment = np.clip(np.where(low, rng.normal(-0.55, 0.25, total),
                                 rng.normal(0.2 + 0.2 * acc.health[owner], 0.35)), -1, 1)
    open_ = (ago_h < 24 * 10) & (rng.random(total) < 0.6)
    reply_h = rng.gamma(2, 3 + 4 * (acc.size[owner] == 0))
    res_h = np.where(open_, np.nan, np.round(reply_h + rng.gamma(2, 8, total), 1))
    priority = np.minimum(3, rng.exponential(np.where(low, 1.3, 0.6), total).astype(int))
    opened = clock.ago_hours(ago_h)
    topic = n % len(vocab.TICKETS)
    filer = _filer(contacts, owner, rng.random(total))
    english = contacts["english"][filer].astype(int)  # written in the filer's own language
    nat = np.datetime64("NaT", "us")
    return {
        "id": Ids("tkt-", n, 6),
        "account_id": acc.ids[owner],
        "contact_id": contacts["ids"][filer],
        "subject": _pick([t[lang] for t in vocab.TICKETS for lang in (0, 1)], 2 * topic + english),
        "body": _pick([t[2 + lang] for t in vocab.TICKETS for lang in (0, 1)], 2 * topic + english),
        "status": np.where(open_, "open", "closed").astype(object),
        "priority": _pick(("low", "normal", "high", "urgent"), priority),
        "sentiment": np.round(sentiment, 2),
        "opened_at": opened,
        "first_reply_at": np.where(reply_h < ago_h, opened + _hours(reply_h), nat),
        "resolved_at": np.where(open_, nat, opened + _hours(res_h)),
        "resolution_hours": res_h,
        "channel": _pick(("email", "chat", "phone"), n % 3),
    }


def _surveys(acc: Any, life: lifecycle.Life, cust: np.ndarray, rng: np.random.Generator, clock: Any) -> Frame:
    """An NPS answer and, a day later, a CSAT answer about twice a year while a customer."""
    phase = rng.uniform(5, 180, len(cust))
    rounds = np.arange(3)  # the last year and a half
    ago = phase[:, None] + 180 * rounds[None, :]
    ok = (ago >= np.maximum(life.end[cust], 0)[:, None]) & (ago <= life.since[cust][:, None])
    r, k = np.nonzero(ok)
    owner, at_ago = cust[r], ago[r, k]
    low = lifecycle.declining(life, owner, at_ago)
    health = acc.health[owner]
    nps = np.clip(np.round(rng.normal(7.6 + 1.2 * health - 3.5 * low, 1.2)), 0, 10).astype(int)
    csat = np.clip(np.round(rng.normal(4.1 + 0.5 * health - 1.2 * low, 0.6)), 1, 5).astype(int)
    at = clock.ago_days(at_ago.round())
    both = np.repeat(np.arange(len(owner)), 2)
    number = acc.serial.take("srv-", len(owner))[both]
    kind = np.tile(np.array(["nps", "csat"], dtype=object), len(owner))
    return {
        "id": np.array([f"srv-{i:06d}-{c[0]}" for i, c in zip(number.tolist(), kind, strict=True)], dtype=object),
        "account_id": acc.ids[owner[both]],
        "contact_id": None,
        "kind": kind,
        "score": np.column_stack([nps, csat]).ravel(),
        "comment": "",
        "at": np.column_stack([at, at + np.timedelta64(1, "D")]).ravel(),
    }


def _activities(acc: Any, rng: np.random.Generator, clock: Any) -> Frame:
    counts = rng.poisson(1.5 + acc.size, len(acc.ids))
    owner = np.repeat(np.arange(len(acc.ids)), counts)
    n = acc.serial.take("act-", len(owner))
    notes = n % len(vocab.ACTIVITY_NOTES)
    return {
        "id": Ids("act-", n, 7),
        "account_id": acc.ids[owner],
        "contact_id": None,
        "kind": _pick([a[0] for a in vocab.ACTIVITY_NOTES], notes),
        "subject": _pick([a[1] for a in vocab.ACTIVITY_NOTES], notes),
        "body": "",
        "at": clock.ago_days(rng.integers(1, 700, len(owner))),
        "actor": _pick([r[0] for r in vocab.REPS], acc.owner[owner]),
    }
