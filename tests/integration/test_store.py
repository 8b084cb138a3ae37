"""The CRM store on SQLite and on the real PostgreSQL: schema, import/export, demo generator."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from copilot.core.errors import PolkuError
from copilot.core.store import models as m
from copilot.core.store.db import Database
from copilot.core.store.repo import admin, analytics
from copilot.demo.generator import generate
from integrations.crm_files import export_all, import_files
from tests.conftest import NOW


def test_migrations_match_models(any_db: Database) -> None:
    with any_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []


@pytest.fixture
def demo_db(any_db: Database) -> Database:
    generate(any_db, accounts=40, seed=3, now=NOW)
    return any_db


def test_generator_fills_every_area_with_consistent_rows(demo_db: Database) -> None:
    with demo_db.session() as s:
        counts = admin.row_counts(s)
        for table in [
            "accounts",
            "contacts",
            "leads",
            "opportunities",
            "orders",
            "contracts",
            "usage_weeks",
            "tickets",
            "events",
            "campaigns",
            "touches",
            "consents",
            "consent_events",
            "content_modules",
            "survey_responses",
            "activities",
        ]:
            assert counts[table] > 0, table
        dead = s.scalars(select(m.Lead).where(m.Lead.status == "dead")).all()
        assert dead and all(lead.dead_reason for lead in dead)
        lost = s.scalars(select(m.Opportunity).where(m.Opportunity.stage == "lost")).all()
        assert all(o.loss_reason for o in lost)
        # every current consent has a matching last entry in the history
        for consent in s.scalars(select(m.Consent)).all()[:50]:
            last = s.scalars(
                select(m.ConsentEvent)
                .where(m.ConsentEvent.contact_id == consent.contact_id, m.ConsentEvent.purpose == consent.purpose)
                .order_by(m.ConsentEvent.at.desc())
            ).first()
            assert last is not None and last.status == consent.status
        bases = {c.lawful_basis for c in s.scalars(select(m.Consent))}
        assert bases == {"consent", "contract", "legitimate_interest"}


def _digest(directory: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(directory.glob("*.jsonl")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def test_one_accounts_frames_read_the_same_as_its_slice_of_the_whole_store(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handful of rows is built in one constructor call, the whole store column by column (the path that
    scales): both must give the same columns, dtypes and naive-UTC times, or one account's scores drift."""
    frames = ("accounts", "leads", "events", "orders", "contracts", "usage", "tickets", "surveys", "opportunities")
    monkeypatch.setattr(analytics, "SMALL", 0)  # every result takes the column-by-column path
    with demo_db.session() as s:
        whole = {name: getattr(analytics, name)(s) for name in frames}
    monkeypatch.undo()
    ids = sorted(whole["contracts"]["account_id"].unique())[:3]
    with demo_db.session() as s:
        for name in frames:
            one = getattr(analytics, name)(s, account_ids=ids)
            assert 0 < len(one) < analytics.SMALL, name
            expected = whole[name][whole[name]["account_id"].isin(ids)].reset_index(drop=True)
            key = next(c for c in one.columns if c != "account_id")  # the row's own id comes first
            order = [key, "account_id"]
            pd.testing.assert_frame_equal(one.sort_values(order, ignore_index=True),
                                          expected.sort_values(order, ignore_index=True), obj=name)
            zoned = [c for c, t in one.dtypes.items() if isinstance(t, pd.DatetimeTZDtype)]
            assert zoned == [] and not one.select_dtypes("datetime").empty, name  # times are naive UTC


def test_generator_is_deterministic(tmp_path: Path, sqlite_db: Database, second_sqlite_db: Database) -> None:
    other = second_sqlite_db
    generate(sqlite_db, accounts=25, seed=11, now=NOW)
    generate(other, accounts=25, seed=11, now=NOW)
    export_all(sqlite_db, tmp_path / "a")
    export_all(other, tmp_path / "b")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_generator_refuses_a_store_that_has_data(demo_db: Database) -> None:
    with pytest.raises(PolkuError, match="already holds accounts"):
        generate(demo_db, accounts=5, seed=1, now=NOW)


def test_export_then_import_round_trips_and_reimport_is_idempotent(
    demo_db: Database, second_sqlite_db: Database, tmp_path: Path
) -> None:
    target = second_sqlite_db
    written = export_all(demo_db, tmp_path)
    files = sorted(tmp_path.glob("*.jsonl"))
    first = import_files(target, files)
    assert first.inserted == sum(written.values())
    again = import_files(target, files)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, sum(written.values()))
    with target.session() as s:
        assert admin.row_counts(s) == {k.removesuffix(".jsonl"): v for k, v in written.items()}


def test_reimport_with_a_changed_field_updates_in_place(any_db: Database, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.jsonl"
    row = {
        "id": "acc-x1",
        "name": "Koivu Metalli Oy",
        "industry": "manufacturing",
        "size": "medium",
        "employees": 120,
        "owner": "rep-anna",
    }
    accounts.write_text(json.dumps(row) + "\n")
    assert import_files(any_db, [accounts]).inserted == 1
    accounts.write_text(json.dumps({**row, "employees": 150}) + "\n")
    summary = import_files(any_db, [accounts])
    assert (summary.inserted, summary.updated) == (0, 1)
    with any_db.session() as s:
        assert s.get(m.Account, "acc-x1").employees == 150
        assert admin.row_counts(s)["accounts"] == 1


def test_one_bad_row_refuses_the_whole_import_and_names_file_row_field(any_db: Database, tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text(
        "id,name,industry,size,employees,owner\n"
        "acc-1,Kallio Data Oy,it_services,small,30,rep-anna\n"
        "acc-2,Virta Kauppa Oy,retail,small,-4,rep-mikko\n"
        "acc-3,Harju Hoiva Oy,healthcare,medium,200,rep-sanna\n"
    )
    (tmp_path / "leads.jsonl").write_text(
        json.dumps({"id": "led-1", "contact_id": "c", "account_id": "acc-1", "stage": "mql", "status": "dead"}) + "\n"
    )
    with any_db.session() as s:
        before = admin.row_counts(s)
    with pytest.raises(PolkuError) as err:
        import_files(any_db, [tmp_path / "accounts.csv", tmp_path / "leads.jsonl"])
    message = err.value.message
    assert "accounts.csv, row 3, field 'employees'" in message
    assert "leads.jsonl, row 1, field 'dead_reason'" in message
    with any_db.session() as s:
        assert admin.row_counts(s) == before


def test_unknown_record_type_and_corrupt_json_are_clear_errors(sqlite_db: Database, tmp_path: Path) -> None:
    bad_name = tmp_path / "customers.jsonl"
    bad_name.write_text("{}\n")
    with pytest.raises(PolkuError, match="unknown record type 'customers'"):
        import_files(sqlite_db, [bad_name])
    corrupt = tmp_path / "accounts.jsonl"
    corrupt.write_text('{"id": "acc-1", \n')
    with pytest.raises(PolkuError, match=r"accounts.jsonl, row 1, field '-': not valid JSON"):
        import_files(sqlite_db, [corrupt])


def test_a_failed_unit_of_work_leaves_nothing_behind(any_db: Database) -> None:
    with pytest.raises(RuntimeError), any_db.session() as s:
        s.add(m.Account(id="acc-tx", name="T", industry="retail", size="small", employees=1, owner="rep-anna"))
        s.flush()
        raise RuntimeError("boom")
    with any_db.session() as s:
        assert s.get(m.Account, "acc-tx") is None
