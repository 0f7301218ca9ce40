"""Phrases in search: the word-pair index only narrows the rows; the tsquery decides what matches."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from tests.factories import insert_row
from worker import search as search_module
from worker.models import Article
from worker.phrases import required_pairs
from worker.search import Filters, search

# (title, body): phrases across the title and the body, words in another order or apart, a
# hyphenated word and its parts, a URL, a phrase past a word repeated more than a vector keeps.
TEXTS = [
    ("Harbour bridge opens", "The new harbour bridge opened on Tuesday."),
    ("Bridge news", "A bridge over the harbour, and the harbour by the bridge harbour road."),
    ("Old harbour", "Bridge tolls rise as the harbour empties."),
    ("A well-known ferry", "The ferry is well known; known well, too."),
    ("Well known", "A ferry, well-known to all."),
    ("Links", "See example.com/harbour/bridge for the harbour bridge timetable."),
    ("Long", "harbour " * 300 + "bridge closed at night"),
    ("Tower bridge", "Tower bridge and harbour ferry, by the harbour bridge."),
]
QUERIES = [
    '"harbour bridge"',
    '"bridge harbour"',
    '"opens the"',  # title end, body start: neighbours in the vector
    "well-known ferry",
    '"well known"',
    '"known well"',
    '"harbour bridge" or "tower bridge"',
    '"harbour ferry" or bridge',
    'harbour -"harbour bridge"',
    '-"harbour bridge" ferry',
    '"bridge closed at night"',
    "example.com/harbour/bridge",
    '"harbour bridge" "harbour ferry"',
    '"no such phrase"',
]


@pytest.fixture
def source(session: Session) -> str:
    """A source of its own holding TEXTS, so a test sees only these articles."""
    name = f"phrases-{uuid.uuid4().hex}.example"
    for title, body in TEXTS:
        insert_row(session, name, body, title=title)
    return name


def _matching(session: Session, source: str, words: str) -> set[int]:
    """What the tsquery alone matches: the answer the pair index must not change."""
    query = text("SELECT id FROM articles WHERE source = :source AND search @@ websearch_to_tsquery('simple', :words)")
    return set(session.scalars(query, {"source": source, "words": words}))


def _found(session: Session, source: str, words: str, **options: Any) -> set[int]:
    return {hit["id"] for hit in search(session, words, Filters(source=source), limit=100, **options)["items"]}


@pytest.mark.parametrize("words", QUERIES)
def test_search_finds_exactly_what_the_tsquery_matches(session: Session, source: str, words: str) -> None:
    expected = _matching(session, source, words)
    assert _found(session, source, words) == expected
    assert _found(session, source, words, order="date") == expected


def test_the_queries_cover_matches_and_misses(session: Session, source: str) -> None:
    """The seeded texts make each kind of query both match and miss (else the test above is weak)."""
    matched = {words: len(_matching(session, source, words)) for words in QUERIES}
    missing = {words: count for words, count in matched.items() if not 0 < count < len(TEXTS)}
    assert missing == {'"no such phrase"': 0}


@pytest.mark.parametrize("words", QUERIES)
def test_every_path_to_the_window_finds_the_same(session: Session, source: str, monkeypatch: Any, words: str) -> None:
    monkeypatch.setattr(search_module, "WALK_SHARE", 2.0)
    for path in ({"GIN_ALONE": 0, "WINDOW_SLACK": 0.0}, {"GIN_ALONE": 10**9}):
        for name, value in path.items():
            monkeypatch.setattr(search_module, name, value)
        assert _found(session, source, words) == _matching(session, source, words), path


def test_a_row_holds_the_pairs_of_every_phrase_it_matches(session: Session, source: str) -> None:
    """word_pairs() lists every pair of neighbours the tsquery's phrases can match on, hashed as
    the query side hashes them (checked without the index, row by row)."""
    for words in QUERIES:
        tsquery = session.scalar(text("SELECT websearch_to_tsquery('simple', :w)::text"), {"w": words}) or ""
        for alternative in required_pairs(tsquery):
            keys = [session.scalar(text("SELECT word_pair_key(:a, :b)"), {"a": a, "b": b}) for a, b in alternative]
            holding = select(Article.id).where(Article.source == source, Article.search_pairs.contains(keys))
            phrase = " ".join(f'"{a} {b}"' for a, b in alternative)
            assert _matching(session, source, phrase) <= set(session.scalars(holding)), (words, alternative)


def test_a_phrase_is_found_through_the_pair_index(session: Session) -> None:
    session.execute(text("SET LOCAL enable_seqscan = off"))
    statement = select(Article.id).where(Article.search_pairs.contains([12345]))
    plan = session.scalars(text(f"EXPLAIN {statement.compile(compile_kwargs={'literal_binds': True})}"))
    assert "ix_articles_search_pairs" in "\n".join(plan)


# (language, countries, agency, section): filters that go together and apart, in any case.
FACETED = [
    ("fr", ["KE"], "AFP", "Monde"),
    ("fr", ["KE", "FR"], None, "monde"),
    ("fr", [], "AFP", None),
    ("en", ["KE"], "Reuters", "World"),
    ("en", [], None, "world"),
    (None, ["FR"], "AFP", "Sport"),
]
FILTERS = [
    {"language": "fr"},
    {"language": "fr", "country": "ke"},
    {"country": "FR", "agency": "AFP"},
    {"section": "WORLD"},
    {"section": "monde", "language": "fr", "country": "KE", "agency": "AFP"},
    {"language": "de"},
]


@pytest.fixture
def faceted(session: Session) -> tuple[str, list[int]]:
    """A source of its own whose articles all hold one word, with the filters' values of FACETED."""
    name, word = f"facets-{uuid.uuid4().hex}.example", uuid.uuid4().hex
    ids = [
        insert_row(
            session, name, f"{word} number {n}", language=language, countries=countries, agency=agency, section=section
        )
        for n, (language, countries, agency, section) in enumerate(FACETED)
    ]
    return word, ids


