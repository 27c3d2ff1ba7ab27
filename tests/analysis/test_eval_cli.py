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


def test_eval_share_reports_each_group_and_never_reads_labels(tmp_path, ground_truth):
    """DESIGN.md section 7 `share`: per group n_after, true, estimate, ci95; then mae, ci_coverage, n_groups."""
    human = [json.loads(x)["text"] for x in _jsonl(tmp_path, ground_truth, {"human"}, "h.jsonl").read_text().splitlines()]
    ai = [json.loads(x)["text"] for x in _jsonl(tmp_path, ground_truth, {"ai_polished"}, "a.jsonl").read_text().splitlines()]
    rows = [{"text": t, "group": "all-human", "period": "before", "label": "human"} for t in human[:60]]
    rows += [{"text": t, "group": "all-human", "period": "after", "label": "human"} for t in human[60:140]]
    rows += [{"text": t, "group": "mixed", "period": "before", "label": "human"} for t in human[140:200]]
    rows += [{"text": t, "group": "mixed", "period": "after", "label": "human"} for t in human[200:240]]
    rows += [{"text": t, "group": "mixed", "period": "after", "label": "ai"} for t in ai]
    path = tmp_path / "share.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = CliRunner().invoke(app, ["eval", "share", "--data", str(path)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["n_groups"] == 2 and {"mae", "ci_coverage"} <= set(out)
    g = out["groups"]["all-human"]
    assert g["true"] == 0 and g["estimate"] <= 0.02 and g["ci95"][0] == 0  # human text reads 0
    m = out["groups"]["mixed"]
    assert m["n_after"] == 40 + len(ai) and m["ci95"][0] <= m["estimate"] <= m["ci95"][1]
    # the labels only score the estimate: dropping them leaves the estimates unchanged
    path.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "label"}) + "\n" for r in rows))
    blind = json.loads(CliRunner().invoke(app, ["eval", "share", "--data", str(path)]).stdout.strip().splitlines()[-1])
    assert blind["groups"]["mixed"]["estimate"] == m["estimate"] and blind["mae"] is None
    path.write_text('{"text": "x", "group": "g", "period": "during"}\n')
    assert CliRunner().invoke(app, ["eval", "share", "--data", str(path)]).exit_code == 2
