"""Deduplication: canonical URLs, body fingerprints and the verdict on a submission."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

from schemas import DedupedArticle, ParsedArticle
from worker.pipeline.similar import NearMatch

MatchKind = Literal["canonical_url", "producer_id", "content_hash"]
Reason = Literal["canonical_url", "producer_id", "content_hash", "minhash"]


@dataclass(frozen=True)
class Match:
    """A stored article that shares a key with the submission."""

    article_id: int
    kind: MatchKind
    story_id: int | None = None


@dataclass(frozen=True)
class Verdict:
    """What to do with a submission: store it new or as a copy, count a duplicate, or update a page.

    For a copy, `story_id` is the story it joins and `score` the similarity that matched it.
    """

    outcome: Literal["new", "copy", "duplicate", "version"]
    article_id: int | None = None
    reason: Reason | None = None
    story_id: int | None = None
    score: float | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.outcome == "duplicate"


def canonical_url(url: str | None) -> str | None:
    """The URL without tracking parameters, fragment or host case, query sorted (via courlan)."""
    if not url:
        return None
    try:
        normal = normalize_url(url)
    except ValueError:
        return None
    scheme, netloc, path, query, _fragment = urlsplit(normal)
    if scheme not in ("http", "https") or not netloc:
        return None
    return urlunsplit((scheme, netloc, path or "/", query, ""))


def content_hash(body: str) -> str:
    """SHA-256 of the body with case, Unicode form, punctuation spacing and whitespace folded."""
    text = unicodedata.normalize("NFKC", body).casefold()
    text = re.sub(r"[\u2018\u2019\u201b`´]", "'", text)
    text = re.sub(r"[\u201c\u201d\u201e«»]", '"', text)
    text = " ".join(text.split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(article: ParsedArticle) -> DedupedArticle:
    """The parsed article with its body fingerprint, the key exact copies share."""
    return DedupedArticle(**article.model_dump(), content_hash=content_hash(article.body))


def judge(article: DedupedArticle, matches: list[Match], near: NearMatch | None = None) -> Verdict:
    """Decide on a submission given the stored articles that share one of its keys.

    The same canonical URL or producer id with the same body is a resubmission, with another body
    a new version of that article. The same body under another URL is a copy of the earliest stored
    article with that body; a body without any URL is only a resubmission, since nothing else tells
    two such records apart. Failing all that, a near duplicate (`near`) makes it a copy too.
    """
    same_body = sorted((m for m in matches if m.kind == "content_hash"), key=lambda m: m.article_id)
    for kind in ("canonical_url", "producer_id"):
        for match in matches:
            if match.kind == kind:
                is_same = any(m.article_id == match.article_id for m in same_body)
                return Verdict("duplicate" if is_same else "version", match.article_id, match.kind, match.story_id)
    if same_body:
        first = same_body[0]
        if not article.canonical_url:
            return Verdict("duplicate", first.article_id, "content_hash", first.story_id)
        return Verdict("copy", first.article_id, "content_hash", first.story_id, 1.0)
    if near is not None:
        return Verdict("copy", near.article_id, "minhash", near.story_id, near.score)
    return Verdict("new")
