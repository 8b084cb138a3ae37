"""Deterministic demo CRM for Kaarna Ohjelmistot Oy.

Given a seed and a reference time the same rows come out every time. Each account carries a hidden
``health`` (customers) or ``intent`` (prospects); usage, tickets, payment delays, order sizes, web
behaviour and lead conversion all follow from it, so the scoring models have real signal to find
and churn looks the way the sources describe it (falling usage, unhappy tickets, late payments).

Rows are generated table by table as numpy columns (no per-row Python dicts or random calls) and
written by ``bulk.BulkWriter`` with the driver's executemany / COPY, which is what makes 100,000
accounts fit in the two-minute budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from copilot.core.store import models as m
from copilot.core.store.db import Database
from copilot.core.store.repo import admin
from copilot.demo import activity, lifecycle, marketing, vocab
from copilot.demo.bulk import BulkWriter, Frame, Serial, ids
from copilot.demo.content import load_modules

US_PER_DAY = 86_400_000_000
BLOCK = 50_000
"""Accounts generated and written at a time: a store of any size needs the memory of one block
(~0.5 GB), not of every row (1,000,000 accounts are ~80 M rows). A store of at most this many
accounts is one block, so it is exactly what it was before blocks existed."""
Rows = Iterator[tuple[Any, Frame | list[dict[str, Any]]]]


@dataclass
class GenerationSummary:
    seed: int
    accounts: int
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class _Accounts:
    ids: np.ndarray  # object array of 'acc-00001' strings
    industry: np.ndarray
    size: np.ndarray  # 0 small, 1 medium, 2 key
    employees: np.ndarray
    owner: np.ndarray
    customer: np.ndarray  # bool
    health: np.ndarray  # latent, higher is healthier / more interested
    churned: np.ndarray  # bool, only customers
    start: np.ndarray  # customership start, days before now (see lifecycle.Life.since)
    names: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    serial: Serial = field(default_factory=Serial)
    """Row numbers of every table, continuing from the previous block."""


@dataclass
class Clock:
    """The reference time as numpy values, so whole columns of dates are one subtraction."""

    now: datetime
    now_us: np.datetime64
    today: np.datetime64

    @classmethod
    def at(cls, now: datetime) -> Clock:
        wall = now.replace(tzinfo=None)
        return cls(now, np.datetime64(wall, "us"), np.datetime64(wall.date(), "D"))

    def ago_days(self, days: Any) -> np.ndarray:
        """``now`` minus (possibly fractional) days, to the microsecond."""
        return self.now_us - np.rint(np.asarray(days, dtype=float) * US_PER_DAY).astype("timedelta64[us]")

    def ago_hours(self, hours: Any) -> np.ndarray:
        return self.ago_days(np.asarray(hours, dtype=float) / 24)

    def date_ago(self, days: Any) -> np.ndarray:
        return self.today - np.asarray(days).astype("timedelta64[D]")


def generate(
    db: Database,
    *,
    accounts: int = 500,
    seed: int = 7,
    now: datetime | None = None,
    progress: Any = None,
    block: int = BLOCK,
) -> GenerationSummary:
    """Fill an empty store with demo data; everything in one transaction.

    Accounts come in blocks of ``block``: each block is generated from its own random stream and
    written before the next is drawn, with ids continuing across blocks. ``progress`` is called
    once per step of every block (see :func:`step_count`)."""
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    if block < 1:
        raise ValueError("block must be at least 1")
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if now.tzinfo is not None:
        now = now.astimezone(UTC)
    summary = GenerationSummary(seed=seed, accounts=accounts)
    restore: Callable[[], None] | None = None
    try:
        with db.session() as session:
            admin.require_empty(session)
            writer = BulkWriter(session.connection(), tz_suffix="+00:00" if now.tzinfo else "")
            restore = writer.speed_up()
            state: dict[str, Any] = {"now": now, "clock": Clock.at(now), "seed": seed, "accounts": accounts,
                                     "serial": Serial()}
            for k, first in enumerate(range(0, accounts, block)):
                # Block 0 draws from the streams a one-piece generation always used.
                state["rng"] = np.random.default_rng(seed if k == 0 else [seed, 2, k])
                state["life_seed"] = [seed, 1] if k == 0 else [seed, 1, k]
                steps = _BLOCK_STEPS if k else [_content, *_BLOCK_STEPS]
                for step in steps:
                    for table, rows in step(state, min(block, accounts - first)):
                        name = table.__tablename__
                        summary.rows[name] = summary.rows.get(name, 0) + writer.write(table, rows)
                    if progress:
                        progress(step.__name__.strip("_"))
                for key in ("acc", "life", "contacts"):  # free the block before drawing the next
                    state.pop(key, None)
    finally:
        if restore is not None:
            restore()
    return summary


def step_count(accounts: int, block: int = BLOCK) -> int:
    """How many times :func:`generate` calls ``progress`` for this many accounts."""
    return 1 + len(_BLOCK_STEPS) * -(-accounts // block)


def _content(state: dict[str, Any], _n: int) -> Rows:  # once per store
    yield m.ContentModule, [mod.row() for mod in load_modules()]
    yield (
        m.Rep,
        [
            {
                "id": rid,
                "name": name,
                "email": f"{rid.split('-', 1)[1]}@kaarna.example",
                "role": role,
                "slack_user_id": slack,
            }
            for rid, name, role, slack in vocab.REPS + vocab.STAFF
        ],
    )


def _accounts_and_people(state: dict[str, Any], n: int) -> Rows:
    rng = state["rng"]
    size = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    customer = rng.random(n) < 0.6
    health = rng.normal(0, 1, n)
    churned = customer & (rng.random(n) < 1 / (1 + np.exp(1.2 + 1.6 * health)))
    acc = _Accounts(
        ids=ids("acc-", state["serial"].take("acc-", n), 5),
        industry=rng.integers(0, len(vocab.INDUSTRIES), n),
        size=size,
        employees=(np.array([40, 250, 1200])[size] * rng.lognormal(0, 0.5, n)).astype(int) + 5,
        owner=rng.integers(0, len(vocab.REPS), n),
        customer=customer,
        health=health,
        churned=churned,
        start=rng.integers(120, 3 * 365, n),
        serial=state["serial"],
    )
    state["acc"] = acc
    # the relationships draw from their own stream: names, contacts and consents stay as they were
    state["life"] = life = lifecycle.plan(acc, np.random.default_rng(state["life_seed"]))
    acc.start = np.where(acc.customer, life.since, acc.start).astype(int)
    yield m.Account, _account_rows(acc, rng, state["clock"])
    contacts = _contact_table(acc, rng)
    state["contacts"] = contacts
    yield m.Contact, _contact_rows(acc, contacts)
    draws = rng.random((len(contacts["account"]), len(_CONSENT_PLAN) + 3))
    current, history = _consent_rows(acc, contacts, draws, state["clock"])
    yield m.Consent, current
    yield m.ConsentEvent, history


def _account_rows(acc: _Accounts, rng: np.random.Generator, clock: Clock) -> Frame:
    n = len(acc.ids)
    stems = rng.integers(0, len(vocab.COMPANY_STEMS), n)
    suffixes = [vocab.INDUSTRY_SUFFIX[ind] for ind in vocab.INDUSTRIES]
    names = [
        f"{vocab.COMPANY_STEMS[s]} {suffixes[ind][i % len(suffixes[ind])]}"
        for i, (s, ind) in enumerate(zip(stems.tolist(), acc.industry.tolist(), strict=True))
    ]
    acc.names = np.array(names, dtype=object)  # the deals are named after their accounts
    return {
        "id": acc.ids,
        "name": acc.names,
        "industry": np.array(vocab.INDUSTRIES, dtype=object)[acc.industry],
        "size": np.array(["small", "medium", "key"], dtype=object)[acc.size],
        "employees": acc.employees,
        "country": "FI",
        "owner": _rep_ids()[acc.owner],
        "tier": None,
        "acquisition_cost": np.round(800 * (1.0 + acc.size) ** 1.5, 2),
        "created_at": clock.ago_days(acc.start + 60),
        "notes": "",
    }


def _rep_ids() -> np.ndarray:
    return np.array([r[0] for r in vocab.REPS], dtype=object)


def _contact_table(acc: _Accounts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    per = rng.integers(2, 7, len(acc.ids)) + acc.size  # bigger accounts have bigger buying groups
    account = np.repeat(np.arange(len(acc.ids)), per)
    total = len(account)
    numbers = acc.serial.take("con-", total)
    return {
        "account": account,
        "numbers": numbers,
        "ids": ids("con-", numbers, 6),
        "first": rng.integers(0, len(vocab.FIRST_NAMES), total),
        "last": rng.integers(0, len(vocab.LAST_NAMES), total),
        "persona": rng.choice(len(vocab.PERSONAS), total, p=[0.3, 0.3, 0.15, 0.15, 0.1]),
        "english": rng.random(total) < 0.2,
        "stage": rng.choice(3, total, p=[0.4, 0.35, 0.25]),
    }


def _contact_rows(acc: _Accounts, c: dict[str, np.ndarray]) -> Frame:
    a = c["account"]
    first, last = np.array(vocab.FIRST_NAMES, dtype=object), np.array(vocab.LAST_NAMES, dtype=object)
    ascii_first = [_ascii(x) for x in vocab.FIRST_NAMES]
    ascii_last = [_ascii(x) for x in vocab.LAST_NAMES]
    emails = [
        f"{ascii_first[f]}.{ascii_last[s]}@{acc_id}.kaarna-demo.example"
        for f, s, acc_id in zip(c["first"].tolist(), c["last"].tolist(), acc.ids[a].tolist(), strict=True)
    ]
    seen: set[str] = set()
    for j, email in enumerate(emails):  # namesakes in one account get a numbered address
        if email in seen:
            emails[j] = email.replace("@", f".{j}@")
        seen.add(emails[j])
    personas = np.array([p[0] for p in vocab.PERSONAS], dtype=object)
    titles = np.array([[p[1], p[2]] for p in vocab.PERSONAS], dtype=object)
    english = c["english"]
    stages = np.array(["awareness", "consideration", "decision"], dtype=object)
    return {
        "id": c["ids"],
        "account_id": acc.ids[a],
        "first_name": first[c["first"]],
        "last_name": last[c["last"]],
        "email": np.array(emails, dtype=object),
        "phone": np.array([f"+35840{k:07d}" for k in ((c["numbers"] - 1) * 7919 % 10_000_000).tolist()], dtype=object),
        "title": titles[c["persona"], english.astype(int)],
        "persona": personas[c["persona"]],
        "language": np.where(english, "en", "fi").astype(object),
        "owner": _rep_ids()[acc.owner[a]],
        "journey_stage": np.where(acc.customer[a], "customership", stages[c["stage"]]).astype(object),
    }


def _ascii(name: str) -> str:
    return name.lower().replace("ä", "a").replace("ö", "o").replace("å", "a")


# purpose -> (lawful basis, share granted, share withdrawn); service purposes only for customers
_CONSENT_PLAN = [
    ("email_marketing", "consent", 0.62, 0.12),
    ("newsletter", "consent", 0.45, 0.08),
    ("personalisation", "consent", 0.55, 0.10),
    ("site_tracking", "consent", 0.50, 0.05),
]
_SERVICE_PLAN = [("service_chat", "contract", 1.0, 0.0), ("proactive_service", "legitimate_interest", 0.95, 0.0)]


def _consent_rows(acc: _Accounts, c: dict[str, np.ndarray], draws: np.ndarray, clock: Clock) -> tuple[Frame, Frame]:
    """Current consents and their history from the same draws, so the two agree row for row."""
    plan = _CONSENT_PLAN + _SERVICE_PLAN
    service = (acc.customer & ~acc.churned)[c["account"]]
    u = draws[:, : len(plan)]  # purpose k reads column k; the last column picks the level
    granted = np.array([p[2] for p in plan])
    withdrawn = np.array([p[3] for p in plan])
    asked = u < granted + withdrawn  # never asked: no record, so no basis
    asked[:, len(_CONSENT_PLAN) :] &= service[:, None]
    j, k = np.nonzero(asked)  # row-major: contact by contact, purpose by purpose
    uu = u[j, k]
    is_withdrawn = uu >= granted[k]
    when = clock.ago_days(30 + ((uu * 900) % 700).astype(int))
    basis = np.array([p[1] for p in plan], dtype=object)[k]
    sources = np.array(vocab.CONSENT_SOURCES, dtype=object)[(j + k) % len(vocab.CONSENT_SOURCES)]
    common = {
        "contact_id": c["ids"][j],
        "purpose": np.array([p[0] for p in plan], dtype=object)[k],
        "lawful_basis": basis,
        "obtained_via": np.where(basis == "consent", sources, basis),
        "level": np.array(["basic", "standard", "premium"], dtype=object)[(draws[:, -1] * 3).astype(int)][j],
    }
    status = np.where(is_withdrawn, "withdrawn", "granted").astype(object)
    current = {
        **common,
        "id": np.array(
            [f"cns-{cid[4:]}-{p}"  # the contact's number: unique across blocks
             for cid, p in zip(common["contact_id"].tolist(), common["purpose"].tolist(), strict=True)],
            dtype=object,
        ),
        "status": status,
        "changed_at": when,
    }
    # a withdrawal is preceded by the grant it withdrew, 200 days earlier
    times = 1 + is_withdrawn.astype(int)
    rep = np.repeat(np.arange(len(j)), times)
    prior = np.zeros(len(rep), dtype=bool)
    prior[(np.cumsum(times) - times)[is_withdrawn]] = True
    history = {key: col[rep] for key, col in common.items()}
    history |= {
        "status": np.where(prior, "granted", status[rep]).astype(object),
        "at": np.where(prior, when[rep] - np.timedelta64(200, "D"), when[rep]),
        "actor": "import",
    }
    return current, history


_BLOCK_STEPS = [_accounts_and_people, activity.commerce, activity.service, marketing.marketing]
"""The steps that run once per block of accounts (content and reps come once, before them)."""
