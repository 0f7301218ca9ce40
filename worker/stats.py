"""`newsingest stats`: what the pipeline is doing now, from Redis, PostgreSQL and the workers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from worker import broker
from worker.models import Quarantine, Submission

# Rates are taken over this window: long enough to smooth a burst, short enough to see a stall.
WINDOW = timedelta(minutes=5)


def gather(app: Celery, session: Session, ping_timeout_s: float = 1.0) -> dict[str, Any]:
    """Every figure `stats` shows, as plain data (also its --json output)."""
    settled = _settled_in_window(session)
    total = sum(settled.values())
    open_count, oldest_s = _open_submissions(session)
    return {
        "queues": broker.queue_depths(app),
        "unacked": broker.unacked(app),
        "processed_per_minute": round(total / (WINDOW.total_seconds() / 60), 1),
        "settled_last_5_min": settled,
        "duplicate_rate": round(settled.get("duplicate", 0) / total, 3) if total else None,
        "quarantined_open": session.scalar(
            select(func.count()).select_from(Quarantine).where(Quarantine.retried_at.is_(None))
        ),
        "open_submissions": open_count,
        "oldest_open_s": oldest_s,
        "workers": broker.workers_alive(app, ping_timeout_s),
    }


def _settled_in_window(session: Session) -> dict[str, int]:
    # Settled submissions are not indexed by time: this scans submissions (see README, Operating it).
    rows = session.execute(
        select(Submission.status, func.count())
        .where(Submission.status != "accepted", Submission.updated_at > func.now() - WINDOW)
        .group_by(Submission.status)
    )
    return {str(status): int(count) for status, count in rows.tuples()}


def _open_submissions(session: Session) -> tuple[int, float | None]:
    """How many submissions are not settled yet, and the age of the oldest (a waiting message)."""
    count, oldest = session.execute(
        select(func.count(), func.extract("epoch", func.now() - func.min(Submission.received_at))).where(
            Submission.status == "accepted"
        )
    ).one()
    return int(count), None if oldest is None else round(float(oldest), 1)


def render(figures: dict[str, Any]) -> str:
    """The figures as a few aligned lines for a terminal."""
    queues = "  ".join(f"{name} {size}" for name, size in figures["queues"].items())
    rate = figures["duplicate_rate"]
    oldest = figures["oldest_open_s"]
    settled = ", ".join(f"{status} {count}" for status, count in sorted(figures["settled_last_5_min"].items()))
    lines = [
        f"queues             {queues}  (unacked {figures['unacked']})",
        f"processed/min      {figures['processed_per_minute']}  (last 5 min: {settled or 'none'})",
        f"duplicate rate     {'-' if rate is None else f'{rate:.1%}'}",
        f"quarantined        {figures['quarantined_open']} open",
        f"waiting            {figures['open_submissions']} open submissions, oldest "
        + ("-" if oldest is None else _age(oldest)),
        f"workers alive      {len(figures['workers'])}  {' '.join(figures['workers'])}",
    ]
    return "\n".join(lines)


def _age(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
