"""What the demo customers do over three years: buy, use, complain, answer surveys, meet their reps.

Every generator here reads the latent ``health`` of an account (see ``generator``): unhealthy
customers log in less and less, file unhappy tickets, pay late and order less before they churn.
Columns are computed for all rows at once; row order and ids follow account order.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from copilot.core.store import models as m
from copilot.demo import vocab
from copilot.demo.bulk import Frame, Ids

Rows = Iterator[tuple[Any, Frame]]
US_PER_HOUR = 3_600_000_000


def _pick(options: list[Any] | tuple[Any, ...], index: np.ndarray) -> np.ndarray:
    """``options[index]`` for a whole column, as Python objects (strings shared, not copied)."""
    out = np.empty(len(options), dtype=object)
    out[:] = list(options)
    return out[index]


def _hours(h: np.ndarray) -> np.ndarray:
    return np.rint(np.nan_to_num(h) * US_PER_HOUR).astype("timedelta64[us]")


def _days(d: Any) -> np.ndarray:
    return np.asarray(d).astype("timedelta64[D]")


def _end_ago(acc: Any) -> np.ndarray:
    """Days from each contract's end to today: positive (past) for churned accounts, else negative."""
    i = np.arange(len(acc.ids))
    return np.where(acc.churned, 20 + (i * 37) % 300, -(10 + (i * 53) % 350))


def commerce(state: dict[str, Any], _n: int) -> Rows:
    acc, rng, clock = state["acc"], state["rng"], state["clock"]
    cust = np.flatnonzero(acc.customer)
    end_ago = _end_ago(acc)
    yield m.Contract, _contracts(acc, cust, end_ago, rng, clock)
    yield m.Order, _orders(acc, cust, end_ago, rng, clock)
    yield m.UsageWeek, _usage(acc, cust, end_ago, rng, clock)


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


def _contracts(acc: Any, cust: np.ndarray, end_ago: np.ndarray, rng: np.random.Generator, clock: Any) -> Frame:
    licences = (acc.employees * rng.uniform(0.5, 1.0, len(acc.ids))).astype(int) + 5
    end = clock.date_ago(end_ago[cust])
    start_ago = np.maximum(acc.start[cust], end_ago[cust] + 365)  # at least a year long
    return {
        "id": Ids("ctr-", cust + 1, 5),
        "account_id": acc.ids[cust],
        "product": vocab.PRODUCTS[0][0],
        "start_date": clock.date_ago(start_ago),
        "end_date": end,
        "renewal_date": end - _days(90),
        "annual_value": np.round(licences[cust] * vocab.PRODUCTS[0][1] * 12, 2),
        "licences": licences[cust],
        "status": np.where(acc.churned[cust], "cancelled", "active").astype(object),
    }


def _orders(acc: Any, cust: np.ndarray, end_ago: np.ndarray, rng: np.random.Generator, clock: Any) -> Frame:
    # Monthly-ish orders of add-ons and services; shrinking for unhealthy accounts.
    counts = np.maximum(rng.poisson(3 + 3 * acc.size[cust] + np.clip(acc.health[cust], -1, 2) * 2), 1)
    owner = np.repeat(cust, counts)
    total = len(owner)
    span = acc.start[owner]
    end_offset = np.where(acc.churned[owner], end_ago[owner], 0)  # none after the contract ended
    ago = rng.integers(end_offset, np.maximum(span, end_offset + 1))
    group = np.repeat(np.arange(len(cust)), counts)
    order = np.lexsort((-ago, group))  # newest first within each account
    ago = ago[order]
    k = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    health = acc.health[owner]
    trend = 1 + 0.25 * health * (1 - ago / np.maximum(span, 1))  # recent orders follow health
    base = 500 * (1.0 + acc.size[owner]) ** 2
    amount = np.round(base * np.maximum(trend, 0.2) * rng.lognormal(0, 0.3, total), 2)
    delay = np.maximum(0, rng.normal(4 - 6 * health, 6)).astype(int)
    n = np.arange(1, total + 1)
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


