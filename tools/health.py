"""Service health board data: NPS/CSAT, reply-time compliance per tier, onboarding of new customers."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from pydantic import BaseModel

from tools.tiers import SERVICE_MATRIX


class SurveyPeriod(BaseModel):
    period: str
    nps: float | None
    """% promoters (9-10) − % detractors (0-6); None without answers."""
    nps_answers: int
    csat: float | None
    """Share of CSAT answers 4-5, in %."""
    csat_answers: int


class ReplyCompliance(BaseModel):
    tier: str
    target_hours: int
    tickets: int
    within_target: int
    compliance: float | None
    median_reply_hours: float | None


class Onboarding(BaseModel):
    account_id: str
    started: datetime
    weeks: int
    active_weeks: int
    features_used: int
    progress: float
    """0..1: share of onboarding milestones reached (first login, 3+ active weeks, 5 features, 50 % users)."""
    status: str


def _none(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 2)


def survey_scores(surveys: pd.DataFrame, *, freq: str = "M") -> list[SurveyPeriod]:
    if surveys.empty:
        return []
    s = surveys.assign(period=surveys["at"].dt.to_period(freq).astype(str))
    out = []
    for period, g in s.groupby("period"):
        nps = g[g["kind"] == "nps"]["score"]
        csat = g[g["kind"] == "csat"]["score"]
        out.append(SurveyPeriod(
            period=str(period), nps_answers=len(nps), csat_answers=len(csat),
            nps=_none(100 * ((nps >= 9).mean() - (nps <= 6).mean())) if len(nps) else None,
            csat=_none(100 * (csat >= 4).mean()) if len(csat) else None))
    return out


def reply_compliance(tickets: pd.DataFrame, tier_by_account: pd.Series) -> list[ReplyCompliance]:
    """Share of tickets whose first reply came within the tier's target (unanswered count as missed)."""
    out: list[ReplyCompliance] = []
    if tickets.empty:
        return out
    t = tickets.assign(tier=tickets["account_id"].map(tier_by_account).fillna("standard"))
    hours = (t["first_reply_at"] - t["opened_at"]).dt.total_seconds() / 3600
    t = t.assign(hours=hours)
    for tier, level in SERVICE_MATRIX.items():
        g = t[t["tier"] == tier.value]
        within = int((g["hours"] <= level.reply_within_hours).sum())
        out.append(ReplyCompliance(
            tier=tier.value, target_hours=level.reply_within_hours, tickets=len(g), within_target=within,
            compliance=_none(within / len(g)) if len(g) else None,
            median_reply_hours=_none(g["hours"].median()) if g["hours"].notna().any() else None))
    return out


def onboarding(contracts: pd.DataFrame, usage: pd.DataFrame, now: datetime, *, days: int = 90) -> list[Onboarding]:
    """Customers whose first contract started in the last ``days``, with their adoption so far."""
    if contracts.empty:
        return []
    first = contracts.groupby("account_id")["start_date"].min()
    new = first[(first > pd.Timestamp(now) - timedelta(days=days)) & (first <= pd.Timestamp(now))]
    out = []
    for acc, start in new.sort_values().items():
        u = usage[(usage["account_id"] == acc) & (usage["week_start"] >= start)] if not usage.empty else usage
        weeks = max(1, (pd.Timestamp(now) - start).days // 7)
        active = int((u["logins"] > 0).sum()) if len(u) else 0
        feats = int(u["features_used"].max()) if len(u) else 0
        users = float(u["active_users"].max()) if len(u) else 0.0
        lic = contracts[contracts["account_id"] == acc]["licences"].sum()
        steps = [active > 0, active >= 3, feats >= 5, lic > 0 and users >= 0.5 * lic]
        progress = sum(steps) / len(steps)
        expected = min(1.0, weeks / 8)
        status = "on track" if progress >= expected - 0.25 else "behind"
        out.append(Onboarding(account_id=str(acc), started=start.to_pydatetime(), weeks=weeks, active_weeks=active,
                              features_used=feats, progress=progress, status=status))
    return out
