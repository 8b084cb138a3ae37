"""CRM import and export: one JSON Lines or CSV file per record type, named after the type.

``accounts.jsonl``, ``contacts.csv``, ``orders.jsonl``... (the table names of the store; see
docs/crm-files.md). An import validates every row of every file first and writes nothing unless all
of them are good; then it upserts by the stable id, in one transaction, so re-importing the same
files changes nothing and a failure leaves the store as it was.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError, create_model, field_validator
from sqlalchemy import Table
from sqlalchemy.types import JSON, Boolean, Date, DateTime, Float, Integer

from copilot.core.domain import (
    ConsentStatus,
    DeadReason,
    LawfulBasis,
    LeadStatus,
    LifecycleStage,
    LossReason,
    OpportunityStage,
    PersonalisationLevel,
    Purpose,
    StrEnum,
)
from copilot.core.errors import PolkuError
from copilot.core.store import models as m
from copilot.core.store.db import Database
from copilot.core.store.repo import dsar as dsar_repo
from copilot.core.store.repo import records
from copilot.trust.subject import Identifiers, tombstone_key

TABLES: dict[str, Table] = {t.name: t for t in m.Base.metadata.sorted_tables}
ORDER = [t.name for t in m.Base.metadata.sorted_tables]  # parents before children

# Columns whose values come from the domain vocabulary.
ENUMS: dict[tuple[str, str], type[StrEnum]] = {
    ("leads", "stage"): LifecycleStage,
    ("leads", "status"): LeadStatus,
    ("leads", "dead_reason"): DeadReason,
    ("opportunities", "stage"): OpportunityStage,
    ("opportunities", "loss_reason"): LossReason,
    ("consents", "purpose"): Purpose,
    ("consents", "status"): ConsentStatus,
    ("consents", "lawful_basis"): LawfulBasis,
    ("consents", "level"): PersonalisationLevel,
    ("consent_events", "purpose"): Purpose,
    ("consent_events", "status"): ConsentStatus,
    ("consent_events", "lawful_basis"): LawfulBasis,
}
NON_NEGATIVE = {
    "amount",
    "margin",
    "annual_value",
    "cost",
    "licences",
    "employees",
    "acquisition_cost",
    "payment_delay_days",
    "logins",
    "active_users",
    "impressions",
    "clicks",
}


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


def _python_type(column: Any) -> Any:
    sql = column.type
    if isinstance(sql, Boolean):
        base: Any = bool
    elif isinstance(sql, Integer):
        base = int
    elif isinstance(sql, Float):
        base = float
    elif isinstance(sql, DateTime):
        base = datetime
    elif isinstance(sql, Date):
        base = date
    elif isinstance(sql, JSON):
        base = dict | list  # the JSON column's own python_type says dict, but lists are stored too
    else:
        base = str
    enum = ENUMS.get((column.table.name, column.name))
    if enum is not None:
        base = enum
    optional = column.nullable or column.default is not None or column.autoincrement is True
    return (base | None, None) if optional else (base, ...)


def _row_model(table: Table) -> type[BaseModel]:
    fields = {c.name: _python_type(c) for c in table.columns}

    def non_negative(cls: Any, value: Any) -> Any:
        if isinstance(value, int | float) and value < 0:
            raise ValueError("must not be negative")
        return value

    validators: dict[str, Any] = {}
    checked = [c for c in fields if c in NON_NEGATIVE]
    if checked:
        validators["non_negative"] = field_validator(*checked)(classmethod(non_negative))
    return create_model(f"{table.name}_row", __validators__=validators, **fields)


ROW_MODELS = {name: _row_model(t) for name, t in TABLES.items()}


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
        with path.open(encoding="utf-8", newline="") as fh:
            for n, raw in enumerate(csv.DictReader(fh), start=2):  # row 1 is the header
                yield n, {k: (None if v == "" else v) for k, v in raw.items() if k is not None}


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


def validate_files(paths: list[Path]) -> tuple[dict[str, list[dict[str, Any]]], list[RowError]]:
    """Parse and validate every row; return the clean rows per table and every error found."""
    clean: dict[str, list[dict[str, Any]]] = {}
    errors: list[RowError] = []
    for path in paths:
        if not path.is_file():
            raise PolkuError("invalid", f"{path}: no such file")
        table = table_of(path)
        model = ROW_MODELS[table]
        rows = clean.setdefault(table, [])
        try:
            for n, raw in _read_rows(path):
                unknown = set(raw) - set(model.model_fields)
                if unknown:
                    errors.append(RowError(path.name, n, sorted(unknown)[0], "unknown field"))
                    continue
                try:
                    row = model.model_validate(raw).model_dump(exclude_unset=True)
                except ValidationError as exc:
                    for err in exc.errors():
                        errors.append(RowError(path.name, n, ".".join(map(str, err["loc"])), err["msg"]))
                    continue
                bad = _rule_errors(table, row)
                errors.extend(RowError(path.name, n, f, msg) for f, msg in bad)
                if not bad:
                    rows.append(row)
        except _BadRow as exc:
            errors.append(RowError(path.name, exc.row, exc.field, exc.message))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            errors.append(RowError(path.name, 0, "-", f"cannot read file: {exc}"))
    return clean, errors


def import_files(db: Database, paths: list[Path], *, tombstone_salt: str | None = None) -> ImportSummary:
    """Validate all files, then upsert everything in one transaction; any bad row writes nothing.

    Contacts erased on request (their e-mail's salted hash is a tombstone) are skipped, with every
    row that depends on them, and counted in ``skipped_erased``: an old export cannot resurrect them.
    """
    clean, errors = validate_files(paths)
    if errors:
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise PolkuError(
            "invalid", f"import refused, nothing was written: {shown}{more}", errors=[e.__dict__ for e in errors[:100]]
        )
    summary = ImportSummary(files={p.name: len(clean.get(table_of(p), [])) for p in paths})
    if tombstone_salt is None:
        from copilot.core.settings import get_settings

        tombstone_salt = get_settings().tombstone_salt.get_secret_value()
    with db.session() as session:
        summary.skipped_erased = _drop_erased(clean, dsar_repo.tombstone_hashes(session), tombstone_salt)
        for table in ORDER:
            counts = records.upsert_many(session, table=TABLES[table], rows=clean.get(table, []))
            summary.inserted += counts["inserted"]
            summary.updated += counts["updated"]
            summary.unchanged += counts["unchanged"]
    return summary


def _drop_erased(clean: dict[str, list[dict[str, Any]]], tombstones: set[str], salt: str) -> int:
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


def schema() -> dict[str, list[dict[str, Any]]]:
    """Record types and their fields, as the import validates them (the source of docs/crm-files.md)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in ORDER:
        model = ROW_MODELS[name]
        fields = []
        for fname, info in model.model_fields.items():
            enum = ENUMS.get((name, fname))
            fields.append({"field": fname, "type": _type_name(info.annotation),
                           "required": info.is_required(),
                           "values": [e.value for e in enum] if enum else None,
                           "non_negative": fname in NON_NEGATIVE})
        out[name] = fields
    return out


def _type_name(annotation: Any) -> str:
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    base = args[0] if args else annotation
    return {"datetime": "datetime", "date": "date"}.get(base.__name__, base.__name__) if isinstance(base, type) \
        else str(base)


def schema_markdown() -> str:
    lines = ["# CRM files", "",
             "`polku crm import` reads one file per record type, named `<type>.jsonl` (one JSON object a line) "
             "or `<type>.csv` (a header row, then one record a row; an empty cell is null). Dates are ISO 8601 "
             "(`2026-03-01`), times ISO 8601 with an offset (`2026-03-01T09:00:00+02:00`). Records are matched "
             "by their id, so re-importing updates them. Files are imported parents first, in the order below.",
             "", "Generated by `polku crm schema --markdown`.", ""]
    for name, fields in schema().items():
        lines += [f"## {name}", "", "| field | type | required | allowed values |", "|---|---|---|---|"]
        for f in fields:
            values = ", ".join(f["values"]) if f["values"] else ("≥ 0" if f["non_negative"] else "")
            lines.append(f"| `{f['field']}` | {f['type']} | {'yes' if f['required'] else ''} | {values} |")
        lines.append("")
    return "\n".join(lines)
