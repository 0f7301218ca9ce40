"""The date a page shows under its headline, weighed against the dates its metadata declares."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from lxml.html import fromstring

from schemas import ParsedArticle, RawArticle
from worker.pipeline.parse import parse
from worker.pipeline.shown import shown_dates

NOW = datetime(2026, 3, 16, 12, tzinfo=UTC)
BODY = (
    "<p>The county opened its new seed library on Monday, lending vegetable and flower seeds to anyone"
    " with a library card and asking borrowers to return seeds from their own harvest in the autumn.</p>"
    "<p>Librarians said more than two hundred people signed up in the first week, most of them first-time"
    " gardeners who had never saved seeds before and wanted to learn how.</p>"
)


def _page(header: str, *, published: str | None = None, modified: str | None = None, above: str = "") -> str:
    ld: dict[str, str] = {"@context": "https://schema.org", "@type": "BlogPosting", "headline": "Seed library opens"}
    if published:
        ld["datePublished"] = published
    if modified:
        ld["dateModified"] = modified
    return (
        f'<html><head><title>Seed library opens</title><script type="application/ld+json">{json.dumps(ld)}'
        f"</script></head><body><nav><a href='/'>Home</a></nav><article>{above}<h1>Seed library opens</h1>"
        f"{header}{BODY}</article></body></html>"
    )


def _published(html: str, url: str = "https://garden-news.example/seed-library") -> tuple[str, str]:
    parsed = parse(RawArticle(content=html, url=url, content_type="text/html"), uuid.uuid4(), NOW)
    assert isinstance(parsed, ParsedArticle), parsed
    assert parsed.published is not None
    return parsed.published.local_day, parsed.published.source


def _shown(html: str) -> list[tuple[str, str | None, bool]]:
    return [(date.dated.local_day, date.label, date.ambiguous) for date in shown_dates(fromstring(html))]


def test_a_header_date_far_from_the_declared_one_wins() -> None:
    # A migrated post: the CMS declares its import day, the page shows the day it first ran.
    html = _page(
        '<p class="meta">By Ruth Okello · <time datetime="2019-05-02">May 2, 2019</time></p>',
        published="2024-08-07T10:00:00Z",
    )
    assert _published(html) == ("2019-05-02", "text")


def test_the_declared_date_stays_when_the_header_shows_it() -> None:
    header = '<p>Published May 2, 2019</p><p>Also on this day: <time datetime="2021-01-04">Jan 4, 2021</time></p>'
    assert _published(_page(header, published="2019-05-02T10:00:00+02:00")) == ("2019-05-02", "jsonld")


def test_a_day_apart_is_one_moment_in_two_time_zones() -> None:
    html = _page("<p>July 4, 2025</p>", published="2025-07-05T01:30:00Z")
    assert _published(html) == ("2025-07-05", "jsonld")


def test_an_update_shown_under_the_headline_is_not_the_publication() -> None:
    labelled = _page("<p>Updated: December 4, 2025</p>", published="2025-01-10T08:00:00Z")
    assert _published(labelled) == ("2025-01-10", "jsonld")
    # Shown bare, but the metadata says it is the modification.
    bare = _page("<p>December 4, 2025</p>", published="2025-01-10T08:00:00Z", modified="2025-12-04T09:00:00Z")
    assert _published(bare) == ("2025-01-10", "jsonld")


def test_a_label_in_the_element_before_the_date_counts() -> None:
    above = "<div><span>Last updated:</span><span>Dec 12, 2025</span></div>"
    assert _shown(_page("", above=above)) == [("2025-12-12", "updated", False)]
    assert _shown(_page('<p><span class="post-date updated">Dec 12, 2025</span></p>')) == [
        ("2025-12-12", "updated", False)
    ]


def test_without_declared_dates_the_header_beats_the_date_search() -> None:
    html = _page('<div class="post-date">March 20, 2023</div><footer>© 2026</footer>')
    assert _published(html) == ("2023-03-20", "text")


def test_swappable_numeric_dates_are_marked_unless_the_markup_is_iso() -> None:
    assert _shown(_page("<p>03/04/2025</p>")) == [("2025-03-04", None, True)]
    assert _shown(_page("<p>25/04/2025</p>")) == [("2025-04-25", None, False)]
    iso = _page('<p><time datetime="2025-04-03T10:00:00Z">03/04/2025</time></p>')
    assert _shown(iso) == [("2025-04-03", None, False)]
    # An ambiguous shown date is not used: the declared one stays.
    assert _published(_page("<p>03/04/2019</p>", published="2024-08-07"))[1] == "jsonld"


def test_counters_and_dates_far_below_the_headline_are_not_header_dates() -> None:
    assert _shown(_page("<p>210412 views</p>")) == []
    far = _page(BODY + BODY + "<p>Other stories</p><p>June 9, 2025</p>")
    assert _shown(far) == []


def test_dates_below_the_headline_come_before_those_above_it() -> None:
    html = _page("<p>March 20, 2023</p>", above="<p>Jan 3, 2026</p>")
    assert [day for day, _label, _ambiguous in _shown(html)] == ["2023-03-20", "2026-01-03"]
