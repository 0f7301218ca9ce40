"""The `newsingest` command: submit, worker, migrate, show, search, api, reprocess, quarantine, sweep, demo."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import click

from worker import flow, sources
from worker.settings import get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
# Show a progress bar when there are at least this many records.
_PROGRESS_FROM = 50


@click.group()
def main() -> None:
    """News article ingestion: Redis queue -> Celery workers -> PostgreSQL."""
    from worker import logs

    logs.configure(get_settings())


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--source", help="Source name for files without one (default: the URL host, else 'local').")
@click.option("--url", help="URL of the page, for a single HTML or text file.")
@click.option("--content-type", type=click.Choice(["text/html", "text/plain"]), help="Override sniffing.")
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON.")
def submit(
    paths: tuple[str, ...], source: str | None, url: str | None, content_type: str | None, as_json: bool
) -> None:
    """Validate and enqueue files, folders (.html, .htm, .txt, .jsonl, also .gz) or '-' for stdin."""
    from worker.submit import submit as send

    defaults: dict[str, Any] = {"source": source or ("" if url else "local")}
    defaults |= {"url": url} if url else {}
    defaults |= {"content_type": content_type} if content_type else {}
    items = sources.expand(list(paths))
    limit = get_settings().max_content_bytes
    records = (pair for item in items for pair in sources.read(item, defaults, limit, sys.stdin.buffer))
    total = sources.count_records(items)
    hidden = total < _PROGRESS_FROM or not sys.stderr.isatty()
    with click.progressbar(length=total, label="submitting", file=sys.stderr, hidden=hidden) as bar:
        receipt = send(_counting(records, bar))
    if as_json:
        rejected = [{"input": label, **rejection.model_dump()} for label, rejection in receipt.rejected]
        queued = [{"input": label, "id": submission_id} for label, submission_id in receipt.queued]
        click.echo(json.dumps({"queued": queued, "rejected": rejected}, indent=2))
    else:
        for label, rejection in receipt.rejected:
            click.echo(f"rejected {label}: {rejection.reason}: {rejection.detail}", err=True)
        click.echo(f"queued {len(receipt.queued)}, rejected {len(receipt.rejected)}")
    sys.exit(1 if receipt.rejected and not receipt.queued else 0)


def _counting(records: Any, bar: Any) -> Any:
    for pair in records:
        bar.update(1)
        yield pair


@main.command()
@click.option("--concurrency", "-c", type=int, help="Worker processes (default: CPU count).")
@click.option("--queues", "-Q", default=",".join(flow.QUEUES), show_default=True)
@click.option("--name", "-n", default="celery@%h", show_default=True, help="Node name, unique per worker.")
@click.option("--pool", type=click.Choice(["prefork", "solo", "threads"]), default="prefork", show_default=True)
@click.option("--loglevel", "-l", help="Log level (default: NEWSINGEST_LOG_LEVEL).")
def worker(concurrency: int | None, queues: str, name: str, pool: str, loglevel: str | None) -> None:
    """Run a worker: `celery worker` with the newsingest app and our defaults."""
    settings = get_settings()
    folder = _metrics_dir(settings.metrics_dir)
    from worker.app import app  # after PROMETHEUS_MULTIPROC_DIR is set: prometheus_client reads it at import

    argv = ["worker", "-Q", queues, "-n", name, "-P", pool, "-l", loglevel or settings.log_level]
    if concurrency or settings.concurrency:
        argv += ["-c", str(concurrency or settings.concurrency)]
    try:
        app.worker_main(argv)
    finally:
        if settings.metrics_dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def _metrics_dir(configured: Path | None) -> Path:
    """This worker's own folder for per-process metric files, emptied: old files would add stale counts."""
    folder = configured or Path(tempfile.mkdtemp(prefix="newsingest-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


@main.command()
@click.option("--revision", default="head", show_default=True)
def migrate(revision: str) -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    from alembic import command
    from alembic.config import Config

    command.upgrade(Config(str(REPO_ROOT / "alembic.ini")), revision)


@main.command()
@click.argument("ident")
@click.option("--json", "as_json", is_flag=True)
def show(ident: str, as_json: bool) -> None:
    """Show an article by id, or what became of a submission by its id."""
    from worker import db, queries

    db.configure(get_settings())
    with db.session() as session:
        found = queries.article(session, int(ident)) if ident.isdecimal() else queries.submission(session, _uuid(ident))
    if found is None:
        raise click.ClickException(f"no article or submission {ident}")
    if as_json:
        click.echo(json.dumps(found, default=_jsonable, indent=2, ensure_ascii=False))
        return
    body = found.pop("body", None)
    for key, value in found.items():
        click.echo(f"{key:>20}: {_text(value)}")
    if body:
        click.echo("\n" + body)


@main.command()
@click.argument("words", nargs=-1)
@click.option("--order", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--language")
@click.option("--source")
@click.option("--section")
@click.option("--agency")
@click.option("--entity", help="An entity's name (any case) or id.")
@click.option("--country", help="ISO 3166-1 alpha-2 code.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Dated on or after DAY.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Dated on or before DAY.")
@click.option("--include-copies", is_flag=True, help="Copies of stories too.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@click.option("--cursor", help="The `next` of a previous --json page.")
@click.option("--json", "as_json", is_flag=True)
def search(
    words: tuple[str, ...],
    order: Literal["relevance", "date"],
    limit: int,
    cursor: str | None,
    as_json: bool,
    **filters: Any,
) -> None:
    """Search ("quoted phrases", OR, -word), best matches first; the filters of GET /articles."""
    from worker import db
    from worker import search as searching

    for day in ("since", "until"):
        filters[day] = filters[day].date() if filters[day] else None
    db.configure(get_settings())
    try:
        with db.session() as session:
            page = searching.search(
                session, " ".join(words), searching.Filters(**filters), order=order, limit=limit, cursor=cursor
            )
    except searching.CursorError as error:
        raise click.BadParameter(str(error), param_hint="--cursor") from error
    if as_json:
        click.echo(json.dumps(page, default=_jsonable, indent=2, ensure_ascii=False))
        return
    for hit in page["items"]:
        click.echo(f"{hit['id']:>8}  {hit['title'] or '(no title)'}  [{hit['source']}]")
        click.echo(f"          {hit['snippet']}")
    click.echo(f"{len(page['items'])} found" + (f", more: --cursor {page['next']}" if page["next"] else ""))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def api(host: str, port: int) -> None:
    """Serve the HTTP API, its OpenAPI description (/docs) and the search page (/)."""
    import uvicorn

    from worker.api import create_app

    uvicorn.run(create_app(get_settings()), host=host, port=port, log_level=get_settings().log_level.lower())


@main.group()
def quarantine() -> None:
    """Submissions that could not become articles: list, show, retry."""


@quarantine.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True)
def quarantine_list(limit: int, as_json: bool) -> None:
    """Open entries, newest first."""
    from worker import db, queries

    db.configure(get_settings())
    with db.session() as session:
        entries = queries.quarantined(session, limit)
    if as_json:
        click.echo(json.dumps(entries, default=_jsonable, indent=2, ensure_ascii=False))
        return
    for entry in entries:
        where = entry["url"] or entry["source"] or ""
        click.echo(f"{entry['id']:>8}  {entry['submission_id']}  {entry['stage']:<7} {entry['reason']:<22} {where}")
    click.echo(f"{len(entries)} shown")


@quarantine.command("show")
@click.argument("ident")
@click.option("--json", "as_json", is_flag=True)
def quarantine_show(ident: str, as_json: bool) -> None:
    """One entry by its id or its submission id, with the raw input."""
    from worker import db, queries

    db.configure(get_settings())
    with db.session() as session:
        entry = queries.quarantine_entry(session, int(ident) if ident.isdecimal() else _uuid(ident))
    if entry is None:
        raise click.ClickException(f"no quarantine entry {ident}")
    if as_json:
        click.echo(json.dumps(entry, default=_jsonable, indent=2, ensure_ascii=False))
        return
    raw = entry.pop("raw")
    for key, value in entry.items():
        click.echo(f"{key:>14}: {_text(value)}")
    click.echo("\n" + json.dumps(raw, ensure_ascii=False, indent=2)[:4000])


@quarantine.command("retry")
@click.argument("idents", nargs=-1)
@click.option("--all", "retry_all", is_flag=True, help="Retry every open entry.")
def quarantine_retry(idents: tuple[str, ...], retry_all: bool) -> None:
    """Send submissions (by submission id) back down the chain; the old entries stay as history."""
    from worker import db, flow, repository
    from worker.app import app

    if bool(idents) == retry_all:
        raise click.UsageError("give submission ids or --all")
    db.configure(get_settings())
    with db.session() as session:
        reopened = repository.reopen_quarantined(session, None if retry_all else [_uuid(i) for i in idents])
    for submission_id in reopened:
        flow.start(app, submission_id)
    click.echo(f"retried {len(reopened)}")


@main.command()
@click.option("--idle-s", type=int, help="Re-send open submissions idle this long (default: NEWSINGEST_SWEEP_IDLE_S).")
@click.option("--force", is_flag=True, help="Sweep even while stage queues hold waiting messages.")
def sweep(idle_s: int | None, force: bool) -> None:
    """Re-send accepted submissions whose messages were lost (what workers also do on a timer)."""
    from worker import db
    from worker.app import app
    from worker.sweeper import sweep as run_sweep

    settings = get_settings()
    db.configure(settings)
    resent = run_sweep(app, settings.sweep_idle_s if idle_s is None else idle_s, force=force)
    click.echo(f"re-sent {len(resent)}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--watch", is_flag=True, help="Refresh in place until Ctrl-C.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between refreshes with --watch.")
def stats(as_json: bool, watch: bool, interval: float) -> None:
    """Queue depths, processed per minute, duplicate rate, quarantine, oldest waiting, workers alive."""
    from worker import db
    from worker import stats as figures
    from worker.app import app

    db.configure(get_settings())
    with suppress(KeyboardInterrupt):  # Ctrl-C ends --watch
        while True:
            with db.session() as session:
                now = figures.gather(app, session)
            if as_json:
                click.echo(json.dumps(now))
            else:
                click.echo(("\x1b[H\x1b[2J" if watch else "") + figures.render(now))  # home, clear: in place
            if not watch:
                return
            time.sleep(interval)


@main.command()
@click.option("--ready", is_flag=True, help="Readiness: PostgreSQL and Redis reachable from here.")
@click.option("--port", type=int, help="Liveness: the worker's port on this host (default: NEWSINGEST_METRICS_PORT).")
def health(ready: bool, port: int | None) -> None:
    """Exit 0 when healthy, 1 when not: a worker answering on this host, or with --ready its dependencies."""
    import urllib.request

    settings = get_settings()
    if ready:
        from worker.health import readiness

        result = readiness(settings)
        for name, outcome in result.checks.items():
            click.echo(f"{name}: {outcome}")
        sys.exit(0 if result.ok else 1)
    url = f"http://127.0.0.1:{port or settings.metrics_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            click.echo(f"alive: {url} {response.status}")
    except OSError as error:
        click.echo(f"not alive: {url}: {error}", err=True)
        sys.exit(1)


@main.command()
@click.option("--stale", "selection", flag_value="stale", default=True, help="Rows of older parser/enricher versions.")
@click.option("--all", "selection", flag_value="all", help="Every stored article.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), help="Articles stored since DATE.")
@click.option("--wait", is_flag=True, help="Wait until the workers have re-derived them all.")
@click.option("--timeout", default=3600, show_default=True, help="Seconds --wait waits at most.")
def reprocess(selection: str, since: datetime | None, wait: bool, timeout: int) -> None:
    """Re-derive stored articles from their raw input, through the queue, updating rows in place."""
    from sqlalchemy import func, select

    from worker import db
    from worker import reprocess as chosen
    from worker.app import app

    selection = "since" if since else selection
    since = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    db.configure(get_settings())
    with db.session() as session:
        started: datetime = session.execute(select(func.now())).scalar_one()  # the database's clock, as updated_at
        total = chosen.count(session, selection, since)  # type: ignore[arg-type]
        with click.progressbar(length=total, label="queueing", file=sys.stderr) as bar:
            ids = []
            for submission_id in chosen.queue(app, chosen.chosen(session, selection, since)):  # type: ignore[arg-type]
                ids.append(submission_id)
                bar.update(1)
    click.echo(f"queued {len(ids)} for reprocessing")
    if wait and ids:
        _wait_reprocessed(ids, started, timeout)


def _wait_reprocessed(ids: list[uuid.UUID], started: datetime, timeout: int) -> None:
    from worker import db
    from worker import reprocess as chosen

    deadline = time.monotonic() + timeout
    finished = 0
    with click.progressbar(length=len(ids), label="reprocessed", file=sys.stderr) as bar:
        while finished < len(ids):
            if time.monotonic() > deadline:
                raise click.ClickException(f"{len(ids) - finished} not reprocessed after {timeout}s")
            time.sleep(0.5)
            with db.session() as session:
                now = chosen.done(session, ids, started)
            bar.update(now - finished)
            finished = now
    click.echo(f"reprocessed {finished}")


@main.command()
@click.option("--timeout", default=120, show_default=True, help="Seconds to wait for the samples to land.")
def demo(timeout: int) -> None:
    """Start services if needed, migrate, run a worker, submit the samples, show what landed."""
    from worker import demo as run_demo

    sys.exit(run_demo.run(REPO_ROOT, timeout))


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as error:
        raise click.BadParameter(f"{text!r} is neither an article id nor a submission id") from error


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(_jsonable(value))


if __name__ == "__main__":
    main()
