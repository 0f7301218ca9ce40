"""Exact deduplication: canonical URLs, body fingerprints and the verdict on a submission."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

from schemas import DedupedArticle, ParsedArticle

MatchKind = Literal["canonical_url", "producer_id", "content_hash"]


@dataclass(frozen=True)
class Match:
    """A stored article that shares a key with the submission."""

    article_id: int
    kind: MatchKind


@dataclass(frozen=True)
class Verdict:
    """What to do with a submission: store it new, store it as a copy, or count a duplicate."""

    outcome: Literal["new", "copy", "duplicate"]
    article_id: int | None = None
    reason: MatchKind | None = None

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


def judge(article: DedupedArticle, matches: list[Match]) -> Verdict:
    """Decide on a submission given the stored articles that share one of its keys.

    The same canonical URL or producer id is a resubmission; the same body under another URL is
    a copy of the earliest stored article with that body; a body without any URL is only a
    resubmission, since nothing else tells two such records apart.
    """
    for kind in ("canonical_url", "producer_id"):
        for match in matches:
            if match.kind == kind:
                return Verdict("duplicate", match.article_id, match.kind)
    same_body = sorted(m.article_id for m in matches if m.kind == "content_hash")
    if same_body:
        return Verdict("copy" if article.canonical_url else "duplicate", same_body[0], "content_hash")
    return Verdict("new")
