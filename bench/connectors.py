"""Slack API sync against the local fake (tests/fakes/slack.py): API calls and wall time for a simulated
workspace, first sync and an incremental sync with 1 % new messages.

    python bench/connectors.py [--channels 50] [--messages 2000]

Messages are spread over 60 days; one top-level message in ten starts a thread of 1-4 replies. The
fake answers at once, so the wall time is slopradar's own work; the time Slack's rate limits would
add is printed separately (calls x the tier interval, what `ingest slack-api` paces to).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.slack_api import TIER_INTERVAL, make_client  # noqa: E402
from slopradar.config import Settings  # noqa: E402
from slopradar.pipeline import ingest_slack_api  # noqa: E402
from slopradar.store import open_store  # noqa: E402
from tests.fakes.slack import FakeSlack, Workspace  # noqa: E402


def build(channels: int, per_channel: int, seed: int = 0) -> tuple[Workspace, float]:
    rng = random.Random(seed)
    now = time.time()
    ws = Workspace()
    for u in range(40):
        ws.add_user(f"U{u:03d}", f"user{u}", f"user{u}@example.com")
    for c in range(channels):
        cid = f"C{c:04d}"
        ws.add_channel(cid, f"channel-{c}", members=[f"U{u:03d}" for u in range(40)])
        stamps = sorted(now - rng.random() * 60 * 86400 for _ in range(per_channel))
        parents: list[str] = []
        i = 0
        while i < len(stamps):
            ts = f"{stamps[i]:.6f}"
            if parents and rng.random() < 0.25:  # a reply to a recent parent
                ws.post(cid, ts, f"U{rng.randrange(40):03d}", f"reply {i} in {cid}", thread_ts=rng.choice(parents[-5:]))
            else:
                ws.post(cid, ts, f"U{rng.randrange(40):03d}", f"message {i} in {cid} about the release plan")
                if rng.random() < 0.1:
                    parents.append(ts)
            i += 1
    return ws, now


def run(ws: Workspace, fake: FakeSlack, settings: Settings, engine) -> tuple[dict, float, Counter]:
    before = Counter(m for m, _ in ws.calls)
    t0 = time.perf_counter()
    report = ingest_slack_api(engine, settings, make_client(ws.token, base_url=fake.url, sleep=lambda s: None),
                              progress=False, pace=False).as_dict()
    calls = Counter(m for m, _ in ws.calls) - before
    return report, time.perf_counter() - t0, calls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--channels", type=int, default=50)
    ap.add_argument("--messages", type=int, default=2000)
    args = ap.parse_args()
    ws, now = build(args.channels, args.messages)
    folder = Path(tempfile.mkdtemp(prefix="slopradar-bench-"))
    settings = Settings(db=str(folder / "s.db"), data_dir=str(folder / "state"))
    engine = open_store(settings)
    with FakeSlack(ws) as fake:
        first, t_first, c_first = run(ws, fake, settings, engine)
        rng = random.Random(1)
        for cid in list(ws.channels):  # 1 % new: new top-level messages and replies to recent threads
            recent = [m["ts"] for m in ws.history[cid] if float(m["ts"]) > now - 3 * 86400]
            for k in range(args.messages // 100):
                ts = f"{time.time() + k * 0.001:.6f}"
                if recent and k % 4 == 0:
                    ws.post(cid, ts, "U001", f"new reply {k}", thread_ts=rng.choice(recent))
                else:
                    ws.post(cid, ts, "U002", f"new message {k}")
        second, t_second, c_second = run(ws, fake, settings, engine)
    for label, rep, t, calls in (("first sync", first, t_first, c_first), ("incremental (1 % new)", second, t_second,
                                                                             c_second)):
        paced = sum(n * TIER_INTERVAL.get(m, 1.2) for m, n in calls.items())
        m = rep["messages"]
        print(f"{label:>22}: {sum(calls.values()):6,} API calls ({dict(calls)}), {t:6.1f} s wall against the fake; "
              f"{m['new']:,} new, {m['updated']:,} updated, {m['unchanged']:,} unchanged; Slack's tier pacing would "
              f"add about {paced / 60:.1f} min")


if __name__ == "__main__":
    main()