@pytest.mark.parametrize(
    "path",
    [{"GIN_ALONE": 0, "WINDOW_SLACK": 0.0}, {"GIN_ALONE": 0, "COUNTED_ROWS": 1}, {"GIN_ALONE": 10**9}],
    ids=["slices", "extrapolated-slices", "gin"],
)
@pytest.mark.parametrize("chosen", FILTERS, ids=",".join)
def test_the_filters_find_what_the_columns_hold(
    session: Session, faceted: tuple[str, list[int]], monkeypatch: Any, chosen: dict[str, str], path: dict[str, float]
) -> None:
    """The filters, read from the facets of the words' index, select what the columns say."""
    monkeypatch.setattr(search_module, "WALK_SHARE", 2.0)
    for name, value in path.items():
        monkeypatch.setattr(search_module, name, value)
    word, ids = faceted
    expected = {
        article_id
        for article_id, (language, countries, agency, section) in zip(ids, FACETED, strict=True)
        if chosen.get("language", language) == language
        and chosen.get("country", "").upper() in [*countries, ""]
        and chosen.get("agency", agency) == agency
        and (section or "").lower() == chosen.get("section", section or "").lower()
    }
    for order in ("relevance", "date"):
        page = search(session, word, Filters(**chosen), order=order, limit=100)  # type: ignore[arg-type]
        assert {hit["id"] for hit in page["items"]} == expected, order
    assert expected or chosen == {"language": "de"}


def test_words_and_filters_are_one_scan_of_one_index(session: Session) -> None:
    """A word and its filters are read together from the words' index, not ANDed from bitmaps."""
    session.execute(text("SET LOCAL enable_seqscan = off"))
    conditions = search_module._filtering(Filters(language="fr", country="KE"))[1:]
    statement = select(Article.id).where(Article.search.op("@@")(text("'harbour'::tsquery")), *conditions)
    compiled = statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    plan = "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))
    assert "ix_articles_search_facets" in plan and "BitmapAnd" not in plan, plan


@pytest.mark.parametrize("words", [None, "harbour bridge"])
def test_the_newest_first_walk_the_date_index_unsorted(session: Session, words: str | None) -> None:
    """By date, the newest rows come in the date index's order: asking for nulls last (sort_date
    never is null) ruled the index out and sorted every match, 350 ms for 60,000 of 1M rows."""
    session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text("SET LOCAL enable_sort = off"))
    session.execute(text("SET LOCAL enable_bitmapscan = off"))
    statements: list[tuple[str, Any]] = []
    connection = session.connection()

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        search(session, words, Filters(), order="date", limit=5)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    statement, parameters = statements[-1]
    plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    assert "Index Scan Backward using ix_articles_sort_date" in plan, plan


def test_filters_that_go_together_are_not_taken_as_independent(session: Session) -> None:
    """Every Kenyan article here is French: the rows meeting both filters are as many as the
    Kenyan ones, not the planner's product of the two shares (ten times fewer), which sent the
    search to read every match through the words' index alone."""
    word = f"facetword{uuid.uuid4().hex[:8]}"
    session.execute(
        text(
            "WITH made AS (INSERT INTO submissions (id, record) SELECT gen_random_uuid(), '{}'"
            "  FROM generate_series(1, 4000) RETURNING id),"
            " numbered AS (SELECT id, row_number() OVER () AS n FROM made)"
            " INSERT INTO articles (submission_id, source, content_type, body, word_count, reading_time_s,"
            "  content_hash, parser_version, enricher_version, status, language, countries)"
            " SELECT id, 'facets.example', 'text/plain', :word, 1, 1, :word || n, '1', '1', 'stored',"
            "  CASE WHEN n % 10 = 0 THEN 'fr' ELSE 'en' END,"
            "  CASE WHEN n % 20 = 0 THEN '{KE}'::text[] ELSE '{}'::text[] END FROM numbered"
        ),
        {"word": word},
    )
    session.execute(text("ANALYZE articles"))
    both = search_module._matches(session, search_module._words(session, word), Filters(language="fr", country="KE"))
    assert 200 / 2 <= both <= 200 * 2, both  # 200 rows meet both
