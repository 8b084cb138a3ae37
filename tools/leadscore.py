"""Rule-based lead score = fit + behaviour, with 2×2 routing and a reason for every point.

The rules live in ``leadscore_rules.yaml`` (documented there). Scoring is vectorised over frames so
that a whole store scores in seconds; :func:`explain` turns one lead's components into reasons such
as "+20 viewed the pricing page twice this week".
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, Field

from copilot.core.errors import PolkuError

RULES_FILE = Path(__file__).with_name("leadscore_rules.yaml")
Route = Literal["sales_now", "sales", "nurture"]
LEAD_COLUMNS = ("lead_id", "contact_id", "employees", "industry", "persona", "country", "status")
EVENT_COLUMNS = ("contact_id", "type", "page_type", "at")


class Reason(BaseModel):
    points: float
    text: str
    kind: Literal["fit", "behaviour"]


class LeadScore(BaseModel):
    lead_id: str
    score: float
    fit: float
    behaviour: float
    fit_high: bool
    behaviour_high: bool
    route: Route
    """sales_now: both high, the rep calls; sales: one high; nurture: both low."""
    mql: bool
    """At or over the MQL threshold (the book: 100)."""
    threshold: float
    reasons: list[Reason] = Field(default_factory=list)
    contact: str = ""
    """The lead's person, by name (filled in by the services that read the contact)."""


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> dict[str, Any]:
    """Read and check the rules file (cached; pass a path to try other rules)."""
    file = Path(path) if path else RULES_FILE
    try:
        rules = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolkuError("config", f"cannot read lead-score rules {file}: {exc}") from exc
    for key in ("mql_threshold", "routing", "fit", "behaviour"):
        if key not in rules:
            raise PolkuError("config", f"lead-score rules {file} lack '{key}'")
    if rules["behaviour"]["half_life_days"] <= 0:
        raise PolkuError("config", "behaviour.half_life_days must be positive")
    return rules


def _fit_components(leads: pd.DataFrame, rules: dict[str, Any]) -> pd.DataFrame:
    fit = rules["fit"]
    parts = []
    bands = sorted(fit["employees"], key=lambda b: -b["min"])
    emp = pd.to_numeric(leads["employees"], errors="coerce").fillna(0).to_numpy()
    idx = np.full(len(leads), -1)
    for i in range(len(bands) - 1, -1, -1):
        idx = np.where(emp >= bands[i]["min"], i, idx)
    ok = idx >= 0
    row = np.arange(len(leads))
    parts.append(pd.DataFrame({
        "lead_id": leads["lead_id"].to_numpy()[ok], "row": row[ok], "rule": "employees",
        "points": np.array([b["points"] for b in bands], dtype=float)[idx[ok]],
        "label": np.array([b["label"] for b in bands], dtype=object)[idx[ok]]}))
    for attr in ("industry", "persona", "country"):
        table = fit.get(attr, {})
        values = leads[attr].astype(object).to_numpy()
        pts = pd.Series(values).map({k: v["points"] for k, v in table.items()})
        lab = pd.Series(values).map({k: v["label"] for k, v in table.items()})
        m = pts.notna().to_numpy()
        parts.append(pd.DataFrame({"lead_id": leads["lead_id"].to_numpy()[m], "row": row[m], "rule": attr,
                                   "points": pts.to_numpy(float)[m], "label": lab.to_numpy(object)[m]}))
    out = pd.concat(parts, ignore_index=True)
    out["kind"], out["count"], out["last_age_days"] = "fit", 0, np.nan
    return out


