"""Is this an article, and are its parts believable? Reasons to reject, flags to keep."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from schemas import DatedValue
from worker.pipeline.metadata import ARTICLE_TYPES, LIST_TYPES
from worker.pipeline.text import TextParts

# News did not reach the web before 1990; an earlier date is a parsing error (a founding year).
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Clocks and time zones disagree by hours; more than a day ahead of the fetch is a wrong date.
FUTURE_SLACK = timedelta(days=1)
# /tag/x, /category/news, /search, /author/jane, .../page/3: listings (an article has a deeper slug).
_LIST_PATH = re.compile(r"^/(?:[\w-]+/)?(tags?|category|categories|topics?|search|authors?)(/[^/]+)?/?$|/page/\d+/?$")
# A list page flattened to text: many paragraphs, nearly all of them short link titles.
# Listicles and how-tos have many short items too, but also some prose; a list page has none.
_LIST_MIN_PARAGRAPHS = 20
_LIST_SHORT_SHARE = 0.95
_SHORT_WORDS = 12
_PROSE_WORDS = 25


def listing_hint(parts: TextParts, url: str | None) -> str | None:
    """A flag when the page's type or URL says home, section, tag or search page.

    Only a hint: single-post blogs have a home page that is an article, and CMSs mislabel types.
    """
    if parts.page_types & ARTICLE_TYPES:
        return None
    if parts.page_types & LIST_TYPES:
        return "typed_listing"
    path = urlsplit(url).path if url else None
    if path is not None and path.strip("/") == "":
        return "home_page"
    if path and _LIST_PATH.search(path):
        return "listing_url"
    return None


def is_list_of_links(paragraphs: list[str]) -> bool:
    """Many paragraphs, nearly all short link titles, none prose: a list page, not an article."""
    short = sum(1 for p in paragraphs if len(p.split()) <= _SHORT_WORDS)
    longest = max((len(p.split()) for p in paragraphs), default=0)
    many = len(paragraphs) >= _LIST_MIN_PARAGRAPHS
    return many and longest < _PROSE_WORDS and short >= _LIST_SHORT_SHARE * len(paragraphs)


def collapse_repeats(paragraphs: list[str]) -> tuple[list[str], int]:
    """A body that is one block repeated N times -> the block and N (1 when not repeated)."""
    total = len(paragraphs)
    for size in range(1, total // 2 + 1):
        if total % size == 0 and paragraphs == paragraphs[:size] * (total // size):
            return paragraphs[:size], total // size
    return paragraphs, 1


def check_date(dated: DatedValue | None, fetched: datetime) -> tuple[DatedValue | None, str | None]:
    """Keep a believable date; drop one after the fetch (plus slack) or before 1990, with a flag."""
    if dated is None:
        return None, None
    if dated.value > fetched + FUTURE_SLACK:
        return None, "date_in_future"
    if dated.value < EARLIEST:
        return None, "date_before_1990"
    return dated, None
