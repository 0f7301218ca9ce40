"""Throughput and scaling: the pure pipeline, end to end with 1 and 2 workers, a naive baseline.

    python -m bench.scaling [--articles 240] [--corpus DIR] [--entities both|on|off] [--out bench/results]

On one corpus (by default one it generates: news pages of real sizes and structure, HTML and
scraped text, one in ten a wire copy; `--corpus DIR` takes a WCXB-shaped folder of real pages):

1. pure: parse, dedupe's own work (the body hash, and the MinHash band keys the store computes)
   and enrich in this one process, no broker, no database: articles/s and ms per stage (median,
   p95). The limit the rest is measured against: it runs before and after each end-to-end run,
   and each end-to-end rate is set against its two neighbours.
2. end to end: `newsingest worker` processes (prefork, concurrency 1 each) on a scratch database
   of DATABASE_URL's server and Redis database 14 of REDIS_URL's server (flushed; without these
   variables, on embedded servers as `make test` starts them), fed through
   `worker.submit`: articles/s with every article queued at once, then enqueue-to-settled latency
   (p50/p95/p99) of 100 articles sent at half that rate. Memory per worker process (RSS, and USS:
   what the process alone holds) and bytes per queue message, sampled from Redis, on the way.
   Then one worker and the pure pipeline in turns, 20 of the same articles at a time: the
   machine's speed drifts too much within minutes for runs minutes apart to compare closely.
3. naive: what a user would write without us: the same core functions, then one ORM session,
   one article (its submission, row and entities) per transaction. No dedupe, no stories.

Each with and without entity extraction (NEWSINGEST_ENTITIES). Prints a table and writes
scaling.json and scaling.png to --out. Timings depend on what else the machine runs: compare the
rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
import redis
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from bench.corpus import NOW, deduped, generated, wcxb
from schemas import ParsedArticle, RawArticle
from tests.conftest import scratch_database
from worker import db, flow, nlp
from worker.local import services
from worker.models import Article, ArticleEntity, Submission
from worker.models import Entity as EntityRow
from worker.pipeline.dedupe import fingerprint
from worker.pipeline.enrich import enrich
from worker.pipeline.parse import parse
from worker.pipeline.similar import band_keys, shingles
from worker.repository import article_values
from worker.settings import Settings, get_settings

if TYPE_CHECKING:
    from spacy.language import Language

REPO_ROOT = Path(__file__).resolve().parent.parent
REDIS_DB = 14
URLS = ("DATABASE_URL", "REDIS_URL")
MB = 1024 * 1024
WARM_UP = 4  # articles per worker sent (and settled) before a measurement starts
SETTLE_TIMEOUT_S = 1800
PACED = 100  # articles sent at half the saturated rate to measure latency
PAIRED_BLOCK = 20  # articles a turn when one worker and the pure pipeline take turns


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


# 1. The pure pipeline ------------------------------------------------------------------------


@dataclass
class Pure:
    articles: int
    seconds: float
    per_s: float
    cpu_ms_per_article: float
    stage_ms: dict[str, dict[str, float]]


def warmed(warm: list[RawArticle], entities: bool) -> Language | None:
    """The entity model, after the warm-up articles ran through the core (first calls load models).

    Then what is loaded is frozen out of the garbage collector's full passes, as a worker does
    before its pool starts (worker.app): the pure pipeline is the limit, not slowed by a cost the
    worker does not pay.
    """
    model = nlp.configured(Settings(entities=entities))
    for article in deduped(warm):
        enrich(article, model)
    gc.collect()
    gc.freeze()
    return model


def pure(raws: list[RawArticle], warm: list[RawArticle], entities: bool) -> Pure:
    """Parse, fingerprint (hash and band keys) and enrich every article in this process, timing each stage."""
    return timed_pure(raws, warmed(warm, entities))


def timed_pure(raws: list[RawArticle], model: Language | None) -> Pure:
    timings: dict[str, list[float]] = defaultdict(list)
    began, cpu = time.perf_counter(), time.process_time()
    for raw in raws:
        t0 = time.perf_counter()
        parsed = parse(raw, uuid.uuid4(), NOW)
        t1 = time.perf_counter()
        timings["parse"].append(t1 - t0)
        if not isinstance(parsed, ParsedArticle):
            continue
        deduped = fingerprint(parsed)
        band_keys(shingles(deduped.body))
        t2 = time.perf_counter()
        enrich(deduped, model)
        t3 = time.perf_counter()
        timings["dedupe"].append(t2 - t1)
        timings["enrich"].append(t3 - t2)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    stage_ms = {
        name: {"median": 1000 * statistics.median(values), "p95": 1000 * quantile(values, 0.95)}
        for name, values in timings.items()
    }
    return Pure(len(raws), seconds, len(raws) / seconds, 1000 * cpu / len(raws), stage_ms)


# 2. End to end -------------------------------------------------------------------------------


@dataclass
class Sampled:
    """What the sampler saw: peak memory per worker process, bytes of messages per queue."""

    rss_mb: dict[str, float] = field(default_factory=dict)
    uss_mb: dict[str, float] = field(default_factory=dict)
    rss_series: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    message_bytes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    payload_bytes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


class Stack:
    """Worker processes on a scratch database and a flushed Redis database."""

    def __init__(self, database_url: str, redis_url: str, workers: int, entities: bool, logs: Path) -> None:
        self.env = os.environ | {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "NEWSINGEST_ENTITIES": str(entities).lower(),
            "NEWSINGEST_METRICS_PORT": "0",
            "NEWSINGEST_SWEEP_INTERVAL_S": "0",
            "NEWSINGEST_LOG_LEVEL": "WARNING",
            "NEWSINGEST_LOG_FORMAT": "json",
        }
        self.workers = workers
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self.engine = create_engine(Settings(database_url=database_url).sync_database_url)
        self.redis = redis.Redis.from_url(redis_url)
        self.sampled = Sampled()
        self._sampling = threading.Event()
        self.started = time.time()

    def __enter__(self) -> Stack:
        self.redis.flushdb()
        os.environ.update({k: self.env[k] for k in ("DATABASE_URL", "REDIS_URL")})  # for worker.submit
        get_settings.cache_clear()
        db.configure(get_settings())
        for index in range(self.workers):
            argv = [sys.executable, "-m", "worker.cli", "worker", "-c", "1", "-n", f"bench{index}@%h"]
            log = (self.logs / f"worker{index}.log").open("ab")
            self.processes.append(subprocess.Popen(argv, env=self.env, cwd=REPO_ROOT, stdout=log, stderr=log))
        return self

    def __exit__(self, *_: object) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        self.engine.dispose()

    def ready(self, warm: list[RawArticle]) -> None:
        """Wait until every worker answers, then until the warm-up articles are settled."""
        from worker.app import app

        deadline = time.monotonic() + 180
        while len(app.control.ping(timeout=1.0)) < self.workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"workers did not start; see {self.logs}")
        self.settled(self.submit(warm)[0])

    def submit(self, raws: list[RawArticle]) -> tuple[list[str], float]:
        """Queue the articles through worker.submit (ledger on); their ids and when sending began."""
        from worker.submit import submit

        began = time.time()
        receipt = submit(raws, ledger=True)
        if receipt.rejected:
            raise RuntimeError(f"rejected: {receipt.rejected[:3]}")
        return [ident for _, ident in receipt.queued], began

    def settled(self, ids: list[str]) -> dict[str, tuple[str, float]]:
        """Wait until none of the submissions is open; id -> (status, settled at, epoch seconds)."""
        wanted = [uuid.UUID(i) for i in ids]
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        query = select(Submission.id, Submission.status, Submission.updated_at).where(Submission.id.in_(wanted))
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
            if len(rows) == len(ids) and all(row.status != "accepted" for row in rows):
                return {str(row.id): (row.status, row.updated_at.timestamp()) for row in rows}
            if time.monotonic() > deadline:
                raise RuntimeError(f"not settled after {SETTLE_TIMEOUT_S}s; see {self.logs}")
            time.sleep(0.2)

    @contextmanager
    def sampling(self) -> Iterator[Sampled]:
        self.started = time.time()
        self._sampling.set()
        thread = threading.Thread(target=self._sample, daemon=True)
        thread.start()
        try:
            yield self.sampled
        finally:
            self._sampling.clear()
            thread.join()

    def _sample(self) -> None:
        """Messages ten times a second; memory every second (USS reads /proc/PID/smaps: 10 ms a
        process, so every fifth time only), to keep the sampler's own CPU out of the figures."""
        seen: set[tuple[str, str]] = set()
        ticks = 0
        while self._sampling.is_set():
            if ticks % 10 == 0:
                for index, process in enumerate(self.processes):
                    self._memory(f"worker{index}", process.pid, full=ticks % 50 == 0)
            ticks += 1
            for queue in flow.QUEUES:
                for raw in self.redis.lrange(queue, 0, 20):
                    self._message(queue, raw, seen)
            for raw in self.redis.hvals("unacked"):
                message, _exchange, queue = json.loads(raw)
                self._message(queue, json.dumps(message).encode(), seen)
            time.sleep(0.1)

    def _memory(self, name: str, pid: int, *, full: bool) -> None:
        try:
            main = psutil.Process(pid)
            for role, each in [("main", main)] + [("pool", child) for child in main.children(recursive=True)]:
                key = f"{name} {role}"
                info = each.memory_full_info() if full else each.memory_info()
                self.sampled.rss_mb[key] = max(self.sampled.rss_mb.get(key, 0), info.rss / MB)
                self.sampled.rss_series[key].append((round(time.time() - self.started, 1), round(info.rss / MB, 1)))
                if full:
                    self.sampled.uss_mb[key] = max(self.sampled.uss_mb.get(key, 0), info.uss / MB)
        except psutil.Error:
            pass

    def _message(self, queue: str, raw: bytes | str, seen: set[tuple[str, str]]) -> None:
        message = json.loads(raw)
        tag = message["properties"]["delivery_tag"]
        if (queue, tag) in seen:
            return
        seen.add((queue, tag))
        self.sampled.message_bytes[queue].append(len(raw))
        self.sampled.payload_bytes[queue].append(len(base64.b64decode(message["body"])))

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes:
            try:
                main = psutil.Process(process.pid)
                for each in [main, *main.children(recursive=True)]:
                    times = each.cpu_times()
                    total += times.user + times.system
            except psutil.Error:
                pass
        return total


