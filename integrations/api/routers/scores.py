"""Scores and analytics: lead score, churn, CLV, tiers, funnel and service health (staff only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from copilot.core.identity import Actor
from copilot.core.permissions import Perm, roles_text
from integrations.api.deps import CtxDep, NowDep, actor_for
from integrations.api.errors import ERROR_RESPONSES
from tools import service

router = APIRouter(prefix="/v1", tags=["scores"], responses=ERROR_RESPONSES)
Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/scores", summary="Score every account", response_model=service.ScoreBoard,
            description="Lead score and route, churn probability, CLV, value tier per account, best first. "
            + roles_text(Perm.scores_read))
def score_all(ctx: CtxDep, now: NowDep, actor: Annotated[Actor, actor_for(Perm.scores_read)],
              limit: Annotated[int, Query(ge=0, le=1000)] = 50) -> service.ScoreBoard:
    return service.score_all(ctx, actor, now=now, limit=limit)


@router.get("/scores/leads/report", summary="Sales' lead feedback by score band",
            response_model=list[service.LeadFeedbackRow],
            description="Does a higher lead score mean better leads? Refines the 100-point threshold. "
            + roles_text(Perm.funnel))
def leadscore_report(ctx: CtxDep, now: NowDep,
                     actor: Annotated[Actor, actor_for(Perm.funnel)]) -> list[service.LeadFeedbackRow]:
    return service.leadscore_report(ctx, actor, now=now)


@router.get("/scores/{account_id}", summary="Scores of one account, explained",
            response_model=service.AccountScores,
            description="Lead scores (fit + behaviour) with reasons, predicted conversion, churn risk and its "
            "drivers, CLV and tier. " + roles_text(Perm.scores_read))
def score_account(account_id: Id, ctx: CtxDep, now: NowDep,
                  actor: Annotated[Actor, actor_for(Perm.scores_read)]) -> service.AccountScores:
    return service.score_account(ctx, actor, account_id, now=now)


@router.get("/tiers", summary="Value tiers and their service levels (preview)", response_model=service.TierReport,
            description="How many accounts fall in each tier now; nothing is written. " + roles_text(Perm.scores_read))
def tiers(ctx: CtxDep, now: NowDep, actor: Annotated[Actor, actor_for(Perm.scores_read)]) -> service.TierReport:
    return service.refresh_tiers(ctx, actor, now=now, apply=False)


@router.post("/tiers/apply", summary="Write the current value tiers to the accounts",
             response_model=service.TierReport, description=roles_text(Perm.tiers_apply))
def apply_tiers(ctx: CtxDep, now: NowDep,
                actor: Annotated[Actor, actor_for(Perm.tiers_apply)]) -> service.TierReport:
    return service.refresh_tiers(ctx, actor, now=now, apply=True)


@router.get("/funnel", summary="Funnel and money metrics per channel or campaign",
            response_model=service.FunnelReport,
            description="Leads, new customers and won revenue credited through the campaigns' touches (first touch "
            "for new customers, time decay for existing ones, each euro once), CPL, CAC, LTV:CAC, ROMI (on margin); "
            "`credits` lists every deal behind the figures. `period`: campaigns that started in 2026, 2026-Q3 or "
            "2026-11, or M, Q or Y to split by period. " + roles_text(Perm.funnel))
def funnel(ctx: CtxDep, now: NowDep, actor: Annotated[Actor, actor_for(Perm.funnel)],
           by: Literal["channel", "campaign"] = "channel",
           period: Annotated[str | None, Query(pattern=r"^([MQY]|\d{4}(-(Q[1-4]|0[1-9]|1[0-2]))?)$")] = None
           ) -> service.FunnelReport:
    return service.funnel(ctx, actor, by=by, period=period, now=now)


@router.get("/health-board", summary="Customer health: churn risks, onboarding, surveys, reply SLAs",
            response_model=service.HealthBoard, description=roles_text(Perm.health))
def health_board(ctx: CtxDep, now: NowDep, actor: Annotated[Actor, actor_for(Perm.health)],
                 top: Annotated[int, Query(ge=1, le=100)] = 10) -> service.HealthBoard:
    return service.health_board(ctx, actor, now=now, top=top)
