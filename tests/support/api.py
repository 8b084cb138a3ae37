"""Helpers of the REST API tests: keys of every role, a client over a given context, signed tokens."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from copilot.core.context import AppContext
from copilot.core.settings import Environment
from copilot.core.store import models as m
from integrations.api import create_app
from integrations.api.auth import sha256, sign_customer_token
from tests.conftest import NOW

KEYS = {role: f"test-{role}-key-0123456789" for role in ("admin", "sales", "support", "marketing", "widget")}
ORIGIN = "https://www.kaarna.example"
SECRET = "test-widget-signing-secret"


def write_keys(path: Path) -> Path:
    """A keys file as an operator writes it: hashes only (one plain key, to cover both forms)."""
    entries: list[dict[str, Any]] = [
        {"name": "rep-anna" if role == "sales" else f"{role}-1", "role": role, "key_sha256": sha256(key)}
        for role, key in KEYS.items() if role != "marketing"
    ]
    entries.append({"name": "marketing-1", "role": "marketing", "key": KEYS["marketing"]})
    path.write_text(json.dumps(entries))
    return path


def derived_ctx(base: AppContext, tmp: Path, **overrides: Any) -> AppContext:
    """The same store and index as ``base`` under other API settings (keys, origins, limits)."""
    settings = base.settings.model_copy(update={
        "environment": Environment.test, "api_keys_file": write_keys(tmp / "keys.json"), "allowed_origins": [ORIGIN],
        "widget_signing_secret": SecretStr(SECRET), "api_rate_burst": 10_000,
        "widget_rate_burst": 10_000, **overrides})
    ctx = AppContext(settings=settings, _cache=base._cache)
    ctx.__dict__["db"] = base.db  # share the open store instead of opening it again
    return ctx


def clone_data(base: AppContext, target: Path) -> Path:
    """A copy of the base context's data directory (SQLite store, Chroma, embedding cache)."""
    with base.db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(base.settings.data_dir, target)
    return target


def client(ctx: AppContext, **kw: Any) -> TestClient:
    return TestClient(create_app(ctx, clock=lambda: NOW), **kw)


def staff(role: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[role]}


def widget(token: str | None = None, origin: str = ORIGIN) -> dict[str, str]:
    headers = {"X-API-Key": KEYS["widget"], "Origin": origin}
    if token:
        headers["X-Customer-Token"] = token
    return headers


def token(contact_id: str, ttl: int = 600, secret: str = SECRET) -> str:
    return sign_customer_token(secret, contact_id, int(time.time()) + ttl)


def customers(ctx: AppContext, n: int = 2) -> list[tuple[str, str, list[str]]]:
    """(contact id, account id, that account's order ids) of customers of different accounts with orders."""
    out: list[tuple[str, str, list[str]]] = []
    with ctx.db.session() as s:
        accounts = s.scalars(select(m.Contract.account_id).where(m.Contract.status == "active")
                             .order_by(m.Contract.account_id).distinct()).all()
        for acc in accounts:
            orders = s.scalars(select(m.Order.id).where(m.Order.account_id == acc)).all()
            contact = s.scalars(select(m.Contact.id).where(m.Contact.account_id == acc).order_by(m.Contact.id)).first()
            if orders and contact:
                out.append((contact, acc, list(orders)))
            if len(out) == n:
                break
    return out


def events(text: str) -> list[tuple[str, Any]]:
    """Parse an SSE body into (event, data) pairs."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        out.append((fields.get("event", "message"), json.loads(fields.get("data", "null"))))
    return out