def steady_rate(settled_at: Iterable[float]) -> float:
    """Articles/s from the first settle to the last: the pace of the stream once it flows.

    From the first send, a rate would also count, against the workers, what the producer does
    before its first message goes out (validating each record and inserting the batch into the
    ledger: some 5 ms an article here, 0.9 s for 160) and the first article's way through.
    """
    times = sorted(settled_at)
    return (len(times) - 1) / (times[-1] - times[0])


@dataclass
class EndToEnd:
    workers: int
    articles: int
    seconds: float
    per_s: float
    from_send_per_s: float
    worker_cpu_ms_per_article: float
    outcomes: dict[str, int]
    latency_rate_per_s: float
    latency_ms: dict[str, float]
    rss_mb: dict[str, float]
    uss_mb: dict[str, float]
    rss_series: dict[str, list[tuple[float, float]]]
    message_bytes: dict[str, dict[str, float]]


@dataclass
class Servers:
    """The PostgreSQL server to make scratch databases on, and the Redis database to use."""

    database_url: str
    redis_url: str


@contextmanager
def ready_stack(servers: Servers, workers: int, entities: bool, warm: list[RawArticle], logs: Path) -> Iterator[Stack]:
    """Workers on a fresh scratch database, answering and warmed up."""
    with (
        scratch_database(servers.database_url, "newsingest_bench") as url,
        Stack(url, servers.redis_url, workers, entities, logs) as stack,
    ):
        stack.ready(warm)
        yield stack


