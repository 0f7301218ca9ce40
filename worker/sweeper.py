"""The sweeper: re-sends submissions that were accepted but stopped moving (their message was lost).

Celery on Redis can lose a message between taking it off the list and recording it as unacked,
and Redis without persistence loses its whole queue. The submissions table is the ledger: what
is still 'accepted' after NEWSINGEST_SWEEP_IDLE_S goes down the chain again. Every worker runs
the sweep on its timer; an advisory lock lets one of them at a time do it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import Celery, bootsteps

from worker import broker, db, flow, repository
from worker.settings import get_settings

log = logging.getLogger(__name__)

# Key of the advisory lock held while sweeping ("news" in ASCII).
SWEEP_LOCK = 0x6E657773
_BATCH = 1000


def sweep(app: Celery, idle_s: int, *, force: bool = False) -> list[uuid.UUID]:
    """Claim idle open submissions (unless another worker is sweeping) and re-send their chains.

    Only while no stage queue holds a waiting message: during a backlog an idle submission is
    far more likely queued than lost, and re-sending it would only add to the backlog. What was
    lost is re-sent once the backlog has drained. `force` sweeps regardless.
    """
    if not force and any(broker.queue_depths(app).values()):
        return []
    with db.session() as session:
        if not repository.try_lock(session, SWEEP_LOCK):
            return []
        claimed = repository.claim_stale(session, idle_s, _BATCH)
    for submission_id in claimed:  # after commit: a send that fails is claimed again next time
        flow.start(app, submission_id)
    if claimed:
        log.warning("sweeper re-sent %d idle submissions", len(claimed))
    return claimed


class Sweeper(bootsteps.StartStopStep):  # type: ignore[misc]
    """A worker bootstep: sweep on the worker's own timer, no extra process to run."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_entry: Any = None

    def start(self, worker: Any) -> None:
        interval = get_settings().sweep_interval_s
        if interval:
            self.timer_entry = worker.timer.call_repeatedly(interval, self.run, (worker.app,), priority=10)

    def stop(self, worker: Any) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()

    @staticmethod
    def run(app: Celery) -> None:
        try:
            sweep(app, get_settings().sweep_idle_s)
        except Exception:  # a database outage must not stop the worker's timer; the next run retries
            log.exception("sweep failed")
