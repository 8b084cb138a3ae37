"""Generic row access by table, for import and export (the typed queries live in the area modules)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Table, and_, insert, select, text, tuple_, update
from sqlalchemy.orm import Session

CHUNK = 500


def _normal(value: Any) -> Any:
    # SQLite hands back naive datetimes for timezone-aware columns; compare everything as naive UTC.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    # One executemany binds the first row's fields for every row: a row that leaves an optional field
    # out would fail. Runs of rows with the same fields go together, keeping the file's order, and the
    # columns a run leaves out get their defaults.
    for _fields, run in groupby(rows, key=lambda r: tuple(sorted(r))):
        session.execute(insert(table), list(run))


def upsert_many(session: Session, *, table: Table, rows: list[dict[str, Any]]) -> Counter[str]:
    """Insert new rows and update stored rows (same primary key) that differ.

    Returns counts of ``inserted``, ``updated`` and ``unchanged``. Rows without their key (append-only
    history entries whose id the database assigns) are always inserted. A field a row leaves out takes
    its column's default on insert and keeps the stored value on update.
    """
    key = list(table.primary_key.columns)
    counts: Counter[str] = Counter()
    keyless = [r for r in rows if any(r.get(c.name) is None for c in key)]
    if keyless:
        _insert(session, table, keyless)
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
            _insert(session, table, new)
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
    if keyed and session.get_bind().dialect.name == "postgresql":
        _advance_sequence(session, table)
    return counts


def _advance_sequence(session: Session, table: Table) -> None:
    """Move a serial key's sequence past the ids just written, or the next row the application adds
    (a consent event, a message) would be given one of them. SQLite needs nothing: it takes max + 1."""
    serial = [c for c in table.primary_key.columns if c.autoincrement is True]
    if serial:
        column = serial[0].name
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
                             f"GREATEST((SELECT max({column}) FROM {table.name}), 1))"))


def existing_keys(session: Session, *, table: Table, column: str, values: Iterable[Any]) -> set[Any]:
    """Which of ``values`` the store holds in ``table.column``."""
    wanted = list(dict.fromkeys(values))
    found: set[Any] = set()
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        found.update(session.scalars(select(table.c[column]).where(table.c[column].in_(part))))
    return found


def iter_rows(session: Session, *, table: Table) -> Iterator[dict[str, Any]]:
    key = list(table.primary_key.columns)
    for row in session.execute(select(table).order_by(*key)).mappings().yield_per(5000):
        yield dict(row)
