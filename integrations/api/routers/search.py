"""Search over the content library (and one account's history)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator

from copilot.core.identity import Actor
from copilot.core.permissions import Perm, roles_text
from integrations.api.deps import CtxDep, actor_for
from integrations.api.errors import ERROR_RESPONSES
from integrations.api.language import supported
from retrieval import service as retrieval
from retrieval.models import SearchFilters, SearchResult
from retrieval.search import Mode

router = APIRouter(prefix="/v1", tags=["search"], responses=ERROR_RESPONSES)


class SearchIn(BaseModel):
    query: str = Field(min_length=1, max_length=500)
    k: int = Field(default=5, ge=1, le=retrieval.MAX_K)
    filters: SearchFilters | None = None
    account_id: str | None = Field(default=None, min_length=1, max_length=64)
    """Also rank this account's history (orders, tickets, activities…) for the query."""
    mode: Mode = "hybrid"

    @field_validator("filters")
    @classmethod
    def _supported_languages(cls, filters: SearchFilters | None) -> SearchFilters | None:
        wanted = filters.language if filters else None
        for lang in [wanted] if isinstance(wanted, str) else wanted or []:
            supported(lang)
        return filters


@router.post("/search", summary="Hybrid search with citations", response_model=SearchResult,
             description="Vector + keyword search with metadata filters; each hit carries what a citation "
             "needs. " + roles_text(Perm.search))
def search(body: SearchIn, ctx: CtxDep, _actor: Annotated[Actor, actor_for(Perm.search)]) -> SearchResult:
    return retrieval.search(ctx, body.query, k=body.k, filters=body.filters, account_id=body.account_id,
                            mode=body.mode)
