"""The repository and the store transaction against real PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from schemas import EnrichedArticle, Entity
from tests.factories import enriched, story_text
from worker import repository
from worker import search as search_module
from worker.models import Article, ArticleEntity, Quarantine, Submission
from worker.models import Entity as EntityRow
from worker.search import Filters, search
from worker.store import store_article


def _accepted(session: Session, article: EnrichedArticle) -> EnrichedArticle:
    repository.accept(session, article.submission_id, {"source": article.source})
    return article


def test_accept_is_idempotent(session: Session) -> None:
    submission_id = uuid.uuid4()
    assert repository.accept(session, submission_id, {"a": 1}) == "accepted"
    assert repository.accept(session, submission_id, {"a": 2}) == "accepted"
    records = session.scalars(select(Submission.record).where(Submission.id == submission_id)).all()
    assert records == [{"a": 1}]


def test_new_then_resubmission_then_copy(session: Session) -> None:
    token = uuid.uuid4().hex
    url = f"https://news.example/{token}"
    first = _accepted(session, enriched(token, url=url))
    verdict, first_id = store_article(session, first)
    assert verdict is not None and verdict.outcome == "new" and first_id is not None

    again = _accepted(session, enriched(token, url=url + "?utm_source=feed#top"))
    verdict, article_id = store_article(session, again)
    assert verdict is not None and (verdict.outcome, article_id, verdict.reason) == (
        "duplicate",
        first_id,
        "canonical_url",
    )

    elsewhere = _accepted(session, enriched(token, url=f"https://other.example/{token}"))
    verdict, copy_id = store_article(session, elsewhere)
    assert verdict is not None and verdict.outcome == "copy" and copy_id != first_id
    row = session.get(Article, copy_id)
    assert row is not None and (row.status, row.copy_of, row.copy_method) == ("copy", first_id, "exact")
    statuses = {
        s.id: s.status
        for s in session.scalars(
            select(Submission).where(
                Submission.id.in_([first.submission_id, again.submission_id, elsewhere.submission_id])
            )
        )
    }
    assert sorted(statuses.values()) == ["copy", "duplicate", "stored"]


def test_body_without_url_is_a_resubmission(session: Session) -> None:
    token = uuid.uuid4().hex
    _, first_id = store_article(session, _accepted(session, enriched(token)))
    verdict, article_id = store_article(session, _accepted(session, enriched(token)))
    assert verdict is not None and (verdict.outcome, article_id) == ("duplicate", first_id)


def test_producer_id_is_a_resubmission(session: Session) -> None:
    producer_id = uuid.uuid4().hex
    _, first_id = store_article(session, _accepted(session, enriched(producer_id, id=producer_id)))
    verdict, article_id = store_article(session, _accepted(session, enriched(producer_id, id=producer_id)))
    assert verdict is not None and (verdict.outcome, verdict.reason, article_id) == (
        "duplicate",
        "producer_id",
        first_id,
    )


def test_a_redelivered_store_changes_nothing(session: Session) -> None:
    article = _accepted(session, enriched())
    store_article(session, article)
    assert store_article(session, article) == (None, None)
    count = session.scalar(
        select(func.count()).select_from(Article).where(Article.submission_id == article.submission_id)
    )
    assert count == 1


def test_a_stage_start_commits_without_waiting_for_the_disk_and_only_its_own_transaction(
    session: Session, engine: Engine
) -> None:
    setting = select(func.current_setting("synchronous_commit"))
    submission_id = uuid.uuid4()
    repository.accept(session, submission_id, {"source": "s"})
    assert repository.begin_stage(session, submission_id, "parse") == ("accepted", 1)
    assert session.scalar(setting) == "off"  # for the rest of this transaction, its commit too
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as alone, Session(bind=alone) as each:
        other = uuid.uuid4()
        repository.accept(each, other, {"source": "s"})
        try:
            flushes = _disk_flushes(each)
            for attempt in range(1, 21):  # each a transaction of its own (db.autocommit)
                assert repository.begin_stage(each, other, "parse") == ("accepted", attempt)
            assert _disk_flushes(each) - flushes < 10  # twenty commits that waited would flush twenty times
            assert each.scalar(setting) == "on"  # the setting ended with each statement's transaction
        finally:
            each.execute(delete(Submission).where(Submission.id == other))


def _disk_flushes(session: Session) -> int:
    """WAL flushes the server has made (pg_stat_wal), with this backend's own counted in."""
    session.execute(select(func.pg_stat_force_next_flush()))
    session.execute(select(func.pg_stat_clear_snapshot()))
    return int(session.scalar(text("SELECT wal_sync FROM pg_stat_wal")) or 0)


