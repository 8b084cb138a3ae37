"""Liveness and readiness (no key needed: load balancers and orchestrators call them)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from copilot.core.context import AppContext
from copilot.core.store.repo import admin
from integrations.api.deps import CtxDep
from integrations.api.errors import ERROR_RESPONSES, body
from retrieval import service as retrieval

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    checks: dict[str, str] = {}


@router.get("/healthz", summary="Liveness: the process answers", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


def _checks(ctx: AppContext) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        with ctx.db.session() as session:
            checks["store"] = "empty" if admin.is_empty(session) else "ok"
    except Exception as exc:  # readiness reports any failure as "not ready", never raises
        checks["store"] = f"unavailable ({type(exc).__name__})"
    try:
        checks["index"] = f"ok ({len(retrieval.index(ctx))} chunks)"
    except Exception as exc:
        checks["index"] = f"unavailable ({type(exc).__name__})"
    return checks


@router.get("/readyz", summary="Readiness: the store and the search index can be opened", response_model=Health,
            responses={503: ERROR_RESPONSES[503]})
def readyz(ctx: CtxDep) -> Health | JSONResponse:
    checks = _checks(ctx)
    if any(v.startswith("unavailable") for v in checks.values()):
        return JSONResponse(body("unavailable", "not ready", {"checks": checks}), status_code=503)
    return Health(status="ok", checks=checks)
