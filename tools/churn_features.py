"""Churn model inputs, each computed as of its own point in time, and the renewal outcomes they predict.

An *example* is an account at a moment ``as_of``: training examples sit 90 days before a past term
end (the outcome is whether the account renewed), scoring examples at today. Every feature reads
only records dated before its example's ``as_of``, so a model can never learn from what happened at
or after the outcome (the leak that made every active account look safe: churned accounts' usage
after they had left). The columns that start with ``_`` are not model inputs but the plain figures
the drivers are worded from (logins before and now, counts of unhappy tickets...).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from tools.features import Frames

CHURN_NUMERIC = ["login_change_8w", "logins_per_licence", "seat_use", "tickets_90d", "neg_tickets_30d",
                 "sentiment_90d", "late_payments_180d", "payment_delay_180d", "nps", "order_trend", "log_annual_value",
                 "tenure_years"]
# Left out on purpose: the weeks to the term end (they say when an account can leave, not whether), and
# figures that restate others (features in use, unhappy tickets over 90 days): with them the model split one
# signal into a plus and a minus, and a driver read "0 unhappy tickets raises the risk".
CHURN_CATEGORICAL = ["size", "industry"]
ENDED = ("cancelled", "churned", "ended", "expired", "terminated", "lost")
GRACE = timedelta(days=30)
"""A term that ended without another one running this long after counts as not renewed."""
NEGATIVE = -0.3
"""A ticket below this sentiment (-1 angry … +1 happy) reads as unhappy."""
LATE_DAYS = 14
WEEK = np.timedelta64(7, "D")


def customers_at(contracts: pd.DataFrame, as_of: datetime) -> pd.Index:
    """Accounts with a contract running at ``as_of`` (an active one whose end date passed still counts:
    the CRM has not closed it yet)."""
    if contracts.empty:
        return pd.Index([], name="account_id")
    t = pd.Timestamp(as_of)
    start, end = contracts["start_date"], contracts["end_date"]
    status = contracts["status"].astype(str).str.lower()
    live = (start <= t) & ((end >= t) | (status == "active"))
    return pd.Index(contracts.loc[live.to_numpy(), "account_id"].unique(), name="account_id")


def renewal_outcomes(contracts: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Every past term end: ``account_id``, ``end`` and ``churned`` (no contract running ``GRACE`` later).

    An end within the last ``GRACE`` days is known only when the contract says it was cancelled or
    another term has already started; the rest are left out until they are known.
    """
    cols = ["account_id", "end", "churned"]
    if contracts.empty:
        return pd.DataFrame(columns=cols)
    t = pd.Timestamp(now)
    c = contracts[["account_id", "start_date", "end_date", "status"]]
    code = pd.factorize(c["account_id"])[0]  # pairs are matched on integers, not id strings
    ends = c[(c["end_date"] <= t).to_numpy()].assign(code=code[(c["end_date"] <= t).to_numpy()])
    ends = ends.drop_duplicates(["code", "end_date"]).reset_index(drop=True)
    pairs = pd.DataFrame({"row": np.arange(len(ends)), "code": ends["code"].to_numpy(),
                          "end": ends["end_date"].to_numpy()}).merge(
        pd.DataFrame({"code": code, "start_next": c["start_date"].to_numpy(), "end_next": c["end_date"].to_numpy()}),
        on="code")
    after = pairs["end"] + GRACE
    covered = (pairs["start_next"] <= after) & (pairs["end_next"] >= after) & (pairs["end_next"] > pairs["end"])
    renewed = np.zeros(len(ends), dtype=bool)
    renewed[pairs["row"].to_numpy()[covered.to_numpy()]] = True
    cancelled = ends["status"].astype(str).str.lower().isin(ENDED).to_numpy()
    known = renewed | cancelled | (ends["end_date"] + GRACE <= t).to_numpy()
    return pd.DataFrame({"account_id": ends["account_id"].to_numpy()[known], "end": ends["end_date"].to_numpy()[known],
                         "churned": (~renewed[known]).astype(int)}, columns=cols)


def _pairs(f: Frames, name: str, ids: pd.Index, ex_pos: np.ndarray, t: np.ndarray,
           lookback: np.timedelta64 | None = None, when: str = "") -> tuple[np.ndarray, np.ndarray]:
    """(frame row, example) for every row of frame ``name`` whose account has examples, dated within
    ``lookback`` before an example's time when given; an account with several examples (several term
    ends) repeats its rows once per example.

    A window that keeps few rows (today's scoring reads the last ten weeks of 78) is applied before
    the account ids are matched: matching millions of id strings was most of the cost.
    """
    df = getattr(f, name)
    if lookback is not None and len(t):
        at = df[when].to_numpy()
        inside = (at > t.min() - lookback) & (at <= t.max())
        if inside.mean() < 0.5:
            rows = np.flatnonzero(inside)
            k = ids.get_indexer(df["account_id"].to_numpy()[rows])
            return _expand(rows[k >= 0], k[k >= 0], ids, ex_pos)
    k = f.account_codes(name, ids)
    rows = np.flatnonzero(k >= 0)
    return _expand(rows, k[rows], ids, ex_pos)


