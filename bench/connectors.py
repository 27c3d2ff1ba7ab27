"""Slack API and Microsoft Graph mail syncs against the local fakes (tests/fakes/): API calls and wall
time for a simulated workspace and tenant, first sync and an incremental sync with 1 % new messages.

    python bench/connectors.py [--channels 50] [--messages 2000] [--mailboxes 20] [--mails 500]

Slack: messages are spread over 60 days; one top-level message in ten starts a thread, and a quarter
of all messages are replies to a recent thread. The incremental sync adds 1 % new messages (a quarter
of them replies to threads of the last 3 days) and, per channel, deletes one reply of an older thread
(seen only through its parent's reply_count). The fake answers at once, so the wall time is
slopradar's own work; the time Slack's rate limits would add is printed separately (calls x the tier
interval, what `ingest slack-api` paces to).

Graph: per mailbox, Sent Items holding `--mails` messages, 60 % of them replies (a Sent Items copy
has no internet headers: each reply costs one MIME header read, once), pages of 50. The incremental
sync adds 1 % new mail per mailbox, moves one message to Deleted Items and hard-deletes one.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug import Request  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from connectors.graph_mail import BUDGET_SPENT  # noqa: E402
from connectors.slack_api import TIER_INTERVAL, make_client  # noqa: E402
from slopradar.config import Settings  # noqa: E402
from slopradar.pipeline import ingest_outlook, ingest_slack_api  # noqa: E402
from slopradar.store import open_store  # noqa: E402
from tests.fakes.graph import FakeGraph, message  # noqa: E402
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


def slack(args: argparse.Namespace, folder: Path) -> None:
    ws, now = build(args.channels, args.messages)
    settings = Settings(db=str(folder / "slack.db"), data_dir=str(folder / "state"))
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
            older = [(t, rs) for (c, t), rs in ws.replies.items()
                     if c == cid and now - 25 * 86400 < float(t) < now - 10 * 86400 and len(rs) > 1]
            if older:  # a deleted reply in an older thread: only its parent's reply_count says so
                ws.delete(cid, older[0][1][0]["ts"])
        second, t_second, c_second = run(ws, fake, settings, engine)
    for label, rep, t, calls in (("Slack first sync", first, t_first, c_first),
                                 ("Slack incremental (1 % new)", second, t_second, c_second)):
        paced = sum(n * TIER_INTERVAL.get(m, 1.2) for m, n in calls.items())
        m = rep["messages"]
        print(f"{label:>28}: {sum(calls.values()):6,} API calls ({dict(calls)}), {t:6.1f} s wall against the fake; "
              f"{m['new']:,} new, {m['updated']:,} updated, {m['deleted']:,} deleted, {m['unchanged']:,} unchanged; "
              f"Slack's tier pacing would add about {paced / 60:.1f} min")


def graph(args: argparse.Namespace, folder: Path) -> None:
    g = FakeGraph()
    rng = random.Random(2)
    boxes = [f"user{b}@example.com" for b in range(args.mailboxes)]
    for b, box in enumerate(boxes):
        mids: list[str] = []
        for i in range(args.mails):
            n = b * 1_000_000 + i
            day = 1 + i * 27 // max(args.mails, 1)
            headers = None
            if mids and rng.random() < 0.6:
                parent = rng.choice(mids[-20:])
                headers = [{"name": "In-Reply-To", "value": f"<{parent}>"}, {"name": "References", "value": f"<{parent}>"}]
            row = message(n, box, [boxes[(b + 1) % len(boxes)]], f"Subject {i}", f"Body {i} of {box}",
                          sent=f"2026-02-{day:02d}T09:00:00Z", headers=headers, conversation=f"conv-{b}-{i // 5}")
            g.add(box, "sentitems", row)
            mids.append(row["internetMessageId"].strip("<>"))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    app = Request.application(g.handler)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    g.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = Settings(db=str(folder / "graph.db"), data_dir=str(folder / "state-graph"))
    engine = open_store(settings)

    def sync() -> tuple[dict, float, int, int]:
        """Runs until no folder is left waiting for header reads (graph_header_fetches per run)."""
        n = len(g.requests)
        t0 = time.perf_counter()
        total: dict = {}
        for runs in range(1, 1000):
            rep = ingest_outlook(engine, settings, token=lambda: "fake-at-1", base_url=g.base, mailboxes=boxes,
                                 folders=["sentitems"], progress=False, sleep=lambda s: None).as_dict()
            for k, v in rep["messages"].items():
                total.setdefault("messages", Counter())[k] += v
            total.setdefault("api_calls", Counter()).update(rep["api_calls"])
            total.setdefault("skipped", Counter()).update(rep["skipped"])
            if not rep["skipped"].get(BUDGET_SPENT):
                break
        return total, time.perf_counter() - t0, len(g.requests) - n, runs

    try:
        first = sync()
        for b, box in enumerate(boxes):
            for k in range(max(args.mails // 100, 1)):
                n = b * 1_000_000 + 900_000 + k
                g.add(box, "sentitems", message(n, box, [boxes[0]], f"Re: Subject {k}", f"new reply {k}",
                                                sent="2026-02-28T09:00:00Z",
                                                headers=[{"name": "In-Reply-To",
                                                          "value": f"<msg{b * 1_000_000 + k}@example.com>"}]))
            g.move(box, "sentitems", "deleteditems", f"AAMkImmutable{b * 1_000_000 + 1:04d}=")
            g.remove(box, "sentitems", f"AAMkImmutable{b * 1_000_000 + 2:04d}=")
        second = sync()
    finally:
        server.shutdown()
    for label, (rep, t, requests, runs) in (("Graph first sync", first), ("Graph incremental (1 % new)", second)):
        m = rep["messages"]
        print(f"{label:>28}: {requests:6,} API calls ({dict(rep['api_calls'])}) in {runs} run(s) of at most "
              f"{settings.graph_header_fetches} header reads, {t:6.1f} s wall against the fake; {m['new']:,} new, "
              f"{m['updated']:,} updated, {m['deleted']:,} deleted, {m['moved']:,} moved, {m['unchanged']:,} unchanged")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--channels", type=int, default=50)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--mailboxes", type=int, default=20)
    ap.add_argument("--mails", type=int, default=500)
    ap.add_argument("--only", choices=["slack", "graph"], help="run one of the two")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="slopradar-bench-"))
    if args.only != "graph":
        slack(args, folder)
    if args.only != "slack":
        graph(args, folder)


if __name__ == "__main__":
    main()
