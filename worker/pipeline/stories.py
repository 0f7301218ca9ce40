"""Stories: which copy is the canonical one, whether a copy is syndicated, what a republisher changed."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Copy:
    """What the story rules need to know about one stored (or about to be stored) article."""

    title: str | None
    body: str
    agency: str | None
    published_at: datetime | None


@dataclass(frozen=True)
class Changes:
    """What a republished copy changed against the story's canonical copy."""

    against: int
    paragraphs_added: int
    paragraphs_removed: int
    headline_changed: bool

    def as_json(self) -> dict[str, int | bool]:
        return {
            "against": self.against,
            "paragraphs_added": self.paragraphs_added,
            "paragraphs_removed": self.paragraphs_removed,
            "headline_changed": self.headline_changed,
        }


def is_earlier(new: Copy, canonical: Copy) -> bool:
    """Whether a copy seen later should replace the canonical one: earliest published, then first seen.

    An article without a date is ordered after every dated one; on a tie the first seen stays.
    """
    if new.published_at is None:
        return False
    return canonical.published_at is None or new.published_at < canonical.published_at


def syndicating_agency(copy: Copy, canonical: Copy) -> str | None:
    """The wire agency a copy carries, or the canonical copy's when the republisher dropped it."""
    return copy.agency or canonical.agency


def changes(copy: Copy, canonical: Copy, canonical_id: int) -> Changes:
    """Paragraphs added and removed (compared with case, punctuation and spacing folded), headline."""
    mine, theirs = _paragraphs(copy.body), _paragraphs(canonical.body)
    return Changes(
        against=canonical_id,
        paragraphs_added=len([p for p in mine if p not in theirs]),
        paragraphs_removed=len([p for p in theirs if p not in mine]),
        headline_changed=_fold(copy.title or "") != _fold(canonical.title or ""),
    )


def _paragraphs(body: str) -> set[str]:
    return {folded for paragraph in body.split("\n\n") if (folded := _fold(paragraph))}


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))
