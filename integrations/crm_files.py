"""CRM import and export: one JSON Lines or CSV file per record type, named after the type.

``accounts.jsonl``, ``contacts.csv``, ``orders.jsonl``... (the table names of the store; see
docs/crm-files.md and :mod:`integrations.crm_schema`). An import validates every row of every file
first (each on its own, then together: duplicates, and references to records in neither the files
nor the store) and writes nothing unless all of them are good; then it upserts by the stable id, in
one transaction, so re-importing the same files changes nothing and a failure leaves the store as
it was.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from copilot.core.errors import PolkuError
from copilot.core.store.db import Database
from copilot.core.store.repo import dsar as dsar_repo
from copilot.core.store.repo import records
from copilot.trust.subject import Identifiers, tombstone_key
from integrations.crm_schema import ORDER, ROW_MODELS, TABLES, defaults_when_empty, is_json, is_required


@dataclass
class RowError:
    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, field {self.field!r}: {self.message}"


@dataclass
class ImportSummary:
    files: dict[str, int] = field(default_factory=dict)
    """Rows read per file."""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_erased: int = 0


class Row(dict[str, Any]):
    """A validated row that remembers where it came from, so a later check can name it."""

    def __init__(self, values: dict[str, Any], file: str, line: int) -> None:
        super().__init__(values)
        self.file, self.line = file, line


def _rule_errors(table: str, row: dict[str, Any]) -> list[tuple[str, str]]:
    """Business rules the sources require, beyond types."""
    errors = []
    if table == "leads" and row.get("status") == "dead" and not row.get("dead_reason"):
        errors.append(("dead_reason", "a dead lead needs a reason (no_budget, wrong_person, not_potential)"))
    if table == "opportunities" and row.get("stage") == "lost" and not row.get("loss_reason"):
        errors.append(("loss_reason", "a lost opportunity needs a loss reason"))
    return errors


def _read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if line.strip():
                    try:
                        value = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise _BadRow(n, "-", f"not valid JSON ({exc.msg})") from None
                    if not isinstance(value, dict):
                        raise _BadRow(n, "-", "a line must hold one JSON object")
                    yield n, value
    else:
        table = TABLES[path.stem]
        with path.open(encoding="utf-8", newline="") as fh:
            for n, raw in enumerate(csv.DictReader(fh), start=2):  # row 1 is the header
                row = {k: (None if v == "" else v) for k, v in raw.items() if k is not None}
                for name, value in row.items():
                    if value is not None and name in table.c and is_json(table.c[name]):
                        try:
                            row[name] = json.loads(value)
                        except json.JSONDecodeError as exc:
                            raise _BadRow(n, name, f"not valid JSON ({exc.msg})") from None
                yield n, row


class _BadRow(Exception):
    def __init__(self, row: int, fieldname: str, message: str) -> None:
        self.row, self.field, self.message = row, fieldname, message


def table_of(path: Path) -> str:
    if path.suffix not in (".jsonl", ".csv"):
        raise PolkuError("invalid", f"{path.name}: only .jsonl and .csv files can be imported")
    name = path.stem
    if name not in TABLES:
        raise PolkuError("invalid", f"{path.name}: unknown record type {name!r}; expected one of " + ", ".join(ORDER))
    return name


def _check_row(table: str, raw: dict[str, Any], where: tuple[str, int]) -> Row | list[RowError]:
    """The row as it will be written, or what is wrong with it."""
    columns = TABLES[table].c
    unknown = sorted(set(raw) - set(columns.keys()))
    if unknown:
        return [RowError(*where, unknown[0], "unknown field")]
    missing = [c.name for c in columns if is_required(c) and raw.get(c.name) is None]
    if missing:
        return [RowError(*where, name, "a value is required") for name in missing]
    try:
        row = ROW_MODELS[table].model_validate(raw).model_dump(exclude_unset=True)
    except ValidationError as exc:
        return [RowError(*where, ".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]
    bad = _rule_errors(table, row)
    if bad:
        return [RowError(*where, f, msg) for f, msg in bad]
    # An empty value of a column that has a default and holds no null means "not given": a new
    # record gets the default, a stored one keeps its value.
    return Row({k: v for k, v in row.items() if v is not None or not defaults_when_empty(columns[k])}, *where)


def validate_files(paths: list[Path]) -> tuple[dict[str, list[Row]], list[RowError]]:
    """Parse and validate every row; return the clean rows per table and every error found."""
    clean: dict[str, list[Row]] = {}
    errors: list[RowError] = []
    for path in paths:
        if not path.is_file():
            raise PolkuError("invalid", f"{path}: no such file")
        table = table_of(path)
        rows = clean.setdefault(table, [])
        try:
            for n, raw in _read_rows(path):
                checked = _check_row(table, raw, (path.name, n))
                if isinstance(checked, Row):
                    rows.append(checked)
                else:
                    errors.extend(checked)
        except _BadRow as exc:
            errors.append(RowError(path.name, exc.row, exc.field, exc.message))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            errors.append(RowError(path.name, 0, "-", f"cannot read file: {exc}"))
    if not errors:
        errors = _duplicates(clean)
    return clean, errors


def _duplicates(clean: dict[str, list[Row]]) -> list[RowError]:
    """Two rows of the files with the same id, or the same value of a column that must be unique."""
    errors = []
    for table, rows in clean.items():
        for columns in _unique_sets(table):
            seen: dict[tuple[Any, ...], Row] = {}
            for row in rows:
                value = tuple(row.get(c) for c in columns)
                if any(v is None for v in value):
                    continue
                first = seen.setdefault(value, row)
                if first is not row:
                    errors.append(RowError(row.file, row.line, "+".join(columns),
                                           f"the same value as {first.file}, row {first.line}; it must be unique"))
    return errors


def _unique_sets(table: str) -> list[list[str]]:
    t = TABLES[table]
    sets = [[c.name for c in t.primary_key.columns]]
    sets += [[c.name for c in con.columns] for con in t.constraints if isinstance(con, UniqueConstraint)]
    return [s for i, s in enumerate(sets) if s and s not in sets[:i]]


def _dangling(session: Session, clean: dict[str, list[Row]]) -> list[RowError]:
    """References to a record that is in neither the files nor the store."""
    errors = []
    for table, rows in clean.items():
        for fk in TABLES[table].foreign_keys:
            column, parent, key = fk.parent.name, fk.column.table, fk.column.name
            given = {r.get(key) for r in clean.get(parent.name, [])}
            wanted = {r[column] for r in rows if r.get(column) is not None} - given
            if not wanted:
                continue
            missing = wanted - records.existing_keys(session, table=parent, column=key, values=wanted)
            errors += [RowError(r.file, r.line, column, f"no {parent.name} record {r[column]!r} in the files or "
                                "the store") for r in rows if r.get(column) in missing]
    return errors


def _refuse(errors: list[RowError]) -> PolkuError:
    shown = "; ".join(str(e) for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return PolkuError("invalid", f"import refused, nothing was written: {shown}{more}",
                      errors=[e.__dict__ for e in errors[:100]])


def import_files(db: Database, paths: list[Path], *, tombstone_salt: str | None = None) -> ImportSummary:
    """Validate all files, then upsert everything in one transaction; any bad row writes nothing.

    Contacts erased on request (their e-mail's salted hash is a tombstone) are skipped, with every
    row that depends on them, and counted in ``skipped_erased``: an old export cannot resurrect them.
    """
    clean, errors = validate_files(paths)
    if errors:
        raise _refuse(errors)
    summary = ImportSummary(files={p.name: len(clean.get(table_of(p), [])) for p in paths})
    if tombstone_salt is None:
        from copilot.core.settings import get_settings

        tombstone_salt = get_settings().tombstone_salt.get_secret_value()
    with db.session() as session:
        summary.skipped_erased = _drop_erased(clean, dsar_repo.tombstone_hashes(session), tombstone_salt)
        errors = _dangling(session, clean)
        if errors:
            raise _refuse(errors)
        for table in ORDER:
            try:
                counts = records.upsert_many(session, table=TABLES[table], rows=list(clean.get(table, [])))
            except (IntegrityError, DataError) as exc:
                # What only the store can see, e.g. an e-mail another contact id already has.
                files = sorted({r.file for r in clean[table]})
                reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
                raise PolkuError("invalid", f"import refused, nothing was written: {', '.join(files)}: the store "
                                 f"refused a row ({reason})") from None
            summary.inserted += counts["inserted"]
            summary.updated += counts["updated"]
            summary.unchanged += counts["unchanged"]
    return summary


def _drop_erased(clean: dict[str, list[Row]], tombstones: set[str], salt: str) -> int:
    """Remove the rows of tombstoned contacts and of everything that hangs off them; returns how many.

    An old export also names the person in rows that stay (the account's notes, a deal's name, a
    colleague's ticket): the erased contact's own row in the file says who they were, so those texts
    are redacted here exactly as the erasure redacted them in the store.
    """
    people = [
        Identifiers(contact_id=row["id"], email=row["email"], first_name=row["first_name"],
                    last_name=row["last_name"], phone=row.get("phone"))
        for row in clean.get("contacts", [])
        if tombstones and tombstone_key(str(row.get("email") or ""), salt) in tombstones
    ]
    if not people:
        return 0
    gone: dict[str, set[Any]] = {"contacts": {p.contact_id for p in people}}
    dropped = 0
    for table in ORDER:  # parents first, so a child sees its parent's verdict
        refs = _contact_refs(table)
        keep = []
        for row in clean.get(table, []):
            if _acted_by(row, gone["contacts"]) or any(
                row.get(col) is not None and row.get(col) in gone.get(ref, ()) for col, ref in refs
            ):
                gone.setdefault(table, set()).add(row.get("id"))
                dropped += 1
            else:
                keep.append(row)
        clean[table] = keep
    for rows in clean.values():
        for row in rows:
            for person in people:
                row.update({k: person.redact_json(v) for k, v in row.items() if isinstance(v, str | dict | list)})
    return dropped


def _acted_by(row: dict[str, Any], contact_ids: set[Any]) -> bool:
    """A conversation or audit row whose actor is the person ("con-1" or "customer:con-1")."""
    actor = str(row.get("actor") or "")
    return bool(actor) and actor.rsplit(":", 1)[-1] in contact_ids


def _contact_refs(table: str) -> list[tuple[str, str]]:
    """(column, referenced table) pairs through which a row of ``table`` depends on someone."""
    refs = [(fk.parent.name, fk.column.table.name) for fk in TABLES[table].foreign_keys]
    if "contact_id" in TABLES[table].c and ("contact_id", "contacts") not in refs:
        refs.append(("contact_id", "contacts"))  # the audit log names contacts without a foreign key
    if table == "contacts":
        refs.append(("id", "contacts"))
    return refs


def export_all(db: Database, directory: Path) -> dict[str, int]:
    """Write every table as ``<table>.jsonl`` into ``directory``; returns rows written per file."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    with db.session() as session:
        for table in ORDER:
            path = directory / f"{table}.jsonl"
            count = 0
            with path.open("w", encoding="utf-8") as fh:
                for row in records.iter_rows(session, table=TABLES[table]):
                    fh.write(json.dumps(row, ensure_ascii=False, default=_iso) + "\n")
                    count += 1
            written[path.name] = count
    return written


def _iso(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
