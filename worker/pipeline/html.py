"""HTML pages -> fields and clean paragraphs, through trafilatura."""

from __future__ import annotations

from configparser import ConfigParser
from datetime import datetime
from functools import cache

import trafilatura
from trafilatura.settings import Document, use_config

from worker.pipeline.dates import from_iso_day
from worker.pipeline.text import TextParts

# Pages this large are almost always not one article (archives, feeds, dumps); trafilatura
# would spend seconds on them. The producer-side size limit catches most before this.
_MAX_TREE_SIZE = 200_000


@cache
def _config() -> ConfigParser:
    config = use_config()
    config["DEFAULT"]["max_tree_size"] = str(_MAX_TREE_SIZE)
    # No SIGALRM-based timeout inside a Celery task: the task's own time limits govern.
    config["DEFAULT"]["extraction_timeout"] = "0"
    return config


def read_html(html: str, url: str | None, now: datetime) -> tuple[TextParts, str | None]:
    """Extract the main text and metadata of a page; also return its canonical URL."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        config=_config(),
        # htmldate would read the clock for its upper bound; pass ours so parse stays pure.
        date_extraction_params={"max_date": now.date().isoformat(), "extensive_search": True, "original_date": True},
    )
    if not isinstance(document, Document):
        return TextParts(), None
    paragraphs = [line.strip() for line in (document.text or "").split("\n") if line.strip()]
    if paragraphs and document.title and paragraphs[0] == document.title.strip():
        paragraphs = paragraphs[1:]
    parts = TextParts(
        title=document.title or None,
        section=document.categories[0] if document.categories else None,
        authors=[name.strip() for name in (document.author or "").split(";") if name.strip()],
        published=from_iso_day(document.date, "html") if document.date else None,
        paragraphs=paragraphs,
    )
    return parts, document.url
