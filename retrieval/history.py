"""Account history as retrievable context: one account's timeline ranked for a question.

The candidates come only from ``copilot.store.repo.timeline.account_timeline``, whose queries are
all bound to the one account id: another account's items never enter the candidate set, so no
later filter can be forgotten. Ranking (keyword + dense relevance, blended with recency) then runs
in memory over that small set.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from copilot.store.repo.timeline import TimelineRow
from retrieval.embeddings import Embedder
from retrieval.models import HistoryItem
from retrieval.textproc import tokenize, tokenize_query

HALF_LIFE_DAYS = 90.0
"""An item loses half its recency weight every 90 days: last quarter matters most in B2B."""
RECENCY_WEIGHT = 0.35
DENSE_BUDGET = 24
"""Items embedded per query (cached by content hash), chosen by keyword score, then recency."""


def rank_history(
    rows: list[TimelineRow],
    *,
    account_id: str,
    query: str,
    k: int,
    now: date,
    embedder: Embedder | None = None,
) -> list[HistoryItem]:
    """Top ``k`` items: relevance to the query blended with recency (recency alone without a query)."""
    if not rows:
        return []
    recency = np.array([_recency(r.day, now) for r in rows])
    relevance = np.zeros(len(rows))
    if query.strip():
        kw = _keyword(rows, query)
        relevance = kw / kw.max() if kw.max() > 0 else kw
        if embedder is not None:
            order = np.lexsort((-recency, -kw))[:DENSE_BUDGET]
            vecs = embedder.embed_passages([rows[i].text for i in order])
            cos = vecs @ embedder.embed_query(query)
            # e5 cosines sit in ~0.7..0.9; stretch that band to 0..1 before blending.
            relevance[order] = np.maximum(relevance[order], np.clip((cos - 0.75) / 0.15, 0, 1))
    score = (1 - RECENCY_WEIGHT) * relevance + RECENCY_WEIGHT * recency if query.strip() else recency
    best = np.argsort(-score, kind="stable")[:k]
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
        )
        for i in best
    ]


def _recency(day: date, now: date) -> float:
    age = max(0, (now - day).days)
    return math.pow(0.5, age / HALF_LIFE_DAYS)


def _keyword(rows: list[TimelineRow], query: str) -> np.ndarray:
    """Share of query terms an item contains, idf-weighted within the account's own items."""
    terms = set(tokenize_query(query))
    docs = [set(tokenize(f"{r.title} {r.text}")) for r in rows]
    df = {t: sum(t in d for d in docs) for t in terms}
    idf = {t: math.log(1 + len(docs) / df[t]) for t in terms if df[t]}
    return np.array([sum(idf.get(t, 0.0) for t in d & terms) for d in docs])
