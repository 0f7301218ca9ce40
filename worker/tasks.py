"""The stage tasks: validate, open one session, load, call the core, save, hand on.

Task names are part of the message contract (README, Message format); never rename them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.utils.log import get_task_logger
from pydantic import BaseModel

from schemas import DedupedArticle, EnrichedArticle, ParsedArticle, Rejection
from worker import db, flow, logs, metrics, nlp, repository
from worker.app import app
from worker.errors import TRANSIENT, PermanentError
from worker.pipeline import boilerplate
from worker.pipeline import dedupe as dedupe_core
from worker.pipeline import enrich as enrich_core
from worker.pipeline import parse as parse_core
from worker.pipeline.intake import validate_record
from worker.settings import get_settings
from worker.store import store_article

log = get_task_logger(__name__)


class StageTask(Task):  # type: ignore[misc]
    """Retries transient failures with backoff and jitter; quarantines the rest."""

    autoretry_for = TRANSIENT
    retry_backoff = 2
    retry_jitter = True
    # A task past its hard time limit is killed with its process, like a crash: its message goes
    # back to the queue, and the crash-loop guard ends a stage that keeps doing it.
    acks_on_timeout = False

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Out of retries (or an unexpected bug): keep the submission in quarantine, don't drop it."""
        if isinstance(exc, TimeLimitExceeded):
            # Called in the worker's main process, which must not wait on the database that
            # may be what hung the task; the message is requeued (acks_on_timeout).
            log.warning("%s[%s] killed at its hard time limit, requeued", self.name, task_id)
            return
        reason = "retries exhausted" if isinstance(exc, TRANSIENT) else "unexpected error"
        _quarantine(self, self.name, args[0], reason, f"{type(exc).__name__}: {exc}")


# A task that hits its soft time limit is retried this many times (a hung connection is not the
# article's fault), then quarantined (a page that always takes too long is).
TIME_LIMIT_RETRIES = 2


# The stage functions by task name, for a task that runs the next stage of its chain itself.
_FUNCTIONS: dict[str, Callable[[Task, Any], Any]] = {}


def stage(name: str) -> Callable[[Callable[..., Any]], Any]:
    """Register a stage function as a task; a PermanentError or repeated time-out quarantines it.

    When the next stage of the chain is one this worker serves, the task runs it too, and so on,
    instead of queueing it (NEWSINGEST_INLINE_STAGES): each hop through the broker costs a stage
    start, a message and the worker's dispatch. A stage run in-process gets the previous one's
    result as it is (a pydantic model), not through JSON; what goes to the broker is JSON. Only the
    delivered stage counts a start in the ledger, so a stage run in-process that kills the process
    counts against the delivered one, whose message comes back, and the crash-loop guard still ends
    it. A transient error in a stage run in-process hands that stage on through the broker, to be
    retried on its own.
    """

    def register(function: Callable[..., Any]) -> Any:
        _FUNCTIONS[name] = function

        @wraps(function)
        def run(self: Task, payload: Any) -> Any:
            try:
                with db.held():
                    return _message(_chain(self, name, payload))
            except SoftTimeLimitExceeded as error:  # also while the connection was being opened
                return _timed_out(self, name, payload, error)

        return app.task(name=name, bind=True, base=StageTask)(run)

    return register


def _chain(task: Task, name: str, payload: Any) -> Any:
    """The delivered stage, then the next ones this worker serves, until one ends the chain."""
    result = _attempt(task, name, payload, delivered=True)
    while result is not None and (following := _next_served(task)) is not None:
        signature = task.request.chain.pop()
        try:
            result = _attempt(task, following, result, delivered=False)
        except TRANSIENT as error:
            log.warning("%s handed on through the broker: %s", following, error)
            task.request.chain.append(signature)
            return result
    return result


def _message(result: Any) -> Any:
    """A stage's result as Celery sends it to the next stage through the broker: JSON."""
    return result.model_dump(mode="json") if isinstance(result, BaseModel) else result


def _attempt(task: Task, name: str, payload: Any, *, delivered: bool) -> Any:
    """Run one stage: count its start (if delivered), quarantine what it rejects or cannot finish."""
    stage_name = name.split(".", 1)[1]
    with (
        logs.about(_about(task, name, payload), str(task.request.id), stage_name),
        metrics.STAGE_SECONDS.labels(stage_name).time(),
    ):
        try:
            if delivered and name != flow.INGEST and not _begin(task, payload):
                return None
            return _FUNCTIONS[name](task, payload)
        except PermanentError as error:
            _quarantine(task, name, payload, error.reason, error.detail)
        return None


