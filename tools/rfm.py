"""From a transaction log to the per-customer RFM summary the probabilistic models need."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from copilot.core.errors import PolkuError

_UNITS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


def rfm_summary(transactions: pd.DataFrame, *, calibration_end: date | None = None,
                observation_end: date | None = None, freq: str = "W") -> pd.DataFrame:
    """Per customer: x (repeat purchase days), t_x, T, zbar (mean value of repeat purchases).

    ``transactions`` has columns ``customer_id``, ``date`` and ``amount``. Several purchases on the
    same day are one transaction (as in Fader-Hardie-Lee). Columns ``x_holdout``/``value_holdout``
    count what happened after ``calibration_end`` up to ``observation_end``.
    """
    need = {"customer_id", "date", "amount"}
    if not need <= set(transactions.columns):
        raise PolkuError("invalid", f"transactions need the columns {sorted(need)}")
    if transactions.empty:
        raise PolkuError("invalid", "the transaction history is empty")
    if freq not in _UNITS:
        raise PolkuError("invalid", f"freq must be one of {sorted(_UNITS)}")
    tx = transactions.loc[:, ["customer_id", "date", "amount"]].copy()
    tx["date"] = pd.to_datetime(tx["date"], errors="coerce")
    tx["amount"] = pd.to_numeric(tx["amount"], errors="coerce")
    if tx["date"].isna().any() or tx["amount"].isna().any():
        raise PolkuError("invalid", "every transaction needs a valid date and a numeric amount")
    if (tx["amount"] < 0).any():
        raise PolkuError("invalid", "transaction amounts must not be negative")
    cal_end = pd.Timestamp(calibration_end) if calibration_end else tx["date"].max()
    obs_end = pd.Timestamp(observation_end) if observation_end else cal_end
    if obs_end < cal_end:
        raise PolkuError("invalid", "the observation end must not be before the calibration end")
    daily = tx.groupby(["customer_id", "date"], sort=True)["amount"].sum().reset_index()
    first = daily.groupby("customer_id")["date"].transform("min")
    daily = daily[first <= cal_end]
    first = first[daily.index]
    cal = daily[daily["date"] <= cal_end]
    unit = _UNITS[freq]
    g = cal.groupby("customer_id")
    out = pd.DataFrame({"first": g["date"].min(), "last": g["date"].max(), "n": g.size()})
    out["x"] = (out["n"] - 1).astype(float)
    out["t_x"] = (out["last"] - out["first"]).dt.days / unit
    out["T"] = (cal_end - out["first"]).dt.days / unit
    repeat_value = cal[cal["date"] > first[cal.index]].groupby("customer_id")["amount"].mean()
    out["zbar"] = repeat_value.reindex(out.index).fillna(0.0)
    hold = daily[(daily["date"] > cal_end) & (daily["date"] <= obs_end)].groupby("customer_id")
    out["x_holdout"] = hold.size().reindex(out.index).fillna(0).astype(float)
    out["value_holdout"] = hold["amount"].sum().reindex(out.index).fillna(0.0)
    out["T"] = np.maximum(out["T"], 1e-6)
    return out[["x", "t_x", "T", "zbar", "x_holdout", "value_holdout", "first"]]