def _behaviour_components(leads: pd.DataFrame, events: pd.DataFrame, rules: dict[str, Any],
                          now: datetime) -> pd.DataFrame:
    beh = rules["behaviour"]
    actions = beh["actions"]
    cols = ["lead_id", "row", "rule", "points", "label", "kind", "count", "last_age_days"]
    if events.empty or leads.empty:
        return pd.DataFrame(columns=cols)
    # only the events of these leads' contacts: one account's page must not pay for the whole event log
    contacts = pd.Index(leads["contact_id"].unique())
    now_ts = pd.Timestamp(now)
    at = events["at"]
    at = pd.to_datetime(at, utc=True) if now_ts.tzinfo else pd.to_datetime(at)
    if now_ts.tzinfo is None and getattr(at.dt, "tz", None) is not None:
        at = at.dt.tz_localize(None)
    # the time window first (cheap date arithmetic), then the id look-up on what is left: string
    # matching over a big store's whole event log was most of the time
    age_all = (now_ts - at).dt.total_seconds().to_numpy() / 86400.0
    rows = np.flatnonzero((age_all >= 0) & (age_all <= beh["window_days"]))
    who = contacts.get_indexer(events["contact_id"].to_numpy()[rows])
    rows, who = rows[who >= 0], who[who >= 0]
    age = age_all[rows]
    # rule lookup on category codes: a (type × page type) table instead of string work per event
    types = pd.Categorical(events["type"].to_numpy()[rows])
    pages = pd.Categorical(pd.Series(events["page_type"].to_numpy()[rows], dtype=object).fillna(""))
    table = np.full((len(types.categories) + 1, len(pages.categories) + 1), -1)
    for i, a in enumerate(actions):
        if a["type"] not in types.categories:
            continue
        ti = types.categories.get_loc(a["type"])
        if a["page_type"] == "*":
            row = table[ti]
            row[row == -1] = i
        elif a["page_type"] in pages.categories:
            table[ti, pages.categories.get_loc(a["page_type"])] = i
    rule_i = table[types.codes, pages.codes]
    hit = rule_i >= 0
    rule_i, ev_age = rule_i[hit], age[hit]
    pts = np.array([a["points"] for a in actions], dtype=float)
    # one integer key per (contact, rule): grouping integers, not id strings, is what keeps a big store fast
    ev = pd.DataFrame({"key": who[hit] * len(actions) + rule_i, "age": ev_age,
                       "w": pts[rule_i] * 0.5 ** (ev_age / beh["half_life_days"])})
    g = ev.groupby("key", sort=False).agg(points=("w", "sum"), count=("w", "size"),
                                          last_age_days=("age", "min")).reset_index()
    g["contact"], g["rule_i"] = np.divmod(g["key"].to_numpy(), len(actions))
    caps = np.array([a.get("cap", np.inf) for a in actions], dtype=float)
    g["points"] = np.minimum(g["points"].to_numpy(), caps[g["rule_i"].to_numpy()])
    g["rule"] = np.array([a["key"] for a in actions], dtype=object)[g["rule_i"].to_numpy()]
    g["label"] = np.array([a["label"] for a in actions], dtype=object)[g["rule_i"].to_numpy()]
    who = pd.DataFrame({"lead_id": leads["lead_id"].to_numpy(), "row": np.arange(len(leads)),
                        "contact": contacts.get_indexer(leads["contact_id"])})
    merged = who.merge(g, on="contact", how="inner")
    merged["kind"] = "behaviour"
    return merged[cols]


def _negative_components(leads: pd.DataFrame, beh: pd.DataFrame, rules: dict[str, Any]) -> pd.DataFrame:
    neg = rules["behaviour"].get("negative", {})
    ages = np.full(len(leads), np.nan)  # each lead's newest behaviour, by its row (no id look-ups)
    if not beh.empty:
        np.fmin.at(ages, beh["row"].to_numpy(int), beh["last_age_days"].to_numpy(float))
    inactive = ~(ages <= neg.get("inactive_days", np.inf))
    dead = leads["status"].astype(str).to_numpy() == "dead"
    row = np.arange(len(leads))
    frames = [
        pd.DataFrame({"lead_id": leads["lead_id"].to_numpy()[inactive], "row": row[inactive], "rule": "inactive",
                      "points": float(neg.get("inactive_points", 0)), "label": neg.get("inactive_label", "inactive")}),
        pd.DataFrame({"lead_id": leads["lead_id"].to_numpy()[dead], "row": row[dead], "rule": "dead",
                      "points": float(neg.get("dead_points", 0)), "label": neg.get("dead_label", "dead")}),
    ]
    out = pd.concat(frames, ignore_index=True)
    out["kind"], out["count"], out["last_age_days"] = "behaviour", 0, np.nan
    return out[out["points"] != 0]


