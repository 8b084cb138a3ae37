"""Staff members (reps) and how chat surfaces find them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.core.store.models import Rep


def by_slack_user(session: Session, *, slack_user_id: str) -> Rep | None:
    """The rep mapped to a Slack user id (``reps.slack_user_id``), if any."""
    return session.scalars(select(Rep).where(Rep.slack_user_id == slack_user_id)).first()


def by_id(session: Session, *, rep_id: str) -> Rep | None:
    return session.get(Rep, rep_id)


def names(session: Session) -> dict[str, str]:
    """Staff id → the person's name (``rep-anna`` → ``Anna Virtanen``), for text a person reads."""
    return dict(session.execute(select(Rep.id, Rep.name)).tuples().all())
