"""`newsingest demo` (make run): the whole path once, on the samples the project ships."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import click
from kombu.utils.url import maybe_sanitize_url
from sqlalchemy import make_url, select

from worker import db, local, queries
from worker.models import Submission
from worker.settings import Settings, get_settings

SAMPLES = Path(__file__).parent / "samples"


def run(repo_root: Path, timeout: int) -> int:
    """Run the demo; return the exit status (0 when every sample settled in time)."""
    settings = get_settings()
    with local.services(settings.data_dir, settings.database_url, settings.redis_url) as (database_url, redis_url):
        env = os.environ | {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
        cli = [sys.executable, "-m", "worker.cli"]
        shown = (make_url(database_url).render_as_string(hide_password=True), maybe_sanitize_url(redis_url))
        click.echo("database: {}\nbroker:   {}".format(*shown), err=True)
        subprocess.run([*cli, "migrate"], env=env, check=True, cwd=repo_root)
        worker = subprocess.Popen(
            [*cli, "worker", "--concurrency", "2", "--loglevel", "WARNING"], env=env, cwd=repo_root
        )
        try:
            submitted = subprocess.run(
                [*cli, "submit", "--json", str(SAMPLES)], env=env, check=False, capture_output=True, text=True
            )
            receipt = json.loads(submitted.stdout)
            for rejected in receipt["rejected"]:
                click.echo(f"rejected {rejected['input']}: {rejected['reason']}: {rejected['detail']}")
            labels = {uuid.UUID(q["id"]): Path(q["input"]).name for q in receipt["queued"]}
            ids = list(labels)
            click.echo(f"queued {len(ids)} samples; waiting for the worker...", err=True)
            engine_settings = Settings(database_url=database_url, redis_url=redis_url)
            return _report(engine_settings, labels, timeout)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)


def _report(settings: Settings, labels: dict[uuid.UUID, str], timeout: int) -> int:
    ids = list(labels)
    db.configure(settings)
    deadline = time.monotonic() + timeout
    while True:
        with db.session() as session:
            statuses = dict(
                session.execute(select(Submission.id, Submission.status).where(Submission.id.in_(ids))).all()
            )
        waiting = [i for i in ids if statuses.get(i, "accepted") == "accepted"]
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    with db.session() as session:
        click.echo(f"\n{'input':<24} {'submission':<38} {'status':<12} {'article':>7}  title or reason")
        for submission_id in ids:
            found = queries.submission(session, submission_id) or {"status": "not received", "article_id": None}
            article = queries.article(session, found["article_id"]) if found["article_id"] else None
            title = article["title"] if article else (found.get("quarantine") or {}).get("reason", "")
            status, article_id = found["status"], found["article_id"] or ""
            click.echo(f"{labels[submission_id]:<24} {submission_id!s:<38} {status:<12} {article_id:>7}  {title}")
        click.echo(f"\nall submissions so far: {queries.counts(session)}")
    if waiting:
        click.echo(f"{len(waiting)} submissions did not settle within {timeout}s", err=True)
        return 1
    click.echo("Look closer: newsingest show ARTICLE_ID   |   newsingest search WORDS")
    return 0
