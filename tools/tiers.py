"""Value tiers and their service levels (staff only), and the check that keeps them out of customer text.

Tiers by CLV percentile: VIP top 10 %, Premium next 20 %, Standard 60 %, Basic bottom 10 %.
The simpler starting view is VIP – Standard – Risk. Customers must never be told their tier, so
:func:`find_tier_words` flags tier vocabulary (fi/en) in any text meant for a customer.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pydantic import BaseModel

from copilot.core.domain import Tier
from copilot.core.errors import PolkuError

# (tier, share of accounts from the top)
TIER_SHARES: tuple[tuple[Tier, float], ...] = (
    (Tier.vip, 0.10), (Tier.premium, 0.20), (Tier.standard, 0.60), (Tier.basic, 0.10))


class ServiceLevel(BaseModel):
    tier: Tier
    reply_within_hours: int
    handled_by: str
    channels: list[str]
    extras: list[str]


SERVICE_MATRIX: dict[Tier, ServiceLevel] = {
    Tier.vip: ServiceLevel(tier=Tier.vip, reply_within_hours=2, handled_by="senior specialist",
                           channels=["phone", "named contact", "email", "chat"],
                           extras=["proactive check-ins", "quarterly business review", "early access to features"]),
    Tier.premium: ServiceLevel(tier=Tier.premium, reply_within_hours=8, handled_by="experienced agent",
                               channels=["phone", "email", "chat"],
                               extras=["onboarding help", "priority queue"]),
    Tier.standard: ServiceLevel(tier=Tier.standard, reply_within_hours=24, handled_by="service agent",
                                channels=["email", "chat", "self-service"], extras=["knowledge base"]),
    Tier.basic: ServiceLevel(tier=Tier.basic, reply_within_hours=48, handled_by="junior agent or chatbot",
                             channels=["chatbot", "FAQ", "email"], extras=[]),
}


def assign_tiers(clv: pd.Series) -> pd.Series:
    """Tier per account by CLV rank (ties broken by the index order, so the split is exact)."""
    values = pd.to_numeric(clv, errors="coerce")
    if values.isna().any() or not np.isfinite(values.to_numpy(float)).all():
        raise PolkuError("invalid", "every account needs a finite CLV to be tiered")
    n = len(values)
    if n == 0:
        return pd.Series([], dtype=object, index=clv.index)
    # rank 0 = highest CLV; a stable sort keeps the result deterministic
    order = np.argsort(-values.to_numpy(float), kind="stable")
    pct = np.empty(n)
    pct[order] = (np.arange(n) + 0.5) / n
    cuts = np.cumsum([share for _, share in TIER_SHARES])
    idx = np.searchsorted(cuts, pct, side="right")
    names = np.array([t.value for t, _ in TIER_SHARES], dtype=object)
    return pd.Series(names[np.minimum(idx, len(names) - 1)], index=clv.index, name="tier")


def simple_view(tier: pd.Series, churn_probability: pd.Series, *, risk_threshold: float = 0.5) -> pd.Series:
    """VIP – Standard – Risk: risk first (whatever the value), then VIP, everyone else Standard."""
    out = np.where(churn_probability.to_numpy(float) >= risk_threshold, "risk",
                   np.where(tier.to_numpy(object) == Tier.vip.value, "vip", "standard"))
    return pd.Series(out, index=tier.index, name="view")


_TIER_PATTERNS = [
    r"\bVIP\w*", r"\bpremium[- ]?(asiak\w*|tier|taso\w*|customer\w*|level)", r"\b(basic|standard|vip|premium)[- ]"
    r"(tier|level|segment|asiak\w*|luokka\w*|taso\w*)", r"\btier\w*", r"\basiakas(luokka|taso|segmentti)\w*",
    r"\barvoluok\w*", r"\bperusasiak\w*", r"\bvakioasiak\w*", r"\bpalvelutaso(si|nne)\b",
    r"\b(customer|service) (tier|level|class)\w*",
]
_TIER_RE = re.compile("|".join(f"(?:{p})" for p in _TIER_PATTERNS), re.IGNORECASE)


def find_tier_words(text: str) -> list[str]:
    """Tier vocabulary (fi/en) found in ``text``; an empty list means it may go to a customer."""
    return sorted({m.group(0).strip() for m in _TIER_RE.finditer(text)})


def assert_customer_safe(text: str) -> None:
    """Raise if text meant for a customer names a value tier."""
    found = find_tier_words(text)
    if found:
        raise PolkuError("forbidden", f"customer-facing text must not name value tiers: {', '.join(found)}")
