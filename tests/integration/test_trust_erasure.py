"""Data-subject rights end to end on an embedded Polku: export, erasure from every store, no resurrection.

One small world (demo CRM + one person with a row in every table, an ingested file that names them,
account history embedded into the cache, a real draft and answer audited) is built once per module;
the tests run in order on it: export, send-time re-check, logs, audit, erase, re-import.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from copilot.consent import registry
from copilot.consent.registry import ConsentInput
from copilot.core.context import AppContext
from copilot.core.domain import Purpose
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.core.settings import Settings
from copilot.core.store import models as m
from copilot.demo.generator import generate
from copilot.results import Blocked, EmailDraft
from copilot.tasks.ask import AskRequest, ask
from copilot.tasks.email import EmailRequest, draft_email
from copilot.trust import audit_view, dsar
from copilot.trust.subject import Identifiers
from integrations import crm_files
from retrieval import service, subjects
from retrieval.embeddings import CachedEmbedder
from tests.conftest import NOW
from tests.retrieval_support import HashEmbedder

REP = Actor(id="rep-anna", role=Role.sales)
DESK = Actor(id="sup-eero", role=Role.support)
"""Consents are recorded by support (the role table lets sales read them, not write them)."""
ACC = "acc-00001"
P = Identifiers(contact_id="con-zq0001", email="Zebulon.Quaxworth@zq-mail.example", first_name="Zebulon",
                last_name="Quaxworth", phone="+358 40 765 4321")
NEEDLES = [P.contact_id, P.email.lower(), P.full_name.lower(), "quaxworth", "7654321"]


def _add_person(ctx: AppContext) -> None:
    at = NOW - timedelta(days=3)
    with ctx.db.session() as s:
        campaign = s.scalars(select(m.Campaign.id).limit(1)).one()
        s.add(m.Contact(id=P.contact_id, account_id=ACC, first_name=P.first_name, last_name=P.last_name,
                        email=P.email, phone=P.phone, title="CFO", persona="cfo", language="en", owner="rep-anna",
                        journey_stage="consideration"))
        s.flush()
        s.add_all([
            m.Lead(id="lead-zq1", contact_id=P.contact_id, account_id=ACC, stage="mql", created_at=at,
                   feedback_note="Zebulon wants a demo"),
            m.Opportunity(id="opp-zq1", account_id=ACC, name="Payroll pilot for Zebulon Quaxworth",
                          stage="proposal", amount=12000, close_date=(NOW + timedelta(days=30)).date(),
                          created_at=at, owner="rep-anna"),
            m.Ticket(id="tkt-zq1", account_id=ACC, contact_id=P.contact_id, subject="Export fails for Zebulon",
                     body=f"Zebulon Quaxworth ({P.email}, 040 765 4321) reports the payroll export fails.",
                     opened_at=at),
            m.Ticket(id="tkt-zq2", account_id=ACC, subject="Forwarded", body="Forwarded by Quaxworth, Zebulon.",
                     opened_at=at),
            m.SurveyResponse(id="srv-zq1", account_id=ACC, contact_id=P.contact_id, kind="nps", score=9,
                             comment="Great support, says Zebulon", at=at),
            m.Event(id="evt-zq1", account_id=ACC, contact_id=P.contact_id, type="page_view", page_type="pricing",
                    url=f"https://kaarna.example/pricing?u={P.email}", at=at),
            m.Touch(id="tch-zq1", campaign_id=campaign, contact_id=P.contact_id, channel="email", at=at),
            m.Activity(id="act-zq1", account_id=ACC, contact_id=P.contact_id, kind="call",
                       subject="Call with Zebulon Quaxworth", body="Reached him on +358407654321.", at=at,
                       actor="rep-anna"),
            m.Task(id="tsk-zq1", account_id=ACC, contact_id=P.contact_id, owner="rep-anna",
                   title="Send Zebulon Quaxworth the offer", due_at=NOW + timedelta(days=2), created_by="rep-anna"),
            m.Conversation(id="cnv-zq1", surface="widget", account_id=ACC, contact_id=P.contact_id, started_at=at),
            m.Conversation(id="cnv-zq2", surface="sidebar", account_id=ACC, started_at=at),
            # A widget thread the identified customer started (known by its actor).
            m.Conversation(id="cnv-zq3", surface="widget", account_id=ACC, actor=f"customer:{P.contact_id}",
                           started_at=at + timedelta(hours=1)),
        ])
        s.flush()
        s.add_all([
            m.OpportunityContact(opportunity_id="opp-zq1", contact_id=P.contact_id, role="decision_maker"),
            m.Message(conversation_id="cnv-zq1", role="user", at=at,
                      content="Hi, I'm Zebulon Quaxworth, call me on 040 765 4321"),
            m.Message(conversation_id="cnv-zq1", role="assistant", content="Thanks, we will call you.", at=at),
            m.Message(conversation_id="cnv-zq2", role="user", content=f"What did {P.email} order last?", at=at),
            m.Message(conversation_id="cnv-zq3", role="user", content="Is my invoice paid?", at=at),
        ])
        s.get(m.Account, ACC).notes = "Main contact: Zebulon Quaxworth."  # type: ignore[union-attr]
    for purpose, level in ((Purpose.email_marketing, "basic"), (Purpose.personalisation, "premium"),
                           (Purpose.site_tracking, "basic")):
        registry.record(ctx, ConsentInput(contact_id=P.contact_id, purpose=purpose, obtained_via="webinar form",
                                          level=level), actor=DESK, now=at)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("trust-world")
    ctx = AppContext.create(Settings(data_dir=root / "data", _env_file=None))  # type: ignore[call-arg]
    ctx.adapter("retrieval.embedder", lambda c: CachedEmbedder(HashEmbedder("fake/trust-test"), c.settings.cache_dir))
    generate(ctx.db, accounts=6, seed=11, now=NOW)
    _add_person(ctx)
    docs = root / "docs"
    docs.mkdir()
    (docs / "meeting-notes.md").write_text(
        f"# Meeting notes\n\nZebulon Quaxworth ({P.email}, {P.phone}) asked about payroll exports.\n\n"
        "## Pricing\n\nGeneral notes about licences and invoices.\n", encoding="utf-8")
    service.ingest_store_modules(ctx)
    service.ingest(ctx, [docs])
    # Account history used to be embedded on demand, so a cache written then holds the person's
    # ticket and messages: erasure must still find them there.
    with ctx.db.session() as s:
        from copilot.core.store.repo.timeline import account_timeline

        service.embedder(ctx).embed_passages([r.text for r in account_timeline(s, account_id=ACC)])
    return {"ctx": ctx, "root": root}


def test_export_holds_everything_about_them_with_a_section_per_store(world: dict) -> None:
    ctx = world["ctx"]
    doc = dsar.export(ctx, email=P.email.upper(), now=NOW)
    assert doc.contact["id"] == P.contact_id and doc.account == {"id": ACC, "name": doc.account["name"]}
    assert [r["id"] for r in doc.leads] == ["lead-zq1"]
    assert [o["id"] for o in doc.opportunities] == ["opp-zq1"] and doc.opportunities[0]["role"] == "decision_maker"
    assert {t["id"] for t in doc.tickets} == {"tkt-zq1", "tkt-zq2"}  # linked, and the one that names them
    for section, ident in (("survey_responses", "srv-zq1"), ("events", "evt-zq1"), ("touches", "tch-zq1"),
                           ("activities", "act-zq1"), ("tasks", "tsk-zq1")):
        assert ident in {r["id"] for r in getattr(doc, section)}, section
    assert len(doc.consents) == 3 and len(doc.consent_history) == 3
    assert [c["id"] for c in doc.conversations] == ["cnv-zq1", "cnv-zq3"]
    assert [len(c["messages"]) for c in doc.conversations] == [2, 1]
    assert {"ticket:tkt-zq1", "call:act-zq1"} <= {h["id"] for h in doc.account_history}
    assert [d["title"] for d in doc.indexed_documents] == ["Meeting notes"]
    stores = {s.store: s for s in doc.stores}
    assert set(stores) == {"sql", "vector_index", "keyword_index", "account_history", "embedding_cache",
                           "campaign_results", "campaign_files", "logs"}
    assert stores["sql"].holds["contacts"] == 1 and stores["vector_index"].holds == {"chunks": 1}
    assert stores["keyword_index"].holds == {"chunks": 1}  # the on-disk index snapshot
    assert stores["embedding_cache"].holds["vectors"] > 0
    json.dumps(doc.model_dump(mode="json"))  # machine-readable as a whole


def test_a_draft_made_before_a_withdrawal_is_refused_at_send_time(
    world: dict, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = world["ctx"]
    caplog.set_level(logging.DEBUG)
    draft = draft_email(ctx, EmailRequest(contact_id=P.contact_id, goal="nurture"), actor=REP, now=NOW)
    assert isinstance(draft, EmailDraft) and draft.provenance.basis == "consent"
    answer = ask(ctx, AskRequest(question=f"What did {P.full_name} report?", account_id=ACC), actor=REP, now=NOW)
    assert answer.provenance.audit_id
    assert registry.still_allowed(ctx, P.contact_id, "marketing_email", now=NOW).allowed
    registry.opt_out(ctx, P.contact_id, actor=Actor(id=f"customer:{P.contact_id}", role=Role.customer,
                                                    contact_id=P.contact_id), now=NOW)
    # The queued draft is not sent: the sender re-checks right before sending.
    decision = registry.still_allowed(ctx, P.contact_id, "marketing_email", now=NOW)
    assert not decision.allowed and "withdrawn" in decision.reason
    # ...and a new draft is refused at once, on every surface (the gate reads the store per request).
    again = draft_email(ctx, EmailRequest(contact_id=P.contact_id, goal="nurture"), actor=REP, now=NOW)
    assert isinstance(again, Blocked)
    # Polku logs nothing personal while doing all this.
    logged = caplog.text.lower()
    assert not [n for n in NEEDLES if n.lower() in logged]


def test_audit_shows_every_output_with_basis_categories_and_sources(world: dict) -> None:
    report = audit_view.audit_for(world["ctx"], contact_id=P.contact_id)
    outcomes = [e.outcome for e in report.entries]
    assert outcomes.count("ok") >= 1 and outcomes.count("blocked") >= 1
    sent = next(e for e in report.entries if e.outcome == "ok" and e.task == "marketing_email")
    assert sent.lawful_basis == "consent" and sent.purpose == "email_marketing"
    assert sent.obtained_via == "webinar form" and sent.level == "premium"
    assert "contact_profile" in sent.categories and sent.sources and all(s.title for s in sent.sources)
    by_account = audit_view.audit_for(world["ctx"], account_id=ACC)
    assert {e.id for e in report.entries} <= {e.id for e in by_account.entries}
    assert any(e.task == "staff_chat" for e in by_account.entries)
    with pytest.raises(PolkuError) as err:
        audit_view.audit_for(world["ctx"], contact_id="con-nobody")
    assert err.value.code == "not_found"


def _files_with(directory: Path, needles: list[str]) -> list[str]:
    hits = []
    for path in directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            hits += [f"{path.name}: {n}" for n in needles if n.lower().encode() in data]
    return hits


def test_erasure_leaves_nothing_in_any_store_and_reimport_does_not_restore_them(world: dict) -> None:
    ctx, root = world["ctx"], world["root"]
    before = crm_files.export_all(ctx.db, root / "export-before")
    assert before["contacts.jsonl"] > 0
    with ctx.db.session() as s:
        from copilot.core.store.repo.timeline import account_timeline

        texts = [r.text for r in account_timeline(s, account_id=ACC) if P.mentions(r.text)]
    assert texts and subjects.cached_count(ctx, texts) > 0

    report = dsar.erase(ctx, email=P.email, now=NOW)

    assert report.sql["contacts.deleted"] == 1 and report.sql["tickets.unlinked"] == 1
    assert report.sql["conversations.deleted"] == 2 and report.sql["messages.deleted"] == 3
    assert report.vector_index_chunks == 1 and report.files_to_clean[0].endswith("meeting-notes.md")
    assert report.index_snapshots_removed >= 1
    assert report.embedding_cache_entries > 0
    # SQL: every text column of every table.
    assert dsar.leftovers(ctx, P) == {}
    with ctx.db.session() as s:
        assert s.get(m.Ticket, "tkt-zq1").contact_id is None  # type: ignore[union-attr]
        assert s.get(m.Opportunity, "opp-zq1") is not None  # the account's deal stays, unnamed
        assert s.get(m.Conversation, "cnv-zq3") is None and s.get(m.Conversation, "cnv-zq2") is not None
        minimised = [a for a in s.scalars(select(m.AuditLog)) if (a.details or {}).get("erased")]
        assert minimised and all(a.contact_id is None and "records" not in a.details for a in minimised)
        assert s.scalars(select(m.Tombstone)).all()
    # Chroma (files and documents), the keyword index, the embedding cache: raw bytes and lookups.
    assert _files_with(ctx.settings.data_dir, NEEDLES) == []
    assert subjects.chunks_mentioning(ctx, P.mentions) == []
    assert all(not P.mentions(c.embed_text()) for c in service.index(ctx)._chunks.values())
    assert subjects.cached_count(ctx, texts) == 0
    hits = service.search(ctx, f"{P.full_name} payroll", k=5).hits
    assert hits and not any(P.mentions(h.text) for h in hits)
    # The content index still works and still has the other chunk of the file.
    assert any(h.title == "Meeting notes" for h in service.search(ctx, "licences invoices", k=10).hits)

    # An export taken before the erasure does not bring them back.
    summary = crm_files.import_files(ctx.db, sorted((root / "export-before").glob("*.jsonl")),
                                     tombstone_salt=ctx.settings.tombstone_salt.get_secret_value())
    assert summary.skipped_erased >= 14  # the contact and every row hanging off them
    assert dsar.leftovers(ctx, P) == {}
    with pytest.raises(PolkuError, match="erased"):
        dsar.export(ctx, email=P.email)
    assert not registry.still_allowed(ctx, P.contact_id, "marketing_email").allowed
