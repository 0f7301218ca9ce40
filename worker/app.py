"""The Celery application and its configuration, applied when the app is first used."""

from __future__ import annotations

import gc
import os
from typing import Any

from celery import Celery
from celery.signals import (
    setup_logging,
    task_retry,
    worker_before_create_process,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
)
from kombu.entity import Queue

from worker import db, flow, logs, metrics, nlp
from worker.settings import Settings, get_settings

app = Celery("newsingest", include=["worker.tasks"])
app.steps["worker"].add("worker.sweeper:Sweeper")
app.steps["worker"].add("worker.exporter:Exporter")


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery settings chosen for at-least-once delivery with idempotent tasks."""
    return {
        "broker_url": settings.require("redis_url"),
        "broker_connection_retry_on_startup": True,
        # JSON only: a pickle message pushed onto the queue is refused, never unpickled.
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        # Acknowledge after the task ran, and put the message back if its process died:
        # together these make delivery at-least-once; tasks are idempotent to absorb repeats.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # With late acks a prefetched message waits unacknowledged behind the running task:
        # few keep that wait short and spread a burst over all workers; more than one hides the
        # broker round trip between two tasks (bench/scaling.py measures both).
        "worker_prefetch_multiplier": settings.prefetch_multiplier,
        # spaCy keeps every string it has seen in its vocabulary; replacing a pool process now
        # and then (at the cost of loading the model again, under a second) bounds that growth.
        "worker_max_tasks_per_child": settings.max_tasks_per_child,
        "task_soft_time_limit": settings.task_soft_time_limit_s,
        "task_time_limit": settings.task_time_limit_s,
        # Redis redelivers a message not acknowledged within this time. It must exceed the
        # longest a message can stay unacknowledged: a prefetched wait behind one task, the task
        # itself (time limit) and a retry's countdown, which the worker holds unacknowledged.
        # Socket timeouts and health checks notice a broker connection that went silent (a
        # half-open connection) instead of waiting on it forever; BRPOP polls every second.
        "broker_transport_options": {
            "visibility_timeout": settings.visibility_timeout_s,
            "socket_timeout": 30,
            "socket_connect_timeout": 10,
            "socket_keepalive": True,
            "health_check_interval": 25,
        }
        | ({"master_name": settings.redis_sentinel_master} if settings.redis_sentinel_master else {}),
        "worker_max_memory_per_child": settings.max_memory_per_child_kb or None,
        # Undecodable messages (a pickle pushed onto the queue) go to quarantine, not just a log.
        "worker_consumer": "worker.consumer:QuarantiningConsumer",
        "task_annotations": {
            "*": {"max_retries": settings.max_retries, "retry_backoff_max": settings.retry_backoff_max_s}
        },
        "task_routes": flow.ROUTES,
        # A plain `celery worker` (no -Q) consumes every stage's queue, as `newsingest worker` does.
        "task_queues": [Queue(name, routing_key=name) for name in flow.QUEUES],
        "task_default_queue": flow.QUEUES[0],
    }


def check_timeouts(settings: Settings) -> None:
    """Refuse a visibility timeout that would let Redis redeliver a message still being worked on."""
    longest_hold = (settings.prefetch_multiplier + 1) * settings.task_time_limit_s + settings.retry_backoff_max_s
    if settings.visibility_timeout_s <= longest_hold:
        raise RuntimeError(
            f"NEWSINGEST_VISIBILITY_TIMEOUT_S must exceed {longest_hold}s "
            "(the task time limit once for each prefetched message and once more, plus the longest "
            "retry backoff), or tasks run twice"
        )


@app.on_configure.connect
def _configure(sender: Celery, **_: Any) -> None:
    settings = get_settings()
    check_timeouts(settings)
    sender.conf.update(celery_config(settings))


@worker_init.connect
def _load_models(sender: Any = None, **_: Any) -> None:
    """Load what the core loads on first use (the entity model, the language model, the
    gazetteers) in the main process of a worker that runs the enrich stage, by running a page the
    project ships through it once.

    Pool processes are forked from it and share all that, copy-on-write: a pool process replaced
    after a crash, a time-out or NEWSINGEST_MAX_TASKS_PER_CHILD starts at once instead of loading
    it again, and it is frozen out of the garbage collector with the rest (below); loaded in a
    pool process, the language model alone was two lists of 104,583 numbers its collector walked.
    """
    settings = get_settings()
    if settings.entities:
        nlp.check(settings.spacy_model)
    consumes = sender.app.amqp.queues.consume_from if sender is not None else None
    if not consumes or "enrich" in consumes:
        nlp.run_core_once(nlp.configured(settings))


@worker_init.connect
@worker_process_init.connect
def _open_database(**_: Any) -> None:
    settings = get_settings()
    metrics.watch_pool(db.configure(settings), settings.db_pool_size + db.MAX_OVERFLOW)


@worker_init.connect
@worker_before_create_process.connect
def _freeze_loaded(**_: Any) -> None:
    """Take what the worker has loaded out of the garbage collector's view, before a pool
    process is forked (and once the worker_init receivers above ran, for a pool without fork).

    The modules, the entity model and the worker's own machinery (over 200,000 objects the collector
    tracks) live as long as the process, yet every full collection walked them all again: 5.7 to 6.4
    ms an article of the pure pipeline (timed with gc.callbacks; README, Benchmarks). Frozen
    (gc.freeze), they are never walked; a pool process forked afterwards inherits that, and no
    longer writes to the pages it shares with this process when it collects.
    """
    gc.collect()
    gc.freeze()


@setup_logging.connect
def _setup_logging(loglevel: int | None = None, **_: Any) -> None:
    """Celery's own lines go through our formatter too (a receiver here stops Celery configuring logging)."""
    logs.configure(get_settings(), loglevel)


@task_retry.connect
def _count_retry(sender: Any = None, **_: Any) -> None:
    metrics.RETRIES.labels(str(getattr(sender, "name", "?")).split(".", 1)[-1]).inc()


@worker_process_shutdown.connect
def _forget_process(pid: int | None = None, **_: Any) -> None:
    metrics.mark_process_dead(pid or os.getpid())
