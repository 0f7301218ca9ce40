"""Dedupe time per article with 10 thousand and with 1 million fingerprints stored.

    DATABASE_URL=postgresql://... python bench/dedupe_cost.py [--sizes 10000,1000000] [--samples 200]

Creates a scratch database on DATABASE_URL's server, migrates it, fills articles, stories and
their LSH band keys synthetically with COPY (band keys are random: unrelated stored articles),
then times the whole store transaction (advisory locks, exact keys, band-key candidates, verdict,
insert) for fresh articles and for near copies of them, each rolled back so every sample is
measured against the same fill. One scratch database per size, timed in turn sample after
sample (after an untimed warm-up at each), so other load on the machine weighs on every size
alike. Drops the databases at the end. Compare timings within one run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import struct
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemas import EnrichedArticle, ParsedArticle, RawArticle  # noqa: E402
from worker import repository  # noqa: E402
from worker.pipeline.dedupe import fingerprint  # noqa: E402
from worker.pipeline.enrich import enrich  # noqa: E402
from worker.pipeline.parse import parse  # noqa: E402
from worker.pipeline.similar import BANDS  # noqa: E402
from worker.settings import Settings  # noqa: E402
from worker.store import store_article  # noqa: E402

WORDS = [
    "council",
    "harbour",
    "minister",
    "budget",
    "election",
    "court",
    "police",
    "hospital",
    "school",
    "river",
    "storm",
    "market",
    "bank",
    "energy",
    "prices",
    "workers",
    "union",
    "strike",
    "company",
    "profits",
    "exports",
    "farmers",
    "drought",
    "rain",
    "village",
    "city",
    "president",
    "talks",
    "summit",
    "border",
    "army",
    "ferry",
    "bridge",
    "tunnel",
    "report",
    "survey",
    "study",
    "students",
    "teachers",
]
CHUNK = 200_000
NOW = datetime(2026, 3, 4, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="stored fingerprints, one scratch database each")
    parser.add_argument("--samples", type=int, default=300, help="articles timed at each size (plus a copy each)")
    parser.add_argument("--warmup", type=int, default=30, help="articles stored first at each size, not timed")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    server = make_url(Settings().sync_database_url)
    names = [f"newsingest_bench_{uuid.uuid4().hex[:8]}" for _ in sizes]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        urls = []
        for name in names:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            urls.append(server.set(database=name).render_as_string(hide_password=False))
            _migrate(urls[-1])
        results = _measure(urls, sizes, args.samples, args.warmup)
    finally:
        for name in names:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    _print(results, args.samples)


def _measure(urls: list[str], sizes: list[int], samples: int, warmup: int) -> list[tuple[int, float, list[float]]]:
    """Fill one database per size, then time the sizes in turn, sample after sample, so that
    whatever else loads the machine meanwhile weighs on every size alike."""
    fills = []
    for url, size in zip(urls, sizes, strict=True):
        started = time.perf_counter()
        _fill(url, 0, size)
        fills.append(time.perf_counter() - started)
    engines = [create_engine(url) for url in urls]
    draw = random.Random(7)
    timings: list[list[float]] = [[] for _ in sizes]
    try:
        for round_ in range(warmup + samples):
            for index, engine in enumerate(engines):
                pair = _time_pair(engine, draw)
                if round_ >= warmup:
                    timings[index].extend(pair)
    finally:
        for engine in engines:
            engine.dispose()
    return list(zip(sizes, fills, timings, strict=True))


def _time_pair(engine: Engine, draw: random.Random) -> list[float]:
    """Store a new article, then a near copy of it; time each store; roll both back."""
    token = uuid.uuid4().hex
    paragraphs = [" ".join(draw.choices(WORDS, k=40)).capitalize() + "." for _ in range(6)]
    copy = [paragraphs[0], "READ MORE", "Unrelated headline here", *paragraphs[1:4]]
    timings = []
    with Session(engine) as session:
        for n, body in enumerate((paragraphs, copy)):
            article = _article(token, n, body)
            repository.accept(session, article.submission_id, {"source": article.source})
            started = time.perf_counter()
            verdict, _ = store_article(session, article)
            timings.append(time.perf_counter() - started)
            assert verdict is not None
            assert verdict.outcome == ("new", "copy")[n], verdict
        session.rollback()
    return timings


def _article(token: str, n: int, paragraphs: list[str]) -> EnrichedArticle:
    content = f"Bench story {token}\nNews\nBy A Reporter\n| Mar 03, 2026\n" + "\n".join(paragraphs) + "\n"
    raw = RawArticle(source="bench.example", url=f"https://site{n}.bench.example/{token}", content=content)
    parsed = parse(raw, uuid.uuid4(), NOW)
    assert isinstance(parsed, ParsedArticle)
    return enrich(fingerprint(parsed))


def _fill(url: str, start: int, stop: int) -> None:
    """Synthetic articles start..stop-1 (one story each) and BANDS random band keys each, by COPY."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("SET session_replication_role = replica")  # no FK triggers on a bulk fill
        connection.execute("SET maintenance_work_mem = '512MB'")
        connection.execute("ALTER TABLE article_bands DROP CONSTRAINT pk_article_bands")
        connection.execute("DROP INDEX ix_article_bands_article_id")
        for low in range(start, stop, CHUNK):
            high = min(stop, low + CHUNK)
            _copy_articles(connection, low, high)
            _copy_bands(connection, low, high)
        connection.execute(
            "ALTER TABLE article_bands ADD CONSTRAINT pk_article_bands PRIMARY KEY (band_key, article_id)"
        )
        connection.execute("CREATE INDEX ix_article_bands_article_id ON article_bands (article_id)")
        connection.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), %s)", (stop + 1,))
        connection.execute("SELECT setval(pg_get_serial_sequence('stories', 'id'), %s)", (stop + 1,))
        connection.execute("ANALYZE")


