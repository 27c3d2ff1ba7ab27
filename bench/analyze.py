"""Analysis throughput: stock fp32 sentence-transformers, our embedder alone, `analyze` end to end; peak memory.

    python bench/analyze.py [--n 5000] [--precision auto|fp32|bf16|int8]

The speedup line compares `analyze` end to end (scores, embeddings, chains, aggregates stored) with stock
fp32 sentence-transformers merely encoding the same messages (`SentenceTransformer(...).encode(texts)`).

Messages are generated from the demo workspace's phrase banks (20-150 words, 80 % English,
20 % French, a quarter of them AI-polished), stored, then analysed through the real pipeline.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

import story  # noqa: E402

from sentence_transformers import SentenceTransformer  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from analysis.embeddings import DEFAULT_MODEL, PRECISIONS, load_embedder, resolve_model_path  # noqa: E402
from slopradar.config import Settings  # noqa: E402
from slopradar.ingest import IngestWriter, Unit  # noqa: E402
from slopradar.pipeline import analyze, pseudonymizer  # noqa: E402
from slopradar.records import ConversationRecord, MessageRecord, PersonRef  # noqa: E402
from slopradar.store import open_store  # noqa: E402


def message(rng: random.Random) -> str:
    french = rng.random() < 0.2
    if rng.random() < 0.25:
        bank = story.SLOP_FR if french else story.SLOP_EN
        parts = [rng.choice(bank["open"])] + rng.sample(bank["body"], k=min(len(bank["body"]), rng.randint(2, 5)))
        parts.append(rng.choice(bank["close"]))
        return " ".join(parts).replace("{topic}", rng.choice(story.SLOP_TOPICS))
    pool = story.EVERYDAY_FR if french else [t for v in story.EVERYDAY_EN.values() for t in v]
    target = rng.randint(20, 150)
    out: list[str] = []
    while sum(len(s.split()) for s in out) < target:
        out.append(rng.choice(pool).format(
            pr=rng.randint(1, 999), comp="auth", svc="gateway", ver="2.1.0", first="Alex", pct=80, n=12, m=7,
            small=3, screen="settings", client="Nordlys", city="Milan", srv="db-01", h=22, topic="release") + ".")
    return " ".join(out)


def load() -> str:
    """This machine's load while measuring: figures from a shared machine are lower bounds."""
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def store_messages(settings: Settings, texts: list[str]) -> Engine:
    """A store holding the texts as one channel's messages, a minute apart, by 40 people."""
    engine = open_store(settings)
    conv = ConversationRecord("slack:BENCH", "C1", "channel", "bench")
    start = datetime(2026, 1, 5, tzinfo=UTC)
    recs = [MessageRecord("slack:BENCH", f"C1:{i}", conv, start + timedelta(minutes=i), "authored",
                          PersonRef([("email", f"p{i % 40}@bench.example")]), text=t)
            for i, t in enumerate(texts)]
    writer = IngestWriter(engine, settings, pseudonymizer(settings), "bench", "bench")
    for i in range(0, len(recs), 500):
        writer.write_unit(Unit(str(i), str(i), recs[i:i + 500]))
    return engine


def options_and_texts() -> tuple[argparse.Namespace, list[str]]:
    """--n messages (5,000) and --precision (auto), and the same seeded messages for every bench."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--precision", default="auto", choices=PRECISIONS)
    args = ap.parse_args()
    rng = random.Random(7)
    return args, [message(rng) for _ in range(args.n)]


def main() -> None:
    args, texts = options_and_texts()

    stock = SentenceTransformer(str(resolve_model_path(DEFAULT_MODEL)), device="cpu", local_files_only=True)
    stock.encode(texts[:64])  # warm-up
    t0 = time.perf_counter()
    stock.encode(texts, show_progress_bar=False)
    stock_s = time.perf_counter() - t0
    print(f"stock fp32 sentence-transformers encode: {args.n / stock_s:.1f} messages/s ({stock_s:.1f} s; {load()})")
    del stock

    embedder = load_embedder(DEFAULT_MODEL, args.precision)
    print(f"precision: {embedder.precision} — {embedder.precision_reason}")
    embedder.encode(texts[:64])  # warm-up
    t0 = time.perf_counter()
    embedder.encode(texts)
    model_rate = args.n / (time.perf_counter() - t0)
    print(f"model alone ({embedder.name}, {embedder.precision}, whole messages): {model_rate:.1f} messages/s")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=f"{tmp}/bench.db", data_dir=tmp)
        engine = store_messages(settings, texts)
        t0 = time.perf_counter()
        summary = analyze(engine, settings, progress=False, precision=args.precision)
        e2e = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = analyze(engine, settings, progress=False)
        rerun = time.perf_counter() - t0
    e2e_rate = summary["scored"] / e2e
    print(f"analyze end to end: {e2e_rate:.1f} messages/s ({summary['scored']} messages in {e2e:.1f} s; {load()})")
    print(f"ratio end-to-end / model alone: {e2e_rate / model_rate:.2f}")
    print(f"embedded {summary['embedded']} of {summary['scored']} messages (the rest: no stage reads their embedding)")
    print(f"speedup vs stock fp32 sentence-transformers: {stock_s / e2e:.2f}")
    print(f"second run (nothing new): {again['scored']} scored in {rerun:.2f} s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
