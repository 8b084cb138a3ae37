"""From the store's frames to model inputs: churn features per account, lead features per lead.

Pure functions over pandas frames (as returned by ``copilot.core.store.repo.analytics``) and an explicit
``as_of`` time: everything after ``as_of`` is ignored, so the same code builds honest training sets
(features at a past cut-off, outcome after it) and today's scoring inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from copilot.core.store.repo import analytics

CHURN_NUMERIC = ["logins_4w", "usage_trend", "users_trend", "session_min_4w", "features_4w", "tickets_90d",
                 "neg_tickets_90d", "sentiment_90d", "urgent_90d", "payment_delay", "late_share", "order_trend",
                 "days_since_order", "nps", "log_annual_value", "tenure_years"]
# days to renewal is left out on purpose: in a store where churn *is* a contract that ends, it
# restates the label instead of predicting it (AUC 1.0 on the demo data).
CHURN_CATEGORICAL = ["size", "industry"]
LEAD_NUMERIC = ["log_employees", "pricing", "reference", "services", "product", "blog", "download", "webinar",
                "form_submit", "email_click", "email_open", "events_total"]
LEAD_CATEGORICAL = ["industry", "persona", "source", "size", "country"]
ENDED = ("cancelled", "churned", "ended", "expired", "terminated", "lost")


@dataclass
class Frames:
    """Everything the scorers read, loaded once."""

    accounts: pd.DataFrame
    leads: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    orders: pd.DataFrame = field(default_factory=pd.DataFrame)
    contracts: pd.DataFrame = field(default_factory=pd.DataFrame)
    usage: pd.DataFrame = field(default_factory=pd.DataFrame)
    tickets: pd.DataFrame = field(default_factory=pd.DataFrame)
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)
    opportunities: pd.DataFrame = field(default_factory=pd.DataFrame)
    _codes: dict[str, tuple[int, np.ndarray]] = field(default_factory=dict, repr=False, compare=False)

    def account_codes(self, name: str, ids: pd.Index) -> np.ndarray:
        """Per row of frame ``name``: the position of its account in ``ids`` (−1 when not there).

        Grouping by these integers instead of the id strings is what makes scoring a big store fast;
        the string look-up happens once per frame and is cached here.
        """
        df = getattr(self, name)
        acc = pd.Index(self.accounts["account_id"]) if "account_id" in self.accounts.columns else pd.Index([])
        cached = self._codes.get(name)
        if cached is None or cached[0] != id(df):
            cached = (id(df), acc.get_indexer(df["account_id"]))
            self._codes[name] = cached
        pos = acc.get_indexer(ids)
        if (pos < 0).any():  # ids beyond the accounts frame: look the strings up directly
            return ids.get_indexer(df["account_id"])
        lut = np.full(len(acc) + 1, -1)
        lut[pos] = np.arange(len(ids))
        return lut[cached[1]]


def load(session: Session, *, account_ids: list[str] | None = None, owner: str | None = None,
         events_since: datetime | None = None) -> Frames:
    acc = analytics.accounts(session, account_ids=account_ids, owner=owner)
    ids = account_ids if owner is None else acc["account_id"].tolist()
    return Frames(
        accounts=acc, leads=analytics.leads(session, account_ids=ids),
        events=analytics.events(session, since=events_since, account_ids=ids),
        orders=analytics.orders(session, account_ids=ids), contracts=analytics.contracts(session, account_ids=ids),
        usage=analytics.usage(session, account_ids=ids), tickets=analytics.tickets(session, account_ids=ids),
        surveys=analytics.surveys(session, account_ids=ids),
        opportunities=analytics.opportunities(session, account_ids=ids))


def _mean_by(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    return df.groupby(key)[col].mean() if not df.empty else pd.Series(dtype=float)


def churn_outcome(contracts: pd.DataFrame) -> pd.DataFrame:
    """Per account: became_customer (first contract start) and churned_at (last end, when none is live)."""
    if contracts.empty:
        return pd.DataFrame(columns=["start", "churned_at"])
    c = contracts.assign(ended=contracts["status"].astype(str).str.lower().isin(ENDED))
    g = c.groupby("account_id")
    out = pd.DataFrame({"start": g["start_date"].min(), "all_ended": g["ended"].all(), "last_end": g["end_date"].max()})
    out["churned_at"] = out["last_end"].where(out["all_ended"])
    return out[["start", "churned_at"]]


def customers_at(contracts: pd.DataFrame, as_of: datetime) -> pd.Index:
    """Accounts that were paying customers at ``as_of``."""
    o = churn_outcome(contracts)
    alive = (o["start"] <= as_of) & ~(o["churned_at"] <= as_of)
    return o.index[alive.to_numpy()]


def _by(keys: np.ndarray, mask: np.ndarray, values: pd.Series | np.ndarray, n: int, how: str) -> np.ndarray:
    """Aggregate ``values[mask]`` per integer key (0..n-1); NaN (NaT) where a key has no rows."""
    m = mask & (keys >= 0)
    v = pd.Series(np.asarray(values)[m])
    g = v.groupby(keys[m], sort=True)
    out = g.size() if how == "size" else getattr(g, how)()
    return out.reindex(pd.RangeIndex(n)).to_numpy()


def churn_features(f: Frames, as_of: datetime, account_ids: pd.Index | list[str] | None = None) -> pd.DataFrame:
    """One row per account: usage, tickets and sentiment, payments, order trend, NPS, contract."""
    ids = pd.Index(f.accounts["account_id"] if account_ids is None else account_ids, name="account_id")
    n = len(ids)
    out = pd.DataFrame(index=ids)
    acc = f.accounts.set_index("account_id")
    out["size"] = acc["size"].reindex(ids).fillna("small").astype(str)
    out["industry"] = acc["industry"].reindex(ids).fillna("other").astype(str)
    t = pd.Timestamp(as_of)
    u = f.usage
    if not u.empty:
        k = f.account_codes("usage", ids)
        wk = u["week_start"].to_numpy()
        seen = wk <= t
        recent = seen & (wk > t - timedelta(weeks=4))
        prior = seen & (wk <= t - timedelta(weeks=4)) & (wk > t - timedelta(weeks=12))
        if seen.any():
            logins_4w = _by(k, recent, u["logins"], n, "mean")
            out["logins_4w"] = logins_4w
            out["usage_trend"] = np.log1p(logins_4w) - np.log1p(_by(k, prior, u["logins"], n, "mean"))
            out["users_trend"] = (np.log1p(_by(k, recent, u["active_users"], n, "mean"))
                                  - np.log1p(_by(k, prior, u["active_users"], n, "mean")))
            out["session_min_4w"] = _by(k, recent, u["avg_session_min"], n, "mean")
            out["features_4w"] = _by(k, recent, u["features_used"], n, "mean")
    tk = f.tickets
    if not tk.empty:
        k = f.account_codes("tickets", ids)
        opened = tk["opened_at"].to_numpy()
        win = (opened <= t) & (opened > t - timedelta(days=90))
        sent = tk["sentiment"].to_numpy(float)
        out["tickets_90d"] = _by(k, win, sent, n, "size")
        out["neg_tickets_90d"] = _by(k, win & (sent < -0.3), sent, n, "size")
        out["sentiment_90d"] = _by(k, win, sent, n, "mean")
        out["urgent_90d"] = _by(k, win & tk["priority"].isin(["high", "urgent"]).to_numpy(), sent, n, "size")
    o = f.orders
    if not o.empty:
        k = f.account_codes("orders", ids)
        od = o["order_date"].to_numpy()
        ok = (od <= t) & (o["status"] != "cancelled").to_numpy()
        year = ok & (od > t - timedelta(days=365))
        delay = o["payment_delay_days"]
        out["payment_delay"] = _by(k, year, delay, n, "mean")
        late = (delay > 14).to_numpy(float)
        out["late_share"] = _by(k, year, late, n, "mean") if year.any() else np.nan
        amount = o["amount"].to_numpy(float)
        last6 = np.nan_to_num(_by(k, ok & (od > t - timedelta(days=182)), amount, n, "sum"))
        prev6 = np.nan_to_num(_by(k, ok & (od <= t - timedelta(days=182)) & (od > t - timedelta(days=365)),
                                  amount, n, "sum"))
        out["order_trend"] = np.log1p(last6) - np.log1p(prev6)
        last = pd.Series(_by(k, ok, od, n, "max"), index=ids)
        out["days_since_order"] = (t - last).dt.days
    s = f.surveys
    if not s.empty:
        k = f.account_codes("surveys", ids)
        at = s["at"].to_numpy()
        order = np.argsort(at, kind="stable")
        m = ((s["kind"] == "nps").to_numpy() & (at <= t))[order]
        out["nps"] = _by(k[order], m, s["score"].to_numpy()[order], n, "last")
    c = f.contracts
    if not c.empty:
        k = f.account_codes("contracts", ids)
        start, end = c["start_date"].to_numpy(), c["end_date"].to_numpy()
        live = (start <= t) & (end >= t)
        out["log_annual_value"] = np.log1p(_by(k, live, c["annual_value"].to_numpy(float), n, "sum"))
        first = pd.Series(_by(k, start <= t, start, n, "min"), index=ids)
        out["tenure_years"] = (t - first).dt.days / 365.25
    for col in CHURN_NUMERIC:
        if col not in out.columns:
            out[col] = np.nan
    counts = ["tickets_90d", "neg_tickets_90d", "urgent_90d"]
    out[counts] = out[counts].fillna(0)
    out[["usage_trend", "users_trend", "order_trend"]] = out[["usage_trend", "users_trend", "order_trend"]].fillna(0)
    return out[CHURN_NUMERIC + CHURN_CATEGORICAL]


_LEAD_EVENT_COLS = {"page_view:pricing": "pricing", "page_view:reference": "reference",
                    "page_view:services": "services", "page_view:product": "product", "page_view:blog": "blog",
                    "download:": "download", "webinar:": "webinar", "form_submit:": "form_submit",
                    "email_click:": "email_click", "email_open:": "email_open"}


def _event_columns(types: np.ndarray, pages: np.ndarray, cols: list[str]) -> np.ndarray:
    """Per event (its type and page type): the index in ``cols`` of the lead feature it counts for, −1 when none.

    Looked up on category codes (a type × page-type table) rather than by joining strings per event:
    a big store has millions of events and only a few dozen distinct pairs.
    """
    type_cat = pd.Categorical(types)
    page_cat = pd.Categorical(pd.Series(pages, dtype=object).fillna(""))
    # one spare row and column: code −1 (a missing type) lands there and stays −1
    table = np.full((len(type_cat.categories) + 1, len(page_cat.categories) + 1), -1)
    for i, t in enumerate(type_cat.categories):
        fallback = _LEAD_EVENT_COLS.get(f"{t}:")
        for j, p in enumerate(page_cat.categories):
            name = _LEAD_EVENT_COLS.get(f"{t}:{p}", fallback)
            if name is not None:
                table[i, j] = cols.index(name)
    return table[type_cat.codes, page_cat.codes]


def lead_features(leads: pd.DataFrame, events: pd.DataFrame, *, as_of: datetime | None = None,
                  after_created_days: int = 14, lookback_days: int = 180) -> pd.DataFrame:
    """Per lead: firmographics plus what the contact did.

    With ``as_of`` the window is the ``lookback_days`` before it (the demo store logs behaviour for the
    recent months only, so this is how its history can be used); without, it runs from
    ``lookback_days`` before the lead's creation to ``after_created_days`` after.
    """
    out = leads[["lead_id", "contact_id", "created_at", "industry", "persona", "source", "size", "country",
                 "employees"]].set_index("lead_id")
    out["log_employees"] = np.log1p(pd.to_numeric(out["employees"], errors="coerce").fillna(0))
    cols = sorted(set(_LEAD_EVENT_COLS.values()))
    counts = np.zeros((len(out), len(cols)))
    if not events.empty:
        at = events["at"].to_numpy()
        # narrow down before any string work: the window (when it is one for all), then these leads' contacts
        if as_of is None:
            rows = np.arange(len(events))
        else:
            t = np.datetime64(pd.Timestamp(as_of))
            rows = np.flatnonzero((at <= t) & (at >= t - np.timedelta64(lookback_days, "D")))
        contacts = pd.Index(out["contact_id"].dropna().unique())
        who = contacts.get_indexer(events["contact_id"].to_numpy()[rows])
        rows, who = rows[who >= 0], who[who >= 0]
        col = _event_columns(events["type"].to_numpy()[rows], events["page_type"].to_numpy()[rows], cols)
        rows, who, col = rows[col >= 0], who[col >= 0], col[col >= 0]
        lead_contact = contacts.get_indexer(out["contact_id"])
        if as_of is not None:  # one window for everybody: count per contact, then hand to its leads
            per_contact = np.bincount(who * len(cols) + col, minlength=len(contacts) * len(cols))
            per_contact = per_contact.reshape(len(contacts), len(cols))
            counts[lead_contact >= 0] = per_contact[lead_contact[lead_contact >= 0]]
        else:  # each lead has its own window around its creation: pair the events with the leads
            ev = pd.DataFrame({"who": who, "col": col, "at": at[rows]})
            pairs = pd.DataFrame({"row": np.arange(len(out)), "who": lead_contact,
                                  "created": out["created_at"].to_numpy()}).merge(ev, on="who")
            dt = pairs["at"] - pairs["created"]
            pairs = pairs[(dt >= timedelta(days=-lookback_days)) & (dt <= timedelta(days=after_created_days))]
            np.add.at(counts, (pairs["row"].to_numpy(), pairs["col"].to_numpy()), 1)
    out[cols] = np.log1p(counts)
    out["events_total"] = np.log1p(counts.sum(axis=1))
    for c in LEAD_CATEGORICAL:
        out[c] = out[c].fillna("unknown").astype(str)
    return out[LEAD_NUMERIC + LEAD_CATEGORICAL]
