"""Pages where our publication date misses the gold day, with the date evidence each page holds.

    python bench/date_misses.py --corpus ../shared/corpora/extraction-wcxb-dev [--limit N] [--all]

One row per page whose gold has a date and where we (or trafilatura) miss it: ours, trafilatura's,
gold, then the page's evidence (JSON-LD datePublished/dateModified of every object, meta
published/modified tags, <time datetime> values, short visible date lines, the dates shown around
the headline with their labels, a publication labelled below them or stated as the original, the
URL day) and a class for the miss. A diagnostic: it decides nothing in the pipeline.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.parse import cases
from schemas import RawArticle, Rejection
from worker.pipeline.dates import from_url, parse_date_line
from worker.pipeline.metadata import MODIFIED_META, PUBLISHED_META, _jsonld_objects, _types, read_metadata
from worker.pipeline.parse import parse
from worker.pipeline.shown import page_dates
from worker.sources import decode


def _day(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    dated = parse_date_line(" ".join(value.split()), "meta")
    return dated.local_day if dated else None


# Short leaf texts that parse as a date: visible date lines anywhere on the page (the first few).
_LINE_CHARS = range(6, 65)
_LINES = 4
_TIMES = 6


def evidence(page: bytes, url: str | None) -> dict[str, list[str]]:
    """Every day the page states, by where it states it."""
    tree = load_html(decode(page))
    found: dict[str, list[str]] = {"ld_pub": [], "ld_mod": [], "meta_pub": [], "meta_mod": [], "time": [], "text": []}
    if tree is None:
        return found
    for obj in _jsonld_objects(tree):
        kinds = "/".join(sorted(_types(obj))) or "?"
        for key, slot in (("datePublished", "ld_pub"), ("dateModified", "ld_mod")):
            if day := _day(obj.get(key)):
                found[slot].append(f"{day}({kinds[:14]})")
    meta = read_metadata(tree)
    for names, slot in ((PUBLISHED_META, "meta_pub"), (MODIFIED_META, "meta_mod")):
        found[slot] += [f"{day}({name[:12]})" for name in names for v in meta.meta.get(name, []) if (day := _day(v))]
    found["time"] = [day for e in tree.xpath("//time")[:_TIMES] if (day := _day(e.get("datetime") or e.text_content()))]
    found["text"] = _lines(tree)
    dates = page_dates(tree)
    found["shown"] = [f"{d.dated.local_day}({d.label or '-'}{'?' if d.ambiguous else ''})" for d in dates.header]
    found["below"] = [dates.labelled.local_day] if dates.labelled else []
    found["original"] = [dates.original.local_day] if dates.original else []
    if dated := from_url(url):
        found["url"] = [dated.local_day]
    return found


def _lines(tree: HtmlElement) -> list[str]:
    lines: list[str] = []
    for element in tree.xpath("//body//*[not(*)]"):
        text = " ".join(element.text_content().split())
        if len(text) in _LINE_CHARS and (dated := parse_date_line(text)):
            lines.append(f"{dated.local_day}«{text[:30]}»")
            if len(lines) == _LINES:
                break
    return lines


def classify(ours: str | None, gold: str, ev: dict[str, list[str]]) -> str:
    """The first class that fits, most specific first."""

    def days(*slots: str) -> set[str]:
        return {item[:10] for slot in slots for item in ev.get(slot, [])}

    rules = [
        ("none", ours is None),
        ("off_by_one_day", ours is not None and ours[:8] == gold[:8] and abs(int(ours[8:10]) - int(gold[8:10])) == 1),
        ("gold=modified", gold in days("ld_mod", "meta_mod")),
        ("gold=labelled_update", any(item.startswith(f"{gold}(updated") for item in ev.get("shown", []))),
        ("gold=visible_only", gold in days("time", "text", "shown", "below", "original")),
        ("gold=other_declared", gold in days("ld_pub", "meta_pub", "url")),
    ]
    return next((kind for kind, fits in rules if fits), "gold_not_on_page")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--corpus", type=Path, required=True)
    options.add_argument("--limit", type=int, default=None)
    options.add_argument("--all", action="store_true", help="also list pages only trafilatura misses")
    args = options.parse_args()
    now = datetime.now(UTC)
    classes: Counter[str] = Counter()
    for name, page, gold in cases(args.corpus, args.limit):
        want = str(gold.get("publish_date") or "")[:10]
        if not want:
            continue
        url = str(gold["url"]) if gold.get("url") else None
        raw = RawArticle(content=decode(page), url=url, source="bench", content_type="text/html")
        result = parse(raw, uuid.uuid4(), now)
        ours = None if isinstance(result, Rejection) or not result.published else result.published.local_day
        source = "" if isinstance(result, Rejection) or not result.published else result.published.source
        document = trafilatura.bare_extraction(page, url=url, with_metadata=True)
        theirs = (document.date or "")[:10] if document is not None else ""
        if ours == want and (theirs == want or not args.all):
            continue
        ev = evidence(page, url)
        kind = classify(ours, want, ev) if ours != want else "traf_only_miss"
        classes[kind] += 1
        shown = " ".join(f"{slot}={','.join(items)}" for slot, items in ev.items() if items)
        print(f"{name} {kind:<20} gold={want} ours={ours}({source}) traf={theirs or None} | {shown}")
    print()
    for kind, count in classes.most_common():
        print(f"{kind:<22}{count:>5}")


if __name__ == "__main__":
    main()
