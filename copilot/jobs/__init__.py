"""Batch jobs: campaign copy, store-wide scoring, content ingest and the retention purge, run in chunks.

A job is a row in the store and its results are rows keyed by ``(job, item)``; chunks run in this
process (``jobs_backend=inline``, the embedded default) or on Celery workers (``celery``), and either
way write the same rows. Progress is read from the stored results, so every host sees it.
"""
