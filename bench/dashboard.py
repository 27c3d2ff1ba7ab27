"""Dashboard speed on large stores: build synthetic stores of 100,000 and 1,000,000 analysed messages,
then time the overview (the query layer cold, and the whole page rendered by Streamlit's AppTest,
first render and after cache warm-up). Target: first render under 5 s at 10^6 messages.

    python bench/dashboard.py [--sizes 100000 1000000] [--keep DIR [--reuse]]

Each line ends with the load average (`os.getloadavg`): on a shared machine timings grow with it.
`--reuse` times the stores already in DIR (built by an earlier `--keep DIR` run) instead of building them.

Messages are rows written straight into the store (200 people in 20 teams, 60 channels, 52 weeks,
a score for each, 1 % of them copies in chains with fact records), then cells are built by the
same code as after `slopradar analyze` (slopradar/aggregates.py); building them is timed too.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from slopradar import audit_data
from slopradar import aggregates, queries  # noqa: E402
from slopradar.config import Settings  # noqa: E402
from slopradar.schema import (  # noqa: E402
    Conversation, DerivationEdge, FactLoss, Message, MessageScore, Person, Source, Team,
)
from slopradar.store import open_store  # noqa: E402

PEOPLE, TEAMS, CHANNELS = 200, 20, 60


def build(settings: Settings, n: int, seed: int = 0) -> float:
    rng = random.Random(seed)
    engine = open_store(settings)
    start = datetime(2025, 1, 6, tzinfo=UTC)
    t0 = time.perf_counter()
    with Session(engine) as s:
        now = datetime.now(UTC)
        s.add(Source(id=1, kind="bench", name="synthetic", state={}, created_at=now, updated_at=now))
        s.flush()
        for t in range(TEAMS):
            s.add(Team(id=f"t{t}", name=f"Team {t:02d}", origin="mapping"))
        s.flush()
        for p in range(PEOPLE):
            s.add(Person(id=f"p{p}", team_id=f"t{p % TEAMS}", first_seen=start))
        for c in range(CHANNELS):
            s.add(Conversation(id=c + 1, namespace="bench", native_id=f"C{c}", source_id=1, kind="channel",
                               name=f"channel-{c}", member_count=50, members=[]))
        s.commit()
    msg_t, score_t = Message.__table__, MessageScore.__table__  # type: ignore[attr-defined]
    edge_rows, fact_rows = [], []
    chunk = 50_000
    with engine.begin() as conn:
        for base in range(0, n, chunk):
            msgs, scores = [], []
            for i in range(base, min(n, base + chunk)):
                sent = start + timedelta(seconds=rng.randrange(364 * 86400))
                words = rng.randint(3, 200)
                top = rng.random() < 0.6
                msgs.append(dict(id=i + 1, namespace="bench", native_id=str(i), source_id=1,
                                 conversation_id=rng.randrange(CHANNELS) + 1, thread_key=None if top else str(i - 1),
                                 parent_native_id=None if top else str(i - 1), author_id=f"p{rng.randrange(PEOPLE)}",
                                 sent_at=sent, kind="authored", subtype=None, subject=None, text=None, quoted=[],
                                 language="fr" if rng.random() < 0.2 else "en", word_count=words, is_bot=False,
                                 edited_at=None, version_ts=0.0, deleted=False, truncated=False,
                                 content_hash=hashlib.sha1(str(i).encode()).hexdigest(), meta={}))
                scores.append(dict(message_id=i + 1, analyzer_version="bench", content_hash="x", language="en",
                                   language_confidence=1.0, ai_probability=rng.random() if words >= 12 else None,
                                   ai_flagged=False, ai_reasons=[], ai_not_scored=None, bloat=rng.random() * 0.3,
                                   bloat_reasons=[], core_sentences=[], core_words=max(1, words // 2),
                                   reading_seconds=words / 238 * 60, flesch=60.0, notes=[], analyzed_at=now))
                if i > 1000 and rng.random() < 0.01:
                    depth = rng.randint(1, 3)
                    edge_rows.append(dict(child_id=i + 1, parent_id=i - 500, relation="summary", confidence=0.8,
                                          similarity=0.7, compression=0.5, method="similarity", root_id=i - 1000,
                                          depth=depth, summary_of_summary=depth >= 2))
                    for k, status in enumerate(rng.choices(["kept", "lost", "distorted"], [6, 3, 1], k=3)):
                        fact_rows.append(dict(copy_id=i + 1, fact_key=f"date:{k}:+", root_id=i - 1000, kind="date",
                                              value=str(k), text=f"fact {k}", critical=True, status=status,
                                              evidence=""))
            conn.execute(msg_t.insert(), msgs)
            conn.execute(score_t.insert(), scores)
        conn.execute(DerivationEdge.__table__.insert(), edge_rows)  # type: ignore[attr-defined]
        conn.execute(FactLoss.__table__.insert(), fact_rows)  # type: ignore[attr-defined]
    return time.perf_counter() - t0


def timed(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def first_render(db: Path, state: Path) -> float:
    """The overview's first render as a new dashboard process sees it: pandas, altair and the query layer not yet
    imported, Streamlit's caches empty (what the in-process figure below does not include after the first size)."""
    out = subprocess.run([sys.executable, __file__, "--render", str(db), str(state)], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.split()[-1])


