"""Losses, crashes and hostile messages through real workers: nothing dropped, nothing looping."""

from __future__ import annotations

import base64
import json
import pickle
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from celery import Celery
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.conftest import TEST_REDIS_DB
from tests.e2e.conftest import cli, submit, wait_settled
from tests.e2e.crashhook import ENRICH_MARKER, HANG_MARKER, MARKER, SLOW_MARKER
from tests.factories import story_text
from worker import repository, tasks
from worker.models import Quarantine, Submission

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fault_worker(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A worker with the crash hook loaded and a sweeper that looks every second."""
    env = stack_env | {"NEWSINGEST_SWEEP_INTERVAL_S": "1", "NEWSINGEST_SWEEP_IDLE_S": "10"}
    log = tmp_path_factory.mktemp("fault-worker") / "worker.log"
    with _hooked_worker(env, log):
        yield log


@pytest.fixture
def hurried(stack_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A hooked worker with time limits of 2 and 4 s, on a queue database of its own; no sweeper."""
    queues = stack_env["REDIS_URL"].rsplit("/", 1)[0] + f"/{TEST_REDIS_DB + 1}"
    redis.Redis.from_url(queues).flushdb()
    env = stack_env | {
        "REDIS_URL": queues,
        "NEWSINGEST_TASK_SOFT_TIME_LIMIT_S": "2",
        "NEWSINGEST_TASK_TIME_LIMIT_S": "4",
        "NEWSINGEST_RETRY_BACKOFF_MAX_S": "2",
        "NEWSINGEST_SWEEP_INTERVAL_S": "0",
    }
    log = tmp_path / "worker.log"
    with _hooked_worker(env, log):
        yield env, log


@contextmanager
def _hooked_worker(env: dict[str, str], log: Path) -> Iterator[None]:
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "worker.app",
        "worker",
        "-I",
        "tests.e2e.crashhook",
        "-c",
        "1",
        "-n",
        f"faults-{uuid.uuid4().hex[:6]}@%h",
        "-l",
        "INFO",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _quarantined(marker: str, stack_env: dict[str, str], engine: Engine, tmp_path: Path) -> tuple[Quarantine, int]:
    """Submit a story with the marker and wait for its quarantine: the entry, and the redeliveries."""
    page = tmp_path / "marked.txt"
    page.write_text(story_text(uuid.uuid4().hex) + f"\n{marker} appears in this paragraph of the story.\n")
    submission_id = submit(stack_env, str(page))["queued"][0]["id"]
    assert wait_settled(engine, [submission_id])[submission_id][0] == "quarantined"
    with engine.connect() as connection:
        entry = connection.execute(select(Quarantine).where(Quarantine.submission_id == uuid.UUID(submission_id))).one()
        repeats = connection.scalar(select(Submission.repeats).where(Submission.id == uuid.UUID(submission_id)))
    return entry, int(repeats)


def _crash_loop(marker: str, stack_env: dict[str, str], engine: Engine, tmp_path: Path) -> int:
    """Submit a story that kills its process every time: quarantined as a crash loop; its redeliveries."""
    entry, repeats = _quarantined(marker, stack_env, engine, tmp_path)
    assert (entry.stage, entry.reason) == ("parse", "crash loop")
    assert "ended its worker process 3 times" in entry.error
    return repeats


def test_a_task_that_kills_its_process_ends_in_quarantine(
    fault_worker: Path, stack_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    repeats = _crash_loop(MARKER, stack_env, engine, tmp_path)
    assert repeats == 3  # three deliveries beyond the first, then it stopped


def test_a_stage_run_in_process_that_kills_it_ends_in_quarantine(
    fault_worker: Path, stack_env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    """Enrich runs inside the parse task (this worker serves every queue): its crashes bring the
    parse message back and count against parse, so the crash-loop guard still ends it."""
    repeats = _crash_loop(ENRICH_MARKER, stack_env, engine, tmp_path)
    assert repeats == 3


def test_a_stage_past_its_soft_time_limit_is_retried_then_quarantined(
    hurried: tuple[dict[str, str], Path], engine: Engine, tmp_path: Path
) -> None:
    env, _ = hurried
    entry, _ = _quarantined(SLOW_MARKER, env, engine, tmp_path)
    assert (entry.stage, entry.reason, entry.attempts) == ("parse", "time limit", tasks.TIME_LIMIT_RETRIES + 1)


def test_a_stage_killed_at_its_hard_time_limit_is_requeued_until_the_crash_loop_guard(
    hurried: tuple[dict[str, str], Path], engine: Engine, tmp_path: Path
) -> None:
    """The worker's main process learns of the kill: it puts the message back and writes nothing
    (the database may be what hung the task); the redeliveries count as crashes."""
    env, log = hurried
    entry, repeats = _quarantined(HANG_MARKER, env, engine, tmp_path)
    assert (entry.stage, entry.reason) == ("parse", "crash loop") and repeats == 3
    assert "(crash or time limit)" in entry.error
    assert log.read_text().count("killed at its hard time limit, requeued") == 3


def test_a_lost_message_is_resent_by_the_sweeper(fault_worker: Path, engine: Engine) -> None:
    """In the ledger but never on the queue (the producer died, Redis lost it): it still lands."""
    token = uuid.uuid4().hex
    submission_id = uuid.uuid4()
    record = {"source": "ledger.example", "content": story_text(token), "url": f"https://ledger.example/{token}"}
    with Session(engine) as session, session.begin():
        repository.record_submissions(session, [(submission_id, record)])
        session.execute(
            text("UPDATE submissions SET updated_at = now() - interval '1 hour' WHERE id = :id"), {"id": submission_id}
        )
    status, article_id = wait_settled(engine, [str(submission_id)])[str(submission_id)]
    with engine.connect() as connection:
        sweeps = connection.scalar(select(Submission.sweeps).where(Submission.id == submission_id))
    assert status == "stored" and article_id is not None and sweeps == 1


def test_a_pickle_pushed_onto_the_queue_is_quarantined_not_run(
    fault_worker: Path, redis_url: str, engine: Engine
) -> None:
    payload = pickle.dumps((({"content": "x"},), {}, {}))
    task_id = push_raw(redis_url, payload, "application/x-python-serialize", "binary")
    assert wait_settled(engine, [task_id])[task_id][0] == "quarantined"
    with engine.connect() as connection:
        entry = connection.execute(select(Quarantine).where(Quarantine.submission_id == uuid.UUID(task_id))).one()
    assert entry.reason == "undecodable message" and "ContentDisallowed" in entry.error
    assert entry.raw["content_type"] == "application/x-python-serialize"


def test_quarantine_commands_list_show_and_retry(fault_worker: Path, stack_env: dict[str, str], engine: Engine) -> None:
    feed_line = {"url": f"https://empty.example/{uuid.uuid4().hex}", "content": "<html><body><p>Home</p></body></html>"}
    done = cli(stack_env, "submit", "--json", "-", stdin=json.dumps(feed_line) + "\n")
    submission_id = json.loads(done.stdout)["queued"][0]["id"]
    assert wait_settled(engine, [submission_id])[submission_id][0] == "quarantined"

    listed = json.loads(cli(stack_env, "quarantine", "list", "--json").stdout)
    assert submission_id in [entry["submission_id"] for entry in listed]
    shown = json.loads(cli(stack_env, "quarantine", "show", submission_id, "--json").stdout)
    assert shown["reason"] == "body too short" and shown["raw"]["url"] == feed_line["url"]

    retried = cli(stack_env, "quarantine", "retry", submission_id)
    assert retried.stdout.strip() == "retried 1", retried.stderr
    assert wait_settled(engine, [submission_id])[submission_id][0] == "quarantined"  # still too short
    with engine.connect() as connection:
        entries = connection.execute(
            select(Quarantine.retried_at).where(Quarantine.submission_id == uuid.UUID(submission_id))
        ).all()
    assert sorted(entry.retried_at is None for entry in entries) == [False, True]


def test_hostile_records_are_kept_with_reasons_and_the_worker_stays_healthy(
    fault_worker: Path, redis_url: str, stack_env: dict[str, str], engine: Engine
) -> None:
    """Records a careless or hostile producer sends straight to the queue, past our validation."""
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    hostile = {
        "over the size limit": {"source": "h", "content": "x" * 6_000_000},
        "binary garbage": {"source": "h", "content": bytes(range(256)).decode("latin-1") * 50},
        "NUL and surrogate": {"source": "h", "content": "a\x00b\ud800" * 10},
        "deep nesting": {
            "source": "h",
            "content_type": "text/html",
            "content": "<div>" * 30_000 + "x" + "</div>" * 30_000,
        },
        "entity bomb": {
            "source": "h",
            "content_type": "text/html",
            "content": f'<!DOCTYPE b [<!ENTITY e0 "boom">{entities}]><html><body><p>&e9;</p></body></html>',
        },
        "one long line": {"source": "h", "content": "word " * 500_000},
        "not an object": ["a", "list"],
        "schema violation": {"source": "h", "content": "text", "published_at": "yesterday", "extra": 1},
    }
    producer = Celery(broker=redis_url, set_as_current=False)
    ids = {}
    for name, record in hostile.items():
        ids[name] = str(uuid.uuid4())
        producer.send_task("articles.ingest", args=[record], task_id=ids[name], queue="ingest", serializer="json")
    not_json = push_raw(redis_url, b"{not json", "application/json", "utf-8")
    producer.close()
    settled = wait_settled(engine, [*ids.values(), not_json])
    assert {name: settled[i][0] for name, i in ids.items()} == dict.fromkeys(hostile, "quarantined")
    with engine.connect() as connection:
        reasons = dict(
            connection.execute(
                select(Quarantine.submission_id, Quarantine.reason).where(
                    Quarantine.submission_id.in_([uuid.UUID(i) for i in [*ids.values(), not_json]])
                )
            ).all()
        )
    assert reasons[uuid.UUID(ids["over the size limit"])] == "content too large"
    assert reasons[uuid.UUID(ids["schema violation"])] == "invalid record"
    assert reasons[uuid.UUID(not_json)] == "undecodable message"
    assert all(reason != "unexpected error" for reason in reasons.values()), reasons

    token = uuid.uuid4().hex  # and the worker still does its job
    done = cli(stack_env, "submit", "--json", "-", stdin=story_text(token))
    healthy = json.loads(done.stdout)["queued"][0]["id"]
    assert wait_settled(engine, [healthy])[healthy][0] == "stored"


def test_sql_looking_search_strings_are_just_words(stack_env: dict[str, str], engine: Engine) -> None:
    with engine.connect() as connection:
        before = connection.scalar(text("SELECT count(*) FROM articles"))
    for query in ("'; DROP TABLE articles; --", "x' OR '1'='1", "\\x00 & | ! :*", '"unbalanced'):
        done = cli(stack_env, "search", query, "--json")
        assert done.returncode == 0, done.stderr
        assert isinstance(json.loads(done.stdout)["items"], list)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM articles")) == before


def push_raw(redis_url: str, body: bytes, content_type: str, encoding: str) -> str:
    """Push a message for articles.ingest straight onto the Redis list, as any client could."""
    task_id = str(uuid.uuid4())
    message = {
        "body": base64.b64encode(body).decode(),
        "content-encoding": encoding,
        "content-type": content_type,
        "headers": {"lang": "py", "task": "articles.ingest", "id": task_id, "root_id": task_id},
        "properties": {
            "delivery_tag": str(uuid.uuid4()),
            "body_encoding": "base64",
            "priority": 0,
            "delivery_info": {"exchange": "", "routing_key": "ingest"},
            "delivery_mode": 2,
        },
    }
    client = redis.Redis.from_url(redis_url)
    client.lpush("ingest", json.dumps(message))
    client.close()
    return task_id
