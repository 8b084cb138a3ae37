"""From the store's frames to model inputs: the frames themselves and the lead features (churn: ``churn_features``).

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

LEAD_NUMERIC = ["log_employees", "pricing", "reference", "services", "product", "blog", "download", "webinar",
                "form_submit", "email_click", "email_open", "events_total"]
LEAD_CATEGORICAL = ["industry", "persona", "source", "size", "country"]


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
