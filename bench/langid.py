"""Language identification: our detector (py3langid) beside langdetect, per language, one run.

    python -m bench.langid [--sentences DIR] [--articles DIR] [--per-language N]

--sentences: a folder of `CODE.txt` files, one sentence a line, CODE an ISO 639-1 code
(lingua-py's test set: ../shared/corpora/langid-sentences). --articles: a folder of
`LANG.dev.tsv.gz` files with a `text` column, LANG an ISO 639-3 code (MasakhaNEWS:
../shared/corpora/news-masakhanews-dev). Without either, a sample the project wrote
(bench/data/langid-sample.tsv). Accuracy compares ISO 639-3 codes, so 'sw' and 'swa' agree.
A language a library does not know at all is marked '-' in its column, and still counts as wrong.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pycountry
from langdetect import DetectorFactory, detect_langs
from langdetect.detector_factory import init_factory
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from worker.pipeline.enrich import detect_language

ISO1_LENGTH = 2
SAMPLE = Path(__file__).parent / "data" / "langid-sample.tsv"
# Macrolanguages and their usual member as the corpora label them.
SAME = {"msa": "msa", "zsm": "msa", "nob": "nor", "nno": "nno", "swh": "swa", "orm": "orm", "gaz": "orm"}

csv.field_size_limit(sys.maxsize)
Sample = tuple[str, str]  # (ISO 639-3 gold, text)


def iso3(code: str | None) -> str | None:
    if not code:
        return None
    code = code.split("-")[0].lower()
    language = pycountry.languages.get(**{"alpha_2" if len(code) == ISO1_LENGTH else "alpha_3": code})
    found = language.alpha_3 if language else code
    return SAME.get(found, found)


def sentences(folder: Path, limit: int) -> Iterator[Sample]:
    for path in sorted(folder.glob("*.txt")):
        if path.stem.isalpha() and len(path.stem) == ISO1_LENGTH:
            lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            gold = iso3(path.stem) or path.stem
            yield from ((gold, line) for line in lines[:limit])


def articles(folder: Path, limit: int) -> Iterator[Sample]:
    for path in sorted(folder.glob("*.tsv.gz")):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))[:limit]
        gold = iso3(path.name.split(".")[0]) or path.name
        yield from ((gold, row["text"]) for row in rows if row["text"].strip())


def sample() -> Iterator[Sample]:
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        code, text = line.split("\t", 1)
        yield iso3(code) or code, text


def ours(text: str) -> str | None:
    return iso3(detect_language(text)[0])


def baseline(text: str) -> str | None:
    try:
        return iso3(detect_langs(text)[0].lang)
    except Exception:  # langdetect raises on text without features (digits, symbols only)
        return None


def known_languages() -> dict[str, set[str]]:
    DetectorFactory.seed = 0  # langdetect is random unless seeded
    init_factory()
    from langdetect import detector_factory

    langdetect = {iso3(code) or code for code in detector_factory._factory.get_lang_list()}  # no public accessor
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    py3 = {iso3(code) or code for code in identifier.nb_classes}
    return {"newsingest (py3langid)": py3, "langdetect": langdetect}


def run(title: str, samples: list[Sample]) -> None:
    systems: dict[str, Callable[[str], str | None]] = {"newsingest (py3langid)": ours, "langdetect": baseline}
    known = known_languages()
    right: dict[str, Counter[str]] = defaultdict(Counter)
    seconds: dict[str, float] = {}
    for name, system in systems.items():
        system("warm up: load the model before timing")
        began = time.perf_counter()
        for gold, text in samples:
            right[name][gold] += system(text) == gold
        seconds[name] = time.perf_counter() - began
    totals = Counter(gold for gold, _ in samples)
    names = list(systems)
    print(f"\n{title}: {len(samples)} texts, {len(totals)} languages")
    print(f"{'lang':<6}{'n':>6}" + "".join(f"{name:>24}" for name in names))
    for gold in sorted(totals):
        cells = "".join(f"{right[n][gold] / totals[gold]:>24.3f}" if gold in known[n] else f"{'-':>24}" for n in names)
        print(f"{gold:<6}{totals[gold]:>6}{cells}")
    overall = "".join(f"{sum(right[n].values()) / len(samples):>24.3f}" for n in names)
    print(f"{'all':<6}{len(samples):>6}{overall}")
    shared = [g for g in totals if all(g in known[n] for n in names)]
    count = sum(totals[g] for g in shared)
    both = "".join(f"{sum(right[n][g] for g in shared) / max(1, count):>24.3f}" for n in names)
    print(f"{'known':<6}{count:>6}{both}   (languages both know)")
    print(f"{'ms':<6}{'each':>6}" + "".join(f"{1000 * seconds[n] / len(samples):>24.2f}" for n in names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=Path)
    parser.add_argument("--articles", type=Path)
    parser.add_argument("--per-language", type=int, default=200, help="texts per language (default 200)")
    args = parser.parse_args()
    if args.sentences:
        run(f"sentences {args.sentences}", list(sentences(args.sentences, args.per_language)))
    if args.articles:
        run(f"articles {args.articles}", list(articles(args.articles, args.per_language)))
    if not (args.sentences or args.articles):
        run(f"sample {SAMPLE}", list(sample()))


if __name__ == "__main__":
    main()
