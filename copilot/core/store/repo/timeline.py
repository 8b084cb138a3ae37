"""One account's timeline as dated, summarised items, for retrieval as context.

Scoping is by construction: every query below takes the one ``account_id`` as a bound parameter
and there is no function here that reads across accounts, so a caller cannot receive another
account's items by forgetting a filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.core.store.models import (
    Activity,
    Contract,
    Conversation,
    Event,
    Message,
    Opportunity,
    Order,
    SurveyResponse,
    Ticket,
    UsageWeek,
)


@dataclass(frozen=True)
class TimelineRow:
    """A record of the account summarised as one line of text with its date."""

    kind: str
    record_id: str
    day: date
    title: str
    text: str
    facets: dict[str, str] = field(default_factory=dict)
    """The row's parts as codes and values (e.g. event type and page), so a surface can word the item
    in its reader's language; ``text`` is the English summary that search reads."""


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def account_timeline(
    session: Session, *, account_id: str, limit: int = 200, answers: bool = True
) -> list[TimelineRow]:
    """Up to ``limit`` of the newest records of each kind for one account, summarised; with
    ``answers=False`` conversations give only what people wrote, not the assistant's replies."""
    rows: list[TimelineRow] = []
    messages = partial(_messages, answers=answers)
    for fetch in (_orders, _contracts, _tickets, _activities, _opportunities, _surveys, messages, _visits):
        rows.extend(fetch(session, account_id, limit))
    rows.extend(_usage_changes(session, account_id))
    return rows


def _orders(s: Session, acc: str, limit: int) -> list[TimelineRow]:
    q = select(Order).where(Order.account_id == acc).order_by(Order.order_date.desc()).limit(limit)
    return [
        TimelineRow(
            "order",
            o.id,
            o.order_date,
            f"Order {o.product}",
            f"Order {o.id}: {o.product}, {o.amount:.0f} EUR, status {o.status}"
            + (f", paid {o.payment_delay_days} days late" if o.payment_delay_days > 0 else ""),
            {"product": o.product, "amount": f"{o.amount:.2f}"},
        )
        for o in s.scalars(q)
    ]


def _contracts(s: Session, acc: str, limit: int) -> list[TimelineRow]:
    q = select(Contract).where(Contract.account_id == acc).order_by(Contract.start_date.desc()).limit(limit)
    return [
        TimelineRow(
            "contract",
            c.id,
            c.start_date,
            f"Contract {c.product}",
            f"Contract {c.id}: {c.product}, {c.licences} licences, {c.annual_value:.0f} EUR a year, "
            f"{c.status}, runs {c.start_date}..{c.end_date}, renewal {c.renewal_date}",
            {"product": c.product, "end": str(c.end_date), "status": c.status},
        )
        for c in s.scalars(q)
    ]


def _tickets(s: Session, acc: str, limit: int) -> list[TimelineRow]:
    q = select(Ticket).where(Ticket.account_id == acc).order_by(Ticket.opened_at.desc()).limit(limit)
    return [
        TimelineRow(
            "ticket",
            t.id,
            _day(t.opened_at),
            t.subject,
            f"Ticket {t.id} ({t.status}, {t.priority}, via {t.channel}): {t.subject}. {t.body}".strip(),
        )
        for t in s.scalars(q)
    ]


def _activities(s: Session, acc: str, limit: int) -> list[TimelineRow]:
    q = select(Activity).where(Activity.account_id == acc).order_by(Activity.at.desc()).limit(limit)
    return [
        TimelineRow(a.kind, a.id, _day(a.at), a.subject, f"{a.kind.capitalize()} by {a.actor}: {a.subject}. {a.body}")
        for a in s.scalars(q)
    ]


