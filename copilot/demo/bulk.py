"""Bulk writing of the demo tables: column arrays in, raw DB-API batches out.

SQLAlchemy's Core insert processes every bound value of every row in Python (dates to strings on
SQLite, dict lookups per column), which cost more than generating the data. The generator instead
hands over whole columns (numpy arrays, lazily formatted ids) and this module turns them into
tuples batch by batch and writes them with the driver itself: ``executemany`` on SQLite, ``COPY``
on PostgreSQL. It uses the session's own connection, so everything stays one transaction.

Values are written the way SQLAlchemy would store them, so the ORM reads them back unchanged: on
SQLite a date is ``YYYY-MM-DD`` and a datetime ``YYYY-MM-DD HH:MM:SS.ffffff`` (no zone); on
PostgreSQL datetimes carry the zone of the reference time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import Connection, insert

BATCH = 50_000
_ROWS_PER_INSERT = 200
# Only for the load itself: the unit of work still commits or rolls back as a whole.
_SQLITE_FAST = {"synchronous": "OFF", "temp_store": "MEMORY", "cache_size": "-262144"}

Frame = dict[str, Any]
"""Column name -> numpy array (numbers, bools, object strings, datetime64[us] or [D]), ``Ids``, or a
scalar repeated on every row."""


@dataclass(frozen=True)
class Ids:
    """Row ids such as ``evt-00000042``, formatted one batch at a time to keep memory flat."""

    prefix: str
    numbers: np.ndarray
    width: int

    def __len__(self) -> int:
        return len(self.numbers)

    def take(self, a: int, b: int) -> list[str]:
        fmt = f"{self.prefix}%0{self.width}d"
        return [fmt % k for k in self.numbers[a:b].tolist()]


class Serial:
    """Row numbers per id prefix across the blocks of one generation, so a large store generated
    block by block gets the ids one generation in a single piece would give (1, 2, 3, ...)."""

    def __init__(self) -> None:
        self._used: dict[str, int] = {}

    def take(self, prefix: str, count: int) -> np.ndarray:
        """The next ``count`` numbers of ``prefix``, from 1 in the first block."""
        start = self._used.get(prefix, 0)
        self._used[prefix] = start + count
        return np.arange(start + 1, start + count + 1)


def ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Ids as an object array, for ids that several tables share (accounts, contacts)."""
    fmt = f"{prefix}%0{width}d"
    return np.array([fmt % k for k in np.asarray(numbers).tolist()], dtype=object)


class BulkWriter:
    def __init__(self, conn: Connection, tz_suffix: str = "") -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.raw: Any = conn.connection.dbapi_connection
        self.quote = conn.dialect.identifier_preparer.quote
        self.tz_suffix = tz_suffix if self.dialect == "postgresql" else ""

    def write(self, table: Any, rows: Frame | list[dict[str, Any]]) -> int:
        """Insert ``rows`` into the model's table and return how many there were."""
        if isinstance(rows, list):  # a handful of rows (content, reps, campaigns): plain Core insert
            if rows:
                self.conn.execute(insert(table), rows)
            return len(rows)
        names = list(rows)
        n = max(len(c) for c in rows.values() if isinstance(c, np.ndarray | Ids))
        cols = ", ".join(self.quote(c) for c in names)
        name = self.quote(table.__tablename__)
        for a in range(0, n, BATCH):
            b = min(n, a + BATCH)
            if self.dialect == "sqlite":
                self._sqlite_batch(name, rows, a, b)
                continue
            data = zip(*(self._values(rows[c], a, b) for c in names), strict=True)
            with self.raw.cursor() as cur, cur.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        return n

    def _sqlite_batch(self, name: str, rows: Frame, a: int, b: int) -> None:
        # Many rows per INSERT and constants as SQL literals: binding parameters one row at a time
        # (executemany) costs more than SQLite's own work.
        varying = [c for c, v in rows.items() if isinstance(v, np.ndarray | Ids)]
        width = len(varying)
        per = max(1, min(_ROWS_PER_INSERT, self.raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
        row = "(" + ", ".join("?" if c in varying else _literal(v) for c, v in rows.items()) + ")"
        flat: list[Any] = [None] * ((b - a) * width)
        for k, c in enumerate(varying):
            flat[k::width] = self._values(rows[c], a, b)
        head = f"INSERT INTO {name} ({', '.join(self.quote(c) for c in rows)}) VALUES "
        cur = self.raw.cursor()
        full = (b - a) // per * per
        if full:
            sql = head + ", ".join([row] * per)
            for i in range(0, full * width, per * width):
                cur.execute(sql, flat[i : i + per * width])
        if full < b - a:
            cur.execute(head + ", ".join([row] * (b - a - full)), flat[full * width :])

    def _values(self, col: Any, a: int, b: int) -> Any:
        if isinstance(col, Ids):
            return col.take(a, b)
        if not isinstance(col, np.ndarray):
            return repeat(col, b - a)
        part = col[a:b]
        kind = part.dtype.kind
        if kind == "M":
            return self._datetimes(part)
        if kind == "f" and np.isnan(part).any():
            return [None if v != v else v for v in part.tolist()]
        return part.tolist()

    def _datetimes(self, part: np.ndarray) -> list[str | None]:
        day = np.datetime_data(part.dtype)[0] == "D"
        text = np.datetime_as_string(part, unit="D" if day else "us")
        if not day:  # '2026-11-24T09:00:00.000000' -> '2026-11-24 09:00:00.000000'
            text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")
        out = text.tolist()
        if self.tz_suffix and not day:
            out = [s + self.tz_suffix for s in out]
        missing = np.isnat(part)
        if missing.any():
            for k in np.flatnonzero(missing).tolist():
                out[k] = None
        return out

    def speed_up(self) -> Callable[[], None]:
        """On SQLite, skip fsyncs and use a big page cache for the load; returns what restores them.

        Call the returned function after the commit, so the commit's checkpoint runs fast too."""
        if self.dialect != "sqlite":
            return lambda: None
        raw: Any = self.raw
        before = {k: raw.execute(f"PRAGMA {k}").fetchone()[0] for k in _SQLITE_FAST}
        for k, v in _SQLITE_FAST.items():
            raw.execute(f"PRAGMA {k}={v}")

        def restore() -> None:
            for k, v in before.items():
                raw.execute(f"PRAGMA {k}={v}")

        return restore


def _literal(value: Any) -> str:
    """A constant column as SQL text (SQLite only), so it is not bound once per row."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool | int | float):
        return str(int(value) if isinstance(value, bool) else value)
    raise TypeError(f"no SQL literal for {value!r}")
