"""Data-subject rights: export everything held about a person, and erase them from every store.

``export`` answers an access request (GDPR art. 15/20) as one machine-readable document, with a
section per store saying what that store holds, so completeness can be checked. ``erase`` answers
an erasure request (art. 17): the vector store and the embedding cache first (they can be retried),
then every SQL table in one transaction, ending with a salted-hash tombstone so that re-importing an
old CRM export does not bring the person back (see ``integrations.crm_files``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.store.models import Account, Contact
from copilot.core.store.repo import consents as consent_repo
from copilot.core.store.repo import dsar as repo
from copilot.core.store.repo.timeline import TimelineRow, account_timeline
from copilot.guards import memo
from copilot.tasks.campaign import stored_files
from copilot.trust import indexes
from copilot.trust.subject import Identifiers, minimise_audit_details, tombstone_key

_ALL = 1_000_000  # timeline rows per kind: the whole history, not the newest few


class StoreSection(BaseModel):
    """What one store holds about the person (empty ``holds`` means nothing)."""

    store: str
    location: str
    holds: dict[str, int] = Field(default_factory=dict)
    note: str = ""


class DsarExport(BaseModel):
    generated_at: datetime
    contact: dict[str, Any]
    account: dict[str, Any]
    """Reference to the company the person works for (the account itself is not personal data)."""
    leads: list[dict[str, Any]]
    opportunities: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    survey_responses: list[dict[str, Any]]
    events: list[dict[str, Any]]
    touches: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    consent_history: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    """Each with its ``messages``."""
    audit: list[dict[str, Any]]
    """Every generated (or refused) output about the person."""
    account_history: list[dict[str, Any]]
    """Items of the account's history (as retrieval serves it) that are theirs or mention them."""
    indexed_documents: list[dict[str, Any]]
    """Chunks of ingested files that mention them."""
    stores: list[StoreSection]


class ErasureReport(BaseModel):
    contact_id: str
    erased_at: datetime
    sql: dict[str, int]
    """Rows deleted, unlinked, minimised and redacted, per table."""
    vector_index_chunks: int
    index_snapshots_removed: int
    """On-disk snapshots of the in-memory index (vectors, BM25, chunk texts) deleted or rewritten."""
    files_to_clean: list[str]
    """Source files whose chunks named the person: delete or fix them, or a later ingest re-adds them."""
    embedding_cache_entries: int
    campaign_files_removed: int
    campaign_results_removed: int = 0
    """Drafts for the person deleted from the results of campaign jobs."""
    tombstone: str
    stores: list[StoreSection]


def _subject(session: Any, contact_id: str | None, email: str | None, salt: str) -> Contact:
    if not contact_id and not email:
        raise PolkuError("invalid", "give --contact or --email")
    contact = repo.find_contact(session, contact_id=contact_id, email=email)
    if contact is None:
        if email and repo.is_tombstoned(session, key_hash=tombstone_key(email, salt)):
            raise PolkuError("not_found", "that person was erased; nothing is held about them")
        ident = contact_id or email
        raise PolkuError("not_found", f"no contact with id or e-mail {ident!r}", kind="contact", id=str(ident))
    return contact


def identifiers(c: Contact) -> Identifiers:
    return Identifiers(contact_id=c.id, email=c.email, first_name=c.first_name, last_name=c.last_name, phone=c.phone)


def _theirs(row: TimelineRow, ids: Identifiers, records: set[str], conversations: set[str]) -> bool:
    return (row.record_id in records or row.record_id.split("/", 1)[0] in conversations
            or ids.mentions(f"{row.title} {row.text}"))


def _names_them(row: Any, ids: Identifiers) -> bool:
    return ids.mentions(" ".join(str(v) for v in repo.as_dict(row).values() if v is not None))


def _salt(ctx: AppContext) -> str:
    return ctx.settings.tombstone_salt.get_secret_value()


def export(ctx: AppContext, *, contact_id: str | None = None, email: str | None = None,
           now: datetime | None = None) -> DsarExport:
    """Everything held about one person, per store."""
    now = now or datetime.now(UTC)
    with ctx.db.session() as session:
        contact = _subject(session, contact_id, email, _salt(ctx))
        ids = identifiers(contact)
        account = session.get(Account, contact.account_id)
        rows = repo.linked(session, contact_id=contact.id)
        opps = [{**repo.as_dict(o), "role": role} for o, role in repo.opportunities_of(session, contact_id=contact.id)]
        convs = repo.conversations(session, contact_id=contact.id)
        audit_rows = repo.audit_entries(session, contact_id=contact.id)
        audit = [repo.as_dict(a) for a in audit_rows]
        history = consent_repo.history(session, contact_id=contact.id)
        known = {id(r) for found in rows.values() for r in found} | {id(a) for a in audit_rows}
        known |= {id(msg) for _, msgs in convs for msg in msgs}
        unlinked = {name: [r for r in found if id(r) not in known and _names_them(r, ids)]
                    for name, found in repo.account_texts(session, account_id=contact.account_id).items()}
        timeline = account_timeline(session, account_id=contact.account_id, limit=_ALL)
    records = {str(getattr(r, "id", "")) for found in rows.values() for r in found} | {o["id"] for o in opps}
    conv_ids = {c.id for c, _ in convs}
    items = [row for row in timeline if _theirs(row, ids, records, conv_ids)]
    found = indexes.find(ctx, ids, texts=_history_texts(timeline))
    chunks = found.retrieval.chunks

    def dicts(name: str) -> list[dict[str, Any]]:
        own = [repo.as_dict(r) for r in rows.get(name, [])]
        seen = {r.get("id") for r in own}
        return own + [repo.as_dict(r) for r in unlinked.get(name, []) if getattr(r, "id", None) not in seen]

    sql_counts = {name: len(found) for name, found in rows.items()} | {
        "contacts": 1, "opportunities": len(opps), "conversations": len(convs),
        "messages": sum(len(m) for _, m in convs), "audit_log": len(audit)}
    sql_counts.update({f"{n} (mentions)": len(r) for n, r in unlinked.items() if r})
    return DsarExport(
        generated_at=now,
        contact=repo.as_dict(contact),
        account={"id": contact.account_id, "name": account.name if account else None},
        leads=dicts("leads"),
        opportunities=opps,
        tickets=dicts("tickets"),
        survey_responses=dicts("survey_responses"),
        events=dicts("events"),
        touches=dicts("touches"),
        activities=dicts("activities"),
        tasks=dicts("tasks"),
        consents=dicts("consents"),
        consent_history=[repo.as_dict(e) for e in history],
        conversations=[{**repo.as_dict(c), "messages": [repo.as_dict(m) for m in msgs]} for c, msgs in convs],
        audit=audit,
        account_history=[{"id": f"{r.kind}:{r.record_id}", "kind": r.kind, "day": r.day, "title": r.title,
                          "text": r.text} for r in items],
        indexed_documents=[{"chunk_id": c.id, "source_id": c.source_id, "location": c.location, "title": c.title,
                            "text": c.text} for c in chunks],
        stores=_sections(ctx, sql_counts, len(chunks), found.retrieval.cache_entries, len(items),
                         found.retrieval.snapshot_chunks, found.campaign_files, found.campaign_results),
    )


