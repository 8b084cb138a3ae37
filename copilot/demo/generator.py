"""Deterministic demo CRM for Kaarna Ohjelmistot Oy.

Given a seed and a reference time the same rows come out every time. Each account carries a hidden
``health`` (customers) or ``intent`` (prospects); usage, tickets, payment delays, order sizes, web
behaviour and lead conversion all follow from it, so the scoring models have real signal to find
and churn looks the way the sources describe it (falling usage, unhappy tickets, late payments).

Rows are generated table by table with numpy and written with executemany in batches, which is what
makes 100,000 accounts fit in the two-minute budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert

from copilot.demo import activity, vocab
from copilot.demo.content import load_modules
from copilot.store import models as m
from copilot.store.db import Database
from copilot.store.repo import admin

BATCH = 20_000
DAY = timedelta(days=1)


@dataclass
class GenerationSummary:
    seed: int
    accounts: int
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class _Accounts:
    ids: list[str]
    industry: np.ndarray
    size: np.ndarray  # 0 small, 1 medium, 2 key
    employees: np.ndarray
    owner: np.ndarray
    customer: np.ndarray  # bool
    health: np.ndarray  # latent, higher is healthier / more interested
    churned: np.ndarray  # bool, only customers
    start: np.ndarray  # customership start, days before now


def generate(
    db: Database, *, accounts: int = 500, seed: int = 7, now: datetime | None = None, progress: Any = None
) -> GenerationSummary:
    """Fill an empty store with demo data; everything in one transaction."""
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = np.random.default_rng(seed)
    summary = GenerationSummary(seed=seed, accounts=accounts)
    steps = [_content, _accounts_and_people, activity.commerce, activity.service, activity.marketing]
    with db.session() as session:
        admin.require_empty(session)
        conn = session.connection()
        state: dict[str, Any] = {"now": now, "rng": rng}
        for step in steps:
            for table, rows in step(state, accounts):
                summary.rows[table.__tablename__] = summary.rows.get(table.__tablename__, 0) + _write(conn, table, rows)
            if progress:
                progress(step.__name__.strip("_"))
    return summary


def _write(conn: Any, table: Any, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for chunk in _batches(rows, BATCH):
        conn.execute(insert(table), chunk)
        count += len(chunk)
    return count


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _content(state: dict[str, Any], _n: int) -> Iterator[tuple[Any, Iterable[dict[str, Any]]]]:
    modules = load_modules()
    yield m.ContentModule, (mod.model_dump(mode="python") for mod in modules)
    yield m.Rep, ({"id": rid, "name": name, "email": f"{rid.split('-', 1)[1]}@kaarna.example", "role": role,
                   "slack_user_id": slack} for rid, name, role, slack in vocab.REPS + vocab.STAFF)


def _accounts_and_people(state: dict[str, Any], n: int) -> Iterator[tuple[Any, Iterable[dict[str, Any]]]]:
    rng, now = state["rng"], state["now"]
    size = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    customer = rng.random(n) < 0.6
    health = rng.normal(0, 1, n)
    churned = customer & (rng.random(n) < 1 / (1 + np.exp(1.2 + 1.6 * health)))
    acc = _Accounts(
        ids=[f"acc-{i:05d}" for i in range(1, n + 1)],
        industry=rng.integers(0, len(vocab.INDUSTRIES), n),
        size=size,
        employees=(np.array([40, 250, 1200])[size] * rng.lognormal(0, 0.5, n)).astype(int) + 5,
        owner=rng.integers(0, len(vocab.REPS), n),
        customer=customer,
        health=health,
        churned=churned,
        start=rng.integers(120, 3 * 365, n),
    )
    state["acc"] = acc
    yield m.Account, _account_rows(acc, rng, now)
    contacts = _contact_table(acc, rng)
    state["contacts"] = contacts
    yield m.Contact, _contact_rows(acc, contacts, rng)
    consent_seed = int(rng.integers(0, 2**31))
    yield m.Consent, _consent_rows(acc, contacts, consent_seed, now, history=False)
    yield m.ConsentEvent, _consent_rows(acc, contacts, consent_seed, now, history=True)


def _account_rows(acc: _Accounts, rng: np.random.Generator, now: datetime) -> Iterator[dict[str, Any]]:
    stems = rng.integers(0, len(vocab.COMPANY_STEMS), len(acc.ids))
    sizes = ["small", "medium", "key"]
    for i, ident in enumerate(acc.ids):
        industry = vocab.INDUSTRIES[acc.industry[i]]
        suffixes = vocab.INDUSTRY_SUFFIX[industry]
        yield {
            "id": ident,
            "name": f"{vocab.COMPANY_STEMS[stems[i]]} {suffixes[i % len(suffixes)]}",
            "industry": industry,
            "size": sizes[acc.size[i]],
            "employees": int(acc.employees[i]),
            "country": "FI",
            "owner": vocab.REPS[acc.owner[i]][0],
            "tier": None,
            "acquisition_cost": float(round(800 * (1 + acc.size[i]) ** 1.5, 2)),
            "created_at": now - DAY * int(acc.start[i] + 60),
            "notes": "",
        }


def _contact_table(acc: _Accounts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    per = rng.integers(2, 7, len(acc.ids)) + acc.size  # bigger accounts have bigger buying groups
    account = np.repeat(np.arange(len(acc.ids)), per)
    total = len(account)
    return {
        "account": account,
        "first": rng.integers(0, len(vocab.FIRST_NAMES), total),
        "last": rng.integers(0, len(vocab.LAST_NAMES), total),
        "persona": rng.choice(len(vocab.PERSONAS), total, p=[0.3, 0.3, 0.15, 0.15, 0.1]),
        "english": rng.random(total) < 0.2,
        "stage": rng.choice(3, total, p=[0.4, 0.35, 0.25]),
    }


def _contact_rows(acc: _Accounts, c: dict[str, np.ndarray], rng: np.random.Generator) -> Iterator[dict]:
    stages = ["awareness", "consideration", "decision"]
    seen: set[str] = set()
    for j in range(len(c["account"])):
        a = int(c["account"][j])
        first, last = vocab.FIRST_NAMES[c["first"][j]], vocab.LAST_NAMES[c["last"][j]]
        email = f"{_ascii(first)}.{_ascii(last)}@{acc.ids[a]}.kaarna-demo.example"
        if email in seen:
            email = email.replace("@", f".{j}@")
        seen.add(email)
        persona, title_fi, title_en = vocab.PERSONAS[c["persona"][j]]
        yield {
            "id": f"con-{j + 1:06d}",
            "account_id": acc.ids[a],
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": f"+35840{(j * 7919) % 10_000_000:07d}",
            "title": title_en if c["english"][j] else title_fi,
            "persona": persona,
            "language": "en" if c["english"][j] else "fi",
            "owner": vocab.REPS[acc.owner[a]][0],
            "journey_stage": "customership" if acc.customer[a] else stages[c["stage"][j]],
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


def _consent_rows(
    acc: _Accounts, c: dict[str, np.ndarray], seed: int, now: datetime, *, history: bool
) -> Iterator[dict[str, Any]]:
    # Both passes (current state, history) replay the same seed, so they agree row for row.
    draws = np.random.default_rng(seed).random((len(c["account"]), len(_CONSENT_PLAN) + 3))
    for j in range(len(c["account"])):
        a, contact_id = int(c["account"][j]), f"con-{j + 1:06d}"
        level = ("basic", "standard", "premium")[int(draws[j, -1] * 3)]
        plan = list(_CONSENT_PLAN)
        if acc.customer[a] and not acc.churned[a]:
            plan += [("service_chat", "contract", 1.0, 0.0), ("proactive_service", "legitimate_interest", 0.95, 0.0)]
        for k, (purpose, basis, granted, withdrawn) in enumerate(plan):
            u = draws[j, min(k, draws.shape[1] - 2)]
            if u >= granted + withdrawn:
                continue  # never asked: no record, so no basis
            status = "granted" if u < granted else "withdrawn"
            when = now - DAY * int(30 + (u * 900) % 700)
            via = vocab.CONSENT_SOURCES[(j + k) % len(vocab.CONSENT_SOURCES)] if basis == "consent" else basis
            row = {
                "contact_id": contact_id,
                "purpose": purpose,
                "lawful_basis": basis,
                "obtained_via": via,
                "level": level,
            }
            if history:
                if status == "withdrawn":
                    yield {**row, "status": "granted", "at": when - DAY * 200, "actor": "import"}
                yield {**row, "status": status, "at": when, "actor": "import"}
            else:
                yield {**row, "id": f"cns-{j + 1:06d}-{purpose}", "status": status, "changed_at": when}
