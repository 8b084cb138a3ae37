"""How a demo customer's relationship runs: yearly contract terms, renewals, and the decline before a churn.

A customer renews its yearly term or leaves at the term's end. Most customers who leave show it
first, the way the sources describe: for two to ten months before the end their logins and active
users fall, unhappy tickets and late payments pile up and the NPS answer drops. Some leave without
warning (a budget cut, a merger), some decline the same way but are won back and renew, and some
healthy customers have a shallow dip that recovers, so the signal is strong but not perfect.
Active customers who will not renew at their next term end
are already declining today when that end is near enough: a rep can see the risk before it is too
late, and the churn model is trained only on what was visible 90 days before each past term end.

Times are in days before the reference time ("days ago"); a negative value is in the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from copilot.demo import vocab
from copilot.demo.bulk import Frame, Ids

TERM_DAYS = 365
NOTICE_DAYS = 90
"""The renewal date (when notice must be given) is this long before a term's end."""
USAGE_WEEKS = 78
"""Weekly usage history kept: enough for features 90 days before every term end of the last year."""
HISTORY_DAYS = USAGE_WEEKS * 7
DECLINE_FLOOR = 0.08
"""A declining customer's usage falls towards this share of its normal level, never to nothing."""


@dataclass
class Life:
    """Per account (rows of ``_Accounts``); values of prospects are unused."""

    since: np.ndarray
    """Days ago the first term started."""
    end: np.ndarray
    """Days ago the current (or, for a churned customer, the last) term ends; negative: in the future."""
    terms: np.ndarray
    """Number of yearly terms from ``since`` to ``end``."""
    leaves: np.ndarray
    """Leaves at ``end``: churned already (end in the past) or will not renew (end in the future)."""
    onset: np.ndarray
    """Days ago the decline began (NaN: no decline)."""
    recover: np.ndarray
    """Days ago the decline ended with a renewal (−inf: it runs until the account leaves)."""
    tau: np.ndarray
    """Days for the usage level to fall to 1/e of normal during a decline."""
    dip_at: np.ndarray
    """Days ago a shallow temporary dip began (NaN: none)."""
    dip_depth: np.ndarray
    licences: np.ndarray


def plan(acc: Any, rng: np.random.Generator) -> Life:
    """Draw every customer's terms and fate; ``acc.churned`` (drawn from health) says who has left."""
    n = len(acc.ids)
    h = acc.health
    churned = acc.customer & acc.churned
    # the last term of a churned customer ended within the usage history, so its run-up is visible
    end = np.where(churned, rng.uniform(5, 450, n), -rng.uniform(1, TERM_DAYS, n)).round()
    terms = np.maximum(1, np.ceil((acc.start - end) / TERM_DAYS)).astype(int)
    since = end + terms * TERM_DAYS
    # an active customer's fate at its next term end: the same health-driven odds as the churned had
    p_leave = 1 / (1 + np.exp(1.2 + 1.6 * h))
    leaves = churned | (acc.customer & (rng.random(n) < p_leave))
    warned = leaves & (rng.random(n) < 0.8)  # the rest leave without warning
    # won back: declining like a leaver before a term end (the last past one, or the next), yet renewing
    rescued = acc.customer & ~leaves & (rng.random(n) < 0.12)
    at = np.where(rescued & (terms >= 2) & (rng.random(n) < 0.5), end + TERM_DAYS, end)
    lead_time = rng.uniform(90, 300, n)  # how long before the end the decline starts
    anchor = np.where(rescued, at, end)
    onset = np.where(warned | rescued, np.minimum(anchor + lead_time, since - 30), np.nan)
    onset = np.where(onset > anchor, onset, np.nan)
    recover = np.where(rescued, anchor, -np.inf)
    tau = rng.uniform(45, 130, n)
    dip = acc.customer & ~leaves & (rng.random(n) < 0.2)
    dip_at = np.where(dip, rng.uniform(0, HISTORY_DAYS, n), np.nan)
    dip_depth = rng.uniform(0.1, 0.28, n)
    licences = (acc.employees * rng.uniform(0.5, 1.0, n)).astype(int) + 5
    return Life(since=since, end=end, terms=terms, leaves=leaves, onset=onset, recover=recover, tau=tau, dip_at=dip_at,
                dip_depth=dip_depth, licences=licences)


