"""Memory of one worker process running the enrich stage with the entity model over many articles.

    python -m bench.memory [--articles 10000] [--corpus ../shared/corpora/news-masakhanews-dev]

Runs the enrich stage's code (the same call the task makes, without the broker) in this one
process and prints its resident memory (RSS) every so many articles. Every article gets names
never seen before, as a real stream does: spaCy keeps every new string in its vocabulary.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import psutil

from bench.corpus import deduped, records, varied
from worker import nlp
from worker.pipeline.enrich import enrich
from worker.settings import Settings

MB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--corpus", type=Path, help="a folder of LANG.dev.tsv.gz files (eng.dev.tsv.gz is used)")
    parser.add_argument("--every", type=int, default=1000)
    args = parser.parse_args()
    process = psutil.Process()
    print(f"{'articles':>9}{'rss MB':>9}{'seconds':>9}   (python started: {process.memory_info().rss / MB:.0f} MB)")
    model = nlp.load(Settings().spacy_model)
    pool = list(deduped(records(args.corpus, ["eng"])))
    enrich(pool[0], model)
    print(f"{0:>9}{process.memory_info().rss / MB:>9.0f}{0:>9}   (model and gazetteers loaded)")
    began = time.perf_counter()
    for index, article in enumerate(itertools.islice(itertools.cycle(pool), args.articles), start=1):
        enrich(varied(article, index), model)
        if index % args.every == 0:
            print(f"{index:>9}{process.memory_info().rss / MB:>9.0f}{time.perf_counter() - began:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
