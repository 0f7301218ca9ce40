"""Articles for the throughput and memory benchmarks: the project's samples, or a news corpus."""

from __future__ import annotations

import csv
import gzip
import html
import json
import random
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas import DedupedArticle, ParsedArticle, RawArticle
from worker.pipeline.dedupe import fingerprint
from worker.pipeline.parse import parse
from worker.sources import decode

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


# The generated corpus: news pages with the sizes and structure of real ones (WCXB's article
# pages: HTML of 30 to 500 kB around a body of hundreds to a few thousand words), two in three
# as HTML with the scripts, menus and asides a site wraps around the story, one in three as the
# flattened text a scraper produces (like the seed). One article in ten is a wire copy of an
# earlier one on another site, so the duplicate and story paths run as in a real stream.
PEOPLE = (
    "Amina Mohamed", "William Ruto", "Olaf Scholz", "Maria Fernandes", "Kenji Watanabe", "Priya Raman",
    "Lars Nilsson", "Grace Wanjiru", "Ahmed Hassan", "Sofia Rossi", "Daniel Okafor", "Elena Petrova",
)  # fmt: skip
PLACES = (
    "Nairobi", "Mombasa", "Berlin", "Lisbon", "Osaka", "Chennai", "Stockholm", "Lagos", "Cairo",
    "Milan", "Kenya", "Germany", "Portugal", "Japan", "India", "Sweden", "Nigeria", "Egypt",
)  # fmt: skip
ORGANISATIONS = (
    "the World Bank", "the Central Bank", "the Ministry of Transport", "the city council", "Safaricom",
    "the African Union", "the European Commission", "the port authority", "the electoral commission",
)  # fmt: skip
WORDS = (  # noqa: SIM905 - a sentence of words reads better than a list of strings
    "budget plan project council report market growth water energy road bridge school hospital "
    "farmers workers prices rates trade exports imports tax debt loan investors contract court appeal "
    "election voters campaign police safety transport railway airport harbour ferry housing rent wages "
    "drought rainfall harvest tourism visitors industry factory jobs unemployment inflation currency "
    "ministry officials residents community survey study data figures quarter year month week"
).split()
VERBS = ("said", "announced", "warned", "expects", "approved", "rejected", "reviewed", "delayed", "funded", "proposed")
SECTIONS = ("World", "Business", "Politics", "Africa", "Europe", "Technology", "Sport", "Health")
AGENCIES = ("AFP", "Reuters", "AP", "dpa")
NAMING, QUOTING, COPIES, AS_HTML = 0.35, 0.15, 0.1, 2 / 3  # shares of sentences and of articles


def _sentence(draw: random.Random) -> str:
    if draw.random() < NAMING:
        return (
            f"{draw.choice(PEOPLE)}, speaking for {draw.choice(ORGANISATIONS)} in {draw.choice(PLACES)}, "
            f"{draw.choice(VERBS)} that the {draw.choice(WORDS)} {draw.choice(WORDS)} would "
            f"cost {draw.randint(2, 900)} million by {draw.choice(('March', 'June', 'October', 'next year'))}."
        )
    if draw.random() < QUOTING:
        state = draw.choice(("ready", "late", "safe", "needed"))
        return f'"The {draw.choice(WORDS)} is {state}," {draw.choice(PEOPLE)} said.'
    words = draw.choices(WORDS, k=draw.randint(9, 22))
    return f"The {' '.join(words)} in {draw.choice(PLACES)} {draw.choice(VERBS)} {draw.randint(3, 97)} percent."


def _story(draw: random.Random) -> tuple[str, list[str]]:
    change = draw.choice(("rise", "fall", "stall", "grow"))
    subject = " ".join(draw.choices(WORDS, k=2))
    title = f"{draw.choice(PLACES)} {subject} {draw.choice(VERBS)} as {draw.choice(WORDS)} {change}"
    words = int(draw.lognormvariate(6.5, 0.5))  # median about 670 words, p95 about 1,500
    paragraphs: list[str] = []
    while sum(len(p.split()) for p in paragraphs) < words:
        paragraphs.append(" ".join(_sentence(draw) for _ in range(draw.randint(1, 4))))
    return title[0].upper() + title[1:], paragraphs