def end_to_end(
    servers: Servers, raws: list[RawArticle], warm: list[RawArticle], workers: int, entities: bool
) -> EndToEnd:
    logs = Path(tempfile.mkdtemp(prefix="newsingest-bench-"))
    # Saturated: every article queued at once; the rate is the steady one between settles.
    with ready_stack(servers, workers, entities, warm, logs) as stack:
        cpu_before = stack.cpu_seconds()
        with stack.sampling() as sampled:
            ids, began = stack.submit(raws)
            settled = stack.settled(ids)
        cpu = stack.cpu_seconds() - cpu_before
    seconds = max(at for _, at in settled.values()) - began
    rate = steady_rate(at for _, at in settled.values())
    outcomes: dict[str, int] = defaultdict(int)
    for status, _ in settled.values():
        outcomes[status] += 1
    # Paced: one article every 1 / (rate / 2) seconds, on fresh workers and a fresh database.
    pace = rate / 2
    with ready_stack(servers, workers, entities, warm, logs) as stack:
        sent: dict[str, float] = {}
        start = time.time()
        for index, raw in enumerate(raws[:PACED]):
            time.sleep(max(0.0, start + index / pace - time.time()))
            [ident], at = stack.submit([raw])
            sent[ident] = at
        latencies = [1000 * (at - sent[ident]) for ident, (_, at) in stack.settled(list(sent)).items()]
    return EndToEnd(
        workers=workers,
        articles=len(raws),
        seconds=seconds,
        per_s=rate,
        from_send_per_s=len(raws) / seconds,
        worker_cpu_ms_per_article=1000 * cpu / len(raws),
        outcomes=dict(outcomes),
        latency_rate_per_s=pace,
        latency_ms={f"p{q}": quantile(latencies, q / 100) for q in (50, 95, 99)},
        rss_mb=sampled.rss_mb,
        uss_mb=sampled.uss_mb,
        rss_series=dict(sampled.rss_series),
        message_bytes={
            queue: {
                "messages": len(sizes),
                "median": statistics.median(sizes),
                "max": max(sizes),
                "payload_median": statistics.median(sampled.payload_bytes[queue]),
            }
            for queue, sizes in sampled.message_bytes.items()
        },
    )


