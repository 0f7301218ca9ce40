"""Broker transport options: Sentinel's master name comes from a setting, the rest stays."""

from __future__ import annotations

from worker.app import celery_config
from worker.settings import Settings


def test_sentinel_master_name_only_when_set() -> None:
    plain = celery_config(Settings(redis_url="redis://:pw@redis:6379/0"))["broker_transport_options"]
    assert "master_name" not in plain and plain["visibility_timeout"] == 3600
    urls = "sentinel://:pw@s1:26379/0;sentinel://:pw@s2:26379/0"
    sentinel = celery_config(Settings(redis_url=urls, redis_sentinel_master="mymaster"))["broker_transport_options"]
    assert sentinel == plain | {"master_name": "mymaster"}