def _timed_out(task: Task, name: str, payload: Any, error: SoftTimeLimitExceeded) -> None:
    """The delivered stage is retried, with those it ran, then quarantined."""
    if task.request.retries < TIME_LIMIT_RETRIES:
        raise task.retry(exc=error, countdown=task.request.retries + 1) from error
    limit = get_settings().task_soft_time_limit_s
    _quarantine(task, name, payload, "time limit", f"{task.name} and the stages it ran took over {limit}s")


def _next_served(task: Task) -> str | None:
    """The chain's next stage, if this worker consumes its queue and may run stages in-process."""
    if not task.request.chain or not get_settings().inline_stages:
        return None
    following = task.request.chain[-1].get("task")
    if following not in _FUNCTIONS or following == flow.INGEST:
        return None
    served = app.amqp.queues.consume_from  # the worker's --queues (all of them by default)
    return following if flow.ROUTES[following]["queue"] in served else None


# Stages of the first pass, which must not run again once a submission is settled; enrich is
# shared with the reprocessing chain, and reparse and update work on settled submissions.
_ONLY_WHILE_OPEN = frozenset({"articles.parse", "articles.dedupe", "articles.store"})


def _begin(task: Task, payload: Any) -> bool:
    """Count the start of a stage; skip a settled submission; stop a task that keeps crashing.

    A start that is neither the first nor a retry means the process running this stage died
    (the message came back through task_reject_on_worker_lost or the visibility timeout).
    """
    submission_id = _payload_submission(payload)
    with db.autocommit() as session:  # one statement, committed before the stage runs
        begun = repository.begin_stage(session, submission_id, task.name.split(".", 1)[1])
    if begun is None or (task.name in _ONLY_WHILE_OPEN and begun[0] != "accepted"):
        flow.stop(task)
        return False
    crashes = begun[1] - 1 - task.request.retries
    if crashes >= get_settings().max_crashes:
        detail = f"{task.name} ended its worker process {crashes} times (crash or time limit)"
        raise PermanentError("crash loop", detail)
    return True


@stage("articles.ingest")
def ingest(task: Task, record: Any) -> None:
    """Entry point for producers: check the record, keep it, start its chain."""
    raw = validate_record(record, get_settings().max_content_bytes)
    if isinstance(raw, Rejection):
        raise PermanentError(raw.reason, raw.detail)
    submission_id = _submission_id(task)
    with db.session() as session:
        status = repository.accept(session, submission_id, raw.model_dump(mode="json", exclude_none=True))
    if status == "accepted":  # a redelivery of a settled submission starts nothing
        flow.start(app, submission_id)


@stage("articles.parse")
def parse(task: Task, submission_id: str) -> DedupedArticle | None:
    """Read the record's fields and body; a known duplicate ends here, before the costly enrich."""
    with db.autocommit() as session:
        loaded = repository.load_record(session, uuid.UUID(submission_id))
        if loaded is None:
            raise PermanentError("unknown submission", f"no submission {submission_id} in the database")
        raw = validate_record(loaded[0], get_settings().max_content_bytes)
        if isinstance(raw, Rejection):
            raise PermanentError(raw.reason, raw.detail)
        known = repository.known_boilerplate(session, raw.source, boilerplate.MIN_ARTICLES)
    result = parse_core.parse(raw, uuid.UUID(submission_id), datetime.now(UTC), known)
    if isinstance(result, Rejection):
        raise PermanentError(result.reason, result.detail)
    return _unless_duplicate(task, dedupe_core.fingerprint(result))


@stage("articles.dedupe")
def dedupe(task: Task, message: dict[str, Any] | DedupedArticle) -> DedupedArticle | None:
    """The duplicate check as a stage of its own, for chains sent before parse took it over: it
    gets parse's result, fingerprinted by this version's parse, or not by an older one's."""
    # A model when this version's parse ran in the same task.
    if isinstance(message, DedupedArticle) or "content_hash" in message:
        return _unless_duplicate(task, DedupedArticle.model_validate(message))
    return _unless_duplicate(task, dedupe_core.fingerprint(ParsedArticle.model_validate(message)))


def _unless_duplicate(task: Task, article: DedupedArticle) -> DedupedArticle | None:
    """Settle a known duplicate and end its chain; store decides again, under a lock."""
    with db.autocommit() as session:
        verdict = dedupe_core.judge(article, repository.find_matches(session, article))
        if verdict.is_duplicate:
            repository.settle(session, article.submission_id, verdict, verdict.article_id)
    _log(article.submission_id, "dedupe", verdict.outcome, verdict.article_id)
    if verdict.is_duplicate:
        metrics.settled(verdict.outcome)
        flow.stop(task)
        return None
    return article