@dataclass
class Paired:
    """One worker and the pure pipeline in turns, block by block on the same articles."""

    articles: int
    block: int
    end_to_end_per_s: float
    pure_per_s: float


def paired(servers: Servers, raws: list[RawArticle], warm: list[RawArticle], entities: bool) -> Paired:
    """This machine's speed drifts by a quarter within minutes (the pure rate between the runs
    above), which a ratio of runs minutes apart takes for the pipeline's. Here each block of
    PAIRED_BLOCK articles goes through one worker (at its steady rate, from the settle times
    PostgreSQL stored), then through the pure pipeline in this process, the other idle in turn."""
    model = warmed(warm, entities)
    logs = Path(tempfile.mkdtemp(prefix="newsingest-bench-"))
    worker_s = pure_s = 0.0
    with ready_stack(servers, 1, entities, warm, logs) as stack:
        for start in range(0, len(raws), PAIRED_BLOCK):
            block = raws[start : start + PAIRED_BLOCK]
            ids, _ = stack.submit(block)
            worker_s += len(block) / steady_rate(at for _, at in stack.settled(ids).values())
            pure_s += timed_pure(block, model).seconds
    return Paired(len(raws), PAIRED_BLOCK, len(raws) / worker_s, len(raws) / pure_s)


# 3. The naive baseline -----------------------------------------------------------------------


@dataclass
class Naive:
    articles: int
    seconds: float
    per_s: float


def naive(servers: Servers, raws: list[RawArticle], warm: list[RawArticle], entities: bool) -> Naive:
    """One ORM session and one transaction per article, entities looked up one by one; without
    our frozen collector (what a user's script does not do)."""
    model = warmed(warm, entities)
    gc.unfreeze()
    with scratch_database(servers.database_url, "newsingest_bench") as url:
        engine = create_engine(Settings(database_url=url).sync_database_url)
        began = time.perf_counter()
        for raw in raws:
            submission_id = uuid.uuid4()
            parsed = parse(raw, submission_id, NOW)
            if not isinstance(parsed, ParsedArticle):
                continue
            article = enrich(fingerprint(parsed), model)
            with Session(engine) as session:
                session.add(Submission(id=submission_id, record=raw.model_dump(mode="json"), status="stored"))
                session.flush()
                row = Article(**article_values(article), status="stored")
                session.add(row)
                session.flush()
                for entity in article.entities:
                    found = session.scalar(
                        select(EntityRow).where(EntityRow.kind == entity.kind, EntityRow.key == entity.key)
                    )
                    if found is None:
                        found = EntityRow(kind=entity.kind, key=entity.key, name=entity.name)
                        session.add(found)
                        session.flush()
                    session.add(ArticleEntity(article_id=row.id, entity_id=found.id, mentions=entity.mentions))
                session.commit()
        seconds = time.perf_counter() - began
        with engine.connect() as connection:
            stored = connection.scalar(text("SELECT count(*) FROM articles"))
        engine.dispose()
    return Naive(int(stored or 0), seconds, len(raws) / seconds)


# The report ----------------------------------------------------------------------------------