def _expand(rows: np.ndarray, k: np.ndarray, ids: pd.Index, ex_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(ex_pos, minlength=len(ids))
    if counts.max(initial=0) <= 1:  # one example per account (scoring): no repetition needed
        inv = np.full(len(ids), -1)
        inv[ex_pos] = np.arange(len(ex_pos))
        ex = inv[k]
        return rows[ex >= 0], ex[ex >= 0]
    order = np.argsort(ex_pos, kind="stable")
    first = np.r_[0, np.cumsum(counts)][:-1]
    reps = counts[k]
    rows_r, k_r = np.repeat(rows, reps), np.repeat(k, reps)
    offset = np.arange(len(rows_r)) - np.repeat(np.cumsum(reps) - reps, reps)
    return rows_r, order[first[k_r] + offset]


def _agg(ex: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int, how: str) -> np.ndarray:
    """Aggregate ``values[mask]`` per example (0..n-1); NaN (NaT) where an example has no rows.

    Counts, sums and means are ``np.bincount`` (a pandas group-by over millions of usage rows was most of
    the time of scoring a big store); the rest (first dates) go through pandas."""
    if how == "size":
        cnt = np.bincount(ex[mask], minlength=n).astype(float)
        return np.where(cnt > 0, cnt, np.nan)
    if how in ("sum", "mean"):
        v = np.asarray(values, dtype=float)[mask]
        e = ex[mask]
        ok = ~np.isnan(v)
        cnt = np.bincount(e[ok], minlength=n)
        tot = np.bincount(e[ok], weights=v[ok], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(cnt > 0, tot if how == "sum" else tot / cnt, np.nan)
    v = pd.Series(np.asarray(values)[mask])
    g = v.groupby(ex[mask], sort=True)
    out = g.size() if how == "size" else getattr(g, how)()
    return out.reindex(pd.RangeIndex(n)).to_numpy()


def _usage(f: Frames, out: pd.DataFrame, ids: pd.Index, pos: np.ndarray, t: np.ndarray) -> None:
    u = f.usage
    if u.empty:
        return
    rows, ex = _pairs(f, "usage", ids, pos, t, np.timedelta64(11 * 7, "D"), "week_start")
    n = len(out)
    # whole weeks only: a week counts once it has ended by the example's time
    age = (t[ex] - u["week_start"].to_numpy()[rows]) // WEEK  # 1 = the last complete week
    logins = u["logins"].to_numpy(float)[rows]
    last = age == 1
    then = (age >= 8) & (age <= 10)  # eight weeks earlier (a week either side, for a steadier base)
    recent4 = (age >= 1) & (age <= 4)
    before, after = _agg(ex, then, logins, n, "mean"), _agg(ex, last, logins, n, "mean")
    out["_logins_before"], out["_logins_now"] = before, after
    out["login_change_8w"] = np.log1p(after) - np.log1p(before)
    out["_users"] = _agg(ex, last, u["active_users"].to_numpy(float)[rows], n, "mean")
    out["features_4w"] = _agg(ex, recent4, u["features_used"].to_numpy(float)[rows], n, "mean")


def _tickets(f: Frames, out: pd.DataFrame, ids: pd.Index, pos: np.ndarray, t: np.ndarray) -> None:
    tk = f.tickets
    if tk.empty:
        return
    rows, ex = _pairs(f, "tickets", ids, pos, t, np.timedelta64(90, "D"), "opened_at")
    n = len(out)
    ago = t[ex] - tk["opened_at"].to_numpy()[rows]
    d90 = (ago > np.timedelta64(0)) & (ago <= np.timedelta64(90, "D"))
    d30 = d90 & (ago <= np.timedelta64(30, "D"))
    sent = tk["sentiment"].to_numpy(float)[rows]
    out["tickets_90d"] = _agg(ex, d90, sent, n, "size")
    out["neg_tickets_30d"] = _agg(ex, d30 & (sent < NEGATIVE), sent, n, "size")
    out["sentiment_90d"] = _agg(ex, d90, sent, n, "mean")


def _orders(f: Frames, out: pd.DataFrame, ids: pd.Index, pos: np.ndarray, t: np.ndarray) -> None:
    o = f.orders
    if o.empty:
        return
    rows, ex = _pairs(f, "orders", ids, pos, t, np.timedelta64(366, "D"), "order_date")
    n = len(out)
    ago = t[ex] - o["order_date"].to_numpy()[rows]
    ok = (ago > np.timedelta64(0)) & (o["status"] != "cancelled").to_numpy()[rows]
    # an invoice is known to be late once it is LATE_DAYS past due, so only those old enough count
    paid = ok & (ago > np.timedelta64(14 + LATE_DAYS, "D")) & (ago <= np.timedelta64(180, "D"))
    delay = o["payment_delay_days"].to_numpy(float)[rows]
    out["late_payments_180d"] = _agg(ex, paid & (delay > LATE_DAYS), delay, n, "size")
    out["payment_delay_180d"] = _agg(ex, paid, delay, n, "mean")
    amount = o["amount"].to_numpy(float)[rows]
    last6 = np.nan_to_num(_agg(ex, ok & (ago <= np.timedelta64(182, "D")), amount, n, "sum"))
    prev6 = np.nan_to_num(_agg(ex, ok & (ago > np.timedelta64(182, "D")) & (ago <= np.timedelta64(365, "D")),
                               amount, n, "sum"))
    out["order_trend"] = np.log1p(last6) - np.log1p(prev6)
    out["_orders_now"], out["_orders_before"] = last6, prev6


def _contracts(f: Frames, out: pd.DataFrame, ids: pd.Index, pos: np.ndarray, t: np.ndarray) -> None:
    c = f.contracts
    if c.empty:
        return
    rows, ex = _pairs(f, "contracts", ids, pos, t)
    n = len(out)
    start, end = c["start_date"].to_numpy()[rows], c["end_date"].to_numpy()[rows]
    live = (start <= t[ex]) & (end >= t[ex])
    out["_annual_value"] = _agg(ex, live, c["annual_value"].to_numpy(float)[rows], n, "sum")
    out["log_annual_value"] = np.log1p(out["_annual_value"])
    out["_licences"] = _agg(ex, live, c["licences"].to_numpy(float)[rows], n, "sum")
    out["_term_end"] = _agg(ex, live, end, n, "min")
    first = _agg(ex, start <= t[ex], start, n, "min")
    out["tenure_years"] = (t - first) / np.timedelta64(1, "D") / 365.25


def churn_features(f: Frames, as_of: datetime | pd.Series | np.ndarray,
                   account_ids: pd.Index | list[str] | np.ndarray | None = None) -> pd.DataFrame:
    """One row per example: ``account_ids[i]`` as of ``as_of`` (one time for all, or one per example).

    The index is the account id (repeated when an account has several examples); the model inputs
    are ``CHURN_NUMERIC + CHURN_CATEGORICAL``, the ``_`` columns are figures for the drivers' words.
    """
    ex_ids = pd.Index(f.accounts["account_id"] if account_ids is None else account_ids, name="account_id")
    n = len(ex_ids)
    ids = pd.Index(ex_ids.unique())
    pos = ids.get_indexer(ex_ids)
    if isinstance(as_of, datetime):
        t = np.full(n, np.datetime64(pd.Timestamp(as_of), "ns"))
    else:
        t = pd.to_datetime(np.asarray(as_of)).to_numpy().astype("datetime64[ns]")
    out = pd.DataFrame(index=ex_ids)
    acc = f.accounts.set_index("account_id")
    out["size"] = acc["size"].reindex(ex_ids).fillna("small").astype(str).to_numpy()
    out["industry"] = acc["industry"].reindex(ex_ids).fillna("other").astype(str).to_numpy()
    out["_as_of"] = t
    for part in (_usage, _tickets, _orders, _contracts):
        part(f, out, ids, pos, t)
    for col in [*CHURN_NUMERIC, "_logins_before", "_logins_now", "_users", "_licences", "_annual_value",
                "_orders_now", "_orders_before"]:
        if col not in out.columns:
            out[col] = np.nan
    if "_term_end" not in out.columns:
        out["_term_end"] = pd.NaT
    lic = out["_licences"].where(out["_licences"] > 0)
    out["logins_per_licence"] = out["_logins_now"] / lic
    out["seat_use"] = (out["_users"] / lic).clip(upper=1.5)
    counts = ["tickets_90d", "neg_tickets_30d", "late_payments_180d"]
    out[counts] = out[counts].fillna(0)
    out[["login_change_8w", "order_trend"]] = out[["login_change_8w", "order_trend"]].fillna(0)
    return out
