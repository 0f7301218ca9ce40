"""Search latency with many stored articles: p50 and p95 of GET /articles' query, five kinds.

Creates a scratch database on DATABASE_URL's server, migrates it, fills `articles` synthetically
with COPY in the order of their dates, as articles arrive (Zipf-distributed pseudo-words, 10%
French, 5% naming Kenya, all of those French, one in ten backfilled), reads the table and its
indexes into the page cache (pg_prewarm), runs the search the API and the CLI run
(worker.search.search, snippets included), the kinds taking turns, prints a table, drops the
database.
`--keep` leaves the filled database and prints its name; `--reuse NAME` migrates that database to
head and measures it without filling (drop it by hand, or with `--reuse NAME --drop`).

    python -m bench.search [--articles 1000000] [--queries 100] [--keep | --reuse NAME [--drop]]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.conftest import migrate
from worker.search import Filters, search
from worker.settings import Settings

SYLLABLES = ("ka", "lo", "mi", "ten", "ra", "su", "ven", "do", "pi", "an", "el", "or", "tu", "ba", "ri", "zon")
VOCABULARY = sorted({"".join(random.Random(i).choices(SYLLABLES, k=3)) for i in range(20_000)})[:4000]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]  # Zipf, as words in text are
WORDS_PER_BODY = 120
YEAR, YEAR_S = datetime(2025, 1, 1, tzinfo=UTC), 365 * 86400
BACKFILLED = 10


def published(draw: random.Random, index: int, count: int) -> datetime:
    """Articles are stored as they come out, so the n-th of `count` is from n/count of the way
    through 2025, up to six hours late; one in BACKFILLED is an older one, from any time of the
    year. (Dates made of the index alone tied the months to the language and the countries, which
    are made of it: French articles about Kenya appeared in three months only.)"""
    if draw.random() < 1 / BACKFILLED:
        return YEAR + timedelta(seconds=draw.randrange(YEAR_S))
    return YEAR + timedelta(seconds=index * YEAR_S // count + draw.randrange(6 * 3600))


def rows(count: int, seed: int = 7) -> Iterator[str]:
    draw = random.Random(seed)
    for index in range(count):
        title = " ".join(draw.choices(VOCABULARY, WEIGHTS, k=8))
        body = " ".join(draw.choices(VOCABULARY, WEIGHTS, k=WORDS_PER_BODY))
        language = "fr" if index % 10 == 0 else "en"
        countries = "{KE}" if index % 20 == 0 else "{}"
        day = published(draw, index, count).isoformat()
        digest = hashlib.sha256(body.encode()).hexdigest()
        yield (
            "\t".join(
                (
                    str(uuid.UUID(int=draw.getrandbits(128))),
                    f"site{index % 50}.example",
                    "text/plain",
                    title,
                    body,
                    language,
                    str(WORDS_PER_BODY),
                    "30",
                    countries,
                    digest,
                    "b",
                    "b",
                    "stored",
                    day,
                )
            )
            + "\n"
        )


COLUMNS = (
    "submission_id, source, content_type, title, body, language, word_count, reading_time_s, countries, "
    "content_hash, parser_version, enricher_version, status, published_at"
)


# Dropped for the fill and built again after it (as they stand after the migrations): a GIN index
# built at once is smaller and faster than one filled a row at a time.
SEARCH_INDEXES = ("ix_articles_search_facets", "ix_articles_search_pairs")


def fill(url: str, count: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        definitions = [
            connection.scalar(text(f"SELECT pg_get_indexdef('{name}'::regclass)")) for name in SEARCH_INDEXES
        ]
        connection.execute(text("ALTER TABLE articles DROP CONSTRAINT fk_articles_submission_id_submissions"))
        connection.execute(text("ALTER TABLE articles DISABLE TRIGGER USER"))
        for name in SEARCH_INDEXES:
            connection.execute(text(f"DROP INDEX {name}"))
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY articles ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for line in rows(count):
                copy.write(line)
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        for definition in definitions:
            connection.execute(text(definition))
        connection.execute(text("VACUUM ANALYZE articles"))
    engine.dispose()


def measure(url: str, queries: int) -> list[tuple[str, list[float], list[int]]]:
    draw = random.Random(11)
    middle = VOCABULARY[20:1000]  # neither the handful of stop-word-like heads nor the rare tail
    kinds = {
        "one word": lambda: (draw.choice(middle), Filters()),
        "phrase": lambda: (f'"{draw.choice(VOCABULARY[:200])} {draw.choice(VOCABULARY[:200])}"', Filters()),
        "word + language + country": lambda: (draw.choice(middle), Filters(language="fr", country="KE")),
        "two words, by date": lambda: (f"{draw.choice(middle)} {draw.choice(middle)}", Filters()),
        "newest French, no words": lambda: (None, Filters(language="fr")),  # the page's first view
    }
    engine = create_engine(url)
    times: dict[str, list[float]] = {name: [] for name in kinds}
    hits: dict[str, list[int]] = {name: [] for name in kinds}
    with Session(engine) as session:
        for _ in range(queries):  # the kinds take turns, so a slow spell of the machine hits them all
            for name, make in kinds.items():
                words, filters = make()
                order = "date" if "date" in name else "relevance"
                started = time.perf_counter()
                page = search(session, words, filters, order=order, limit=20)  # type: ignore[arg-type]
                times[name].append((time.perf_counter() - started) * 1000)
                hits[name].append(len(page["items"]))
                session.rollback()
    engine.dispose()
    return [(name, times[name], hits[name]) for name in kinds]


def warm(url: str) -> tuple[int, float] | None:
    """Read the articles' table, its TOAST and its indexes once (pg_prewarm), as a server's page
    cache holds the database it serves all day: bytes read and seconds taken. Otherwise whatever
    query first touches a page pays a disk read, and the figures depend on the order of queries.
    None when the extension cannot be created (it needs a superuser): then the cache is cold."""
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
    except DBAPIError as error:
        print(f"pg_prewarm not available ({type(error.orig).__name__}): measuring with a cold cache")
        engine.dispose()
        return None
    with engine.begin() as connection:
        relations = connection.scalars(
            text(
                "SELECT oid FROM pg_class WHERE oid = 'articles'::regclass"
                " OR oid = (SELECT reltoastrelid FROM pg_class WHERE oid = 'articles'::regclass)"
                " OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'articles'::regclass)"
            )
        ).all()
        blocks = sum(connection.scalar(text("SELECT pg_prewarm(:oid, 'read')"), {"oid": oid}) for oid in relations)
    engine.dispose()
    return blocks * 8192, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the filled database (its name is printed)")
    parser.add_argument("--reuse", metavar="NAME", help="measure a database an earlier --keep run filled")
    parser.add_argument("--drop", action="store_true", help="with --reuse: drop that database at the end")
    args = parser.parse_args()
    if args.reuse and not args.reuse.startswith("newsingest_bench_"):
        parser.error("--reuse takes a newsingest_bench_... database that --keep left")
    server = make_url(Settings().sync_database_url)
    name = args.reuse or f"newsingest_bench_{uuid.uuid4().hex[:8]}"
    keep = args.keep or (args.reuse is not None and not args.drop)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    if not args.reuse:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        started = time.perf_counter()
        migrate(url, "head")
        if args.reuse:
            print(f"reusing {name}, migrated to head in {time.perf_counter() - started:.0f} s")
        else:
            fill(url, args.articles)
            print(f"filled {args.articles:,} articles in {time.perf_counter() - started:.0f} s")
        if (warmed := warm(url)) is not None:
            print(f"read {warmed[0] / 2**30:.1f} GiB of table and indexes into the page cache in {warmed[1]:.0f} s")
        print(f"{'query':<28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'hits/page':>10}")
        for kind, times, hits in measure(url, args.queries):
            p95 = statistics.quantiles(times, n=20)[-1]
            print(
                f"{kind:<28} {len(times):>5} {statistics.median(times):>8.1f} {p95:>8.1f} {max(times):>8.1f}"
                f" {statistics.mean(hits):>10.1f}"
            )
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
