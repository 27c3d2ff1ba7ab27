"""Write the demo workspace's messages as a `slopradar eval chains` file (DESIGN.md section 7).

    python scripts/chains_eval_from_samples.py > build/chains_samples.jsonl
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def rows() -> list[dict]:
    truth = json.loads((SAMPLES / "ground_truth.json").read_text(encoding="utf-8"))
    parent, origin = {}, {}
    for chain in truth["chains"]:
        origin[chain["root"]] = chain["root"]
        for cp in chain["copies"]:
            parent[cp["id"]], origin[cp["id"]] = cp["parent"], chain["root"]
    out = []
    channels = {c["id"]: c["name"] for c in json.loads((SAMPLES / "slack-export" / "channels.json").read_text())}
    for day in sorted((SAMPLES / "slack-export").glob("*/*.json")):
        for m in json.loads(day.read_text(encoding="utf-8")):
            cid = next(k for k, v in channels.items() if v == day.parent.name)
            mid = f"{cid}:{m['ts']}"
            if truth["messages"].get(mid, {}).get("origin") not in ("human", "ai_polished", "ai_summary"):
                continue
            out.append({"id": mid, "ts": datetime.fromtimestamp(float(m["ts"]), UTC).isoformat(),
                        "channel": day.parent.name, "author": m.get("user"), "text": m.get("text", ""),
                        "parent": parent.get(mid), "origin": origin.get(mid, mid)})
    return out


if __name__ == "__main__":
    for r in rows():
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
