"""Multi-touch attribution: first touch, last touch, linear and time decay.

Each conversion's revenue is split over the touches before it so that the credits add up to the
revenue exactly once (no double counting across campaigns). A conversion without touches credits
``unattributed``. The sources: first touch for new customers, last touch or time decay for
existing ones.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from copilot.core.errors import PolkuError

Model = Literal["first_touch", "last_touch", "linear", "time_decay"]
MODELS: tuple[Model, ...] = ("first_touch", "last_touch", "linear", "time_decay")
UNATTRIBUTED = "unattributed"


class TouchPoint(BaseModel):
    key: str
    """What gets the credit: a campaign id or a channel."""
    at: datetime


class Conversion(BaseModel):
    id: str
    at: datetime
    revenue: float = Field(ge=0, allow_inf_nan=False)
    touches: list[TouchPoint]


def weights(touches: list[TouchPoint], at: datetime, model: Model, half_life_days: float = 7.0) -> list[float]:
    """Credit shares of the touches (those after the conversion get none); they sum to 1."""
    before = [t for t in touches if t.at <= at]
    if not before:
        return [0.0] * len(touches)
    order = sorted(range(len(touches)), key=lambda i: touches[i].at)
    eligible = [i for i in order if touches[i].at <= at]
    w = [0.0] * len(touches)
    if model == "first_touch":
        w[eligible[0]] = 1.0
    elif model == "last_touch":
        w[eligible[-1]] = 1.0
    elif model == "linear":
        for i in eligible:
            w[i] = 1.0 / len(eligible)
    elif model == "time_decay":
        if half_life_days <= 0:
            raise PolkuError("invalid", "half-life must be positive")
        raw = {i: 0.5 ** ((at - touches[i].at).total_seconds() / 86400 / half_life_days) for i in eligible}
        total = sum(raw.values())
        for i, v in raw.items():
            w[i] = v / total
    else:
        raise PolkuError("invalid", f"unknown attribution model {model!r}; use one of {', '.join(MODELS)}")
    return w


def attribute(conversions: Iterable[Conversion], model: Model, *, half_life_days: float = 7.0) -> dict[str, float]:
    """Revenue credited per key; the credits sum to the total revenue."""
    credit: dict[str, float] = defaultdict(float)
    for conv in conversions:
        w = weights(conv.touches, conv.at, model, half_life_days)
        if not any(w):
            credit[UNATTRIBUTED] += conv.revenue
            continue
        for touch, share in zip(conv.touches, w, strict=True):
            if share:
                credit[touch.key] += conv.revenue * share
    return {k: (0.0 if math.isclose(v, 0.0, abs_tol=1e-12) else v) for k, v in sorted(credit.items())}


def attribute_all(conversions: list[Conversion], *, half_life_days: float = 7.0) -> dict[str, dict[str, float]]:
    """Every model side by side: ``{model: {key: revenue}}``."""
    return {m: attribute(conversions, m, half_life_days=half_life_days) for m in MODELS}