def _usage(acc: Any, cust: np.ndarray, end_ago: np.ndarray, rng: np.random.Generator, clock: Any) -> Frame:
    weeks = 26
    monday = clock.today - _days(clock.now.weekday())
    health, churned = acc.health[cust][:, None], acc.churned[cust]
    seats = np.maximum(3, (acc.employees[cust] * 0.6).astype(int))[:, None]
    slope = (0.03 * np.minimum(acc.health[cust], 0.5) - np.where(churned, 0.04, 0.0))[:, None]
    stop = np.where(churned, end_ago[cust] // 7, -1)[:, None]
    noise = rng.normal(0, 0.08, (len(cust), weeks))
    w = np.arange(weeks)[None, :]
    ago = weeks - 1 - w
    level = np.maximum(0.02, 0.55 + 0.15 * health + slope * (w - weeks) / 2 + noise)
    capped = np.minimum(level, 1.0)
    active = np.maximum(1, (seats * capped).astype(int))
    rows, cols = np.nonzero(~((stop >= 0) & (ago < stop)))  # no usage after the contract ended
    level, capped, active = level[rows, cols], capped[rows, cols], active[rows, cols]
    return {
        "account_id": acc.ids[cust[rows]],
        "week_start": monday - _days(7 * ago[0, cols]),
        "logins": (active * (3 + 2 * level)).astype(int),
        "active_users": active,
        "avg_session_min": np.round(6 + 10 * level, 1),
        "features_used": (2 + 8 * capped).astype(int),
    }


def service(state: dict[str, Any], _n: int) -> Rows:
    acc, rng, clock = state["acc"], state["rng"], state["clock"]
    cust = np.flatnonzero(acc.customer)
    yield m.Ticket, _tickets(acc, state["contacts"], cust, rng, clock)
    yield m.SurveyResponse, _surveys(acc, cust, rng, clock)
    yield m.Activity, _activities(acc, rng, clock)


def _filer(contacts: dict[str, np.ndarray], owner: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """For each ticket of account ``owner``, one of that account's contacts (``pick`` in [0, 1))."""
    accounts = contacts["account"]
    first = np.searchsorted(accounts, np.arange(int(accounts.max()) + 1))  # contacts are grouped by account
    count = np.bincount(accounts, minlength=len(first))
    return first[owner] + (pick * count[owner]).astype(int)


def _tickets(acc: Any, contacts: dict, cust: np.ndarray, rng: np.random.Generator, clock: Any) -> Frame:
    counts = rng.poisson(np.clip(1.5 - 1.2 * acc.health[cust], 0.2, 6) * (1 + acc.size[cust]))
    owner = np.repeat(cust, counts)
    total = len(owner)
    n = np.arange(1, total + 1)
    ago_h = rng.uniform(1, 24 * 365, total)
    sentiment = np.clip(rng.normal(0.3 * acc.health[owner] - 0.1, 0.4), -1, 1)
    open_ = (ago_h < 24 * 10) & (rng.random(total) < 0.6)
    reply_h = rng.gamma(2, 3 + 4 * (acc.size[owner] == 0))
    res_h = np.where(open_, np.nan, np.round(reply_h + rng.gamma(2, 8, total), 1))
    priority = np.minimum(3, rng.exponential(0.7, total).astype(int))
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


def _surveys(acc: Any, cust: np.ndarray, rng: np.random.Generator, clock: Any) -> Frame:
    health = acc.health[cust]
    nps = np.clip(np.round(rng.normal(7.5 + 1.5 * health, 1.5)), 0, 10).astype(int)
    csat = np.clip(np.round(rng.normal(4 + 0.6 * health, 0.7)), 1, 5).astype(int)
    at = clock.ago_days(rng.integers(5, 300, len(cust)))
    both = np.repeat(cust, 2)  # an NPS answer and, a day later, a CSAT answer per customer
    kind = np.tile(np.array(["nps", "csat"], dtype=object), len(cust))
    return {
        "id": np.array([f"srv-{i + 1:05d}-{k[0]}" for i, k in zip(both.tolist(), kind, strict=True)], dtype=object),
        "account_id": acc.ids[both],
        "contact_id": None,
        "kind": kind,
        "score": np.column_stack([nps, csat]).ravel(),
        "comment": "",
        "at": np.column_stack([at, at + np.timedelta64(1, "D")]).ravel(),
    }


def _activities(acc: Any, rng: np.random.Generator, clock: Any) -> Frame:
    counts = rng.poisson(1.5 + acc.size, len(acc.ids))
    owner = np.repeat(np.arange(len(acc.ids)), counts)
    n = np.arange(1, len(owner) + 1)
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
