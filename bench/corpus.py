"""Articles for the throughput and memory benchmarks: the project's samples, or a news corpus."""

from __future__ import annotations

import csv
import gzip
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from schemas import DedupedArticle, ParsedArticle, RawArticle
from worker.pipeline.dedupe import fingerprint
from worker.pipeline.parse import parse

SAMPLES = Path(__file__).resolve().parent.parent / "worker" / "samples"
NOW = datetime(2026, 11, 26, tzinfo=UTC)
csv.field_size_limit(sys.maxsize)


def records(corpus: Path | None, languages: list[str] | None = None) -> list[RawArticle]:
    """Raw articles: `LANG.dev.tsv.gz` files (MasakhaNEWS layout) from a folder, else the samples."""
    if corpus is None:
        return [
            RawArticle(
                source="samples", content=path.read_text(encoding="utf-8"), url=f"https://samples.example/{path.name}"
            )
            for path in sorted(SAMPLES.iterdir())
            if path.suffix in (".txt", ".html", ".htm")
        ]
    found = []
    for path in sorted(corpus.glob("*.tsv.gz")):
        if languages and path.name.split(".")[0] not in languages:
            continue
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                text = f"{row['headline']}\n{row['text']}"
                # Corpus URLs are site-relative; the articles are stored without one.
                found.append(RawArticle(source="corpus", content=text, content_type="text/plain"))
    return found


def deduped(raws: list[RawArticle]) -> Iterator[DedupedArticle]:
    for raw in raws:
        parsed = parse(raw, uuid.uuid4(), NOW)
        if isinstance(parsed, ParsedArticle):
            yield fingerprint(parsed)


def varied(article: DedupedArticle, index: int) -> DedupedArticle:
    """The article with names never seen before, as a stream of new stories brings them."""
    extra = f"Officials named Zarvek{index} Moltrane{index} and Qelvia{index} said the plan for Trosk{index} stood."
    fields = article.model_dump() | {"body": f"{article.body}\n\n{extra}"}
    return fingerprint(ParsedArticle(**{k: v for k, v in fields.items() if k != "content_hash"}))
