"""Bulk reads for scoring and analytics: whole tables (or an account's slice) as pandas frames.

Datetimes come back as naive UTC (SQLite drops the zone; PostgreSQL values are converted), so the
pure tools in ``tools/`` compare them with a naive-UTC ``now``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select, String, func, select, type_coerce
from sqlalchemy.orm import Session

from copilot.core.store.models import (
    Account,
    Campaign,
    Contact,
    Contract,
    Event,
    Lead,
    Opportunity,
    Order,
    SurveyResponse,
    Ticket,
    Touch,
    UsageWeek,
)

CHUNK = 100_000
SMALL = 1_000
"""Results shorter than this (an account's own rows) are built in one go."""


def _frame(session: Session, query: Select, dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows as a frame: a big result column by column from the driver's raw values in chunks, a small one
    (an account's own rows) in one constructor call; both give the same dtypes.

    Date columns are selected as raw values (text on SQLite, datetimes on PostgreSQL) and converted
    once per column: per-value conversion in SQLAlchemy was most of the load time.
    """
    query = query.with_only_columns(*(type_coerce(c, String).label(c.name) if c.name in dates else c
                                      for c in query.selected_columns))
    # Core, not ORM, execution: the ORM buffers every row through its loading machinery first
    result = session.connection().execute(query)
    keys = list(result.keys())
    # no column needs SQLAlchemy's result processing any more: read the driver's cursor directly
    cursor = getattr(result, "cursor", None)
    fetch = cursor.fetchmany if cursor is not None else result.fetchmany
    chunk = fetch(CHUNK)
    if len(chunk) < SMALL:  # one account's rows: one constructor call costs less than a Series per column
        df = pd.DataFrame.from_records(chunk, columns=keys)
    else:
        parts: list[list[object]] = [[] for _ in keys]
        while chunk:
            for i, values in enumerate(zip(*chunk, strict=True)):
                parts[i].extend(values)
            chunk = fetch(CHUNK)
        df = pd.DataFrame({k: _column(v) for k, v in zip(keys, parts, strict=True)}, columns=keys)
    result.close()
    for col in dates:
        if col in df.columns:
            df[col] = _dates(df[col])
    return df


def _column(values: list[object]) -> pd.Series:
    # the dtypes pd.DataFrame(rows) infers: numbers (with None as NaN) become numeric, text stays object
    return pd.Series(values) if values else pd.Series([], dtype=object)


def _dates(col: pd.Series) -> pd.Series:
    """Naive UTC ``datetime64[ns]`` from what the driver gave: ISO text, dates or (zoned) datetimes."""
    if col.empty:
        return pd.Series(pd.DatetimeIndex([], dtype="datetime64[ns]"), index=col.index)
    if isinstance(col.dtype, pd.DatetimeTZDtype):  # the constructor already read zoned datetimes
        return pd.Series(col.array.tz_convert(None), index=col.index)
    first = col.dropna()
    if len(first) and isinstance(first.iloc[0], str):
        return pd.to_datetime(col, utc=True, format="ISO8601").dt.tz_localize(None)
    if len(col) < SMALL:  # a few values: converting them one by one costs less than pandas' parser set-up
        return pd.Series(np.array([_naive_utc(v) for v in col], dtype="datetime64[ns]"), index=col.index)
    return pd.to_datetime(col, utc=True).dt.tz_localize(None)


def _naive_utc(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return None if pd.isna(value) else value


def _scope(query: Select, column: Any, account_ids: list[str] | None) -> Select:
    return query if account_ids is None else query.where(column.in_(account_ids))


def accounts(session: Session, *, account_ids: list[str] | None = None, owner: str | None = None) -> pd.DataFrame:
    q = select(
        Account.id.label("account_id"),
        Account.name,
        Account.industry,
        Account.size,
        Account.employees,
        Account.country,
        Account.owner,
        Account.tier,
        Account.acquisition_cost,
        Account.created_at,
    )
    q = _scope(q, Account.id, account_ids)
    if owner:
        q = q.where(Account.owner == owner)
    return _frame(session, q.order_by(Account.id), ("created_at",))


def leads(session: Session, *, account_ids: list[str] | None = None) -> pd.DataFrame:
    q = (
        select(
            Lead.id.label("lead_id"),
            Lead.contact_id,
            Lead.account_id,
            Lead.stage,
            Lead.status,
            Lead.dead_reason,
            Lead.source,
            Lead.created_at,
            Lead.contacted_at,
            Lead.opportunity_id,
            Lead.quality_feedback,
            Contact.persona,
            Contact.title,
            Contact.journey_stage,
            Contact.first_name,
            Contact.last_name,
            Contact.owner.label("contact_owner"),
            Account.employees,
            Account.industry,
            Account.country,
            Account.size,
            Account.owner,
        )
        .join(Contact, Contact.id == Lead.contact_id)
        .join(Account, Account.id == Lead.account_id)
    )
    return _frame(session, _scope(q, Lead.account_id, account_ids).order_by(Lead.id), ("created_at", "contacted_at"))


def contacts(session: Session, *, account_ids: list[str] | None = None) -> pd.DataFrame:
    q = select(
        Contact.id.label("contact_id"),
        Contact.account_id,
        Contact.first_name,
        Contact.last_name,
        Contact.title,
        Contact.persona,
        Contact.language,
        Contact.owner,
        Contact.journey_stage,
    )
    return _frame(session, _scope(q, Contact.account_id, account_ids).order_by(Contact.id))


def events(session: Session, *, since: datetime | None = None, account_ids: list[str] | None = None) -> pd.DataFrame:
    # only what scoring reads: this is the biggest table
    q = select(Event.contact_id, Event.account_id, Event.type, Event.page_type, Event.at)
    if since is not None:
        q = q.where(Event.at >= since)
    return _frame(session, _scope(q, Event.account_id, account_ids), ("at",))


def orders(session: Session, *, account_ids: list[str] | None = None) -> pd.DataFrame:
    q = select(
        Order.id.label("order_id"),
        Order.account_id,
        Order.order_date,
        Order.amount,
        Order.margin,
        Order.status,
        Order.payment_delay_days,
    )
    return _frame(session, _scope(q, Order.account_id, account_ids), ("order_date",))


def contracts(session: Session, *, account_ids: list[str] | None = None) -> pd.DataFrame:
    q = select(
        Contract.id.label("contract_id"),
        Contract.account_id,
        Contract.product,
        Contract.start_date,
        Contract.end_date,
        Contract.renewal_date,
        Contract.annual_value,
        Contract.licences,
        Contract.status,
    )
    return _frame(session, _scope(q, Contract.account_id, account_ids), ("start_date", "end_date", "renewal_date"))


def usage(session: Session, *, since: datetime | None = None, account_ids: list[str] | None = None) -> pd.DataFrame:
    q = select(
        UsageWeek.account_id,
        UsageWeek.week_start,
        UsageWeek.logins,
        UsageWeek.active_users,
        UsageWeek.avg_session_min,
        UsageWeek.features_used,
    )
    if since is not None:
        q = q.where(UsageWeek.week_start >= since.date())
    return _frame(session, _scope(q, UsageWeek.account_id, account_ids), ("week_start",))


def tickets(session: Session, *, account_ids: list[str] | None = None) -> pd.DataFrame:
    q = select(
        Ticket.id.label("ticket_id"),
        Ticket.account_id,
        Ticket.contact_id,
        Ticket.subject,
        Ticket.status,
        Ticket.priority,
        Ticket.sentiment,
        Ticket.opened_at,
        Ticket.first_reply_at,
    )
    return _frame(session, _scope(q, Ticket.account_id, account_ids), ("opened_at", "first_reply_at"))


def surveys(session: Session, *, account_ids: list[str] | None = None) -> pd.DataFrame:
    q = select(SurveyResponse.account_id, SurveyResponse.kind, SurveyResponse.score, SurveyResponse.at)
    return _frame(session, _scope(q, SurveyResponse.account_id, account_ids), ("at",))


def opportunities(session: Session, *, account_ids: list[str] | None = None) -> pd.DataFrame:
    q = select(
        Opportunity.id.label("opportunity_id"),
        Opportunity.account_id,
        Opportunity.name,
        Opportunity.stage,
        Opportunity.amount,
        Opportunity.close_date,
        Opportunity.created_at,
        Opportunity.owner,
        Opportunity.loss_reason,
    )
    return _frame(session, _scope(q, Opportunity.account_id, account_ids), ("close_date", "created_at"))


def campaigns(session: Session) -> pd.DataFrame:
    q = select(
        Campaign.id.label("campaign_id"),
        Campaign.name,
        Campaign.channel,
        Campaign.persona,
        Campaign.theme,
        Campaign.cost,
        Campaign.impressions,
        Campaign.clicks,
        Campaign.start_date,
        Campaign.end_date,
    )
    return _frame(session, q, ("start_date", "end_date"))


def touches(session: Session) -> pd.DataFrame:
    q = select(Touch.campaign_id, Touch.contact_id, Touch.channel, Touch.at, Contact.account_id).join(
        Contact, Contact.id == Touch.contact_id
    )
    return _frame(session, q, ("at",))


def store_version(session: Session) -> tuple[str, ...]:
    """A cheap fingerprint of what scoring reads (index look-ups only; counting rows of a big SQLite
    table is a full scan): the newest id of each table, the newest CRM write through the tools (each
    leaves an audit entry of task ``crm.*``, also when it only updates a row) and the erasure
    tombstones. Only CRM writes: every answer and brief leaves an audit entry too, and counting those
    made each request retrain and rescore the whole store."""
    from copilot.core.store.models import AuditLog, Tombstone

    tables = (Account, Lead, Contact, Event, Order, Contract, UsageWeek, Ticket, SurveyResponse, Opportunity)
    # the largest key of each table (UsageWeek's key starts with account_id)
    newest = [select(func.max(t.__mapper__.primary_key[0])).scalar_subquery() for t in tables]
    # A range on the (task, at) index: "crm." up to "crm/" ("/" follows "." in ASCII) is every "crm.*".
    crm_write = (AuditLog.task >= "crm.") & (AuditLog.task < "crm/")
    newest.append(select(func.max(AuditLog.at)).where(crm_write).scalar_subquery())
    erased = [select(func.count()).select_from(Tombstone).scalar_subquery(),
              select(func.max(Tombstone.erased_at)).scalar_subquery()]
    # one statement, one round trip: every request checks this fingerprint
    parts = session.execute(select(*newest, *erased)).one()
    return tuple(str(p) for p in parts)