def test_quarantine_keeps_raw_input_and_settles(session: Session) -> None:
    submission_id = uuid.uuid4()
    repository.quarantine(
        session,
        submission_id=submission_id,
        stage="ingest",
        reason="invalid record",
        error="content: Field required",
        attempts=1,
        record={"url": "https://x.example/1", "source": "x"},
    )
    entry = session.scalars(select(Quarantine).where(Quarantine.submission_id == submission_id)).one()
    assert (entry.stage, entry.reason, entry.url, entry.raw["source"]) == (
        "ingest",
        "invalid record",
        "https://x.example/1",
        "x",
    )
    assert repository.status_of(session, submission_id) == "quarantined"


def test_search_finds_phrase_and_ranks_title_first(session: Session) -> None:
    token = uuid.uuid4().hex
    _, article_id = store_article(session, _accepted(session, enriched(token)))
    hits = search(session, f'"harbour bridge" {token}')["items"]
    assert [hit["id"] for hit in hits] == [article_id]
    assert "[" in hits[0]["snippet"]
    assert search(session, f"harbour -bridge {token}")["items"] == []


def test_an_entity_filter_of_digits_int_cannot_read_finds_nothing(session: Session) -> None:
    assert search(session, None, Filters(entity="\u00b2"))["items"] == []  # superscript two


def _pages(session: Session, words: str, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = search(session, words, limit=limit, cursor=cursor)
        pages.append([hit["id"] for hit in page["items"]])
        if not (cursor := page["next"]):
            return pages


def test_a_title_match_outranks_any_body_match(session: Session) -> None:
    """Title matches first, also when they fill the first page alone (only they are ranked then)."""
    shared, word = uuid.uuid4().hex, uuid.uuid4().hex[:12]

    def stored(n: int, title: str, extra: str = "") -> int:
        content = story_text(f"{shared} {n}", title=title) + extra
        _, article_id = store_article(
            session, _accepted(session, enriched(url=f"https://t.example/{shared}/{n}", content=content))
        )
        assert article_id is not None
        return article_id

    in_title = stored(1, f"Harbour {word}")
    in_body = stored(2, "Harbour news", f"The {word} {word} {word} {word} again.\n")
    hits = search(session, word)["items"]
    assert [hit["id"] for hit in hits] == [in_title, in_body]
    assert hits[0]["score"] >= 1 > hits[1]["score"] > 0
    assert _pages(session, word, limit=1) == [[in_title], [in_body]]  # one title match: not a full page
    also_in_title = stored(3, f"Bridge {word} opens")
    pages = _pages(session, word, limit=1)
    assert sorted(pages[:2]) == sorted([[in_title], [also_in_title]]) and pages[2:] == [[in_body]]


def test_relevance_ranks_the_newest_matches_and_pages_them_without_repeats(session: Session, monkeypatch: Any) -> None:
    """Relevance ranks the newest RANK_WINDOW matches; the first page fixes that window, so an
    article stored between pages neither pushes one out (a skip) nor repeats one."""
    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)
    shared = uuid.uuid4().hex

    def stored(n: int) -> int:
        article = enriched(url=f"https://w.example/{shared}/{n}", content=story_text(f"{shared} w{n}"))
        _, article_id = store_article(session, _accepted(session, article))
        assert article_id is not None
        return article_id

    ids = [stored(n) for n in range(5)]
    first = search(session, shared, limit=2)
    assert len(first["items"]) == 2 and first["next"]
    stored(5)  # newer than the window: it may join below the cursor, and must push nothing out
    second = search(session, shared, limit=2, cursor=first["next"])
    seen = [hit["id"] for hit in first["items"] + second["items"]]
    assert len(seen) == len(set(seen)) and set(ids[2:]) <= set(seen) and not set(ids[:2]) & set(seen)
    assert len(search(session, shared, order="date", limit=10)["items"]) == 6


