"""A contact's situation as the e-mail writer sees it: what the account owns, and why now.

``situation`` is a pure function of the account's signals (read in bulk by
``copilot.core.store.repo.signals``) and the date. ``facts`` turns it into context facts, each with
its data category, so the consent gate's decision decides which of them a text may state.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from copilot.core.store.models import Account
from copilot.core.store.repo.signals import AccountSignals
from copilot.facts import Fact
from copilot.writing import offers

USAGE_DROP = -0.2
"""A fall in logins (last four weeks against the four before) that a customer-success rep acts on."""
RECENT_ORDER_DAYS = 90
NEW_CUSTOMER_DAYS = 120


class Situation(BaseModel):
    today: date
    account_id: str | None = None
    company: str | None = None
    industry: str | None = None
    employees: int | None = None
    owned: frozenset[str] = frozenset()
    """Product keys the account has (never offered again); known even where it may not be stated."""
    customer: bool = False
    """An active contract today."""
    contract_product: str | None = None
    contract_start: date | None = None
    contract_end: date | None = None
    contract_source: str | None = None
    former_end: date | None = None
    """For a former customer: when their last contract ended."""
    last_order: tuple[str, date] | None = None
    usage_change: float | None = None
    """Relative change of weekly logins, last four weeks against the four before."""
    pages: list[str] = Field(default_factory=list)
    open_tickets: int = 0

    @property
    def days_to_renewal(self) -> int | None:
        return (self.contract_end - self.today).days if self.contract_end else None

    @property
    def new_customer(self) -> bool:
        return bool(self.customer and self.contract_start and (self.today - self.contract_start).days
                    <= NEW_CUSTOMER_DAYS)

    @property
    def recent_order(self) -> tuple[str, date] | None:
        if self.last_order and (self.today - self.last_order[1]).days <= RECENT_ORDER_DAYS:
            return self.last_order
        return None

    @property
    def usage_down(self) -> bool:
        return self.usage_change is not None and self.usage_change <= USAGE_DROP


def situation(account: Account | None, signals: AccountSignals | None, *, today: date) -> Situation:
    """The situation of one account on ``today`` (an empty one for a contact without an account)."""
    if account is None:
        return Situation(today=today)
    s = signals or AccountSignals()
    active = [c for c in s.contracts if c.status == "active" and c.end_date >= today]
    ended = [c for c in s.contracts if c.status != "active" or c.end_date < today]
    names = [c.product for c in active] + [p for p, _d in s.products]
    out = Situation(
        today=today,
        account_id=account.id,
        company=account.name,
        industry=account.industry,
        employees=account.employees,
        owned=offers.owned(names) if active or s.products else frozenset(),
        customer=bool(active),
        last_order=s.products[0] if s.products else None,
        pages=list(s.pages),
        open_tickets=s.open_tickets,
    )
    if active:
        c = active[0]
        out.contract_product, out.contract_start, out.contract_end = c.product, c.start_date, c.end_date
        out.contract_source = f"contract:{c.id}"
    elif ended:
        out.former_end = ended[0].end_date
    if s.weeks_recent and s.weeks_before and s.logins_before:
        recent, before = s.logins_recent / s.weeks_recent, s.logins_before / s.weeks_before
        out.usage_change = round(recent / before - 1, 3)
    return out


def facts(sit: Situation) -> list[Fact]:
    """The situation as context facts, each tagged with the category the gate rules on."""
    if sit.account_id is None:
        return []
    acc = f"account:{sit.account_id}"
    out: list[Fact] = []
    if sit.contract_end and sit.contract_product:
        src = sit.contract_source or acc
        out += [
            Fact(key="contract.product", value=sit.contract_product, category="purchase_history", source=src),
            Fact(key="contract.end_date", value=sit.contract_end.isoformat(), category="purchase_history",
                 source=src),
            Fact(key="contract.days_left", value=str(sit.days_to_renewal), category="purchase_history", source=src),
        ]
        if sit.contract_start:
            out += [
                Fact(key="contract.start_date", value=sit.contract_start.isoformat(), category="purchase_history",
                     source=src),
                Fact(key="contract.start_year", value=str(sit.contract_start.year), category="purchase_history",
                     source=src),
            ]
    if sit.former_end:
        out.append(Fact(key="contract.ended", value=sit.former_end.isoformat(), category="purchase_history",
                        source=acc))
    if sit.last_order:
        product, day = sit.last_order
        src = f"orders:{sit.account_id}"
        out += [
            Fact(key="last_order.product", value=product, category="purchase_history", source=src),
            Fact(key="last_order.date", value=day.isoformat(), category="purchase_history", source=src),
        ]
    if sit.usage_change is not None:
        out.append(Fact(key="usage.login_change", value=f"{sit.usage_change:+.3f}", category="usage",
                        source=f"usage:{sit.account_id}"))
    if sit.pages:
        out.append(Fact(key="behaviour.recent_pages", value=", ".join(sit.pages), category="behaviour",
                        source=f"events:{sit.account_id}"))
    return out