@stage("articles.enrich")
def enrich(task: Task, message: dict[str, Any] | DedupedArticle) -> EnrichedArticle:
    article = DedupedArticle.model_validate(message)  # a model from the stage before is taken as it is
    return enrich_core.enrich(article, nlp.configured(get_settings()))


@stage("articles.store")
def store(task: Task, message: dict[str, Any] | EnrichedArticle) -> int | None:
    article = EnrichedArticle.model_validate(message)
    with db.session() as session:
        # The feed's commit just below waits for the disk, and so makes this one durable before
        # the message is acknowledged: one wait an article instead of two. Lost in a crash before
        # that, the store is done again when the message comes back.
        repository.commit_without_waiting(session)
        verdict, article_id = store_article(session, article)
    _publish_feed()
    _log(article.submission_id, "store", verdict.outcome if verdict else "already settled", article_id)
    if verdict is not None:
        metrics.settled(verdict.outcome)
    return article_id


@stage("articles.reparse")
def reparse(task: Task, submission_id: str) -> DedupedArticle | None:
    """Parse a stored article's raw input again; a rejection now leaves the stored row as it was."""
    with db.session() as session:
        record = repository.load_stored_record(session, uuid.UUID(submission_id))
        raw = None if record is None else validate_record(record, get_settings().max_content_bytes)
        if raw is None or isinstance(raw, Rejection):
            flow.stop(task)
            return None
        known = repository.known_boilerplate(session, raw.source, boilerplate.MIN_ARTICLES)
    result = parse_core.parse(raw, uuid.UUID(submission_id), datetime.now(UTC), known)
    if isinstance(result, Rejection):
        log.warning("kept as stored: now rejected: %s", result.reason)
        flow.stop(task)
        return None
    return dedupe_core.fingerprint(result)


@stage("articles.update")
def update(task: Task, message: dict[str, Any] | EnrichedArticle) -> int | None:
    """Replace the derived fields and entity links of a stored article, in place."""
    article = EnrichedArticle.model_validate(message)
    with db.session() as session:
        article_id = repository.update_article(session, article)
    _publish_feed()
    _log(article.submission_id, "update", "updated" if article_id else "no article", article_id)
    return article_id


def _publish_feed() -> None:
    """Number the committed article changes in the feed (its own transaction, after the store's)."""
    with db.autocommit() as session:
        repository.publish_feed(session)


def _submission_id(task: Task) -> uuid.UUID:
    """The ingest message's task id names the submission; a non-UUID id is hashed into one."""
    task_id = str(task.request.id)
    try:
        return uuid.UUID(task_id)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"newsingest:{task_id}")


def _quarantine(task: Task, name: str, payload: Any, reason: str, detail: str) -> None:
    stage_name = name.split(".", 1)[1]
    is_ingest = name == flow.INGEST
    submission_id = _submission_id(task) if is_ingest else _payload_submission(payload)
    with db.session() as session:
        repository.quarantine(
            session,
            submission_id=submission_id,
            stage=stage_name,
            reason=reason,
            error=detail or reason,
            attempts=task.request.retries + 1,
            record=payload if is_ingest else None,
        )
    metrics.settled("quarantined")
    # on_failure quarantines after the stage's logs.about has ended: name the article here too.
    about = {"submission_id": str(submission_id), "task_id": str(task.request.id), "stage": stage_name}
    log.warning("quarantined: %s: %s", reason, detail, extra=about | {"reason": reason})
    flow.stop(task)


def _payload_submission(payload: Any) -> uuid.UUID:
    """The submission a stage's payload names: an id, a message, or the model a stage run in the
    same task got from the one before."""
    if isinstance(payload, ParsedArticle):
        return payload.submission_id
    return uuid.UUID(payload["submission_id"] if isinstance(payload, dict) else payload)


def _about(task: Task, name: str, payload: Any) -> uuid.UUID | None:
    """The submission a task works on, for its log lines; None for a payload too broken to name one."""
    if name == flow.INGEST:
        return _submission_id(task)
    try:
        return _payload_submission(payload)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _log(submission_id: uuid.UUID, stage_name: str, outcome: str, article_id: int | None) -> None:
    """The stage's verdict; the task id and the duration come from logs.about."""
    about = {"submission_id": str(submission_id), "stage": stage_name}
    log.info("%s: %s", stage_name, outcome, extra=about | {"outcome": outcome, "article_id": article_id})
