"""A task runs the next stages of its chain itself when its worker serves their queues; its soft
time limit retries it, wherever the limit strikes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import pytest
import sqlalchemy.exc
from celery.exceptions import SoftTimeLimitExceeded

from tests.factories import parsed
from worker import tasks
from worker.app import app
from worker.errors import PermanentError
from worker.pipeline.dedupe import fingerprint
from worker.settings import Settings

STORE = {"task": "articles.store", "args": (), "kwargs": {}, "options": {}, "immutable": False}
PAYLOAD = {"submission_id": "6f1c6a55-52a3-4b8e-9f0e-2f6c1c0c6b1e"}


@pytest.fixture
def enrich(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The enrich task with fake stage functions, no database, and a chain whose next stage is store."""
    ran: list[str] = []

    def fake(name: str, result: Any) -> Any:
        def function(task: Any, payload: Any) -> Any:
            ran.append(name)
            if isinstance(result, Exception):
                raise result
            return result

        return function

    monkeypatch.setattr(tasks, "_begin", lambda task, payload: True)
    monkeypatch.setattr(tasks.db, "held", nullcontext)
    monkeypatch.setattr(tasks, "get_settings", lambda: Settings(redis_url="redis://localhost:6379/0"))
    task = app.tasks["articles.enrich"]
    task.push_request(id="task-1", retries=0, chain=[dict(STORE)])
    task.ran, task.fake = ran, (lambda name, result: monkeypatch.setitem(tasks._FUNCTIONS, name, fake(name, result)))
    yield task
    task.pop_request()


def test_the_next_stage_runs_in_the_same_task(enrich: Any) -> None:
    enrich.fake("articles.enrich", PAYLOAD | {"enriched": True})
    enrich.fake("articles.store", 42)
    assert enrich.run(PAYLOAD) == 42
    assert enrich.ran == ["articles.enrich", "articles.store"]
    assert enrich.request.chain == []  # nothing left for Celery to send


def test_a_transient_error_hands_the_stage_on_through_the_broker(enrich: Any) -> None:
    enriched = PAYLOAD | {"enriched": True}
    enrich.fake("articles.enrich", enriched)
    enrich.fake("articles.store", sqlalchemy.exc.OperationalError("INSERT", {}, Exception("server closed")))
    assert enrich.run(PAYLOAD) == enriched  # Celery sends store with the enrich result, as without inlining
    assert enrich.request.chain == [STORE]


def test_a_stage_run_in_the_same_task_gets_the_model_itself_and_the_broker_gets_json(enrich: Any) -> None:
    """Between stages of one task the result is not written to JSON and read back; what Celery
    sends on (here, store handed on after a transient error) is JSON, as from any stage."""
    article = fingerprint(parsed("Harbour council approves the budget for the new ferry terminal."))
    received: list[Any] = []
    enrich.fake("articles.enrich", article)
    tasks._FUNCTIONS["articles.store"] = lambda task, payload: received.append(payload) or 42
    assert enrich.run(PAYLOAD) == 42
    assert received == [article] and received[0] is article

    enrich.request.chain = [dict(STORE)]
    enrich.fake("articles.store", sqlalchemy.exc.OperationalError("INSERT", {}, Exception("server closed")))
    sent = enrich.run(PAYLOAD)
    assert sent == article.model_dump(mode="json") and sent["submission_id"] == str(article.submission_id)


def test_a_stage_run_in_the_same_task_that_rejects_quarantines_the_models_submission(
    enrich: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = fingerprint(parsed("Harbour council approves the budget for the new ferry terminal."))
    quarantined: list[Any] = []
    monkeypatch.setattr(tasks.db, "session", nullcontext)
    monkeypatch.setattr(tasks.repository, "quarantine", lambda session, **entry: quarantined.append(entry))
    enrich.fake("articles.enrich", article)
    enrich.fake("articles.store", PermanentError("too long", "the body is too long"))
    assert enrich.run(PAYLOAD) is None
    assert [(e["submission_id"], e["stage"], e["reason"]) for e in quarantined] == [
        (article.submission_id, "store", "too long")
    ]


def test_a_worker_that_does_not_serve_the_next_queue_leaves_it_to_the_broker(
    enrich: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.amqp.queues, "_consume_from", {"enrich": app.amqp.queues["enrich"]})  # --queues enrich
    enrich.fake("articles.enrich", PAYLOAD)
    enrich.fake("articles.store", 42)
    assert enrich.run(PAYLOAD) == PAYLOAD
    assert enrich.ran == ["articles.enrich"] and enrich.request.chain == [STORE]


def test_inline_stages_can_be_turned_off(enrich: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    off = Settings(redis_url="redis://localhost:6379/0", inline_stages=False)
    monkeypatch.setattr(tasks, "get_settings", lambda: off)
    enrich.fake("articles.enrich", PAYLOAD)
    enrich.fake("articles.store", 42)
    assert enrich.run(PAYLOAD) == PAYLOAD and enrich.request.chain == [STORE]


@contextmanager
def _hung_connection() -> Iterator[None]:
    raise SoftTimeLimitExceeded()
    yield


@pytest.mark.parametrize(("retries", "outcome"), [(0, "retried"), (tasks.TIME_LIMIT_RETRIES, "quarantined")])
def test_the_time_limit_while_the_connection_opens_retries_the_task(
    enrich: Any, monkeypatch: pytest.MonkeyPatch, retries: int, outcome: str
) -> None:
    """A database that hangs the connection's opening is no fault of the article's: retried like
    a stage that ran out of time, not quarantined as an unexpected error."""
    enrich.fake("articles.enrich", PAYLOAD)
    monkeypatch.setattr(tasks.db, "held", _hung_connection)
    seen: list[str] = []
    monkeypatch.setattr(enrich, "retry", lambda exc, countdown: seen.append("retried") or RuntimeError("retry"))
    monkeypatch.setattr(tasks, "_quarantine", lambda task, name, payload, reason, detail: seen.append(reason))
    enrich.request.retries = retries
    if outcome == "retried":
        with pytest.raises(RuntimeError, match="retry"):
            enrich.run(PAYLOAD)
    else:
        assert enrich.run(PAYLOAD) is None
    assert seen == [outcome if outcome == "retried" else "time limit"]
    assert enrich.ran == []