@pytest.mark.parametrize(
    "path",
    [
        {"WALK_SHARE": 0.0},  # walk the date index
        {"WALK_SHARE": 2.0, "GIN_ALONE": 0, "WINDOW_SLACK": 0.0},  # date slices, the first too small
        {"WALK_SHARE": 2.0, "GIN_ALONE": 0, "WINDOW_SLACK": 0.0, "COUNTED_ROWS": 1},  # their floors extrapolated
        {"WALK_SHARE": 2.0, "GIN_ALONE": 10**9},  # the GIN index alone
    ],
    ids=["walk", "slices", "extrapolated-slices", "gin-alone"],
)
def test_every_path_finds_exactly_the_newest_matches(
    session: Session, monkeypatch: Any, path: dict[str, float]
) -> None:
    """However the newest matches are found, relevance ranks exactly the RANK_WINDOW newest by date
    (stored out of date order, and behind newer articles that do not match)."""
    monkeypatch.setattr(search_module, "RANK_WINDOW", 3)
    for name, value in path.items():
        monkeypatch.setattr(search_module, name, value)
    shared, other = uuid.uuid4().hex, uuid.uuid4().hex
    by_day = {}
    for day, token in [(5, shared), (1, shared), (4, shared), (2, shared), (3, shared), (7, other), (8, other)]:
        article = enriched(url=f"https://d.example/{token}/{day}", content=story_text(f"{token} d{day}"))
        _, article_id = store_article(session, _accepted(session, article))
        when = datetime(2999, 1, day, tzinfo=UTC)
        session.execute(update(Article).where(Article.id == article_id).values(published_at=when))
        by_day[day] = article_id
    for words in (shared, f'"bridge across the harbour" {shared}'):
        found = search(session, words, limit=10)["items"]
        assert {hit["id"] for hit in found} == {by_day[5], by_day[4], by_day[3]}, words


def test_concurrent_copies_end_as_one_article_and_one_copy(engine: Engine) -> None:
    """Two transactions storing the same body at once, many times over: never two originals."""
    for _ in range(20):
        token = uuid.uuid4().hex
        articles = [enriched(token, url=f"https://site{n}.example/{token}") for n in (1, 2)]
        with Session(engine) as session, session.begin():
            for article in articles:
                _accepted(session, article)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def store(article: EnrichedArticle, barrier: threading.Barrier, outcomes: list[str]) -> None:
            with Session(engine) as session, session.begin():
                barrier.wait()
                verdict, _ = store_article(session, article)
                outcomes.append(verdict.outcome if verdict else "settled")

        threads = [threading.Thread(target=store, args=(article, barrier, outcomes)) for article in articles]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["copy", "new"]


def _with_entities(token: str, **fields: Any) -> EnrichedArticle:
    article = enriched(token, **fields)
    entities = [
        Entity(name="Jane Mwangi", kind="person", key="jane mwangi", mentions=2, first_offset=4, aliases=["Mwangi"]),
        Entity(name="Harbour Council", kind="organization", key=f"harbour council {token}", mentions=1, first_offset=0),
    ]
    return EnrichedArticle(**(article.model_dump() | {"entities": [e.model_dump() for e in entities]}))


def test_entities_are_shared_across_articles_and_linked_once(session: Session) -> None:
    token = uuid.uuid4().hex
    first = _accepted(session, _with_entities(token, url=f"https://news.example/{token}/1"))
    second = _accepted(session, _with_entities(uuid.uuid4().hex, url=f"https://news.example/{token}/2"))
    _, first_id = store_article(session, first)
    _, second_id = store_article(session, second)
    jane = session.scalars(select(EntityRow).where(EntityRow.key == "jane mwangi")).all()
    assert len(jane) == 1 and (jane[0].name, jane[0].kind) == ("Jane Mwangi", "person")
    links = session.execute(
        select(ArticleEntity.article_id, ArticleEntity.mentions, ArticleEntity.first_offset, ArticleEntity.aliases)
        .where(ArticleEntity.entity_id == jane[0].id)
        .order_by(ArticleEntity.article_id)
    ).all()
    assert [tuple(link) for link in links] == [(first_id, 2, 4, ["Mwangi"]), (second_id, 2, 4, ["Mwangi"])]


def test_linking_again_replaces_the_links(session: Session) -> None:
    token = uuid.uuid4().hex
    article = _accepted(session, _with_entities(token, url=f"https://news.example/{token}"))
    _, article_id = store_article(session, article)
    assert article_id is not None
    repository.link_entities(session, article_id, article.entities)
    repository.link_entities(session, article_id, article.entities[:1])
    count = session.scalar(
        select(func.count()).select_from(ArticleEntity).where(ArticleEntity.article_id == article_id)
    )
    assert count == 1


def test_enrichment_columns_are_stored(session: Session) -> None:
    token = uuid.uuid4().hex
    article = enriched(token, url=f"https://news.example/{token}")
    article = EnrichedArticle(
        **(
            article.model_dump()
            | {
                "countries": ["KE"],
                "keywords": ["harbour bridge"],
                "quotes": [{"text": "This is the most important decision", "speaker": None, "offset": 10}],
                "ner_skipped": "no entity model configured",
            }
        )
    )
    _, article_id = store_article(session, _accepted(session, article))
    row = session.get(Article, article_id)
    assert row is not None
    assert (row.countries, row.keywords, row.ner_skipped, row.summary) == (
        ["KE"],
        ["harbour bridge"],
        "no entity model configured",
        article.summary,
    )
    assert row.quotes == [{"text": "This is the most important decision", "speaker": None, "offset": 10}]
