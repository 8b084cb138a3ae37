"""The record types `polku crm import` accepts: one row model per table of the store, and their docs.

The row models are derived from the store's columns, so the import checks exactly what the
database would refuse (types, lengths, required values, the domain vocabulary) and names the row
instead of failing inside the database. docs/crm-files.md is generated from here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, StringConstraints, create_model, field_validator
from sqlalchemy import Column, Table
from sqlalchemy.types import JSON, Boolean, Date, DateTime, Float, Integer, String

from copilot.core.domain import (
    ConsentStatus,
    DeadReason,
    Language,
    LawfulBasis,
    LeadStatus,
    LifecycleStage,
    LossReason,
    OpportunityStage,
    PersonalisationLevel,
    Purpose,
    StrEnum,
)
from copilot.core.store import models as m

TABLES: dict[str, Table] = {t.name: t for t in m.Base.metadata.sorted_tables if t.name not in m.BOOKKEEPING}
ORDER = list(TABLES)  # parents before children

# Columns whose values come from the domain vocabulary.
ENUMS: dict[tuple[str, str], type[StrEnum]] = {
    ("contacts", "language"): Language,
    ("content_modules", "language"): Language,
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
# What a default that the database computes means to the person writing a file.
_CALLABLE_DEFAULTS = {"utcnow": "time of import", "dict": "`{}`", "list": "`[]`"}


def is_required(column: Column[Any]) -> bool:
    """A value must be given: the column is not nullable and nothing fills it in."""
    return not (column.nullable or column.default is not None or column.autoincrement is True)


def defaults_when_empty(column: Column[Any]) -> bool:
    """An empty value means "use the default": the column has one and does not hold null."""
    return not column.nullable and not is_required(column)


def default_text(column: Column[Any]) -> str:
    """The documented default of an optional column ("" when an omitted value is null)."""
    default = column.default
    if default is None:
        return "" if column.nullable else "assigned"  # the database numbers append-only history rows
    if getattr(default, "is_scalar", False):
        arg = getattr(default, "arg", None)
        if arg == "":
            return "empty text"
        return f"`{str(arg).lower() if isinstance(arg, bool) else arg}`"
    fn = getattr(default, "arg", None)
    name = getattr(fn, "__name__", "")
    return _CALLABLE_DEFAULTS.get(name, "computed")


def is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON)


def _python_type(column: Column[Any]) -> Any:
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
    elif isinstance(sql, String) and sql.length:
        # SQLite ignores VARCHAR lengths, PostgreSQL refuses longer values: check them for both.
        base = Annotated[str, StringConstraints(max_length=sql.length)]
    else:
        base = str
    enum = ENUMS.get((column.table.name, column.name))
    if enum is not None:
        base = enum
    return (base, ...) if is_required(column) else (base | None, None)


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


def schema() -> dict[str, list[dict[str, Any]]]:
    """Record types and their fields, as the import validates them (the source of docs/crm-files.md)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in ORDER:
        fields = []
        for column in TABLES[name].columns:
            enum = ENUMS.get((name, column.name))
            required = is_required(column)
            fields.append({"field": column.name, "type": _type_name(column), "required": required,
                           "default": None if required else default_text(column),
                           "max_length": getattr(column.type, "length", None),
                           "values": [e.value for e in enum] if enum else None,
                           "non_negative": column.name in NON_NEGATIVE})
        out[name] = fields
    return out


def _type_name(column: Column[Any]) -> str:
    sql = column.type
    for kind, name in ((Boolean, "bool"), (Integer, "int"), (Float, "float"), (DateTime, "datetime"),
                       (Date, "date")):
        if isinstance(sql, kind):
            return name
    if isinstance(sql, JSON):
        return "object"
    return "str"


def schema_markdown() -> str:
    lines = ["# CRM files", "",
             "`polku crm import` reads one file per record type, named `<type>.jsonl` (one JSON object a line) "
             "or `<type>.csv` (a header row, then one record a row; an `object` cell holds JSON). Dates are "
             "ISO 8601 (`2026-03-01`), times ISO 8601 with an offset (`2026-03-01T09:00:00+02:00`). Records are "
             "matched by their id, so re-importing updates them. Files are imported parents first, in the "
             "order below.", "",
             "A field that is not required may be left out of a JSON line, be `null`, or be an empty CSV cell: "
             "a new record then gets the default below (no default: null), and a record already in the store "
             "keeps the value it has, except that an explicit null (or empty cell) of a field without a default "
             "clears it. A reference (`account_id`, `contact_id`, ...) must name a record in the files or in "
             "the store. One bad row refuses the whole import and the message names its file, row and field.",
             "", "Generated by `polku crm schema --markdown`.", ""]
    described = {mp.class_.__tablename__: mp.class_.__dict__.get("__doc__") for mp in m.Base.registry.mappers}
    for name, fields in schema().items():
        lines += [f"## {name}", ""]
        if described.get(name):
            lines += [" ".join(str(described[name]).split()), ""]
        lines += ["| field | type | required | default | allowed values |", "|---|---|---|---|---|"]
        for f in fields:
            allowed = ", ".join(f["values"]) if f["values"] else ("≥ 0" if f["non_negative"] else "")
            if f["max_length"] and not f["values"]:
                allowed = f"at most {f['max_length']} characters"
            lines.append(f"| `{f['field']}` | {f['type']} | {'yes' if f['required'] else ''} | "
                         f"{f['default'] or ''} | {allowed} |")
        lines.append("")
    return "\n".join(lines)