def decline(life: Life, rows: np.ndarray, ago: np.ndarray) -> np.ndarray:
    """Share of the normal usage level (0..1] of account ``rows`` at ``ago`` days ago; a won-back account
    climbs back over a couple of months after its renewal."""
    def fall(days: np.ndarray, tau: np.ndarray) -> np.ndarray:
        return DECLINE_FLOOR + (1 - DECLINE_FLOOR) * np.exp(-np.maximum(days, 0) / tau)

    onset, recover, tau = life.onset[rows], life.recover[rows], life.tau[rows]
    level = np.ones(len(rows))
    falling = (np.nan_to_num(onset - ago, nan=-1.0) > 0) & (ago > recover)
    level[falling] = fall(onset[falling] - ago[falling], tau[falling])
    back = np.isfinite(recover) & (ago <= recover) & ~np.isnan(onset)
    low = fall(onset[back] - recover[back], tau[back])  # where it was at the renewal
    level[back] = 1 - (1 - low) * np.exp(-(recover[back] - ago[back]) / 30)
    return level


def declining(life: Life, rows: np.ndarray, ago: np.ndarray) -> np.ndarray:
    """Whether account ``rows`` was in its decline at ``ago`` days ago (for tickets, payments, surveys)."""
    return (np.nan_to_num(life.onset[rows] - ago, nan=-1.0) > 0) & (ago > life.recover[rows])


def annual_value(life: Life, cust: np.ndarray) -> np.ndarray:
    return np.round(life.licences[cust] * vocab.PRODUCTS[0][1] * 12, 2)


def contracts(acc: Any, life: Life, cust: np.ndarray, clock: Any) -> Frame:
    """One row per yearly term: the current (or last) term is active (cancelled for a churned
    customer), every earlier term renewed."""
    k = np.concatenate([np.arange(t) for t in life.terms[cust]]) if len(cust) else np.zeros(0, int)
    owner = np.repeat(cust, life.terms[cust])
    end_ago = life.end[owner] + k * TERM_DAYS
    end = clock.date_ago(end_ago.astype(int))
    last = k == 0
    status = np.where(last, np.where(acc.churned[owner], "cancelled", "active"), "renewed").astype(object)
    value = annual_value(life, owner)
    return {
        "id": Ids("ctr-", acc.serial.take("ctr-", len(owner)), 6),
        "account_id": acc.ids[owner],
        "product": vocab.PRODUCTS[0][0],
        "start_date": clock.date_ago((end_ago + TERM_DAYS).astype(int)),
        "end_date": end,
        "renewal_date": end - np.timedelta64(NOTICE_DAYS, "D"),
        "annual_value": value,
        "licences": life.licences[owner],
        "status": status,
    }


def usage(acc: Any, life: Life, cust: np.ndarray, rng: np.random.Generator, clock: Any) -> Frame:
    """Weekly logins, active users, session length and features in use, while the account is a customer.

    Noise is a few per cent a week, so a flat account never looks like a falling one; new customers
    ramp up over their first eight weeks. The current week is not over, so the last row is last week's.
    """
    monday = clock.today - np.timedelta64(clock.now.weekday(), "D")
    weeks_ago = np.arange(1, USAGE_WEEKS + 1)[::-1]  # oldest week first
    ago = weeks_ago * 7 + clock.now.weekday()
    since, end = life.since[cust][:, None], life.end[cust][:, None]
    live = (ago[None, :] <= since) & (ago[None, :] >= end)
    r, w = np.nonzero(live)
    rows, a = cust[r], ago[w].astype(float)
    base = np.clip(0.55 + 0.12 * acc.health[rows], 0.25, 0.9)
    ramp = np.minimum(1.0, 0.4 + (life.since[rows] - a) / 56 * 0.6)
    in_dip = np.nan_to_num(life.dip_at[rows] - a, nan=-1.0)
    dip = np.where((in_dip > 0) & (in_dip < 49), 1 - life.dip_depth[rows], 1.0)
    level = base * ramp * dip * decline(life, rows, a)
    seats = life.licences[rows]
    logins = seats * level * (3 + 2 * level) * (1 + rng.normal(0, 0.03, len(rows)))
    users = seats * np.minimum(1.0, 1.3 * level) * (1 + rng.normal(0, 0.03, len(rows)))
    return {
        "account_id": acc.ids[rows],
        "week_start": monday - (weeks_ago[w] * 7).astype("timedelta64[D]"),
        "logins": np.maximum(0, np.rint(logins)).astype(int),
        "active_users": np.maximum(1, np.rint(users)).astype(int),
        "avg_session_min": np.round(6 + 10 * level + rng.normal(0, 0.3, len(rows)), 1),
        "features_used": np.rint(2 + 8 * np.minimum(level * 1.2, 1.0)).astype(int),
    }
