"""The content library as the e-mail writer uses it: one card per module with its e-mail material.

A library holds tens of modules, so the cards are read from the store each time they are needed: a
module imported a moment ago is used at once, and no cache can go stale.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel
from sqlalchemy.orm import Session

from copilot.core.context import AppContext
from copilot.core.instructions import looks_injected
from copilot.core.store.repo import content as content_repo


class Card(BaseModel):
    id: str
    pair_id: str | None
    type: str
    title: str
    language: str
    persona: str
    stage: str
    industry: str
    public: bool
    products: tuple[str, ...] = ()
    employees: tuple[int, int] | None = None
    hook: str = ""
    value: str = ""
    proof: str = ""
    body: str = ""

    @property
    def has_material(self) -> bool:
        return bool(self.hook and self.value and self.proof)

    def fits_size(self, employees: int | None) -> bool | None:
        """Whether the story fits a company of this size; None when either side does not say."""
        if self.employees is None or employees is None:
            return None
        low, high = self.employees
        return low <= employees <= high


def cards(session: Session) -> list[Card]:
    """Every module a customer text may draw on: one with instruction-shaped text anywhere in it (a
    planted persona prompt, an "ignore the above") is left out whole, as retrieval marks it."""
    out = []
    for m in content_repo.list_modules(session):
        email = m.email or {}
        if _tainted("\n".join((m.title, m.body, *map(str, email.values())))):
            continue
        size = (m.employees_min, m.employees_max) if m.employees_min is not None and m.employees_max is not None \
            else None
        out.append(Card(id=m.id, pair_id=m.pair_id, type=m.type, title=m.title, language=m.language,
                        persona=m.persona, stage=m.stage, industry=m.industry, public=m.public,
                        products=tuple(m.products or ()), employees=size, hook=email.get("hook", ""),
                        value=email.get("value", ""), proof=email.get("proof", ""), body=m.body))
    return out


@lru_cache(maxsize=1024)
def _tainted(text: str) -> bool:
    # Cached by text: the library is read per e-mail, and its modules change rarely.
    return looks_injected(text)


def library(ctx: AppContext) -> list[Card]:
    """The library's cards as the store holds them now (fifty-odd rows: read per use, never stale)."""
    with ctx.db.session() as session:
        return cards(session)
