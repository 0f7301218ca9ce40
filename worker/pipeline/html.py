"""HTML pages -> fields and clean paragraphs: our metadata reading around trafilatura's body."""

from __future__ import annotations

from configparser import ConfigParser
from datetime import datetime
from functools import cache

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document, use_config
from trafilatura.utils import load_html

from schemas import DatedValue
from worker.pipeline.dates import could_fall_on, from_iso_day, from_url, in_page_zone, parse_date_line
from worker.pipeline.metadata import MODIFIED_META, PUBLISHED_META, PageMeta, read_metadata, text_of
from worker.pipeline.people import choose_authors
from worker.pipeline.shown import PageDates, ShownDate, page_dates
from worker.pipeline.text import TextParts
from worker.pipeline.titles import choose_title, site_names

# Pages this large are almost always not one article (archives, feeds, dumps); trafilatura
# would spend seconds on them. The producer-side size limit catches most before this.
_MAX_TREE_SIZE = 200_000
# A JSON-LD ImageObject: its address, not its caption-like name.
_IMAGE_KEYS = ("url", "contentUrl", "@id")


@cache
def _config() -> ConfigParser:
    config = use_config()
    config["DEFAULT"]["max_tree_size"] = str(_MAX_TREE_SIZE)
    # No SIGALRM-based timeout inside a Celery task: the task's own time limits govern.
    config["DEFAULT"]["extraction_timeout"] = "0"
    return config


def read_html(html: str, url: str | None, now: datetime) -> TextParts:
    """Extract the main text of a page with trafilatura and its fields from its own metadata."""
    tree = load_html(html)
    if tree is None:
        return TextParts()
    meta = read_metadata(tree)
    shown = page_dates(tree)  # before trafilatura prunes the tree
    document = _extract(tree, url, now)
    if document is None and (fresh := load_html(html)) is not None:
        # No main text by trafilatura's precise rules: its recall-first rules often find it.
        document = _extract(fresh, url, now, favor_recall=True)
    if document is None:
        return TextParts(page_types=meta.jsonld_types, og_type=meta.first("og:type"))
    return _combine(meta, shown, document, url)


def _extract(tree: HtmlElement, url: str | None, now: datetime, *, favor_recall: bool = False) -> Document | None:
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_recall=favor_recall,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        config=_config(),
        # htmldate would read the clock for its upper bound; pass ours so parse stays pure.
        date_extraction_params={"max_date": now.date().isoformat(), "extensive_search": True, "original_date": True},
    )
    return document if isinstance(document, Document) else None


def _combine(meta: PageMeta, shown: PageDates, document: Document, url: str | None) -> TextParts:
    ld = meta.jsonld
    site = meta.first("og:site_name", "application-name") or text_of(ld.get("publisher")) or document.sitename
    modified = _dated(text_of(ld.get("dateModified")), "jsonld") or _dated(meta.first(*MODIFIED_META), "meta")
    title = choose_title(meta.headings, _title_candidates(meta, document), site_names(site, url))
    paragraphs = [line.strip() for line in (document.text or "").split("\n") if line.strip()]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return TextParts(
        title=title,
        section=meta.first("article:section") or text_of(ld.get("articleSection")) or _first(document.categories),
        authors=choose_authors(meta, document.author, site),
        published=_published(meta, document, url, modified, shown),
        modified=modified,
        paragraphs=paragraphs,
        description=meta.first("og:description", "description", "twitter:description") or document.description,
        site_name=site,
        image_url=meta.first("og:image", "twitter:image", "og:image:url") or text_of(ld.get("image"), _IMAGE_KEYS),
        canonical=meta.canonical or meta.first("og:url") or document.url,
        page_types=meta.jsonld_types,
        og_type=meta.first("og:type"),
    )


def _title_candidates(meta: PageMeta, document: Document) -> list[str]:
    headline = text_of(meta.jsonld.get("headline"))
    found = [headline, meta.first("og:title"), meta.first("twitter:title"), meta.title_tag, document.title]
    return [title for title in found if title]


def _published(
    meta: PageMeta, document: Document, url: str | None, modified: DatedValue | None, shown: PageDates
) -> DatedValue | None:
    """JSON-LD, then meta tags, then the URL, then a date labelled "Published" further down the
    page, then what trafilatura's date search found; the date shown under the headline corrects
    the declared one and beats the guesses, and a sentence stating the original publication
    ("originally published on ...") beats them all: the page says its other dates are later.

    A declared publication on or after the declared modification is a CMS restamping both on
    every save; an earlier date the search finds is then the real one. (A labelled date further
    down is not trusted against a declared one: it is as often another story's, in a list.) A
    time given without its zone takes the zone of the page's other stamps.
    """
    declared = _dated(text_of(meta.jsonld.get("datePublished")), "jsonld") or _dated(
        meta.first(*PUBLISHED_META), "meta"
    )
    modified_days = {day.local_day for day in (modified, _dated(meta.first(*MODIFIED_META), "meta")) if day}
    chosen = (
        shown.original
        or _headline_date(shown.header, declared, modified_days)
        or _declared_or_guessed(declared, modified, document, url, shown.labelled)
    )
    stamps = [stamp for stamp in (declared, modified, *(date.dated for date in shown.header)) if stamp]
    return in_page_zone(chosen, stamps) if chosen else None


def _declared_or_guessed(
    declared: DatedValue | None,
    modified: DatedValue | None,
    document: Document,
    url: str | None,
    labelled: DatedValue | None,
) -> DatedValue | None:
    searched = from_iso_day(document.date, "html") if document.date else None
    if declared and searched and modified and declared.local_day >= modified.local_day > searched.local_day:
        return searched
    return declared or from_url(url) or labelled or searched


def _headline_date(shown: list[ShownDate], declared: DatedValue | None, modified_days: set[str]) -> DatedValue | None:
    """The publication date the page shows under its headline, when it should replace the rest.

    Labelled "Published" first, else the first unlabelled one; never one labelled "Updated" nor
    one the metadata declares as the modification (an update shown bare), nor a numeric date
    whose day and month could be swapped. It replaces the declared date only when the page does
    not show the declared day anywhere in its header and the declared moment falls on the shown
    day in no time zone (a day's difference is often one moment read in two zones).
    """
    usable = [date for date in shown if date.label != "updated" and not date.ambiguous]
    labelled = [date for date in usable if date.label == "published"]
    best = next(iter(labelled or usable), None)
    if best is None or best.dated.local_day in modified_days:
        return None
    if declared is None:
        return best.dated
    if declared.local_day in {date.dated.local_day for date in shown}:
        return None
    return None if could_fall_on(declared, best.dated.local_day) else best.dated


def _dated(value: str | None, source: str) -> DatedValue | None:
    return parse_date_line(value, source) if value else None  # type: ignore[arg-type]


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None