def report(results: dict[str, Any], out: Path) -> None:
    print(f"\ncorpus: {results['corpus']}, {results['articles']} articles, {os.cpu_count()} cores")
    header = f"{'run':<34}{'art/s':>8}{'vs pure':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'CPU ms/art':>12}"
    for mode, runs in results["runs"].items():
        print(f"\nentities {mode}\n{header}")
        for index, run in enumerate(runs["pure_runs"], start=1):
            name = f"pure pipeline, 1 process, run {index}"
            print(f"{name:<34}{run['per_s']:>8.2f}{'':>36}{run['cpu_ms_per_article']:>12.0f}")
        for stage, ms in runs["pure"]["stage_ms"].items():
            print(f"{'  ' + stage + ' ms (median, p95)':<34}{ms['median']:>8.1f}{ms['p95']:>9.1f}")
        for e2e in runs["end_to_end"]:
            lat = e2e["latency_ms"]
            name = f"end to end, {e2e['workers']} worker{'s' if e2e['workers'] > 1 else ''}"
            print(
                f"{name:<34}{e2e['per_s']:>8.2f}{e2e['per_s'] / e2e['pure_per_s']:>9.0%}"
                f"{lat['p50']:>9.0f}{lat['p95']:>9.0f}{lat['p99']:>9.0f}{e2e['worker_cpu_ms_per_article']:>12.0f}"
            )
            sent = e2e["from_send_per_s"]
            print(f"{'  from the first send':<34}{sent:>8.2f}{sent / e2e['pure_per_s']:>9.0%}")
        one, two = runs["end_to_end"][:2]
        relative = (two["per_s"] / two["pure_per_s"]) / (one["per_s"] / one["pure_per_s"])
        scaled = two["per_s"] / one["per_s"]
        print(f"{'  2 workers / 1 worker':<34}{scaled:>8.2f}x  ({relative:.2f}x against their pure runs)")
        turns = runs["paired"]
        name = "1 worker, in turns with pure"
        print(f"{name:<34}{turns['end_to_end_per_s']:>8.2f}{turns['end_to_end_per_s'] / turns['pure_per_s']:>9.0%}")
        print(f"{'  pure in those turns':<34}{turns['pure_per_s']:>8.2f}")
        naive_run = runs["naive"]
        share = naive_run["per_s"] / naive_run["pure_per_s"]
        print(f"{'naive ORM, 1 process':<34}{naive_run['per_s']:>8.2f}{share:>9.0%}")
    print("\nvs pure: against the mean of the pure runs just before and after (the naive run: just before)")
    print("end to end: the steady rate, first settle to last; from the first send: the producer's work counted too")
    print(f"in turns: {PAIRED_BLOCK} articles through one worker, then the same through pure, and so on")
    print("latency: enqueue to settled, articles sent at half the saturated rate")
    first = next(iter(results["runs"].values()))["end_to_end"][0]
    print(f"\n{'queue':<10}{'messages':>10}{'bytes median':>14}{'max':>10}{'payload median':>16}")
    for queue, sizes in first["message_bytes"].items():
        print(
            f"{queue:<10}{sizes['messages']:>10}{sizes['median']:>14.0f}{sizes['max']:>10}{sizes['payload_median']:>16.0f}"
        )
    print(
        f"(raw article content: median {results['content_bytes_median']:.0f} bytes; without the ledger its "
        f"articles.ingest body, compressed, is {results['ingest_body_bytes_median']:.0f} bytes)"
    )
    print(f"\n{'process (peak)':<22}{'RSS MB':>8}{'USS MB':>8}")
    for e2e in first, *next(iter(results["runs"].values()))["end_to_end"][1:]:
        for name, rss in e2e["rss_mb"].items():
            print(f"{str(e2e['workers']) + 'w ' + name:<22}{rss:>8.0f}{e2e['uss_mb'].get(name, float('nan')):>8.0f}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "scaling.json").write_text(json.dumps(results, indent=2) + "\n")
    chart(results, out / "scaling.png")
    print(f"\nwrote {out / 'scaling.json'} and {out / 'scaling.png'}")


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(results["runs"])
    labels = ["pure", "1 worker", "2 workers", "naive ORM"]
    figure, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    width = 0.8 / len(modes)
    for offset, mode in enumerate(modes):
        runs = results["runs"][mode]
        rates = [runs["pure"]["per_s"], *(e["per_s"] for e in runs["end_to_end"]), runs["naive"]["per_s"]]
        axes[0].bar([i + offset * width for i in range(len(labels))], rates, width, label=f"entities {mode}")
        for e2e in runs["end_to_end"]:
            axes[1].plot(["p50", "p95", "p99"], list(e2e["latency_ms"].values()), marker="o",
                         label=f"{e2e['workers']} worker(s), entities {mode}")  # fmt: skip
    axes[0].set_xticks([i + width * (len(modes) - 1) / 2 for i in range(len(labels))], labels)
    axes[0].set_ylabel("articles/s")
    axes[0].set_title("Throughput")
    axes[0].legend()
    axes[1].set_ylabel("ms, enqueue to settled")
    axes[1].set_title("Latency at half the saturated rate")
    axes[1].legend(fontsize="small")
    for e2e in results["runs"][modes[0]]["end_to_end"]:
        for name, series in e2e["rss_series"].items():
            axes[2].plot(*zip(*series, strict=True), label=f"{e2e['workers']}w {name}")
    axes[2].set_xlabel("seconds into the saturated run")
    axes[2].set_ylabel("RSS MB")
    axes[2].set_title(f"Memory per worker process, entities {modes[0]}")
    axes[2].legend(fontsize="small")
    figure.suptitle(f"newsingest on {results['corpus']}, {results['articles']} articles, {os.cpu_count()} cores")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=240, help="articles per run (default 240)")
    parser.add_argument("--corpus", type=Path, help="a WCXB-shaped folder of real pages (html/, gold/)")
    parser.add_argument("--entities", choices=("both", "on", "off"), default="both")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results")
    args = parser.parse_args()
    with services(Path(tempfile.mkdtemp(prefix="newsingest-bench-")), *map(os.environ.get, URLS)) as urls:
        os.environ.update(zip(URLS, urls, strict=True))
        redis_url = urls[1].rsplit("/", 1)[0] + f"/{REDIS_DB}"
        run(args, Servers(Settings(database_url=urls[0]).sync_database_url, redis_url))


