"""Typed FastAPI dependencies: the context, the clock, and the caller as an :class:`Actor`.

``require(perm)`` is the gate every route declares: it authenticates the key, applies the role table
(``permissions``), the widget's origin binding, customer token or visitor token, and the caller's rate
limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Request, Response, Security
from fastapi.security import APIKeyHeader

from copilot.core import permissions
from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.core.permissions import Perm
from copilot.core.store.repo import consents as consent_repo
from integrations.api.auth import (
    KeyStore,
    Principal,
    new_visitor_id,
    sign_visitor,
    verify_customer_token,
    verify_visitor,
)
from integrations.api.ratelimit import Limiter

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey",
                              description="A staff API key, or the public widget key on /v1/widget/ routes.")
customer_token_header = APIKeyHeader(
    name="X-Customer-Token", auto_error=False, scheme_name="CustomerToken",
    description="Widget only: `<contact_id>.<expiry>.<hex HMAC-SHA256>` signed by the host site.")
VISITOR_HEADER = "X-Visitor-Token"
visitor_token_header = APIKeyHeader(
    name=VISITOR_HEADER, auto_error=False, scheme_name="VisitorToken",
    description="Widget only, anonymous visitors: the `X-Visitor-Token` of an earlier response. Without it, or "
    "with one Polku did not issue, the caller is a new visitor; every successful widget response to a visitor "
    "carries it.")
VISITOR_PREFIX = "visitor:"


@dataclass
class ApiState:
    ctx: AppContext
    keys: KeyStore
    limiter: Limiter
    """Rate-limit buckets: this process's own, or shared by every worker through Redis."""
    clock: Callable[[], datetime | None]
    """The reference time handed to services; ``None`` (the default) means "now"."""


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


async def get_ctx(request: Request) -> AppContext:
    return api_state(request).ctx


async def get_now(request: Request) -> datetime | None:
    return api_state(request).clock()


CtxDep = Annotated[AppContext, Depends(get_ctx)]
NowDep = Annotated[datetime | None, Depends(get_now)]


def _principal(request: Request, key: str | None) -> Principal:
    if not key:
        auth = request.headers.get("authorization", "")
        key = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    found = api_state(request).keys.lookup(key)
    if found is None:
        raise PolkuError("unauthorized", "a valid API key is required (header X-API-Key)")
    return found


def _limit(request: Request, bucket: str, *, widget: bool) -> None:
    st = api_state(request)
    s = st.ctx.settings
    rate, burst = (s.widget_rate_per_s, s.widget_rate_burst) if widget else (s.api_rate_per_s, s.api_rate_burst)
    # On the event loop, not a thread: in-process it is a dict update, with Redis one loopback or LAN
    # round trip (~0.1 ms, cheaper than a thread hop); a Redis that hangs costs at most its 0.5 s
    # time-out once, then the workers use their own buckets for a few seconds (core/shared/redis_state).
    wait = st.limiter.take(bucket, rate=rate, burst=burst)
    if wait > 0:
        raise PolkuError("rate_limited", "too many requests; slow down", retry_after_s=round(wait, 3))


def _staff(request: Request, p: Principal, perm: Perm) -> Actor:
    if p.is_widget:
        raise PolkuError("forbidden", "the widget key may call only /v1/widget/ routes")
    actor = Actor(id=p.name, role=p.staff_role)
    permissions.require(actor, perm)  # the outer gate: the same table and words as the services
    _limit(request, f"key:{p.name}", widget=False)
    return actor


def _account_of(ctx: AppContext, contact_id: str) -> str | None:
    with ctx.db.session() as session:
        contact = consent_repo.contact(session, contact_id=contact_id)
        return contact.account_id if contact is not None else None


async def _widget(request: Request, p: Principal, token: str | None, visitor: str | None) -> Actor:
    if not p.is_widget:
        raise PolkuError("forbidden", "widget routes take the widget key, not a staff key")
    origin = request.headers.get("origin")
    st = api_state(request)
    if origin not in st.ctx.settings.allowed_origins:
        raise PolkuError("forbidden", "this origin may not use the widget")
    client = request.client.host if request.client else "unknown"
    # Per address, not per visitor token: a new token is free, so it must not buy a new bucket.
    _limit(request, f"widget:{p.name}:{client}", widget=True)
    s = st.ctx.settings
    secret = s.widget_signing_secret.get_secret_value()
    if not token:
        # Each anonymous visitor is an actor of their own, so a thread id alone never opens another
        # visitor's conversation; an unknown or forged token just makes a new visitor.
        visitor_id = verify_visitor(secret, visitor, now=time.time(), max_age_s=s.visitor_token_max_age_s)
        visitor_id = visitor_id or new_visitor_id()
        return Actor(id=VISITOR_PREFIX + visitor_id, role=Role.visitor)
    contact_id = verify_customer_token(secret, token, now=time.time(), max_ttl_s=s.widget_token_max_ttl_s)
    account_id = await anyio.to_thread.run_sync(_account_of, st.ctx, contact_id)
    if account_id is None:
        raise PolkuError("unauthorized", "the customer token names an unknown contact")
    return Actor(id=f"customer:{contact_id}"[:64], role=Role.customer, contact_id=contact_id, account_id=account_id)


def visitor_headers(ctx: AppContext, actor: Actor) -> dict[str, str]:
    """The visitor token to send back with a response to an anonymous visitor (none for others)."""
    if actor.role is not Role.visitor:
        return {}
    secret = ctx.settings.widget_signing_secret.get_secret_value()
    return {VISITOR_HEADER: sign_visitor(secret, actor.id.removeprefix(VISITOR_PREFIX), int(time.time()))}


def require(perm: Perm) -> Callable[..., Any]:
    """The dependency a route declares: who is calling, if they may, within their rate."""
    if perm is Perm.widget:

        async def widget_actor(request: Request, response: Response,
                               key: Annotated[str | None, Security(api_key_header)] = None,
                               token: Annotated[str | None, Security(customer_token_header)] = None,
                               visitor: Annotated[str | None, Security(visitor_token_header)] = None) -> Actor:
            actor = await _widget(request, _principal(request, key), token, visitor)
            response.headers.update(visitor_headers(api_state(request).ctx, actor))
            return actor

        return widget_actor

    async def staff_actor(request: Request, key: Annotated[str | None, Security(api_key_header)] = None) -> Actor:
        return _staff(request, _principal(request, key), perm)

    return staff_actor


def actor_for(perm: Perm) -> object:
    """``Annotated[Actor, actor_for(Perm.x)]`` in a route's signature."""
    return Depends(require(perm))
