"""Retention purge, erasure and export of the SQL store on SQLite and PostgreSQL, and the nightly job."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from copilot import worker
from copilot.core.context import AppContext
from copilot.core.settings import Settings
from copilot.core.store import models as m
from copilot.core.store.db import Database
from copilot.tasks.campaign import stored_files
from copilot.trust import dsar, retention
from copilot.trust.subject import Identifiers
from integrations import crm_files
from tests.conftest import NOW

OLD, NEW = NOW - timedelta(days=400), NOW - timedelta(days=10)
P = Identifiers(contact_id="con-1", email="aino.kivi@kivi.example", first_name="Aino", last_name="Kivi",
                phone="+358 50 111 2233")


@pytest.fixture
def ctx(any_db: Database, tmp_path: Path) -> AppContext:
    ctx = AppContext.create(Settings(data_dir=tmp_path / "data", _env_file=None))  # type: ignore[call-arg]
    ctx.__dict__["db"] = any_db
    with any_db.session() as s:
        s.add(m.Account(id="acc-1", name="Kivi Oy", industry="retail", size="small", employees=40, owner="rep-anna",
                        notes="Aino Kivi decides."))
        s.flush()
        s.add_all([
            m.Contact(id="con-1", account_id="acc-1", first_name="Aino", last_name="Kivi", email=P.email,
                      phone=P.phone, title="CEO", persona="ceo", owner="rep-anna"),
            m.Contact(id="con-2", account_id="acc-1", first_name="Eero", last_name="Mäki", email="eero@kivi.example",
                      title="CFO", persona="cfo", owner="rep-anna"),
        ])
        s.flush()
        for i, (at, contact) in enumerate(((OLD, "con-1"), (NEW, "con-1"), (OLD, "con-2"))):
            s.add(m.Conversation(id=f"cnv-{i}", surface="widget", account_id="acc-1", contact_id=contact,
                                 started_at=at))
            s.flush()
            s.add(m.Message(conversation_id=f"cnv-{i}", role="user", content=f"hello from {contact}", at=at))
            s.add(m.AuditLog(id=f"aud-{i}", at=at, task="customer_chat", actor=f"customer:{contact}",
                             surface="widget", account_id="acc-1", contact_id=contact, outcome="ok", engine="composer",
                             details={"categories": ["contact_profile"], "records": [f"contact:{contact}"],
                                      "sources": ["module:faq-1.fi"]}))
        s.add(m.Ticket(id="tkt-1", account_id="acc-1", contact_id="con-1", subject="Aino cannot log in",
                       body="Call Aino Kivi at 050 111 2233", opened_at=NEW))
        s.add(m.Consent(id="cns-1", contact_id="con-1", purpose="newsletter", status="granted",
                        lawful_basis="consent", obtained_via="form", changed_at=NEW))
        s.add(m.ConsentEvent(contact_id="con-1", purpose="newsletter", status="granted", lawful_basis="consent",
                             obtained_via="form", level="basic", at=NEW))
    return ctx


def test_purge_deletes_old_conversations_clears_old_audit_details_and_is_idempotent(ctx: AppContext) -> None:
    dry = retention.purge(ctx, days=365, dry_run=True, now=NOW)
    assert (dry.messages, dry.conversations, dry.audit_details) == (2, 2, 2)
    assert retention.purge(ctx, days=365, dry_run=True, now=NOW) == dry  # a dry run changes nothing
    done = retention.purge(ctx, now=NOW)  # default: settings.retention_days = 365
    assert (done.days, done.messages, done.conversations, done.audit_details) == (365, 2, 2, 2)
    again = retention.purge(ctx, now=NOW)
    assert (again.messages, again.conversations, again.audit_details) == (0, 0, 0)
    with ctx.db.session() as s:
        assert [c.id for c in s.scalars(select(m.Conversation))] == ["cnv-1"]
        details = {a.id: a.details for a in s.scalars(select(m.AuditLog))}
    assert details["aud-0"] == {} and details["aud-2"] == {} and details["aud-1"]["records"] == ["contact:con-1"]


def _campaign_file(ctx: AppContext, name: str, rows: str, age: timedelta) -> Path:
    folder = stored_files(ctx.settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    path.write_text("contact_id,email,subject\n" + rows, encoding="utf-8")
    at = (NOW - age).timestamp()
    os.utime(path, (at, at))
    return path


def test_purge_deletes_campaign_files_past_their_days(ctx: AppContext) -> None:
    old = _campaign_file(ctx, "a" * 32, "con-2,eero@kivi.example,Hei\n", timedelta(days=8))
    new = _campaign_file(ctx, "b" * 32, "con-2,eero@kivi.example,Hei\n", timedelta(days=6))
    assert retention.purge(ctx, dry_run=True, now=NOW).campaign_files == 1 and old.exists()
    assert retention.purge(ctx, now=NOW).campaign_files == 1  # default: settings.campaign_file_days = 7
    assert not old.exists() and new.exists()
    assert retention.purge(ctx, now=NOW).campaign_files == 0


def test_the_nightly_job_runs_the_purge(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    assert worker.celery_app.conf.beat_schedule["retention-purge-nightly"]["task"] == "polku.retention_purge"
    monkeypatch.setattr(worker, "_context", lambda: ctx)
    worker.celery_app.conf.task_always_eager = True  # eager: runs in-process, no broker
    try:
        result = worker.retention_purge.delay(days=100).get()
    finally:
        worker.celery_app.conf.task_always_eager = False
    assert result["days"] == 100 and result["messages"] == 2 and result["audit_details"] == 2


def test_export_and_erase_on_this_store(ctx: AppContext, tmp_path: Path) -> None:
    theirs = _campaign_file(ctx, "c" * 32, "con-1,aino.kivi@kivi.example,Hei Aino\n", timedelta(days=1))
    others = _campaign_file(ctx, "d" * 32, "con-2,eero@kivi.example,Hei Eero\n", timedelta(days=1))
    doc = dsar.export(ctx, contact_id="con-1", now=NOW)
    assert [c["id"] for c in doc.conversations] == ["cnv-0", "cnv-1"] and len(doc.audit) == 2
    assert doc.tickets[0]["id"] == "tkt-1" and doc.consent_history[0]["purpose"] == "newsletter"
    assert {s.store: s.holds for s in doc.stores}["campaign_files"] == {"files": 1}
    crm_files.export_all(ctx.db, tmp_path / "before")
    report = dsar.erase(ctx, contact_id="con-1", now=NOW)
    assert report.sql["conversations.deleted"] == 2 and report.sql["audit_log.minimised"] == 2
    assert report.campaign_files_removed == 1 and not theirs.exists() and others.exists()
    assert dsar.leftovers(ctx, P) == {}
    with ctx.db.session() as s:
        ticket = s.get(m.Ticket, "tkt-1")
        assert ticket is not None and ticket.contact_id is None
        assert ticket.subject == "[erased] cannot log in" and "050" not in ticket.body
        assert s.get(m.Contact, "con-2") is not None and s.get(m.Conversation, "cnv-2") is not None
        kept = s.get(m.AuditLog, "aud-0")
        assert kept is not None and kept.details == {"categories": ["contact_profile"], "sources": ["module:faq-1.fi"],
                                                     "counts": {"records": 1}, "erased": True}
    summary = crm_files.import_files(ctx.db, sorted((tmp_path / "before").glob("*.jsonl")),
                                     tombstone_salt=ctx.settings.tombstone_salt.get_secret_value())
    # contact, consent + its event, 2 conversations, 2 messages, 2 audit rows, ticket
    assert summary.skipped_erased == 10
    assert dsar.leftovers(ctx, P) == {}
