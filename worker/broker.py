"""Reading the broker for operators: messages waiting per queue, unacknowledged, workers answering."""

from __future__ import annotations

from typing import Any

from celery import Celery

from worker import flow


def queue_depths(app: Celery) -> dict[str, int]:
    """Messages waiting in each stage's queue (all priority levels), read from Redis now."""
    with app.connection_for_read() as connection:
        channel: Any = connection.default_channel
        # kombu's Redis channel knows how it splits a queue into priority lists; _size sums them.
        return {queue: int(channel._size(queue)) for queue in flow.QUEUES}


def unacked(app: Celery) -> int:
    """Messages delivered to a worker and not yet acknowledged (running, prefetched, or waiting to retry)."""
    with app.connection_for_read() as connection:
        channel: Any = connection.default_channel
        return int(channel.client.hlen(channel.unacked_key))


def workers_alive(app: Celery, timeout: float = 1.0) -> list[str]:
    """Node names of the workers that answered a ping within the timeout."""
    replies = app.control.ping(timeout=timeout) or []
    return sorted(name for reply in replies for name in reply)
