"""The parse stage: one RawArticle -> a ParsedArticle, or a Rejection with its reason."""

from __future__ import annotations

import re
from datetime import datetime
from typing import overload
from uuid import UUID

import ftfy
from lxml import etree

from schemas import ParsedArticle, RawArticle, Rejection
from schemas.article import ContentType
from worker.pipeline.agencies import find_agency, is_agency_only
from worker.pipeline.boilerplate import drop_known
from worker.pipeline.clean import clean_text
from worker.pipeline.dates import from_producer
from worker.pipeline.dedupe import canonical_url
from worker.pipeline.html import read_html
from worker.pipeline.plausibility import check_date, collapse_repeats, is_list_of_links, listing_hint
from worker.pipeline.text import TextParts, read_text

PARSER_VERSION = "5"

_HTML_SNIFF = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<\?xml|<!--)|<(p|div|article|br)[\s>/]", re.IGNORECASE)
# Fewer words than this is a page fragment (a menu, a caption, a paywall stub), not an article.
MIN_BODY_WORDS = 10
# "BEIJING (AFP) -", "Nairobi, Sept 4 (Reuters) -": a dateline credits the agency.
_DATELINE = re.compile(r"^[^()\n]{2,60}\(([^()]{2,40})\)\s*[-–—:]")


def sniff(content: str) -> ContentType:
    """Guess whether content is HTML or plain text from its first characters."""
    return "text/html" if _HTML_SNIFF.search(content[:4096]) else "text/plain"


def parse(
    raw: RawArticle, submission_id: UUID, now: datetime, boilerplate: frozenset[str] = frozenset()
) -> ParsedArticle | Rejection:
    """Read the fields and clean body of one submission; producer hints win over the page.

    `boilerplate` holds the keys of lines this source repeats across articles (learned by the store).
    """
    content_type = raw.content_type or sniff(raw.content)
    content = clean_text(raw.content)
    try:
        parts = read_html(content, raw.url, now) if content_type == "text/html" else read_text(content)
    except (RecursionError, ValueError, etree.LxmlError) as error:  # pathological markup
        return Rejection(stage="parse", reason="unparseable content", detail=f"{type(error).__name__}: {error}")
    paragraphs, times = collapse_repeats([repair(p) for p in drop_known(parts.paragraphs, boilerplate)])
    rejection = _reject(paragraphs, content_type)
    if rejection:
        return rejection
    published, date_flag = check_date(
        from_producer(raw.published_at) if raw.published_at else parts.published, raw.fetched_at or now
    )
    repeated = f"body_repeated_{times}x" if times > 1 else None
    flags = [flag for flag in (date_flag, repeated, listing_hint(parts, raw.url)) if flag]
    return ParsedArticle(
        submission_id=submission_id,
        url=raw.url,
        canonical_url=canonical_url(raw.url) or canonical_url(parts.canonical),
        source=raw.source,
        producer_id=raw.id,
        content_type=content_type,
        fetched_at=raw.fetched_at,
        title=repair(raw.title or parts.title),
        section=repair(raw.section or parts.section),
        authors=[repair(name) for name in raw.authors or parts.authors if not is_agency_only(name)],
        agency=_agency(parts, raw.authors),
        published=published,
        modified=check_date(parts.modified, raw.fetched_at or now)[0],
        language_hint=raw.language,
        body="\n\n".join(paragraphs),
        description=repair(parts.description),
        site_name=repair(parts.site_name),
        image_url=parts.image_url,
        flags=flags,
        parser_version=PARSER_VERSION,
    )


def _reject(paragraphs: list[str], content_type: str) -> Rejection | None:
    if not paragraphs:
        return Rejection(stage="parse", reason="empty body", detail=f"no article text found in {content_type}")
    words = sum(len(paragraph.split()) for paragraph in paragraphs)
    if words < MIN_BODY_WORDS:
        return Rejection(stage="parse", reason="body too short", detail=f"{words} words, fewer than {MIN_BODY_WORDS}")
    if is_list_of_links(paragraphs):
        detail = f"a list of {len(paragraphs)} short link titles"
        return Rejection(stage="parse", reason="not an article", detail=detail)
    return None


@overload
def repair(text: str) -> str: ...
@overload
def repair(text: str | None) -> str | None: ...
def repair(text: str | None) -> str | None:
    """Undo mojibake ("CafÃ©" -> "Café") and stray HTML entities, drop invisible characters;
    keep the publisher's quotes."""
    if not text:
        return text
    return clean_text(ftfy.fix_text(text, uncurl_quotes=False, fix_latin_ligatures=False)).strip()


def _agency(parts: TextParts, hinted_authors: list[str]) -> str | None:
    """The agency credited in the byline, the producer's authors or the dateline."""
    if parts.agency:
        return parts.agency
    for author in [*hinted_authors, *parts.authors]:
        if agency := find_agency(author):
            return agency
    dateline = _DATELINE.match(parts.paragraphs[0]) if parts.paragraphs else None
    return find_agency(dateline.group(1)) if dateline else None
