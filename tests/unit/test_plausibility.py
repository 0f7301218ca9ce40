"""Page type, repeated bodies, implausible dates, boilerplate lines, titles, people, mojibake."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from schemas import ParsedArticle, RawArticle, Rejection
from worker.pipeline.boilerplate import drop_known, line_key, lines_to_learn
from worker.pipeline.parse import parse, repair
from worker.pipeline.people import clean_names
from worker.pipeline.plausibility import collapse_repeats, is_list_of_links
from worker.pipeline.titles import choose_title, strip_site_name
from worker.sources import decode

NOW = datetime(2026, 3, 16, 12, tzinfo=UTC)
STORY = (
    "Harbour works start\nBy Jane Mwangi\n| Mar 03, 2026\n"
    "The city council approved the construction of a new bridge across the harbour on Tuesday.\n"
    "Supporters said the bridge would cut commuting times by half for people on the northern shore.\n"
)


def _parse(content: str, **fields: object) -> ParsedArticle | Rejection:
    raw = RawArticle.model_validate({"source": "t.example", "content": content, "content_type": "text/plain"} | fields)
    return parse(raw, uuid.uuid4(), NOW)


def test_a_future_date_is_dropped_and_flagged() -> None:
    parsed = _parse(STORY.replace("Mar 03, 2026", "Mar 30, 2026"))
    assert isinstance(parsed, ParsedArticle)
    assert parsed.published is None
    assert parsed.flags == ["date_in_future"]


def test_a_date_before_1990_is_dropped_and_flagged() -> None:
    parsed = _parse(STORY.replace("Mar 03, 2026", "Mar 03, 1921"))
    assert isinstance(parsed, ParsedArticle)
    assert (parsed.published, parsed.flags) == (None, ["date_before_1990"])


def test_a_body_repeated_three_times_is_kept_once_and_flagged() -> None:
    body = STORY.split("\n", 3)[3]
    parsed = _parse(STORY + body + body)
    assert isinstance(parsed, ParsedArticle)
    assert len(parsed.paragraphs) == 2
    assert parsed.flags == ["body_repeated_3x"]
    assert collapse_repeats(["a", "b", "a"]) == (["a", "b", "a"], 1)


def test_a_home_page_url_is_flagged() -> None:
    parsed = _parse(STORY, url="https://t.example/")
    assert isinstance(parsed, ParsedArticle)
    assert parsed.flags == ["home_page"]


def test_a_list_of_links_is_not_an_article() -> None:
    links = [f"Council story number {n} about the harbour" for n in range(25)]
    assert is_list_of_links(links)
    assert not is_list_of_links([*links, " ".join(["word"] * 30)])


def test_known_boilerplate_is_dropped_from_the_body() -> None:
    footer = "Lakeside Ledger is independent and reader funded."
    known = frozenset({line_key("LAKESIDE  Ledger is independent and reader funded.")})
    assert drop_known(["Story.", footer], known) == ["Story."]
    parsed = parse(
        RawArticle(source="t.example", content=STORY + footer + "\n", content_type="text/plain"),
        uuid.uuid4(),
        NOW,
        known,
    )
    assert isinstance(parsed, ParsedArticle)
    assert footer not in parsed.body
    assert set(lines_to_learn(["x" * 400, "Short line."]).values()) == {"Short line."}


def test_titles_lose_the_site_name_but_keep_their_own_separators() -> None:
    sites = ["Coastline Courier", "coastline-courier.example"]
    assert strip_site_name("Ferry returns | Coastline Courier", sites) == "Ferry returns"
    assert strip_site_name("Coastline Courier - Ferry returns", sites) == "Ferry returns"
    assert strip_site_name("Budget 2026: what changes", sites) == "Budget 2026: what changes"
    heading = "Ferry returns after six-month refit"
    assert choose_title(["Menu", heading], [f"{heading} | Coastline Courier"], sites) == heading


def test_authors_are_people_only() -> None:
    credits = ["By Jane Doe and John Roe, AFP", "Reuters", "Staff Writer", "https://x.example/jane", "October"]
    assert clean_names(credits) == ["Jane Doe", "John Roe"]
    assert clean_names(['"Ana de la Cruz"']) == ["Ana de la Cruz"]


def test_mojibake_is_repaired_and_quotes_kept() -> None:
    assert repair("CafÃ© owners") == "Café owners"
    assert repair("It’s “fine”") == "It’s “fine”"


def test_bytes_with_a_bom_or_a_wrong_declared_charset_decode() -> None:
    assert decode("\ufeffCafé".encode()) == "Café"
    page = '<meta charset="utf-8"><p>Caf\u00e9 cr\u00e8me, d\u00e9j\u00e0 vu</p>'.encode("cp1252")
    assert "Café crème, déjà vu" in decode(page)
    assert decode("Zürich".encode("utf-16")) == "Zürich"