def _html(draw: random.Random, url: str, title: str, paragraphs: list[str], day: datetime) -> str:
    site = url.split("/")[2]
    links = "".join(
        f'<li><a href="/{w}/{draw.randint(1, 99999)}">{w.title()}</a></li>' for w in draw.choices(WORDS, k=40)
    )
    related = "".join(f'<li><a href="/news/{draw.randint(1, 99999)}">{_story(draw)[0]}</a></li>' for _ in range(6))
    # Inline scripts and styles make up most of a real page's bytes.
    script = (
        "var cfg = {"
        + ",".join(
            f'"{draw.choice(WORDS)}_{i}": {{"id": {draw.randint(1, 99999)}, "slot": "{draw.choice(WORDS)}"}}'
            for i in range(int(draw.lognormvariate(7.3, 0.8)))
        )
        + "};"
    )
    style = "".join(
        f".c{i}{{margin:{i % 9}px;color:#{draw.getrandbits(24):06x}}}" for i in range(draw.randint(200, 800))
    )
    author = draw.choice(PEOPLE)
    ld = json.dumps(
        {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": day.isoformat(),
         "author": {"@type": "Person", "name": author}, "publisher": {"@type": "Organization", "name": site}}
    )  # fmt: skip
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {site}</title>'
        f'<meta property="og:title" content="{html.escape(title)}"><meta property="og:site_name" content="{site}">'
        f'<meta property="article:published_time" content="{day.isoformat()}">'
        f'<link rel="canonical" href="{url}"><style>{style}</style>'
        f'<script type="application/ld+json">{ld}</script><script>{script}</script></head><body>'
        f"<header><nav><ul>{links}</ul></nav></header><main><article><h1>{html.escape(title)}</h1>"
        f'<div class="byline">By {author}</div><time datetime="{day.isoformat()}">{day:%d %B %Y}</time>'
        f"{body}</article><aside><h2>Related</h2><ul>{related}</ul></aside></main>"
        f"<footer><ul>{links}</ul><p>Copyright {day.year} {site}. All rights reserved.</p></footer></body></html>"
    )


def _text(draw: random.Random, title: str, paragraphs: list[str], day: datetime) -> str:
    related = [_story(draw)[0] for _ in range(draw.randint(4, 9))]
    lines = [title, draw.choice(SECTIONS), "By", draw.choice(AGENCIES), f"| {day:%b %d, %Y}"]
    cut = draw.randint(1, max(1, len(paragraphs) - 1))
    lines += [*paragraphs[:cut], "READ MORE", *related, *paragraphs[cut:], "Share this article"]
    return "\n".join(lines)


def generated(count: int, seed: int = 1) -> list[RawArticle]:
    """`count` raw articles, the same for the same seed (see the comment above for their shape)."""
    draw = random.Random(seed)
    found: list[RawArticle] = []
    for index in range(count):
        day = NOW - timedelta(days=draw.randint(0, 30), minutes=draw.randint(0, 1440))
        site = f"site{draw.randint(1, 40)}.example"
        slug = f"story-{seed}-{index}"
        if found and draw.random() < COPIES:  # a wire copy of an earlier story on another site
            original = draw.choice(found)
            found.append(original.model_copy(update={"url": f"https://{site}/wire/{slug}", "source": site}))
            continue
        title, paragraphs = _story(draw)
        url = f"https://{site}/news/{slug}"
        if draw.random() < AS_HTML:
            content, kind = _html(draw, url, title, paragraphs, day), "text/html"
        else:
            content, kind = _text(draw, title, paragraphs, day), "text/plain"
        found.append(RawArticle(url=url, source=site, content=content, content_type=kind, fetched_at=NOW))
    return found


def wcxb(folder: Path) -> list[RawArticle]:
    """The pages of a WCXB-shaped folder (html/NNNN.html.gz, gold/NNNN.json for the URL)."""
    found = []
    for page in sorted((folder / "html").glob("*.html.gz")):
        gold = json.loads((folder / "gold" / page.name.replace(".html.gz", ".json")).read_text())
        url = gold.get("url") or f"https://wcxb.example/{page.name}"
        found.append(
            RawArticle(
                url=url,
                source=url.split("/")[2],
                content=decode(gzip.decompress(page.read_bytes())),
                content_type="text/html",
                fetched_at=NOW,
            )
        )
    return found
