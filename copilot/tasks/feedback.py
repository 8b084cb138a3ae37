"""Ratings of outputs (👍/👎): one rule for every surface, stored on the output's audit entry.

Only the person an output was written for may rate it: the actor of its audit entry. A visitor
rates their own answers (their visitor identity), a rep the drafts they asked for; nobody rates
someone else's output, whoever they are.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor, Role
from copilot.core.permissions import Perm, require
from copilot.core.store.repo import audit as audit_repo
from copilot.core.store.repo import crm_records

Rating = Literal["up", "down"]


class Rated(BaseModel):
    audit_id: str
    rating: Rating


def rate(ctx: AppContext, actor: Actor, audit_id: str, rating: Rating) -> Rated:
    require(actor, Perm.widget if actor.role in (Role.visitor, Role.customer) else Perm.feedback)
    with ctx.db.session() as session:
        entry = crm_records.audit_entry(session, ident=audit_id)
        if entry is None:
            raise not_found("audit entry", audit_id)
        if entry.actor != actor.id:  # an unknown id and someone else's answer look alike from outside
            raise PolkuError("forbidden", "only the person who asked can rate this answer")
        audit_repo.set_feedback(session, audit_id=audit_id, feedback=rating)
    return Rated(audit_id=audit_id, rating=rating)
