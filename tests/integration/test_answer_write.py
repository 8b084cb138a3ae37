"""An answer's audit row and its conversation turn are one unit of work: both or neither."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from copilot.core.identity import Actor, Role
from copilot.core.store import models as m
from copilot.tasks import ask as ask_task
from tests.support.api import derived_ctx

STAFF = Actor(id="rep-anna", role=Role.support)


def _counts(ctx) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with ctx.db.session() as s:
        return (s.scalar(select(func.count()).select_from(m.AuditLog)) or 0,
                s.scalar(select(func.count()).select_from(m.Message)) or 0)


def test_a_turn_that_cannot_be_stored_leaves_no_audit_row(demo_ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ctx = derived_ctx(demo_ctx, tmp_path)
    req = ask_task.AskRequest(question="How do I reset my password?", surface="cli")
    first = ask_task.ask(ctx, req, actor=STAFF)
    before = _counts(ctx)
    # A new thread under an id that exists already: the conversation insert fails inside the unit.
    monkeypatch.setattr(ask_task.conversations, "new_id", lambda: first.thread_id)
    with pytest.raises(Exception) as failed:
        ask_task.ask(ctx, req, actor=STAFF)
    assert not isinstance(failed.value, AssertionError)
    assert _counts(ctx) == before  # neither the audit row nor a message of the failed answer
    monkeypatch.undo()
    assert ask_task.ask(ctx, req, actor=STAFF).thread_id != first.thread_id
    assert _counts(ctx) == (before[0] + 1, before[1] + 2)

