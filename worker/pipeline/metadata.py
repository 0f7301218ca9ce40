"""What a page says about itself: JSON-LD, meta tags, canonical link, headings.

Publishers fill these for search engines and social cards, so they name the headline, dates and
authors more reliably than the visible layout does. Everything here reads an lxml tree; nothing
decides between candidates (that is `html.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

# schema.org types that describe one article (or a page that is one).
ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "ReportageNews", "AnalysisNewsArticle", "OpinionNewsArticle", "BlogPosting",
        "TechArticle", "ScholarlyArticle", "Report", "LiveBlogPosting", "BackgroundNewsArticle", "Posting",
        "SocialMediaPosting", "HowTo", "Recipe", "Review", "MedicalWebPage",
    }
)  # fmt: skip
LIST_TYPES = frozenset({"CollectionPage", "SearchResultsPage", "ItemList", "ProfilePage"})
# Meta tags naming the publication time, best first.
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datepublished", "parsely-pub-date",
    "sailthru.date", "publish-date", "pubdate", "publishdate", "dc.date.issued", "dcterms.created",
    "dc.date", "citation_publication_date", "date", "og:published_time", "article.published",
)  # fmt: skip
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "citation_author")

# Visible author credits marked up as such (microdata, rel=author, the usual class names).
_BYLINE_XPATH = (
    "//*[@itemprop='author']//*[@itemprop='name'] | //*[@itemprop='author'][not(.//*[@itemprop='name'])]"
    " | //a[@rel='author'] | //*[contains(@class, 'author-name') or contains(@class, 'author__name')"
    " or contains(@class, 'byline__name') or contains(@class, 'authorName')]"
)


@dataclass
class PageMeta:
    """Candidates for each field, in the page's own words."""

    jsonld: dict[str, Any] = field(default_factory=dict)
    jsonld_types: set[str] = field(default_factory=set)
    meta: dict[str, list[str]] = field(default_factory=dict)
    headings: list[str] = field(default_factory=list)
    title_tag: str | None = None
    canonical: str | None = None
    bylines: list[str] = field(default_factory=list)

    def first(self, *names: str) -> str | None:
        """The first non-empty content among the named meta tags (lowercase names)."""
        for name in names:
            for value in self.meta.get(name, []):
                if value.strip():
                    return " ".join(value.split())
        return None

    def all(self, *names: str) -> list[str]:
        return [" ".join(v.split()) for name in names for v in self.meta.get(name, []) if v.strip()]


def read_metadata(tree: HtmlElement) -> PageMeta:
    """Collect JSON-LD, meta tags, the canonical link, the <title> and the <h1> texts of a page."""
    found = PageMeta()
    objects = list(_jsonld_objects(tree))
    found.jsonld_types = {kind for obj in objects for kind in _types(obj)}
    articles = [obj for obj in objects if _types(obj) & ARTICLE_TYPES]
    found.jsonld = articles[0] if articles else _webpage(objects)
    for element in tree.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        if key and element.get("content") is not None:
            found.meta.setdefault(key, []).append(element.get("content") or "")
    found.headings = [text for h1 in tree.iter("h1") if (text := " ".join(h1.text_content().split()))]
    title = tree.find(".//title")
    found.title_tag = " ".join(title.text_content().split()) or None if title is not None else None
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    found.canonical = str(canonical[0]).strip() or None if canonical else None
    credits = (" ".join(element.text_content().split()) for element in tree.xpath(_BYLINE_XPATH))
    found.bylines = [text for text in credits if text]
    return found


def _jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content(), strict=False)
        except ValueError:
            continue  # broken JSON-LD is common; the meta tags and the body remain
        yield from _flatten(data)


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        yield from _flatten(data.get("@graph", []))


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", [])
    return {str(k) for k in (kind if isinstance(kind, list) else [kind])}


def _webpage(objects: list[dict[str, Any]]) -> dict[str, Any]:
    pages = [obj for obj in objects if _types(obj) & {"WebPage", *LIST_TYPES}]
    return pages[0] if pages else {}


def names(value: Any) -> list[str]:
    """Names in a JSON-LD author/publisher value: a string, a Person, or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [name for item in value for name in names(item)]
    if isinstance(value, dict) and not _types(value) & {"Organization", "NewsMediaOrganization"}:
        return names(value.get("name"))
    return []


def text_of(value: Any, keys: tuple[str, ...] = ("name", "url", "@id")) -> str | None:
    """A JSON-LD value as one clean string: the first of a list; of an object, the first of its
    `keys` it has (its name before its address, unless the caller wants the address)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = next((value[key] for key in keys if isinstance(value.get(key), str) and value[key].strip()), None)
    return " ".join(value.split()) or None if isinstance(value, str) else None
