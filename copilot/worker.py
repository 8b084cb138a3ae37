"""The background worker: Celery tasks and the beat schedule of Polku's periodic jobs.

Run ``celery -A copilot.worker worker --beat`` next to the API; the retention purge then runs
every night at 03:15 UTC (``POLKU_RETENTION_DAYS`` decides what is old).
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.schedules import crontab

from copilot.core.context import AppContext
from copilot.core.settings import get_settings
from copilot.trust import retention

celery_app = Celery("polku", broker=get_settings().worker_broker_url)
celery_app.conf.update(
    timezone="UTC",
    beat_schedule={
        "retention-purge-nightly": {"task": "polku.retention_purge", "schedule": crontab(hour=3, minute=15)},
    },
)
app = celery_app  # `celery -A copilot.worker` looks for `app`


def _context() -> AppContext:
    return AppContext.create(get_settings())


@celery_app.task(name="polku.retention_purge")
def retention_purge(days: int | None = None) -> dict[str, Any]:
    """Purge conversations and audit details past the retention period; returns the counts."""
    return retention.purge(_context(), days=days).model_dump(mode="json")