def _copy_articles(connection: psycopg.Connection[object], low: int, high: int) -> None:
    columns = (
        "id, submission_id, canonical_url, source, content_type, body, word_count, reading_time_s, "
        "content_hash, parser_version, enricher_version, status, story_id"
    )
    with connection.cursor().copy(f"COPY articles ({columns}) FROM STDIN") as copy:
        for i in range(low + 1, high + 1):
            copy.write_row(
                (i, uuid.uuid4(), f"https://bench.example/{i}", "bench.example", "text/plain", f"synthetic article {i}",
                 3, 1, f"{i:064x}", "bench", "bench", "stored", i)
            )  # fmt: skip
    with connection.cursor().copy("COPY stories (id, canonical_id) FROM STDIN") as copy:
        for i in range(low + 1, high + 1):
            copy.write_row((i, i))


def _copy_bands(connection: psycopg.Connection[object], low: int, high: int) -> None:
    """COPY BINARY: rows of (band_key bigint, article_id bigint), built with numpy."""
    count = (high - low) * BANDS
    rows = np.empty(count, dtype=[("n", ">i2"), ("l1", ">i4"), ("key", ">i8"), ("l2", ">i4"), ("id", ">i8")])
    rows["n"], rows["l1"], rows["l2"] = 2, 8, 8
    rows["key"] = np.random.default_rng(low).integers(-(2**63), 2**63 - 1, size=count, dtype=np.int64)
    rows["id"] = np.repeat(np.arange(low + 1, high + 1, dtype=np.int64), BANDS)
    payload = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + rows.tobytes() + struct.pack(">h", -1)
    with connection.cursor().copy("COPY article_bands (band_key, article_id) FROM STDIN WITH (FORMAT binary)") as copy:
        copy.write(payload)


def _migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def _print(results: list[tuple[int, float, list[float]]], samples: int) -> None:
    print(f"dedupe (whole store transaction) per article; {samples} new articles + {samples} near copies per size,")
    print("sizes timed in alternation, each in its own database")
    print(f"{'fingerprints':>12} {'band keys':>11} {'fill s':>8} {'median ms':>10} {'p95 ms':>8}")
    summary = []
    for size, fill_s, timings in results:
        median = statistics.median(timings) * 1000
        p95 = statistics.quantiles(timings, n=20)[-1] * 1000
        summary.append((median, p95))
        print(f"{size:>12,} {size * BANDS:>11,} {fill_s:>8.1f} {median:>10.2f} {p95:>8.2f}")
    if len(summary) > 1:
        (m0, p0), (m1, p1) = summary[0], summary[-1]
        print(f"ratio {results[-1][0]:,} / {results[0][0]:,}: median {m1 / m0:.2f}, p95 {p1 / p0:.2f} (goal < 1.5)")


if __name__ == "__main__":
    main()