def ingest_body_bytes(raw: RawArticle) -> int:
    """The body of an `articles.ingest` message as Redis holds it without the ledger: the JSON
    arguments, zlib-compressed (as worker.submit sends them), base64-encoded (kombu's Redis transport)."""
    arguments = json.dumps([[raw.model_dump(mode="json", exclude_none=True)], {}, {}]).encode()
    return len(base64.b64encode(zlib.compress(arguments)))


def step(name: str, function: Callable[..., Any], *args: Any) -> Any:
    """Run one part of the benchmark, saying on stderr what runs and how long it took."""
    print(f"{name} ...", end=" ", flush=True, file=sys.stderr)
    began = time.perf_counter()
    result = function(*args)
    print(f"{time.perf_counter() - began:.0f} s", file=sys.stderr)
    return result


def run(args: argparse.Namespace, servers: Servers) -> None:
    warm_count = 2 * WARM_UP
    pages = wcxb(args.corpus)[: args.articles + warm_count] if args.corpus else generated(args.articles + warm_count)
    warm, raws = pages[:warm_count], pages[warm_count:]
    modes = {"both": ["on", "off"], "on": ["on"], "off": ["off"]}[args.entities]
    results: dict[str, Any] = {
        "corpus": str(args.corpus or "generated"),
        "articles": len(raws),
        "content_bytes_median": statistics.median(len(r.content.encode()) for r in raws),
        "ingest_body_bytes_median": statistics.median(map(ingest_body_bytes, raws)),
        "runs": {},
    }
    for mode in modes:
        on = mode == "on"
        # A pure run before and after each end-to-end run: on a shared machine the pure rate
        # itself moves between runs minutes apart, so each rate is set against its neighbours.
        pures = [step(f"pure, entities {mode}", pure, raws, warm, on)]
        end_to_ends = []
        for n in (1, 2):
            e2e = step(f"end to end, {n} worker(s), entities {mode}", end_to_end, servers, raws, warm, n, on)
            pures.append(step(f"pure, entities {mode}", pure, raws, warm, on))
            end_to_ends.append(asdict(e2e) | {"pure_per_s": (pures[-2].per_s + pures[-1].per_s) / 2})
        paired_run = step(f"1 worker and pure in turns, entities {mode}", paired, servers, raws, warm, on)
        naive_run = step(f"naive, entities {mode}", naive, servers, raws, warm, on)
        results["runs"][mode] = {
            "paired": asdict(paired_run),
            "pure": asdict(pures[0]) | {"per_s": statistics.mean(p.per_s for p in pures)},
            "pure_runs": [asdict(p) for p in pures],
            "end_to_end": end_to_ends,
            "naive": asdict(naive_run) | {"pure_per_s": pures[-1].per_s},
        }
    report(results, args.out)


if __name__ == "__main__":
    main()