def _history_texts(timeline: list[TimelineRow]) -> list[str]:
    # Account history was embedded on demand before: a cache from then may hold its items, theirs too.
    return [r.text for r in timeline]


def _sections(ctx: AppContext, sql: dict[str, int], chunks: int, cached: int, history: int,
              snapshot: int, campaign_files: int, campaign_results: int = 0) -> list[StoreSection]:
    s = ctx.settings
    vector_at = s.chroma_url or str(s.chroma_dir)
    return [
        StoreSection(store="sql", location=ctx.db.dialect, holds={k: v for k, v in sql.items() if v}),
        StoreSection(store="vector_index", location=vector_at, holds={"chunks": chunks} if chunks else {},
                     note="chunks of ingested files that name the person"),
        StoreSection(store="keyword_index", location=str(s.data_dir), holds={"chunks": snapshot} if snapshot else {},
                     note="BM25 and vectors over the same chunks, in memory and as a snapshot on disk"),
        StoreSection(store="account_history", location="sql", holds={"items": history} if history else {},
                     note="built on demand from the SQL rows above; no separate copy"),
        StoreSection(store="embedding_cache", location=str(s.cache_dir), holds={"vectors": cached} if cached else {},
                     note="vectors of the account's history texts and chunks, keyed by a hash of the text"),
        StoreSection(store="campaign_results", location="sql (job_results)",
                     holds={"drafts": campaign_results} if campaign_results else {},
                     note=f"drafts of campaign jobs, deleted after {s.campaign_file_days} days"),
        StoreSection(store="campaign_files", location=str(stored_files(s)),
                     holds={"files": campaign_files} if campaign_files else {},
                     note=f"campaign CSVs made on the marketer page, deleted after {s.campaign_file_days} days"),
        StoreSection(store="logs", location="stderr", note="Polku writes no personal data to logs"),
    ]


def erase(ctx: AppContext, *, contact_id: str | None = None, email: str | None = None,
          now: datetime | None = None) -> ErasureReport:
    """Remove the person from every store and leave a non-personal tombstone."""
    now = now or datetime.now(UTC)
    salt = _salt(ctx)
    with ctx.db.session() as session:
        contact = _subject(session, contact_id, email, salt)
        ids = identifiers(contact)
        timeline = account_timeline(session, account_id=contact.account_id, limit=_ALL)
    # Derived stores first: if one fails, nothing in SQL has changed and the request can be re-run.
    erased = indexes.erase(ctx, ids, texts=_history_texts(timeline))
    chunks = erased.retrieval.chunks
    key = tombstone_key(ids.email, salt)
    with ctx.db.session() as session:
        repo.sqlite_secure_delete(session)
        contact = _subject(session, ids.contact_id, None, salt)
        counts = repo.erase(
            session,
            contact=contact,
            redact=ids.redact,
            redact_own=lambda text: ids.redact(text, own=True),
            minimise=minimise_audit_details,
            redact_json=ids.redact_json,
            tombstone=key,
        )
    with ctx.db.session() as session:
        repo.sqlite_checkpoint(session)
    memo.clear_all()  # the guards' and composer's memos may hold lines that named the person
    return ErasureReport(
        contact_id=ids.contact_id,
        erased_at=now,
        sql=dict(sorted(counts.items())),
        vector_index_chunks=len(chunks),
        index_snapshots_removed=erased.retrieval.snapshots_removed,
        files_to_clean=sorted({c.location for c in chunks if c.source_id.startswith("doc:")}),
        embedding_cache_entries=erased.retrieval.cache_entries,
        campaign_files_removed=erased.campaign_files_removed,
        campaign_results_removed=erased.campaign_results_removed,
        tombstone=key,
        stores=_sections(ctx, {}, 0, 0, 0, 0, 0),
    )


def leftovers(ctx: AppContext, ids: Identifiers) -> dict[str, int]:
    """Rows per table that still name the person (zero everywhere after an erasure)."""
    with ctx.db.session() as session:
        dump = repo.text_columns(session)
    hits = {name: sum(any(ids.mentions(v) for v in row) for row in rows) for name, rows in dump.items()}
    return {k: v for k, v in hits.items() if v}


__all__ = ["DsarExport", "ErasureReport", "StoreSection", "erase", "export", "identifiers", "leftovers"]
