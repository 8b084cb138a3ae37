"""One domain error type.

Every failure a user can cause or meet (bad input, unknown id, missing consent, an unreachable
store, a provider time-out) is a :class:`PolkuError` with a stable code and a message meant for a
person. Surfaces render it: the CLI prints one line and exits non-zero, the API answers with a JSON
body and the status below. Nothing else is shown to users, so no stack trace leaks.
"""

from __future__ import annotations

from typing import Any


class PolkuError(Exception):
    """A failure with a message fit for the person who caused or meets it."""

    #: code -> HTTP status; the CLI maps every code to exit status 1 except configuration (2)
    STATUS = {
        "config": 500,
        "not_found": 404,
        "invalid": 422,
        "consent": 403,
        "forbidden": 403,
        "unauthorized": 401,
        "conflict": 409,
        "rate_limited": 429,
        "unavailable": 503,
        "provider": 502,
    }

    def __init__(self, code: str, message: str, **details: Any) -> None:
        if code not in self.STATUS:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def http_status(self) -> int:
        return self.STATUS[self.code]

    @property
    def exit_code(self) -> int:
        return 2 if self.code == "config" else 1

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


def not_found(kind: str, ident: object) -> PolkuError:
    return PolkuError("not_found", f"no {kind} with id {ident!r}", kind=kind, id=str(ident))
