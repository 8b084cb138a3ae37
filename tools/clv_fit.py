"""`polku clv fit`: BG/NBD + Gamma-Gamma on a transaction file, with readable errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from copilot.core.errors import PolkuError
from tools import bgnbd
from tools.rfm import rfm_summary


class CustomerValue(BaseModel):
    customer_id: str
    x: float
    p_alive: float
    expected_purchases_1y: float
    clv: float


class ClvFitResult(BaseModel):
    customers: int
    bgnbd: dict[str, float]
    gamma_gamma: dict[str, float] | None
    years: int
    total_clv: float
    top: list[CustomerValue]


def read_transactions(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except FileNotFoundError as exc:
        raise PolkuError("invalid", f"no such file: {path}") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PolkuError("invalid", f"{path} is not a readable CSV file") from exc
    return df


def fit_transactions(tx: pd.DataFrame, *, calibration_end: date | None = None, years: int = 3, rate: float = 0.15,
                     top: int = 10) -> ClvFitResult:
    rfm = rfm_summary(tx, calibration_end=calibration_end, freq="W")
    bg = bgnbd.fit_bgnbd(rfm["x"], rfm["t_x"], rfm["T"])
    table = rfm[["x", "t_x", "T", "zbar"]].copy()
    table["p_alive"] = bgnbd.probability_alive(bg, table["x"], table["t_x"], table["T"])
    table["expected_purchases_1y"] = bgnbd.conditional_expected_transactions(bg, 52.0, table["x"], table["t_x"],
                                                                             table["T"])
    gg = None
    repeat = table[(table["x"] > 0) & (table["zbar"] > 0)]
    if len(repeat) >= 10:
        gg = bgnbd.fit_gamma_gamma(repeat["x"], repeat["zbar"])
        table["clv"] = bgnbd.probabilistic_clv(bg, gg, table, years=years, annual_rate=rate)
    else:
        table["clv"] = 0.0
    table = table.replace([np.inf, -np.inf], np.nan).fillna(0.0)
    best = table.sort_values("clv", ascending=False).head(top)
    return ClvFitResult(
        customers=len(table), years=years, total_clv=round(float(table["clv"].sum()), 2),
        bgnbd={"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "log_likelihood": bg.log_likelihood},
        gamma_gamma=None if gg is None else {"p": gg.p, "q": gg.q, "gamma": gg.gamma,
                                             "log_likelihood": gg.log_likelihood},
        top=[CustomerValue(customer_id=str(i), x=r.x, p_alive=round(r.p_alive, 4),
                           expected_purchases_1y=round(r.expected_purchases_1y, 4), clv=round(r.clv, 2))
             for i, r in best.iterrows()])


def fit_file(path: Path, *, calibration_end: str | None = None, years: int = 3, rate: float = 0.15,
             top: int = 10) -> ClvFitResult:
    end = None
    if calibration_end:
        try:
            end = date.fromisoformat(calibration_end)
        except ValueError as exc:
            raise PolkuError("invalid", f"calibration end {calibration_end!r} is not YYYY-MM-DD") from exc
    return fit_transactions(read_transactions(path), calibration_end=end, years=years, rate=rate, top=top)
