"""The CDNOW 1/10th sample shipped inside the ``lifetimes`` package, read without importing it.

``lifetimes.datasets`` imports ``pkg_resources`` at import time, so the files are opened through
``importlib.resources`` on the package directory instead (no lifetimes code runs).
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

import pandas as pd

CALIBRATION_END = date(1997, 9, 30)
"""End of week 39: the calibration period of Fader, Hardie & Lee (2005)."""
OBSERVATION_END = date(1998, 6, 30)
"""End of week 78: the holdout period is weeks 40-78."""

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "log_likelihood": -9582.4}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def _data_file(name: str) -> Any:
    return resources.files("lifetimes").joinpath("datasets", name)


def cdnow_transactions() -> pd.DataFrame:
    """The 6,919 purchases of the 2,357 customers of the 1/10th sample: customer_id, date, amount."""
    with _data_file("CDNOW_sample.txt").open("r") as fh:
        raw = pd.read_csv(fh, sep=r"\s+", header=None, names=["master_id", "customer_id", "date", "cds", "amount"],
                          dtype={"date": str})
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw[["customer_id", "date", "amount"]]


def cdnow_published_summary() -> pd.DataFrame:
    """The RFM summary as published with the data (x, t_x, T in weeks; zbar = mean repeat spend)."""
    with _data_file("cdnow_customers_summary_with_transactions.csv").open("r") as fh:
        return pd.read_csv(fh).rename(columns={"ID": "customer_id"}).set_index("customer_id")
