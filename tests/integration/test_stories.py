"""Near duplicates, stories, syndication, versions and the consumer views, on real PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from schemas import EnrichedArticle
from tests.factories import enriched, story_text
from worker import repository
from worker.models import Article, ArticleVersion, Story
from worker.pipeline.dedupe import Verdict
from worker.store import store_article

LINK_BLOCK = "READ MORE\nFerry fares rise again\nSchool term dates announced\nStorm warning for the coast\n"


def _accepted(session: Session, article: EnrichedArticle) -> EnrichedArticle:
    repository.accept(session, article.submission_id, {"source": article.source})
    return article


def republished(token: str, **fields: object) -> str:
    """The token's story as another site runs it: new headline, link block, one paragraph dropped."""
    original = story_text(token).split("\n")
    lines = ["Harbour crossing gets the green light", *original[1:5], LINK_BLOCK, original[5], original[6]]
    return "\n".join(lines) + "\n"


def test_a_near_copy_joins_the_story_with_method_score_and_changes(session: Session) -> None:
    token = uuid.uuid4().hex
    _, first_id = store_article(session, _accepted(session, enriched(token, url=f"https://a.example/{token}")))
    copy = enriched(token, url=f"https://b.example/{token}", content=republished(token))
    verdict, copy_id = store_article(session, _accepted(session, copy))

    assert verdict is not None and (verdict.outcome, verdict.article_id, verdict.reason) == (
        "copy",
        first_id,
        "minhash",
    )
    row = session.get(Article, copy_id)
    original = session.get(Article, first_id)
    assert row is not None and original is not None
    assert row.story_id == original.story_id is not None
    assert (row.status, row.copy_of, row.copy_method) == ("copy", first_id, "minhash")
    assert row.match_score is not None and 0.5 <= row.match_score <= 1.0  # the parser drops the link block
    assert row.changes == {
        "against": first_id,
        "paragraphs_added": 0,
        "paragraphs_removed": 1,
        "headline_changed": True,
    }
    assert not row.syndicated
    view = session.execute(
        text("SELECT article_id, story_id, canonical_id, is_canonical, method FROM article_copies WHERE story_id = :s"),
        {"s": row.story_id},
    ).all()
    assert sorted(view) == [
        (first_id, row.story_id, first_id, True, None),
        (copy_id, row.story_id, first_id, False, "minhash"),
    ]
    canonical = session.execute(
        text("SELECT canonical_id, copies FROM article_canonical WHERE story_id = :s"), {"s": row.story_id}
    ).one()
    assert tuple(canonical) == (first_id, 2)


def test_different_stories_stay_apart(session: Session) -> None:
    ids = [store_article(session, _accepted(session, enriched()))[1] for _ in range(3)]
    stories = session.scalars(select(Article.story_id).where(Article.id.in_(ids))).all()
    assert len(set(stories)) == 3


def test_an_original_is_written_once_with_a_story_of_its_own(session: Session) -> None:
    counts = text("SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = :table")
    before = {table: tuple(session.execute(counts, {"table": table}).one()) for table in ("articles", "stories")}
    _, article_id = store_article(session, _accepted(session, enriched()))

    after = {table: tuple(session.execute(counts, {"table": table}).one()) for table in ("articles", "stories")}
    assert after["articles"] == (before["articles"][0] + 1, before["articles"][1])  # inserted, never updated
    assert after["stories"][0] == before["stories"][0] + 1
    row = session.get(Article, article_id)
    assert row is not None and row.story_id is not None
    story = session.get(Story, row.story_id)
    assert story is not None and story.canonical_id == article_id
    notes = session.execute(text("SELECT created FROM feed_pending WHERE article_id = :a"), {"a": article_id})
    assert notes.scalars().all() == [True]


def test_an_original_whose_url_was_taken_meanwhile_leaves_no_story(session: Session) -> None:
    token = uuid.uuid4().hex
    first = enriched(token, url=f"https://a.example/{token}")
    store_article(session, _accepted(session, first))
    stories = session.scalar(select(func.count()).select_from(Story))
    taken = enriched(uuid.uuid4().hex, url=f"https://a.example/{token}")
    verdict = Verdict("new")

    assert repository.insert_article(session, taken, verdict) is None
    assert session.scalar(select(func.count()).select_from(Story)) == stories


