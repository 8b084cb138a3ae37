"""Who is calling: staff API keys, the public widget key, and customer tokens signed by the host site.

Keys are kept only as SHA-256 hashes and compared in constant time. The keys file
(``settings.api_keys_file``) is a JSON list of ``{"name", "role", "key_sha256"}`` (or ``"key"``,
hashed on load); ``role`` is a staff role or ``widget``. An identified customer's token is
``<contact_id>.<expiry unix seconds>.<hex HMAC-SHA256 of "<contact_id>.<expiry>">`` under
``settings.widget_signing_secret``: the host site signs it after its own login, Polku only checks it.
An anonymous visitor gets a visitor token from Polku itself (``<24 hex>.<hex HMAC>``, under a key
derived from the same secret) and the widget sends it back: each visitor is their own actor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from copilot.core.errors import PolkuError
from copilot.core.identity import Role
from copilot.core.settings import Environment, Settings

DEV_ADMIN_KEY = "dev-admin-key"
DEV_WIDGET_KEY = "dev-widget-key"
KeyRole = Literal["admin", "sales", "support", "marketing", "widget"]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class KeyEntry(BaseModel):
    """One line of the keys file."""

    name: str = Field(min_length=1, max_length=64)
    """Who holds the key; staff keys act as this id (e.g. a rep id such as ``rep-anna``)."""
    role: KeyRole
    key_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    key: str | None = Field(default=None, min_length=16)
    """A plain key (hashed on load); prefer ``key_sha256`` so the file holds no secret."""

    @model_validator(mode="after")
    def _one_key(self) -> KeyEntry:
        if (self.key is None) == (self.key_sha256 is None):
            raise ValueError("give exactly one of key or key_sha256")
        if self.key is not None:
            self.key_sha256, self.key = sha256(self.key), None
        return self


class Principal(BaseModel):
    """The holder of a presented key."""

    name: str
    role: KeyRole

    @property
    def is_widget(self) -> bool:
        return self.role == "widget"

    @property
    def staff_role(self) -> Role:
        return Role(self.role)


class KeyStore:
    """The accepted keys, by hash."""

    def __init__(self, entries: list[KeyEntry]) -> None:
        self._entries = [(e.key_sha256 or "", Principal(name=e.name, role=e.role)) for e in entries]

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyStore:
        entries = load_file(settings.api_keys_file) if settings.api_keys_file else []
        if settings.environment is Environment.development and settings.api_dev_keys:
            entries += [KeyEntry(name="dev-admin", role="admin", key_sha256=sha256(DEV_ADMIN_KEY)),
                        KeyEntry(name="dev-widget", role="widget", key_sha256=sha256(DEV_WIDGET_KEY))]
        if not entries and settings.environment is Environment.production:
            raise PolkuError("config", "POLKU_API_KEYS_FILE must name a keys file in production")
        return cls(entries)

    def lookup(self, presented: str | None) -> Principal | None:
        """The key's holder; every stored hash is compared, so timing does not tell which one matched."""
        if not presented:
            return None
        digest = sha256(presented)
        found = None
        for stored, principal in self._entries:
            if hmac.compare_digest(stored, digest):
                found = principal
        return found


def load_file(path: Path) -> list[KeyEntry]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, list):
            raise ValueError("the file must hold a JSON list")
        return [KeyEntry.model_validate(item) for item in raw]
    except (OSError, ValueError, ValidationError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc).splitlines()[0]
        raise PolkuError("config", f"cannot read the API keys file {path}: {first}") from exc


def sign_customer_token(secret: str, contact_id: str, expires: int) -> str:
    """What the host site does after its own login (also used by tests and the demo page)."""
    message = f"{contact_id}.{expires}"
    return f"{message}.{hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()}"


def verify_customer_token(secret: str, token: str, *, now: float, max_ttl_s: int) -> str:
    """The contact id of a valid token; a tampered, malformed or expired token is ``unauthorized``."""
    parts = token.rsplit(".", 2)
    if len(parts) != 3 or not parts[0] or not parts[1].isdigit():
        raise PolkuError("unauthorized", "malformed customer token")
    contact_id, expires, signature = parts
    expected = hmac.new(secret.encode(), f"{contact_id}.{expires}".encode(), hashlib.sha256).hexdigest()
    # compare_digest refuses non-ASCII str: a forged header must be a 401, not a crash.
    if not signature.isascii() or not hmac.compare_digest(expected, signature.lower()):
        raise PolkuError("unauthorized", "the customer token's signature does not match")
    if int(expires) <= now:
        raise PolkuError("unauthorized", "the customer token has expired")
    if int(expires) - now > max_ttl_s:
        raise PolkuError("unauthorized", "the customer token lives longer than allowed")
    return contact_id


_VISITOR_ID = re.compile(r"[0-9a-f]{24}")


def _visitor_key(secret: str) -> bytes:
    # A key of its own, so that no visitor token can ever pass as a customer token or the reverse.
    return hmac.new(secret.encode(), b"polku widget visitor id", hashlib.sha256).digest()


def sign_visitor(secret: str, visitor_id: str, issued: int) -> str:
    message = f"{visitor_id}.{issued}"
    return f"{message}.{hmac.new(_visitor_key(secret), message.encode(), hashlib.sha256).hexdigest()}"


def new_visitor_id() -> str:
    return secrets.token_hex(12)  # 96 random bits


def verify_visitor(secret: str, token: str | None, *, now: float, max_age_s: int) -> str | None:
    """The visitor id of a token Polku issued within ``max_age_s``; ``None`` for a missing, malformed,
    forged or old one."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not _VISITOR_ID.fullmatch(parts[0]) or not parts[1].isdigit() or not parts[2].isascii():
        return None
    visitor_id, issued = parts[0], int(parts[1])
    if not hmac.compare_digest(sign_visitor(secret, visitor_id, issued), token or ""):
        return None
    return visitor_id if now - max_age_s <= issued <= now + 60 else None  # a minute of clock skew
