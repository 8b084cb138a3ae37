"""What is happening at an account, read in bulk: the raw material of an e-mail's "why now".

One call reads contracts, products bought, usage, page views and open tickets for many accounts at
once (a campaign's whole segment), with a fixed number of queries per chunk of accounts; a single
draft reads the same for one account. Nothing here decides what may be used: the consent gate does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from copilot.core.store.models import Contract, Event, Order, Ticket, UsageWeek

CHUNK = 900
"""Accounts per IN (...) list: below SQLite's oldest limit of bound variables."""
USAGE_WINDOW = timedelta(weeks=4)
"""Usage is compared over the last four weeks against the four before them."""
PAGES_WINDOW = timedelta(days=30)
INTENT_PAGES = ("pricing", "services", "reference")


@dataclass
class AccountSignals:
    contracts: list[Contract] = field(default_factory=list)
    """Newest end date first."""
    products: list[tuple[str, date]] = field(default_factory=list)
    """Each product ordered, with the date of its latest order, newest first."""
    logins_recent: int = 0
    logins_before: int = 0
    weeks_recent: int = 0
    weeks_before: int = 0
    pages: list[str] = field(default_factory=list)
    """Intent pages (pricing, services, reference) viewed in the last 30 days."""
    open_tickets: int = 0


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def signals_of(session: Session, *, account_ids: list[str], today: date) -> dict[str, AccountSignals]:
    """Signals for each account (accounts with none get an empty record)."""
    out = {a: AccountSignals() for a in account_ids}
    since_usage = today - 2 * USAGE_WINDOW
    split = today - USAGE_WINDOW
    since_pages = datetime.combine(today - PAGES_WINDOW, datetime.min.time())
    for chunk in _chunks(sorted(set(account_ids))):
        for contract in session.scalars(
            select(Contract).where(Contract.account_id.in_(chunk)).order_by(Contract.end_date.desc())
        ):
            out[contract.account_id].contracts.append(contract)
        products = (
            select(Order.account_id, Order.product, func.max(Order.order_date))
            .where(Order.account_id.in_(chunk), Order.status != "cancelled")
            .group_by(Order.account_id, Order.product)
        )
        for account_id, product, last in session.execute(products):
            out[account_id].products.append((product, last))
        recent = UsageWeek.week_start >= split
        usage = (
            select(UsageWeek.account_id,
                   func.sum(case((recent, UsageWeek.logins), else_=0)), func.count(case((recent, 1))),
                   func.sum(case((recent, 0), else_=UsageWeek.logins)), func.count(case((recent, None), else_=1)))
            .where(UsageWeek.account_id.in_(chunk), UsageWeek.week_start >= since_usage,
                   UsageWeek.week_start < today)
            .group_by(UsageWeek.account_id)
        )
        for account_id, logins_recent, weeks_recent, logins_before, weeks_before in session.execute(usage):
            s = out[account_id]
            s.logins_recent, s.weeks_recent = int(logins_recent or 0), int(weeks_recent)
            s.logins_before, s.weeks_before = int(logins_before or 0), int(weeks_before)
        pages = (
            select(Event.account_id, Event.page_type)
            .where(Event.account_id.in_(chunk), Event.type == "page_view", Event.at >= since_pages,
                   Event.page_type.in_(INTENT_PAGES))
            .distinct()
        )
        for account_id, page in session.execute(pages):
            out[account_id].pages.append(page)
        tickets = (
            select(Ticket.account_id, func.count())
            .where(Ticket.account_id.in_(chunk), Ticket.status.in_(("open", "pending")))
            .group_by(Ticket.account_id)
        )
        for account_id, count in session.execute(tickets):
            out[account_id].open_tickets = int(count)
    for s in out.values():
        s.products.sort(key=lambda p: p[1], reverse=True)
        s.pages.sort()
    return out
