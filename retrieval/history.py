"""Account history as retrievable context: one account's timeline ranked for a question.

The candidates come only from ``copilot.core.store.repo.timeline.account_timeline``, whose queries are
all bound to the one account id: another account's items never enter the candidate set, so no
later filter can be forgotten. Ranking (BM25 over the items' words, blended with recency) then runs
in memory over that small set.

No item is embedded here: timeline items are written all the time (orders, tickets, the
conversation itself) and embedding them while a person waits cost 1-7 s on a 2-core machine. The
query's own words, stemmed in both languages (``tokenize_query``), carry the relevance instead.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import numpy as np

from copilot.core.store.repo.timeline import TimelineRow
from retrieval.models import HistoryItem
from retrieval.textproc import tokenize, tokenize_query

HALF_LIFE_DAYS = 90.0
"""An item loses half its recency weight every 90 days: last quarter matters most in B2B."""
RECENCY_WEIGHT = 0.35
BM25_K1, BM25_B = 1.2, 0.75
"""The usual BM25 constants: term frequency saturates fast (timeline items are one or two lines)."""


def rank_history(rows: list[TimelineRow], *, account_id: str, query: str, k: int, now: date) -> list[HistoryItem]:
    """Top ``k`` items: relevance to the query blended with recency (recency alone without a query)."""
    if not rows:
        return []
    recency = np.array([_recency(r.day, now) for r in rows])
    if query.strip():
        kw = bm25(rows, query)
        relevance = kw / kw.max() if kw.max() > 0 else kw
        score = (1 - RECENCY_WEIGHT) * relevance + RECENCY_WEIGHT * recency
    else:
        score = recency
    best: list[int] = []
    seen: set[str] = set()
    for i in np.argsort(-score, kind="stable"):
        # A question asked again (in another conversation) adds nothing. Only messages: two records of
        # other kinds may read alike (two calls with the same subject) and still both be facts.
        if rows[i].kind == "message":
            if rows[i].text in seen:
                continue
            seen.add(rows[i].text)
        best.append(int(i))
        if len(best) == k:
            break
    return [
        HistoryItem(
            id=f"{rows[i].kind}:{rows[i].record_id}",
            account_id=account_id,
            kind=rows[i].kind,
            record_id=rows[i].record_id,
            day=rows[i].day,
            title=rows[i].title,
            text=rows[i].text,
            score=round(float(score[i]), 4),
            facets=rows[i].facets,
        )
        for i in best
    ]


def _recency(day: date, now: date) -> float:
    age = max(0, (now - day).days)
    return math.pow(0.5, age / HALF_LIFE_DAYS)


def bm25(rows: list[TimelineRow], query: str) -> np.ndarray:
    """BM25 of each item for the query, with document frequencies from the account's own items
    (a word every item of this account has, such as its product, tells little)."""
    terms = set(tokenize_query(query))
    docs = [tokenize(f"{r.title} {r.text}") for r in rows]
    lengths = np.array([len(d) for d in docs], dtype=float)
    norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / max(float(lengths.mean()), 1.0))
    counts = [Counter(t for t in d if t in terms) for d in docs]
    df = Counter(t for c in counts for t in c)
    n = len(rows)
    idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in df}
    return np.array(
        [
            sum(idf[t] * tf * (BM25_K1 + 1) / (tf + norm[i]) for t, tf in c.items())
            for i, c in enumerate(counts)
        ]
    )
