"""SQLAlchemy models of the CRM store, one module per area. Import from here."""

from copilot.core.store.models.base import Base
from copilot.core.store.models.commerce import Contract, Order, UsageWeek
from copilot.core.store.models.content import ContentModule, IndexVersion
from copilot.core.store.models.crm import Account, Activity, Contact, Lead, Opportunity, OpportunityContact, Rep, Task
from copilot.core.store.models.jobs import Job, JobResult
from copilot.core.store.models.marketing import Campaign, Event, Touch
from copilot.core.store.models.service import SurveyResponse, Ticket
from copilot.core.store.models.trust import AuditLog, Consent, ConsentEvent, Conversation, Message, Tombstone

BOOKKEEPING = frozenset({IndexVersion.__tablename__, Job.__tablename__, JobResult.__tablename__})
"""Tables of the system's own bookkeeping, not CRM records: never counted, imported or exported as data."""

__all__ = [
    "BOOKKEEPING",
    "Account",
    "Activity",
    "AuditLog",
    "Base",
    "Campaign",
    "Consent",
    "ConsentEvent",
    "Contact",
    "ContentModule",
    "Contract",
    "Conversation",
    "Event",
    "IndexVersion",
    "Job",
    "JobResult",
    "Lead",
    "Message",
    "Opportunity",
    "OpportunityContact",
    "Order",
    "Rep",
    "SurveyResponse",
    "Task",
    "Ticket",
    "Tombstone",
    "Touch",
    "UsageWeek",
]
