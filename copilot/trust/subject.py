"""Who a data-subject request is about: their identifiers, how to find and redact them, and tombstones.

Pure functions: no store, no clock. The erasure and the export match text against the same
identifiers, so what the export shows as "mentions them" is exactly what the erasure removes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

REDACTED = "[erased]"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def tombstone_key(email: str, salt: str) -> str:
    """Salted SHA-256 of the normalised e-mail: proves "erased" without keeping who it was."""
    return hashlib.sha256(f"{salt}\0{normalise_email(email)}".encode()).hexdigest()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass(frozen=True)
class Identifiers:
    """The identifiers of one person, as the store holds them."""

    contact_id: str
    email: str
    first_name: str
    last_name: str
    phone: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @cached_property
    def _strong(self) -> re.Pattern[str]:
        """Identifiers that single out the person anywhere: id, e-mail, full name, phone."""
        names = [rf"{re.escape(self.first_name)}\s+{re.escape(self.last_name)}",
                 rf"{re.escape(self.last_name)},?\s+{re.escape(self.first_name)}"]
        parts = [rf"(?<![\w-]){re.escape(self.contact_id)}(?![\w-])", re.escape(self.email), *names]
        if self.phone and len(_digits(self.phone)) >= 6:
            # The phone in any spacing: +358 40 123 4567, 040-1234567 ... (the last 9 digits, separators free).
            tail = _digits(self.phone)[-9:]
            parts.append(r"\+?[\d\s().-]{0,8}" + r"[\s().-]*".join(tail))
        return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)

    @cached_property
    def _names(self) -> re.Pattern[str]:
        words = [w for w in (self.first_name, self.last_name) if len(w) >= 2]
        return re.compile("|".join(rf"\b{re.escape(w)}\b" for w in words), re.IGNORECASE)

    def mentions(self, text: str | None) -> bool:
        return bool(text) and self._strong.search(text or "") is not None

    def redact(self, text: str, *, own: bool = False) -> str:
        """Replace the person's identifiers; ``own`` rows (theirs) lose the single names too."""
        if not text:
            return text
        out = self._strong.sub(REDACTED, text)
        return self._names.sub(REDACTED, out) if own else out

    def redact_json(self, value: Any) -> Any:
        """The same redaction through a JSON value (audit details)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.redact_json(v) for k, v in value.items()}
        return value


#: Audit details an erased person's entries keep: what kind of data was used, not which records.
KEEP_IN_AUDIT = ("categories", "sources", "goal", "known", "fallback", "level")


def minimise_audit_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """Audit details without anything that points at the person; lists become counts."""
    details = details or {}
    kept: dict[str, Any] = {k: details[k] for k in KEEP_IN_AUDIT if k in details}
    # Sources are content modules and files; the person's own records were in "records" and "history".
    kept["sources"] = [s for s in kept.get("sources", []) if isinstance(s, str) and s.startswith(("module:", "doc:"))]
    kept["counts"] = {k: len(v) for k, v in details.items() if isinstance(v, list) and k not in KEEP_IN_AUDIT}
    kept["erased"] = True
    return kept
