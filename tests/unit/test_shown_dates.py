"""The date a page shows under its headline, weighed against the dates its metadata declares."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from lxml.html import fromstring

from schemas import ParsedArticle, RawArticle
from worker.pipeline.parse import parse
from worker.pipeline.shown import page_dates, shown_dates

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


def test_pieces_of_a_date_line_may_be_split_by_a_katakana_middle_dot() -> None:
    assert _shown(_page("<p>December 18, 2025 ・ 3 min read</p>")) == [("2025-12-18", None, False)]


def test_a_day_no_time_zone_can_reach_is_another_moment() -> None:
    # 22:02 UTC on the 19th is the 19th or the 20th everywhere: the 18th shown is not that moment.
    html = _page("<p>Dec 18, 2025</p>", published="2025-12-19T22:02:58Z")
    assert _published(html) == ("2025-12-18", "text")
    # 01:30 UTC on the 5th is still the 4th west of UTC-01:30: the declared moment stays.
    assert _published(_page("<p>July 4, 2025</p>", published="2025-07-05T01:30:00Z")) == ("2025-07-05", "jsonld")


def test_a_bare_date_followed_by_an_update_is_the_publication() -> None:
    header = "<p>March 3, 2025. <i>Updated: May 9, 2025</i></p>"
    assert _shown(_page(header)) == [("2025-03-03", "published", False), ("2025-05-09", "updated", False)]
    # Something said between them breaks the pair.
    apart = "<p>March 3, 2025</p><p>Read the series</p><p>Updated: May 9, 2025</p>"
    assert _shown(_page(apart)) == [("2025-03-03", None, False), ("2025-05-09", "updated", False)]


FOOTER = '<p>Published <time datetime="2019-05-02">May 2, 2019</time></p>'


def test_a_publication_labelled_below_the_article_counts_when_nothing_is_declared() -> None:
    assert _published(_page(BODY + BODY + FOOTER)) == ("2019-05-02", "text")


def test_a_publication_labelled_below_the_article_does_not_replace_a_declared_one() -> None:
    # Further down, "Published ..." is as often another story's, in a list of them.
    kept = _page(BODY + BODY + FOOTER, published="2024-08-07T10:00:00Z", modified="2024-09-01T10:00:00Z")
    assert _published(kept) == ("2024-08-07", "jsonld")
    # Microdata alone does not label a date further down: lists of other stories carry it too.
    other = '<p>More: <time itemprop="datePublished" datetime="2019-05-02">May 2, 2019</time></p>'
    assert page_dates(fromstring(_page(BODY + BODY + other))).labelled is None
    labelled = page_dates(fromstring(_page(BODY + BODY + FOOTER))).labelled
    assert labelled is not None and labelled.local_day == "2019-05-02"


def test_a_sentence_stating_the_original_publication_beats_the_dates_shown() -> None:
    note = "<p>This article was originally published on 26 Sep 2019 at 4:12pm but has been regularly updated.</p>"
    html = _page("<p>30 Sep 2022</p>" + BODY + note, published="2022-09-30T01:00:00Z")
    assert _published(html) == ("2019-09-26", "text")
    # Naming the first publisher, not a date, says nothing about the day.
    credit = "<p>This article was originally published on The Conversation.</p>"
    assert _published(_page("<p>30 Sep 2022</p>" + BODY + credit)) == ("2022-09-30", "text")


def test_a_shown_time_without_a_zone_is_placed_in_the_zone_the_metadata_states() -> None:
    html = _page("<p>Published Dec 18, 2025 8:00 PM</p>", modified="2025-12-19T10:00:00-05:00")
    raw = RawArticle(content=html, url="https://garden-news.example/seed-library", content_type="text/html")
    parsed = parse(raw, uuid.uuid4(), NOW)
    assert isinstance(parsed, ParsedArticle) and parsed.published is not None
    assert parsed.published.value == datetime(2025, 12, 19, 1, 0, tzinfo=UTC)
    assert (parsed.published.timezone, parsed.published.local_day) == ("inferred", "2025-12-18")
