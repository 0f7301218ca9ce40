"""Throughput per stage on one core: articles/s and words/s of parse, dedupe and each enrich step.

    python -m bench.throughput [--corpus ../shared/corpora/news-masakhanews-dev] [--rounds N]

Runs the pure stage functions in this one process (one core, no broker, no database) over the
corpus; without one, over the samples the project ships. Timings depend on what else the
machine runs: compare rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.corpus import NOW, records
from schemas import ParsedArticle
from worker import nlp
from worker.pipeline.dedupe import fingerprint
from worker.pipeline.enrich import count_words, detect_language, enrich
from worker.pipeline.entities import find_mentions
from worker.pipeline.parse import parse
from worker.pipeline.quotes import find_quotes
from worker.pipeline.summary import keywords, summarise
from worker.settings import Settings


def timed(items: list[Any], step: Callable[[Any], Any]) -> tuple[float, list[Any]]:
    began = time.perf_counter()
    results = [step(item) for item in items]
    return time.perf_counter() - began, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="a folder of LANG.dev.tsv.gz files (MasakhaNEWS layout)")
    parser.add_argument("--languages", default="eng", help="which LANG files of the corpus (default eng)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the articles (default 1)")
    args = parser.parse_args()
    raws = records(args.corpus, args.languages.split(",")) * args.rounds
    model = nlp.load(Settings().spacy_model)
    parse_s, parsed = timed(raws, lambda raw: parse(raw, uuid.uuid4(), NOW))
    parsed = [p for p in parsed if isinstance(p, ParsedArticle)]
    dedupe_s, deduped = timed(parsed, fingerprint)
    enrich(deduped[0], model)  # load gazetteers and language model outside the timings
    bodies = [a.body for a in deduped]
    words = sum(count_words(b) for b in bodies)
    rows = [
        ("parse", parse_s, len(raws)),
        ("dedupe (fingerprint)", dedupe_s, len(parsed)),
        ("enrich: language", timed(bodies, detect_language)[0], len(bodies)),
        ("enrich: entities", timed(bodies, lambda b: find_mentions(model, b))[0], len(bodies)),
        ("enrich: keywords", timed(bodies, lambda b: keywords(b, "en"))[0], len(bodies)),
        ("enrich: summary", timed(bodies, lambda b: summarise(b, keywords(b, "en")))[0], len(bodies)),
        ("enrich: quotes", timed(bodies, lambda b: find_quotes(b, []))[0], len(bodies)),
        ("enrich: all", timed(deduped, lambda a: enrich(a, model))[0], len(deduped)),
        ("enrich: all but entities", timed(deduped, lambda a: enrich(a, None))[0], len(deduped)),
    ]
    source = args.corpus or "worker/samples"
    print(f"{len(raws)} articles ({len(parsed)} parsed, {words} words in bodies) from {source}; one process")
    print(f"{'stage':<30}{'seconds':>9}{'articles/s':>12}{'words/s':>10}")
    for name, seconds, count in rows:
        share = words * count / max(1, len(bodies))
        print(f"{name:<30}{seconds:>9.2f}{count / seconds:>12.1f}{share / seconds:>10.0f}")


if __name__ == "__main__":
    main()
