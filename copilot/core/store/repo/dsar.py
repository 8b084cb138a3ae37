"""Data-subject requests: everything the store holds about one contact, and erasing it.

The text rules (what counts as mentioning the person, how it is redacted) are passed in as
functions by ``copilot.trust.dsar``; this module only knows where the rows are. ``erase`` runs in
the caller's transaction: the whole erasure commits or none of it does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, text
from sqlalchemy.orm import Session

from copilot.core.store.models import (
    Account,
    Activity,
    AuditLog,
    Base,
    Consent,
    ConsentEvent,
    Contact,
    Conversation,
    Event,
    Lead,
    Message,
    Opportunity,
    OpportunityContact,
    SurveyResponse,
    Task,
    Ticket,
    Tombstone,
    Touch,
)

Redact = Callable[[str], str]

#: Rows that are the person's own: deleted on erasure.
OWNED = {"leads": Lead, "events": Event, "touches": Touch, "opportunity_contacts": OpportunityContact,
         "consents": Consent, "consent_events": ConsentEvent}
#: Rows of the account that point at the person: kept for the account, unlinked and redacted.
LINKED = {"tickets": Ticket, "survey_responses": SurveyResponse, "activities": Activity, "tasks": Task}
#: Free-text columns of the rows above (redacted of the person's identifiers).
TEXT_COLUMNS = {"tickets": ("subject", "body"), "survey_responses": ("comment",),
                "activities": ("subject", "body"), "tasks": ("title",)}


def as_dict(row: Base) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def find_contact(session: Session, *, contact_id: str | None = None, email: str | None = None) -> Contact | None:
    if contact_id:
        return session.get(Contact, contact_id)
    if email:
        query = select(Contact).where(func.lower(Contact.email) == email.strip().lower())
        return session.scalars(query).first()
    return None


def is_tombstoned(session: Session, *, key_hash: str) -> bool:
    return session.get(Tombstone, key_hash) is not None


def tombstone_hashes(session: Session) -> set[str]:
    return set(session.scalars(select(Tombstone.key_hash)))


def _actor_is(column: Any, contact_id: str) -> Any:
    # Actors are "con-1" or "customer:con-1"; never a LIKE '%con-1%' that would also catch con-10.
    return or_(column == contact_id, column.endswith(f":{contact_id}", autoescape=True))


def _their_conversations(contact_id: str) -> Any:
    return or_(Conversation.contact_id == contact_id, _actor_is(Conversation.actor, contact_id))


def linked(session: Session, *, contact_id: str) -> dict[str, list[Base]]:
    """The person's own rows and the account rows that reference them, by table."""
    out: dict[str, list[Base]] = {}
    for name, model in (OWNED | LINKED).items():
        query = select(model).where(model.contact_id == contact_id)  # type: ignore[attr-defined]
        out[name] = list(session.scalars(query))
    return out


def opportunities_of(session: Session, *, contact_id: str) -> list[tuple[Opportunity, str]]:
    query = (select(Opportunity, OpportunityContact.role)
             .join(OpportunityContact, OpportunityContact.opportunity_id == Opportunity.id)
             .where(OpportunityContact.contact_id == contact_id).order_by(Opportunity.id))
    return [(o, role) for o, role in session.execute(query)]


def conversations(session: Session, *, contact_id: str) -> list[tuple[Conversation, list[Message]]]:
    convs = list(session.scalars(select(Conversation).where(_their_conversations(contact_id))
                                 .order_by(Conversation.started_at)))
    return [(c, list(session.scalars(select(Message).where(Message.conversation_id == c.id)
                                     .order_by(Message.at, Message.id)))) for c in convs]


def audit_entries(session: Session, *, contact_id: str) -> list[AuditLog]:
    query = select(AuditLog).where(or_(AuditLog.contact_id == contact_id, _actor_is(AuditLog.actor, contact_id)))
    return list(session.scalars(query.order_by(AuditLog.at)))


