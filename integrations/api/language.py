"""The languages a caller may choose: Polku's own (``copilot.core.locale.SUPPORTED``), any other refused by name.

A language Polku does not write in is a 422 in the one error shape, never a silent fallback to
Finnish or English; the OpenAPI schema lists the supported ones.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from copilot.core.locale import SUPPORTED


def supported(value: Any) -> Any:
    if value not in SUPPORTED:
        raise PydanticCustomError("unsupported_language",
                                  "'{value}' is not a supported language; use " + " or ".join(SUPPORTED),
                                  {"value": value})
    return value


# The services take a Literal of locale.SUPPORTED (a test keeps the two equal); the validator runs first, so
# the refusal names the supported languages.
Language = Annotated[Literal["fi", "en"], BeforeValidator(supported)]
