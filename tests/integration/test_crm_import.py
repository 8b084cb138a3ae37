"""`polku crm import` is as forgiving as the schema: optional fields may be left out or empty, in
JSONL and CSV, for every record type; a bad row is refused by name; nothing is written unless all is good."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column
from sqlalchemy.types import JSON, Boolean, Date, DateTime, Float, Integer

from copilot.core.errors import PolkuError
from copilot.core.store import models as m
from copilot.core.store.db import Database
from copilot.core.store.repo import admin, records
from integrations.crm_files import import_files
from integrations.crm_schema import ENUMS, ORDER, TABLES, is_required, schema_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "crm-files.md"


def _value(column: Column[Any], n: int) -> Any:
    """A valid value of a required column for row ``n`` of its table (row n refers to parents' row n)."""
    table = column.table.name
    fk = next(iter(column.foreign_keys), None)
    if fk is not None:
        return f"{fk.column.table.name}-{n}"
    enum = ENUMS.get((table, column.name))
    kind = column.type
    if enum is not None:
        return next(iter(enum)).value
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Integer):
        return n
    if isinstance(kind, Float):
        return 1.5
    if isinstance(kind, DateTime):
        return f"2026-03-0{n}T09:00:00+02:00"
    if isinstance(kind, Date):
        return f"2026-03-0{n}"
    if isinstance(kind, JSON):
        return {}
    if column.primary_key:
        return f"{table}-{n}"
    if column.name == "email":
        return f"{table}-{n}@example.fi"
    return f"x{n}"[: getattr(kind, "length", None) or 10]


def _required_only(table: str, n: int) -> dict[str, Any]:
    return {c.name: _value(c, n) for c in TABLES[table].columns if is_required(c)}


def _write(directory: Path, fmt: str, table: str, rows: list[dict[str, Any]]) -> Path:
    path = directory / f"{table}.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=[c.name for c in TABLES[table].columns])
            writer.writeheader()
            writer.writerows({k: "" if v is None else json.dumps(v) if isinstance(v, dict) else v
                              for k, v in r.items()} for r in rows)
    return path


def _expected_default(column: Column[Any]) -> Any:
    default = column.default
    if default is None or not default.is_scalar:
        return None if default is None else ...  # computed (time of import, {}): only "not null"
    return default.arg


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_every_record_type_imports_with_optional_fields_left_out_or_empty(
    any_db: Database, tmp_path: Path, fmt: str
) -> None:
    """Row 1 of each type gives every optional field as null (JSONL) or an empty cell (CSV); row 2 leaves
    them out (JSONL; a CSV row has every column of its header)."""
    paths = []
    for table in ORDER:
        explicit_nulls = {c.name: None for c in TABLES[table].columns if not is_required(c)}
        rows = [{**explicit_nulls, **_required_only(table, 1)}, _required_only(table, 2)]
        paths.append(_write(tmp_path, fmt, table, rows))

    summary = import_files(any_db, paths, tombstone_salt="s")

    assert summary.inserted == 2 * len(ORDER)
    with any_db.session() as s:
        for table in ORDER:
            stored = list(records.iter_rows(s, table=TABLES[table]))
            assert len(stored) == 2, table
            for column in TABLES[table].columns:
                if is_required(column):
                    continue
                expected = _expected_default(column)
                for row in stored:
                    got = row[column.name]
                    if expected is ...:
                        assert got is not None, (table, column.name)
                    elif column.autoincrement is True:
                        assert isinstance(got, int), (table, column.name)
                    else:
                        assert got == expected, (table, column.name, got)


def test_omitted_optional_fields_named_in_the_issue(any_db: Database, tmp_path: Path) -> None:
    """An account without `country` beside one with it, a consent without `level`, a CSV's empty cell."""
    (tmp_path / "accounts.jsonl").write_text(
        json.dumps({"id": "acc-1", "name": "Kallio Data Oy", "industry": "it_services", "size": "small",
                    "employees": 30, "owner": "rep-anna", "country": "SE"}) + "\n"
        + json.dumps({"id": "acc-2", "name": "Virta Kauppa Oy", "industry": "retail", "size": "small",
                      "employees": 4, "owner": "rep-anna"}) + "\n")
    (tmp_path / "contacts.csv").write_text(
        "id,account_id,first_name,last_name,email,phone,title,persona,language,owner,journey_stage\n"
        "con-1,acc-1,Aino,Kivi,aino@kallio.example,,CTO,cio,,rep-anna,\n")
    (tmp_path / "consents.jsonl").write_text(json.dumps(
        {"id": "cns-1", "contact_id": "con-1", "purpose": "newsletter", "status": "granted", "lawful_basis": "consent",
         "obtained_via": "web form"}) + "\n")
    import_files(any_db, [tmp_path / "accounts.jsonl", tmp_path / "contacts.csv", tmp_path / "consents.jsonl"],
                 tombstone_salt="s")
    with any_db.session() as s:
        assert [s.get(m.Account, a).country for a in ("acc-1", "acc-2")] == ["SE", "FI"]  # type: ignore[union-attr]
        contact = s.get(m.Contact, "con-1")
        assert contact is not None and (contact.phone, contact.language, contact.journey_stage) == (
            None, "fi", "awareness")
        assert s.get(m.Consent, "cns-1").level == "basic"  # type: ignore[union-attr]


