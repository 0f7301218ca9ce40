"""Settings and the Celery configuration derived from them."""

from __future__ import annotations

import pytest

from worker.app import celery_config, check_timeouts
from worker.settings import Settings


def test_database_url_gets_the_psycopg_driver() -> None:
    settings = Settings(database_url="postgresql://u@h:5432/d")
    assert settings.sync_database_url == "postgresql+psycopg://u@h:5432/d"


def test_missing_urls_are_named() -> None:
    with pytest.raises(RuntimeError, match="REDIS_URL is not set"):
        celery_config(Settings(database_url=None, redis_url=None))


def test_delivery_guarantees_are_configured() -> None:
    config = celery_config(Settings(redis_url="redis://h:6379/0"))
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["accept_content"] == ["json"] and config["task_serializer"] == "json"
    assert config["worker_prefetch_multiplier"] == Settings().prefetch_multiplier
    assert config["broker_transport_options"]["visibility_timeout"] > 2 * config["task_time_limit"] + 300


def test_a_visibility_timeout_shorter_than_a_task_is_refused() -> None:
    with pytest.raises(RuntimeError, match="VISIBILITY_TIMEOUT_S must exceed 480s"):
        check_timeouts(Settings(visibility_timeout_s=300))
    check_timeouts(Settings())  # the defaults are consistent
    # Each prefetched message may wait one task behind another before its own runs.
    with pytest.raises(RuntimeError, match="must exceed 750s"):
        check_timeouts(Settings(prefetch_multiplier=4, visibility_timeout_s=700))


def test_pool_processes_are_recycled() -> None:
    config = celery_config(Settings(redis_url="redis://h:6379/0", max_tasks_per_child=7))
    assert config["worker_max_tasks_per_child"] == 7
