"""Generic row access by table, for import and export (the typed queries live in the area modules)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, insert, select, tuple_, update
from sqlalchemy.orm import Session

CHUNK = 500


def _normal(value: Any) -> Any:
    # SQLite hands back naive datetimes for timezone-aware columns; compare everything as naive UTC.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def upsert_many(session: Session, *, table: Table, rows: list[dict[str, Any]]) -> Counter[str]:
    """Insert new rows and update stored rows (same primary key) that differ.

    Returns counts of ``inserted``, ``updated`` and ``unchanged``. Rows without their key (append-only
    history entries whose id the database assigns) are always inserted.
    """
    key = list(table.primary_key.columns)
    counts: Counter[str] = Counter()
    keyless = [r for r in rows if any(r.get(c.name) is None for c in key)]
    if keyless:
        session.execute(insert(table), keyless)
        counts["inserted"] += len(keyless)
    keyed = [r for r in rows if all(r.get(c.name) is not None for c in key)]
    for start in range(0, len(keyed), CHUNK):
        chunk = keyed[start : start + CHUNK]
        ids = [tuple(r[c.name] for c in key) for r in chunk]
        stored = {
            tuple(row[c.name] for c in key): row
            for row in session.execute(select(table).where(tuple_(*key).in_(ids))).mappings()
        }
        new = [r for r, ident in zip(chunk, ids, strict=True) if ident not in stored]
        if new:
            session.execute(insert(table), new)
            counts["inserted"] += len(new)
        for row, ident in zip(chunk, ids, strict=True):
            if ident not in stored:
                continue
            changes = {k: v for k, v in row.items() if _normal(stored[ident].get(k)) != _normal(v)}
            if changes:
                session.execute(update(table).where(and_(*(c == row[c.name] for c in key))).values(**changes))
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return counts


def iter_rows(session: Session, *, table: Table) -> Iterator[dict[str, Any]]:
    key = list(table.primary_key.columns)
    for row in session.execute(select(table).order_by(*key)).mappings().yield_per(5000):
        yield dict(row)
