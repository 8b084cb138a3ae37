"""The task evals leave the store they run on as they found it: a rerun reads the same accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from copilot.core.store.models import Ticket
from evals.tasks.runner import reply


def _tickets(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return s.scalar(select(func.count()).select_from(Ticket)) or 0


def test_a_reply_case_withdraws_the_ticket_it_filed(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    before = _tickets(demo_ctx)
    result = reply(demo_ctx, {"id": "x1", "split": "dev", "contact_language": "fi", "subject": "Excel-vienti",
                              "body": "En löydä vientiä.", "article": "help-excel-export", "topic": ["excel"]})
    assert result.checks["right_help"]  # the case ran through the whole reply path
    assert _tickets(demo_ctx) == before
