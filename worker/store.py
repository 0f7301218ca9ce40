"""The store transaction: lock what the article could collide with, judge, save, settle.

Race safety (docs/decisions/0001-race-safe-dedupe.md): advisory locks on the body hash, the
canonical URL and every LSH band key, taken in sorted order, so any two stores that could match
each other run one after the other and the second sees what the first committed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from schemas import EnrichedArticle
from worker import repository
from worker.pipeline import boilerplate, dedupe, similar, stories
from worker.pipeline.dedupe import Verdict
from worker.settings import get_settings


def store_article(session: Session, article: EnrichedArticle) -> tuple[Verdict | None, int | None]:
    """Insert the article, update its page or count a duplicate, and settle its submission."""
    if repository.status_of(session, article.submission_id, lock=True) != "accepted":
        return None, None  # settled by an earlier delivery of this message
    shingled = similar.shingles(article.body)  # for the band keys and the candidates' scores
    bands = similar.band_keys(shingled)
    repository.lock_keys(session, similar.lock_keys(article.content_hash, article.canonical_url, bands))
    verdict = _judge(session, article, shingled, bands)
    article_id = _save(session, article, verdict, bands)
    if article_id is None:  # the producer id was taken meanwhile (under another URL): judge again
        verdict = _judge(session, article, shingled, bands)
        article_id = _save(session, article, verdict, bands)
    repository.settle(session, article.submission_id, verdict, article_id)
    return verdict, article_id


def _judge(session: Session, article: EnrichedArticle, shingled: frozenset[str], bands: list[int]) -> Verdict:
    matches = repository.find_matches(session, article)
    verdict = dedupe.judge(article, matches)
    if verdict.outcome != "new":
        return verdict
    candidates = repository.find_candidates(session, bands)
    near = similar.closest(shingled, candidates, get_settings().near_duplicate_threshold)
    return dedupe.judge(article, matches, near)


def _save(session: Session, article: EnrichedArticle, verdict: Verdict, bands: list[int]) -> int | None:
    if verdict.outcome == "duplicate":
        return verdict.article_id
    if verdict.outcome == "version":
        assert verdict.article_id is not None
        repository.replace_content(session, verdict.article_id, article)
        repository.save_bands(session, verdict.article_id, bands)
        return verdict.article_id
    if verdict.outcome == "copy":
        return _save_copy(session, article, verdict, bands)
    article_id = repository.insert_article(session, article, verdict)
    if article_id is not None:
        repository.save_bands(session, article_id, bands, fresh=True)
        # Boilerplate is learned from originals only: a copy would count one text twice.
        repository.count_boilerplate(session, article.source, boilerplate.lines_to_learn(article.paragraphs))
    return article_id


def _save_copy(session: Session, article: EnrichedArticle, verdict: Verdict, bands: list[int]) -> int | None:
    """Join the matched article's story, with what changed against its canonical copy."""
    if verdict.story_id is None:
        raise RuntimeError(f"article {verdict.article_id} belongs to no story")
    canonical_id, canonical = repository.lock_story(session, verdict.story_id)
    copy = stories.Copy(
        article.title, article.body, article.agency, article.published.value if article.published else None
    )
    agency = stories.syndicating_agency(copy, canonical)
    article_id = repository.insert_article(
        session,
        article,
        verdict,
        story_id=verdict.story_id,
        agency=agency,
        syndicated=agency is not None,
        changes=stories.changes(copy, canonical, canonical_id).as_json(),
    )
    if article_id is not None:
        repository.save_bands(session, article_id, bands, fresh=True)
        if stories.is_earlier(copy, canonical):
            repository.set_canonical(session, verdict.story_id, article_id)
    return article_id