def _opportunities(s: Session, acc: str, limit: int) -> list[TimelineRow]:
    q = select(Opportunity).where(Opportunity.account_id == acc).order_by(Opportunity.created_at.desc()).limit(limit)
    out = []
    for o in s.scalars(q):
        why = o.win_reason or o.loss_reason
        out.append(
            TimelineRow(
                "opportunity",
                o.id,
                _day(o.created_at),
                o.name,
                f"Opportunity {o.name}: {o.stage}, {o.amount:.0f} EUR, close {o.close_date}"
                + (f", reason {why}" if why else ""),
            )
        )
    return out


def _surveys(s: Session, acc: str, limit: int) -> list[TimelineRow]:
    q = select(SurveyResponse).where(SurveyResponse.account_id == acc).order_by(SurveyResponse.at.desc()).limit(limit)
    return [
        TimelineRow(
            "survey",
            r.id,
            _day(r.at),
            f"{r.kind.upper()} {r.score}",
            f"{r.kind.upper()} answer {r.score}: {r.comment}".strip(),
            {"survey": r.kind.upper(), "score": str(r.score)},
        )
        for r in s.scalars(q)
    ]


def _messages(s: Session, acc: str, limit: int, *, answers: bool) -> list[TimelineRow]:
    q = (
        select(Message, Conversation.surface)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(Conversation.account_id == acc)
        .order_by(Message.at.desc())
        .limit(limit)
    )
    if not answers:
        q = q.where(Message.role != "assistant")
    return [
        TimelineRow(
            "message",
            f"{m.conversation_id}/{m.id}",
            _day(m.at),
            f"{surface} conversation",
            f"{m.role} in {surface} conversation: {m.content}",
            # No excerpt: a staff brief words a message by where it was written, never by quoting it
            # (a customer's free text is untrusted and may hold personal data). The text above is for ranking.
            {"surface": surface},
        )
        for m, surface in s.execute(q)
    ]


def _visits(s: Session, acc: str, limit: int) -> list[TimelineRow]:
    """Web and e-mail events grouped per day and type, so 40 page views are one item, not 40."""
    day = func.date(Event.at)
    q = (
        select(day, Event.type, Event.page_type, func.count(), func.min(Event.id))
        .where(Event.account_id == acc)
        .group_by(day, Event.type, Event.page_type)
        .order_by(day.desc())
        .limit(limit)
    )
    out = []
    for d, etype, page, n, first in s.execute(q):
        when = d if isinstance(d, date) else date.fromisoformat(str(d))
        what = f"{etype} of {page} page" if page else etype
        out.append(TimelineRow("event", first, when, what.replace("_", " "), f"{n} x {what.replace('_', ' ')}",
                               {"event": etype, "page": page or "", "count": str(n)}))
    return out


def _usage_changes(s: Session, acc: str, threshold: float = 0.25) -> list[TimelineRow]:
    """Weeks where logins had moved by more than ``threshold`` from the last level reported (the first
    week to begin with): a sudden drop and a slow slide both show, each step once."""
    q = select(UsageWeek).where(UsageWeek.account_id == acc).order_by(UsageWeek.week_start)
    weeks = list(s.scalars(q))
    out: list[TimelineRow] = []
    if not weeks:
        return out
    ref = weeks[0]
    for cur in weeks[1:]:
        if not ref.logins or abs(cur.logins - ref.logins) / ref.logins <= threshold:
            continue
        change = (cur.logins - ref.logins) / ref.logins
        word = "rose" if change > 0 else "dropped"
        out.append(
            TimelineRow(
                "usage",
                f"{acc}/{cur.week_start}",
                cur.week_start,
                f"Usage {word} {change:+.0%}",
                f"Product usage {word}: weekly logins {ref.logins} -> {cur.logins} ({change:+.0%}) since the week of "
                f"{ref.week_start}, {cur.active_users} active users, {cur.features_used} features used",
                {"usage": "up" if change > 0 else "down", "change": f"{change:.4f}", "from": str(ref.logins),
                 "to": str(cur.logins), "since": str(ref.week_start)},
            )
        )
        ref = cur
    return out
