"""Our parse stage against plain trafilatura on the same HTML pages, in one run; prints a table.

    python bench/parse.py                      # the project's own HTML golden cases (fresh clone)
    python bench/parse.py --corpus ../shared/corpora/extraction-wcxb-dev [--limit N]

Scoring (corpora README): body = F1 of bags of word tokens; title = exact match after whitespace
normalisation; date = same calendar day; author = a gold name equal (ignoring case) to one found.
A field is scored only on pages whose gold has it. A gold credit listing several names or
titles ("Jane Doe, PhD"; "Jane Doe and John Roe") also matches on its first name.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas import RawArticle, Rejection
from worker.pipeline.parse import parse
from worker.sources import decode

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "golden" / "html"
_TOKEN = re.compile(r"\w+")
_NAMES = re.compile(r"\s*(?:,|;|&|\||\band\b)\s*")


@dataclass
class Found:
    body: str
    title: str | None
    authors: list[str]
    date: str | None
    seconds: float


def cases(folder: Path, limit: int | None) -> Iterator[tuple[str, bytes, dict[str, object]]]:
    """(name, page bytes, gold) for a WCXB-shaped folder (html/*.html.gz + gold/*.json) or ours."""
    if (folder / "gold").is_dir():
        pages = sorted((folder / "html").glob("*.html.gz"))[:limit]
        for page in pages:
            name = page.name.removesuffix(".html.gz")
            yield name, gzip.decompress(page.read_bytes()), json.loads((folder / "gold" / f"{name}.json").read_text())
        return
    for page in sorted(folder.glob("*.html"))[:limit]:
        yield page.stem, page.read_bytes(), json.loads(page.with_suffix(".expected.json").read_text())


def ours(page: bytes, url: str | None, now: datetime) -> Found:
    start = time.perf_counter()
    raw = RawArticle(content=decode(page), url=url, source="bench", content_type="text/html")
    result = parse(raw, uuid.uuid4(), now)
    seconds = time.perf_counter() - start
    if isinstance(result, Rejection):
        return Found("", None, [], None, seconds)
    day = result.published.local_day if result.published else None
    return Found(result.body, result.title, result.authors, day, seconds)


def baseline(page: bytes, url: str | None, now: datetime) -> Found:
    start = time.perf_counter()
    document = trafilatura.bare_extraction(page, url=url, with_metadata=True)
    seconds = time.perf_counter() - start
    if document is None:
        return Found("", None, [], None, seconds)
    authors = [name.strip() for name in (document.author or "").split(";") if name.strip()]
    return Found(document.text or "", document.title, authors, (document.date or "")[:10] or None, seconds)


def token_f1(found: str, gold: str) -> float:
    got, want = Counter(_TOKEN.findall(found.lower())), Counter(_TOKEN.findall(gold.lower()))
    common = sum((got & want).values())
    if not common:
        return 1.0 if not got and not want else 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def score(found: Found, gold: dict[str, object]) -> dict[str, float]:
    marks = {"f1": token_f1(found.body, str(gold.get("main_content") or "")), "seconds": found.seconds}
    if gold.get("title"):
        marks["title"] = float(_norm(found.title) == _norm(str(gold["title"])))
    if gold.get("publish_date"):
        marks["date"] = float(found.date == str(gold["publish_date"])[:10])
    if gold.get("author"):
        names = {_norm(name).lower() for name in found.authors}
        credit = _norm(str(gold["author"])).lower()
        first = _norm(_NAMES.split(credit)[0])  # "Jane Doe, PhD" / "Jane Doe and John Roe": Jane Doe
        marks["author"] = float(credit in names or first in names)
    return marks


def summarise(marks: list[dict[str, float]]) -> dict[str, str]:
    def pct(key: str) -> str:
        values = [m[key] for m in marks if key in m]
        return f"{100 * statistics.fmean(values):.1f}% (n={len(values)})" if values else "-"

    f1 = [m["f1"] for m in marks]
    ms = sorted(1000 * m["seconds"] for m in marks)
    return {
        "body F1 mean": f"{statistics.fmean(f1):.3f}",
        "body F1 median": f"{statistics.median(f1):.3f}",
        "title exact": pct("title"),
        "date same day": pct("date"),
        "author match": pct("author"),
        "ms/page median": f"{statistics.median(ms):.1f}",
        "ms/page p95": f"{ms[min(len(ms) - 1, int(0.95 * len(ms)))]:.1f}",
    }


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--corpus", type=Path, default=DEFAULT)
    options.add_argument("--limit", type=int, default=None)
    args = options.parse_args()
    now = datetime.now(UTC)
    runners: dict[str, Callable[[bytes, str | None, datetime], Found]] = {"newsingest": ours, "trafilatura": baseline}
    marks: dict[str, list[dict[str, float]]] = {name: [] for name in runners}
    for _name, page, gold in cases(args.corpus, args.limit):
        url = str(gold["url"]) if gold.get("url") else None
        for runner, run in runners.items():
            marks[runner].append(score(run(page, url, now), gold))
    tables = {runner: summarise(found) for runner, found in marks.items()}
    print(f"{len(marks['newsingest'])} pages from {args.corpus}")
    print(f"{'metric':<16}" + "".join(f"{runner:>24}" for runner in runners))
    for metric in tables["newsingest"]:
        print(f"{metric:<16}" + "".join(f"{tables[runner][metric]:>24}" for runner in runners))


if __name__ == "__main__":
    main()