def _check_frames(leads: pd.DataFrame, events: pd.DataFrame) -> None:
    missing = [c for c in LEAD_COLUMNS if c not in leads.columns]
    missing += [c for c in EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise PolkuError("invalid", f"lead scoring input lacks columns: {', '.join(missing)}")


def components(leads: pd.DataFrame, events: pd.DataFrame, *, now: datetime,
               rules: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every point of every lead: lead_id, kind (fit/behaviour), rule, label, points, count, last_age_days."""
    rules = rules or load_rules()
    _check_frames(leads, events)
    beh = _behaviour_components(leads, events, rules, now)
    parts = [p for p in (_fit_components(leads, rules), beh, _negative_components(leads, beh, rules)) if not p.empty]
    if not parts:
        return pd.DataFrame(columns=["lead_id", "row", "rule", "points", "label", "kind", "count", "last_age_days"])
    return pd.concat(parts, ignore_index=True)


def score_frame(leads: pd.DataFrame, events: pd.DataFrame, *, now: datetime,
                rules: dict[str, Any] | None = None, comps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Scores of all leads: lead_id, fit, behaviour, score, fit_high, behaviour_high, route, mql."""
    rules = rules or load_rules()
    comps = components(leads, events, now=now, rules=rules) if comps is None else comps
    out = pd.DataFrame({"lead_id": leads["lead_id"].to_numpy()})
    rows = comps["row"].to_numpy(int)  # the lead's position: summed with bincount, not grouped by id strings
    for kind in ("fit", "behaviour"):
        mine = (comps["kind"] == kind).to_numpy()
        out[kind] = np.bincount(rows[mine], weights=comps["points"].to_numpy(float)[mine],
                                minlength=len(leads)).round(1)
    out["score"] = (out["fit"] + out["behaviour"]).round(1)
    out["fit_high"] = out["fit"] >= rules["routing"]["fit_high"]
    out["behaviour_high"] = out["behaviour"] >= rules["routing"]["behaviour_high"]
    highs = out["fit_high"].astype(int) + out["behaviour_high"].astype(int)
    out["route"] = np.select([highs == 2, highs == 1], ["sales_now", "sales"], "nurture")
    out["mql"] = out["score"] >= rules["mql_threshold"]
    return out


def route_for(fit: float, behaviour: float, rules: dict[str, Any] | None = None) -> Route:
    """The 2×2 routing for one pair of sub-scores."""
    r = (rules or load_rules())["routing"]
    highs = int(fit >= r["fit_high"]) + int(behaviour >= r["behaviour_high"])
    return "sales_now" if highs == 2 else "sales" if highs == 1 else "nurture"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _when(age: float) -> str:
    if age <= 7:
        return "this week"
    if age <= 31:
        return "this month"
    return f"{int(age)} days ago at the latest"


def reason_text(row: pd.Series) -> str:
    if row["kind"] == "fit" or int(row["count"]) == 0:
        return f"{row['points']:+.0f} {row['label']}"
    return f"{row['points']:+.0f} {row['label']} {_times(int(row['count']))} {_when(float(row['last_age_days']))}"


def explain(lead_id: str, scores: pd.DataFrame, comps: pd.DataFrame,
            rules: dict[str, Any] | None = None) -> LeadScore:
    """One lead's score with its reasons, biggest first."""
    rules = rules or load_rules()
    row = scores.loc[scores["lead_id"] == lead_id]
    if row.empty:
        raise PolkuError("not_found", f"no scored lead with id {lead_id!r}")
    r = row.iloc[0]
    mine = comps[comps["lead_id"] == lead_id].copy()
    mine = mine.assign(abs_points=mine["points"].abs()).sort_values("abs_points", ascending=False)
    reasons = [Reason(points=round(float(c["points"]), 1), text=reason_text(c), kind=c["kind"])
               for _, c in mine.iterrows() if round(float(c["points"])) != 0]
    return LeadScore(lead_id=lead_id, score=float(r["score"]), fit=float(r["fit"]), behaviour=float(r["behaviour"]),
                     fit_high=bool(r["fit_high"]), behaviour_high=bool(r["behaviour_high"]), route=r["route"],
                     mql=bool(r["mql"]), threshold=float(rules["mql_threshold"]), reasons=reasons)
