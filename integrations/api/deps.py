"""Typed FastAPI dependencies: the context, the clock, and the caller as an :class:`Actor`.

``require(perm)`` is the gate every route declares: it authenticates the key, applies the role table
(``permissions``), the widget's origin binding and customer token, and the caller's rate limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from copilot.context import AppContext
from copilot.errors import PolkuError
from copilot.identity import Actor, Role
from copilot.store.repo import consents as consent_repo
from integrations.api.auth import KeyStore, Principal, verify_customer_token
from integrations.api.permissions import Perm, allowed
from integrations.api.ratelimit import RateLimiter

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey",
                              description="A staff API key, or the public widget key on /v1/widget/ routes.")
customer_token_header = APIKeyHeader(
    name="X-Customer-Token", auto_error=False, scheme_name="CustomerToken",
    description="Widget only: `<contact_id>.<expiry>.<hex HMAC-SHA256>` signed by the host site.")


@dataclass
class ApiState:
    ctx: AppContext
    keys: KeyStore
    limiter: RateLimiter
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
    wait = st.limiter.take(bucket, rate=rate, burst=burst)
    if wait > 0:
        raise PolkuError("rate_limited", "too many requests; slow down", retry_after_s=round(wait, 3))


def _staff(request: Request, p: Principal, perm: Perm) -> Actor:
    if p.is_widget:
        raise PolkuError("forbidden", "the widget key may call only /v1/widget/ routes")
    if not allowed(p.staff_role, perm):
        raise PolkuError("forbidden", f"role {p.role} may not use {perm.value}", permission=perm.value)
    _limit(request, f"key:{p.name}", widget=False)
    return Actor(id=p.name, role=p.staff_role)


def _widget(request: Request, p: Principal, token: str | None) -> Actor:
    if not p.is_widget:
        raise PolkuError("forbidden", "widget routes take the widget key, not a staff key")
    origin = request.headers.get("origin")
    st = api_state(request)
    if origin not in st.ctx.settings.allowed_origins:
        raise PolkuError("forbidden", "this origin may not use the widget")
    client = request.client.host if request.client else "unknown"
    _limit(request, f"widget:{p.name}:{client}", widget=True)
    if not token:
        return Actor(id="visitor", role=Role.visitor)
    s = st.ctx.settings
    contact_id = verify_customer_token(s.widget_signing_secret.get_secret_value(), token, now=time.time(),
                                       max_ttl_s=s.widget_token_max_ttl_s)
    with st.ctx.db.session() as session:
        contact = consent_repo.contact(session, contact_id=contact_id)
        account_id = contact.account_id if contact is not None else None
    if account_id is None:
        raise PolkuError("unauthorized", "the customer token names an unknown contact")
    return Actor(id=f"customer:{contact_id}"[:64], role=Role.customer, contact_id=contact_id, account_id=account_id)


def require(perm: Perm) -> Callable[..., Any]:
    """The dependency a route declares: who is calling, if they may, within their rate."""
    if perm is Perm.widget:

        def widget_actor(request: Request, key: Annotated[str | None, Security(api_key_header)] = None,
                         token: Annotated[str | None, Security(customer_token_header)] = None) -> Actor:
            return _widget(request, _principal(request, key), token)

        return widget_actor

    async def staff_actor(request: Request, key: Annotated[str | None, Security(api_key_header)] = None) -> Actor:
        return _staff(request, _principal(request, key), perm)

    return staff_actor


def actor_for(perm: Perm) -> object:
    """``Annotated[Actor, actor_for(Perm.x)]`` in a route's signature."""
    return Depends(require(perm))