def account_texts(session: Session, *, account_id: str) -> dict[str, list[Base]]:
    """Every text-bearing row of one account (where a person may be named without a link)."""
    out: dict[str, list[Base]] = {name: list(session.scalars(select(model).where(model.account_id == account_id)))  # type: ignore[attr-defined]
                                  for name, model in LINKED.items()}
    out["opportunities"] = list(session.scalars(select(Opportunity).where(Opportunity.account_id == account_id)))
    out["messages"] = list(session.scalars(
        select(Message).join(Conversation, Message.conversation_id == Conversation.id)
        .where(Conversation.account_id == account_id)))
    out["audit_log"] = list(session.scalars(select(AuditLog).where(AuditLog.account_id == account_id)))
    account = session.get(Account, account_id)
    out["accounts"] = [account] if account is not None else []
    return out


def _deleted(session: Session, statement: Any) -> int:
    return int(cast(CursorResult[Any], session.execute(statement)).rowcount)


def _set(row: Base, column: str, value: Any, counts: Counter[str], table: str) -> None:
    if getattr(row, column) != value:
        setattr(row, column, value)
        counts[f"{table}.redacted"] += 1


def erase(
    session: Session,
    *,
    contact: Contact,
    redact: Redact,
    redact_own: Redact,
    minimise: Callable[[dict[str, Any]], dict[str, Any]],
    redact_json: Callable[[Any], Any],
    tombstone: str,
) -> Counter[str]:
    """Remove one person from the SQL store; returns what was deleted, unlinked and redacted per table."""
    counts: Counter[str] = Counter()
    cid, account_id = contact.id, contact.account_id
    # 1. Conversation memory: the person's conversations go whole.
    conv_ids = list(session.scalars(select(Conversation.id).where(_their_conversations(cid))))
    if conv_ids:
        counts["messages.deleted"] += _deleted(session, delete(Message).where(Message.conversation_id.in_(conv_ids)))
        counts["conversations.deleted"] += _deleted(session, delete(Conversation).where(Conversation.id.in_(conv_ids)))
    # 2. The person's own rows.
    for name, model in OWNED.items():
        n = _deleted(session, delete(model).where(model.contact_id == cid))  # type: ignore[attr-defined]
        if n:
            counts[f"{name}.deleted"] += n
    # 3. Account rows that point at them: unlinked, their texts stripped of the person's names.
    for name, model in LINKED.items():
        for row in session.scalars(select(model).where(model.contact_id == cid)):  # type: ignore[attr-defined]
            row.contact_id = None  # type: ignore[attr-defined]
            counts[f"{name}.unlinked"] += 1
            for column in TEXT_COLUMNS[name]:
                value = "" if name == "survey_responses" else redact_own(getattr(row, column))
                _set(row, column, value, counts, name)
    # 4. The audit log: the person's entries keep what kind of data was used, not whose or which.
    for entry in session.scalars(select(AuditLog).where(AuditLog.contact_id == cid)):
        entry.contact_id = None
        entry.details = minimise(entry.details)
        counts["audit_log.minimised"] += 1
    for entry in session.scalars(select(AuditLog).where(_actor_is(AuditLog.actor, cid))):
        entry.actor = "erased"
    session.flush()
    # 5. Anything else of the account that names them without a link.
    _redact_account(session, account_id, redact, redact_json, counts)
    # 6. The person, and a tombstone that keeps re-imports from bringing them back.
    session.delete(contact)
    counts["contacts.deleted"] += 1
    if session.get(Tombstone, tombstone) is None:
        session.add(Tombstone(key_hash=tombstone))
    session.flush()
    return counts


_OTHER_TEXT = {"opportunities": ("name",), "messages": ("content",), "accounts": ("notes",)}


def _redact_account(session: Session, account_id: str, redact: Redact, redact_json: Callable[[Any], Any],
                    counts: Counter[str]) -> None:
    for name, rows in account_texts(session, account_id=account_id).items():
        for row in rows:
            if name == "audit_log":
                _set(row, "details", redact_json(row.details), counts, name)  # type: ignore[attr-defined]
                continue
            for column in TEXT_COLUMNS.get(name) or _OTHER_TEXT[name]:
                _set(row, column, redact(getattr(row, column)), counts, name)


def text_columns(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table as its string values (for checking that nothing of a person is left)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        out[table.name] = [tuple(str(v) for v in row if v is not None) for row in session.execute(select(table))]
    return out


def sqlite_secure_delete(session: Session) -> None:
    """On SQLite, make this connection overwrite deleted content instead of leaving it in free pages."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))


def sqlite_checkpoint(session: Session) -> None:
    """On SQLite, fold the write-ahead log back into the file and truncate it (old page images go)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
