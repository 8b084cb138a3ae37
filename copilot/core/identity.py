"""Who is asking: every service call carries an :class:`Actor`, and roles decide what it may do."""

from __future__ import annotations

from pydantic import BaseModel, Field

from copilot.core.domain import StrEnum


class Role(StrEnum):
    admin = "admin"
    sales = "sales"
    support = "support"
    marketing = "marketing"
    customer = "customer"
    """An identified customer (signed widget token): may see their own account only."""
    visitor = "visitor"
    """An anonymous website visitor: public content only."""
    system = "system"


STAFF = frozenset({Role.admin, Role.sales, Role.support, Role.marketing, Role.system})


class Actor(BaseModel):
    """The caller of a service function."""

    id: str = Field(min_length=1, max_length=64)
    role: Role
    account_id: str | None = None
    """For a customer: the only account they may see."""
    contact_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


SYSTEM = Actor(id="system", role=Role.system)