def test_an_earlier_published_copy_becomes_canonical(session: Session) -> None:
    token = uuid.uuid4().hex
    later = datetime(2026, 3, 4, 9, 0, tzinfo=UTC).isoformat()
    earlier = datetime(2026, 3, 3, 9, 0, tzinfo=UTC).isoformat()
    _, first_id = store_article(
        session, _accepted(session, enriched(token, url=f"https://a.example/{token}", published_at=later))
    )
    copy = enriched(token, url=f"https://b.example/{token}", content=republished(token), published_at=earlier)
    _, copy_id = store_article(session, _accepted(session, copy))
    row = session.get(Article, copy_id)
    assert row is not None and row.story_id is not None
    story = session.get(Story, row.story_id)
    assert story is not None and story.canonical_id == copy_id != first_id


def test_copies_crediting_an_agency_are_syndicated(session: Session) -> None:
    token = uuid.uuid4().hex
    store_article(session, _accepted(session, enriched(token, url=f"https://a.example/{token}", authors=["AFP"])))
    _, exact_id = store_article(session, _accepted(session, enriched(token, url=f"https://c.example/{token}")))
    copy = enriched(token, url=f"https://b.example/{token}", content=republished(token))
    _, near_id = store_article(session, _accepted(session, copy))
    rows = session.scalars(select(Article).where(Article.id.in_([exact_id, near_id]))).all()
    assert [(r.syndicated, r.agency, r.copy_method) for r in sorted(rows, key=lambda r: r.id)] == [
        (True, "AFP", "exact"),
        (True, "AFP", "minhash"),
    ]


def test_a_changed_page_is_a_new_version_and_keeps_the_old(session: Session) -> None:
    token = uuid.uuid4().hex
    url = f"https://a.example/{token}"
    first = _accepted(session, enriched(token, url=url))
    _, article_id = store_article(session, first)
    updated = enriched(token, url=url, content=story_text(token) + "Update: the vote was later confirmed.\n")
    verdict, same_id = store_article(session, _accepted(session, updated))

    assert verdict is not None and (verdict.outcome, same_id) == ("version", article_id)
    row = session.get(Article, article_id)
    assert row is not None and row.version == 2 and row.body.endswith("later confirmed.")
    assert row.submission_id == first.submission_id
    old = session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article_id)).one()
    assert (old.version, old.body, old.submission_id) == (1, first.body, first.submission_id)
    assert repository.status_of(session, updated.submission_id) == "version"
    again = enriched(token, url=url, content=story_text(token) + "Update: the vote was later confirmed.\n")
    verdict, _ = store_article(session, _accepted(session, again))
    assert verdict is not None and verdict.outcome == "duplicate"


def test_concurrent_near_copies_end_in_one_story(engine: Engine) -> None:
    """Two transactions storing two copies of one story at once, many times over: never two stories."""
    for _ in range(25):
        token = uuid.uuid4().hex
        articles = [
            enriched(token, url=f"https://one.example/{token}"),
            enriched(token, url=f"https://two.example/{token}", content=republished(token)),
        ]
        with Session(engine) as session, session.begin():
            for article in articles:
                _accepted(session, article)
        barrier = threading.Barrier(2)
        ids: list[int | None] = []

        def store(article: EnrichedArticle, barrier: threading.Barrier, ids: list[int | None]) -> None:
            with Session(engine) as session, session.begin():
                barrier.wait()
                ids.append(store_article(session, article)[1])

        threads = [threading.Thread(target=store, args=(article, barrier, ids)) for article in articles]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with Session(engine) as session:
            rows = session.execute(select(Article.story_id, Article.status).where(Article.id.in_(ids))).all()
        assert len(rows) == 2 and len({story for story, _ in rows}) == 1
        assert sorted(status for _, status in rows) == ["copy", "stored"]
