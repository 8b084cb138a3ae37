"""Trained models and the store-wide score board, kept per AppContext and on disk.

Single-account requests (brief, sidebar, Slack) must not load the whole store and retrain on every
call. A bundle holds the churn and conversion models, the score board (CLV, tier and the other
store-wide figures), the average won deal and the win rate, keyed by the store's fingerprint
(``analytics.store_version``), its URL, the as-of *date* and the shared ``scores`` version: a write
through the tools, an import or a new day makes it stale, and the next request rebuilds it
(``polku score --all`` refreshes it, and every process then loads the refreshed one).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import joblib
import pandas as pd

from copilot.core.context import SCORES, AppContext
from copilot.core.errors import PolkuError
from copilot.core.store.repo import analytics
from tools import churn_features, features, predictive, scoring
from tools import model as mdl

FORMAT = 4  # 4: churn on past term ends, contract CLV, win rate, prospects' open deals


@dataclass
class Bundle:
    key: str
    as_of: datetime
    churn_model: mdl.ExplainableModel | None
    conversion_model: mdl.ExplainableModel | None
    board: pd.DataFrame
    """``scoring.score_all`` at ``as_of``, indexed by account_id."""
    avg_deal: float
    win_rate: float
    """Share of closed deals won."""


def _key(ctx: AppContext, now: datetime) -> str:
    with ctx.db.session() as s:
        version = analytics.store_version(s)
    # the model inputs are part of the key: a model saved by code with other features is never loaded
    inputs = ",".join(churn_features.CHURN_NUMERIC + features.LEAD_NUMERIC)
    # With shared state, the scores version catches what the fingerprint cannot (an import that only
    # updates rows, a retrain in another process); it is this process's view of it, so no round trip
    # per request. A process-local version means nothing to the next process reading the file.
    shared = str(ctx.version(SCORES)) if ctx.shared.kind == "redis" else ""
    raw = "|".join((str(FORMAT), inputs, ctx.settings.resolved_database_url, now.date().isoformat(), *version,
                    shared))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _dir(ctx: AppContext) -> Path:
    return ctx.settings.cache_dir / "scoring"


def build(f: features.Frames, now: datetime, key: str = "") -> Bundle:
    """Train both models and score every account (the slow path, once per store version and day)."""
    try:
        churn_model = scoring.train_churn(f, now)
    except PolkuError:  # too little churn history: scores go without churn risk
        churn_model = None
    try:
        conversion_model = predictive.fit(f, now=now)
    except PolkuError:
        conversion_model = None
    board = scoring.score_all(f, now, churn_model=churn_model, allow_untrained=True,
                              conversion_model=conversion_model)
    return Bundle(key=key, as_of=now, churn_model=churn_model, conversion_model=conversion_model,
                  board=board.set_index("account_id"), avg_deal=avg_deal(f.opportunities),
                  win_rate=scoring.win_rate(f.opportunities, now) or 0.3)


def avg_deal(opp: pd.DataFrame) -> float:
    won = opp[opp["stage"] == "won"]["amount"] if not opp.empty else pd.Series(dtype=float)
    return float(won.mean()) if len(won) else 10_000.0


def _save(ctx: AppContext, bundle: Bundle) -> None:
    folder = _dir(ctx)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{bundle.key}.{os.getpid()}.tmp"
        joblib.dump(bundle, tmp)
        os.replace(tmp, folder / f"{bundle.key}.joblib")
        for old in folder.glob("*.joblib"):  # one store per data directory: older versions are dead
            if old.stem != bundle.key:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only data directory only costs speed
        pass


def _load(ctx: AppContext, key: str) -> Bundle | None:
    path = _dir(ctx) / f"{key}.joblib"
    if not path.exists():
        return None
    try:
        bundle = joblib.load(path)
    except Exception:  # a torn or foreign file is rebuilt, never trusted
        return None
    return bundle if isinstance(bundle, Bundle) and bundle.key == key else None


def get(ctx: AppContext, now: datetime) -> Bundle:
    """The current bundle: from memory, else from disk, else trained now (and persisted)."""
    key = _key(ctx, now)
    mem: dict[str, Bundle] = ctx.adapter("scoring_bundle", lambda _c: {})
    bundle = mem.get("current")
    if bundle is not None and bundle.key == key:
        return bundle
    bundle = _load(ctx, key)
    if bundle is None:
        with ctx.db.session() as s:
            f = features.load(s)
        if f.accounts.empty:
            raise PolkuError("not_found", "the store has no accounts; run `polku demo` or import a CRM first")
        bundle = build(f, now, key)
        _save(ctx, bundle)
    mem["current"] = bundle
    return bundle


def refresh(ctx: AppContext, f: features.Frames, now: datetime) -> Bundle:
    """Score every account at ``now`` exactly (reusing today's models when current) and keep the result."""
    old_key = _key(ctx, now)
    ctx.bump(SCORES)  # first, so the bundle is saved under the key every process now looks for
    key = _key(ctx, now)
    mem: dict[str, Bundle] = ctx.adapter("scoring_bundle", lambda _c: {})
    old = mem.get("current") or _load(ctx, old_key)
    if old is not None and old.key == old_key:
        board = scoring.score_all(f, now, churn_model=old.churn_model, allow_untrained=True,
                                  conversion_model=old.conversion_model)
        bundle = Bundle(key=key, as_of=now, churn_model=old.churn_model, conversion_model=old.conversion_model,
                        board=board.set_index("account_id"), avg_deal=old.avg_deal, win_rate=old.win_rate)
    else:
        bundle = build(f, now, key)
    _save(ctx, bundle)
    mem["current"] = bundle
    return bundle