def test_reimport_keeps_stored_values_of_left_out_fields_and_null_clears_a_nullable_one(
    any_db: Database, tmp_path: Path
) -> None:
    row = {"id": "acc-1", "name": "Kallio Data Oy", "industry": "it_services", "size": "small", "employees": 30,
           "owner": "rep-anna", "country": "SE", "tier": "vip"}
    path = tmp_path / "accounts.jsonl"
    path.write_text(json.dumps(row) + "\n")
    import_files(any_db, [path], tombstone_salt="s")
    path.write_text(json.dumps({k: v for k, v in row.items() if k != "country"} | {"tier": None, "notes": None})
                    + "\n")
    assert import_files(any_db, [path], tombstone_salt="s").updated == 1
    with any_db.session() as s:
        account = s.get(m.Account, "acc-1")
        assert account is not None and (account.country, account.tier, account.notes) == ("SE", None, "")


def _refused(db: Database, paths: list[Path]) -> str:
    with db.session() as s:
        before = admin.row_counts(s)
    with pytest.raises(PolkuError) as err:
        import_files(db, paths, tombstone_salt="s")
    assert err.value.code == "invalid" and "nothing was written" in err.value.message
    with db.session() as s:
        assert admin.row_counts(s) == before
    return err.value.message


ACCOUNT = {"id": "acc-1", "name": "Kallio Data Oy", "industry": "it_services", "size": "small", "employees": 30,
           "owner": "rep-anna"}
CONTACT = {"id": "con-1", "account_id": "acc-1", "first_name": "Aino", "last_name": "Kivi",
           "email": "aino@kallio.example", "title": "CTO", "persona": "cio", "owner": "rep-anna"}


def _jsonl(path: Path, *rows: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_bad_rows_are_named_by_file_row_and_field(any_db: Database, tmp_path: Path) -> None:
    accounts = _jsonl(tmp_path / "accounts.jsonl", ACCOUNT | {"country": "Finland"}, ACCOUNT | {"id": "acc-2",
                                                                                               "name": None})
    message = _refused(any_db, [accounts])
    assert "accounts.jsonl, row 1, field 'country': String should have at most 2 characters" in message
    assert "accounts.jsonl, row 2, field 'name': a value is required" in message

    contacts = _jsonl(tmp_path / "contacts.jsonl", CONTACT | {"account_id": "acc-nowhere"},
                      CONTACT | {"id": "con-2", "language": "sv"})
    message = _refused(any_db, [_jsonl(tmp_path / "accounts.jsonl", ACCOUNT), contacts])
    assert "contacts.jsonl, row 2, field 'language': Input should be 'fi' or 'en'" in message

    message = _refused(any_db, [_jsonl(tmp_path / "accounts.jsonl", ACCOUNT), _jsonl(
        tmp_path / "contacts.jsonl", CONTACT | {"account_id": "acc-nowhere"})])
    assert "contacts.jsonl, row 1, field 'account_id': no accounts record 'acc-nowhere' in the files or the store" \
        in message

    twice = _jsonl(tmp_path / "contacts.jsonl", CONTACT, CONTACT | {"id": "con-2"}, CONTACT)
    message = _refused(any_db, [_jsonl(tmp_path / "accounts.jsonl", ACCOUNT), twice])
    assert "contacts.jsonl, row 2, field 'email': the same value as contacts.jsonl, row 1" in message
    assert "contacts.jsonl, row 3, field 'id': the same value as contacts.jsonl, row 1" in message

    (tmp_path / "audit_log.csv").write_text("id,task,actor,surface,outcome,engine,details\n"
                                            "aud-1,brief,cli,cli,ok,composer,{not json\n")
    message = _refused(any_db, [tmp_path / "audit_log.csv"])
    assert "audit_log.csv, row 2, field 'details': not valid JSON" in message


def test_a_conflict_only_the_store_sees_is_refused_without_an_internal_error(any_db: Database, tmp_path: Path) -> None:
    import_files(any_db, [_jsonl(tmp_path / "accounts.jsonl", ACCOUNT), _jsonl(tmp_path / "contacts.jsonl", CONTACT)],
                 tombstone_salt="s")
    same_email = _jsonl(tmp_path / "contacts.jsonl", CONTACT | {"id": "con-2"})
    assert "contacts.jsonl: the store refused a row" in _refused(any_db, [same_email])


def test_imported_history_ids_do_not_collide_with_the_next_ones_the_store_assigns(
    any_db: Database, tmp_path: Path
) -> None:
    files = [_jsonl(tmp_path / "accounts.jsonl", ACCOUNT), _jsonl(tmp_path / "contacts.jsonl", CONTACT),
             _jsonl(tmp_path / "conversations.jsonl", {"id": "cnv-1", "surface": "widget"}),
             _jsonl(tmp_path / "messages.jsonl", *({"id": i, "conversation_id": "cnv-1", "role": "user",
                                                    "content": "hei"} for i in (1, 2, 7)))]
    import_files(any_db, files, tombstone_salt="s")
    with any_db.session() as s:
        added = m.Message(conversation_id="cnv-1", role="assistant", content="moi")
        s.add(added)
        s.flush()
        assert added.id == 8


def test_docs_describe_every_record_type_as_the_import_checks_it() -> None:
    """docs/crm-files.md is `polku crm schema --markdown`; regenerate it when the models change."""
    text = DOCS.read_text(encoding="utf-8")
    assert text.rstrip("\n") == schema_markdown().rstrip("\n")
    assert all(f"## {table}\n" in text for table in ORDER)  # reps included


def test_values_of_every_type_round_trip_through_csv(any_db: Database, tmp_path: Path) -> None:
    row = _required_only("audit_log", 1) | {"details": {"records": ["con-1"]}, "at": "2026-03-01T09:00:00+00:00"}
    import_files(any_db, [_write(tmp_path, "csv", "audit_log", [row])], tombstone_salt="s")
    with any_db.session() as s:
        entry = s.get(m.AuditLog, row["id"])
        assert entry is not None and entry.details == {"records": ["con-1"]}
        assert isinstance(entry.at, datetime) and entry.at.date() == date(2026, 3, 1)
