"""A monthly price estimate from the list prices: "what would 120 users on Complete cost?" Pure.

The estimate follows the price list's own rules and nothing else: at least the minimum number of
users is billed, and the volume discount of the user count applies to licences (support plans are
priced per user without one). It is a list-price estimate, VAT excluded; an offer is a person's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

CENT = Decimal("0.01")


class Line(BaseModel):
    product: str
    """Catalogue key."""
    unit_price: Decimal
    licence: bool


class Estimate(BaseModel):
    users: int
    billed_users: int
    """At least the price list's minimum."""
    per_user: Decimal
    """The products' list prices added up, euros per user per month."""
    list_total: Decimal
    discount_percent: Decimal
    """The volume discount on the licences, 0 when none applies."""
    monthly: Decimal
    """What the month comes to, VAT excluded."""


def discount_for(users: int, steps: Sequence[tuple[int, Decimal]]) -> Decimal:
    """The volume discount (percent) of the highest step the user count reaches."""
    reached = [percent for at, percent in steps if users >= at]
    return max(reached, default=Decimal(0))


def estimate(lines: Sequence[Line], users: int, *, minimum_users: int,
             discounts: Sequence[tuple[int, Decimal]]) -> Estimate:
    if users <= 0 or not lines:
        raise ValueError("an estimate needs a positive user count and at least one product")
    billed = max(users, minimum_users)
    percent = discount_for(users, discounts)
    licences = sum((line.unit_price for line in lines if line.licence), Decimal(0)) * billed
    plans = sum((line.unit_price for line in lines if not line.licence), Decimal(0)) * billed
    monthly = licences * (1 - percent / 100) + plans
    return Estimate(users=users, billed_users=billed, per_user=sum((line.unit_price for line in lines), Decimal(0)),
                    list_total=(licences + plans).quantize(CENT, ROUND_HALF_UP), discount_percent=percent,
                    monthly=monthly.quantize(CENT, ROUND_HALF_UP))
