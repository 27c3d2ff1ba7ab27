"""`slopradar eval detect` prints the DESIGN.md section 7 metrics as one JSON object on its last line."""

import json

from typer.testing import CliRunner

from slopradar.cli import app
from tests.conftest import SAMPLES


def _jsonl(tmp_path, ground_truth, origins, name):
    export = SAMPLES / "slack-export"
    texts = {}
    for day in export.glob("*/*.json"):
        for m in json.loads(day.read_text()):
            cid = {"C0NW%05d" % i: i for i in range(1, 20)}
            texts[m["ts"]] = m.get("text", "")
    path = tmp_path / name
    with path.open("w") as fh:
        for nid, v in ground_truth["messages"].items():
            if v["origin"] in origins and v["channel"]:
                ts = nid.split(":", 1)[1]
                fh.write(json.dumps({"text": texts[ts], "label": "human" if v["origin"] == "human" else "ai"}) + "\n")
    return path


def test_eval_detect_mixed_and_human_only(tmp_path, ground_truth):
    runner = CliRunner()
    mixed = _jsonl(tmp_path, ground_truth, {"human", "ai_polished"}, "mixed.jsonl")
    res = runner.invoke(app, ["eval", "detect", "--data", str(mixed)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert {"n", "auroc", "tpr_at_1pct_fpr", "fpr", "tpr"} <= set(out)
    assert out["auroc"] > 0.9
    human = _jsonl(tmp_path, ground_truth, {"human"}, "human.jsonl")
    out = json.loads(runner.invoke(app, ["eval", "detect", "--data", str(human)]).stdout.strip().splitlines()[-1])
    assert "fpr" in out and "auroc" not in out and out["n_ai"] == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n')
    res = runner.invoke(app, ["eval", "detect", "--data", str(bad)])
    assert res.exit_code == 2 and "missing label" in res.stderr