def _render(db: str, state: str) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ.update(SLOPRADAR_DB=db, SLOPRADAR_DATA_DIR=state)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
    t, _ = timed(at.run)
    assert not at.exception, [e.value for e in at.exception]
    print(f"{t:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--keep", type=Path, help="Keep the stores in this folder.")
    ap.add_argument("--reuse", action="store_true", help="With --keep: time the stores already there, if any.")
    ap.add_argument("--render", nargs=2, metavar=("DB", "STATE"), help=argparse.SUPPRESS)  # first_render's child
    args = ap.parse_args()
    if args.render:
        _render(*args.render)
        return
    from streamlit.testing.v1 import AppTest

    from slopradar.audit_data import ai_share_by_team

    for n in args.sizes:
        folder = args.keep or Path(tempfile.mkdtemp(prefix="slopradar-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / f"bench-{n}.db"
        settings = Settings(db=str(db), data_dir=str(folder / "state"))
        reuse = args.reuse and db.exists()
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        t_build = 0.0 if reuse else build(settings, n)
        engine = open_store(settings)
        t_cells, res = timed(aggregates.refresh, engine)
        f = queries.Filters()
        t_options, _ = timed(queries.options, engine, 5)
        t_summary, _ = timed(queries.team_summary, engine, 5, f)
        t_weekly, _ = timed(queries.team_weekly, engine, 5, f)
        t_share, _ = timed(ai_share_by_team, engine, 5, f, None)
        t_tokens, _ = timed(audit_data.ai_tokens, engine, 5, f, 1.3, 1.5)
        os.environ.update(SLOPRADAR_DB=str(db), SLOPRADAR_DATA_DIR=str(folder / "state"))
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
        t_cold, _ = timed(at.run)
        assert not at.exception, [e.value for e in at.exception]
        t_warm, _ = timed(at.run)
        t_fresh = first_render(db, folder / "state")
        built = "store reused" if reuse else f"store built in {t_build:6.1f} s"
        cells = f"cells in {t_cells:5.1f} s ({res['cells']:,} cells)" if res.get("rebuilt") else "cells up to date"
        load = "/".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{n:>9,} messages: {built}, {cells} | query layer cold: filter options {t_options:.3f} s, summary "
              f"{t_summary:.3f} s, weekly {t_weekly:.3f} s, AI share with intervals {t_share:.3f} s, tokens "
              f"{t_tokens:.3f} s | overview page: first render {t_cold:.2f} s, after cache warm-up {t_warm:.2f} s; first "
              f"render in a new process (imports included) {t_fresh:.2f} s | load average {load}", flush=True)


if __name__ == "__main__":
    main()
