"""Fact loss between an announcement and its copies, checked against the demo ground truth."""

import json
import sys
from datetime import datetime

from typer.testing import CliRunner

from analysis.factloss import check_summary, compare
from slopradar.cli import app
from tests.conftest import SAMPLES, shared

sys.path.insert(0, str(SAMPLES))
import story  # noqa: E402

# which extracted fact (kind, value) each ground-truth fact id of story.CHAINS corresponds to
FACT_KEYS = {
    ("feature-x-removed", "removal"): ("status", "removed"), ("feature-x-removed", "deadline"): ("deadline", "2026-03-12"),
    ("feature-x-removed", "owner"): ("owner", "julie martin"),
    ("travel-budget-cut", "cut"): ("percentage", "30%"), ("travel-budget-cut", "amount"): ("money", "EUR 42000"),
    ("travel-budget-cut", "approver"): ("owner", "marc dubois"), ("travel-budget-cut", "from"): ("date", "2026-04-01"),
    ("travel-budget-cut", "berlin"): ("status", "cancelled"),
    ("maintenance-reportee", "date"): ("date", "2026-03-19"), ("maintenance-reportee", "owner"): ("owner", "claire petit"),
    ("maintenance-reportee", "cancel"): ("status", "cancelled"), ("maintenance-reportee", "freeze"): ("deadline", "2026-03-20"),
    ("mdm-enrolment", "deadline"): ("deadline", "2026-03-20"), ("mdm-enrolment", "consequence"): ("status", "lose"),
    ("mdm-enrolment", "owner"): ("owner", "nadia haddad"),
    ("all-hands-not-postponed", "status"): ("status", "postponed"), ("all-hands-not-postponed", "date"): ("date", "2026-02-06"),
    ("on-call-two-people", "count"): ("number", "2 people"), ("on-call-two-people", "start"): ("date", "2026-03-16"),
    ("on-call-two-people", "owner"): ("owner", "priya nair"),
}


# The story's point (DESIGN.md section 1): "scope refined" is the removal distorted, not merely dropped. The demo's
# ground truth (samples/story.py, not ours) still lists it as lost; we now report the more specific verdict.
RELABELLED = {("feature-x-removed", "fx3", "removal"): "distorted"}


def test_every_planted_loss_and_distortion_is_found():
    checked = 0
    for chain in story.CHAINS:
        root = chain["root"]
        at = datetime.strptime(root["at"], "%Y-%m-%d %H:%M")
        for copy in chain["copies"]:
            if copy["relation"] == "forward":  # forwards carry the original verbatim
                continue
            got = {(r.fact.kind, r.fact.value): r.status for r in compare(root["text"], copy["text"], at)}
            for fact in chain["facts"]:
                key = FACT_KEYS.get((chain["id"], fact["id"]))
                if key is None:
                    continue
                want = "lost" if fact["id"] in copy["lost"] else "distorted" if fact["id"] in copy["distorted"] else "kept"
                want = RELABELLED.get((chain["id"], copy["key"], fact["id"]), want)
                assert got.get(key) == want, (chain["id"], copy["key"], fact["id"], got)
                checked += 1
    assert checked >= 35


def test_embedding_blind_cases_are_told_apart():
    assert compare("The launch is NOT postponed.", "The launch is postponed.")[0].status == "distorted"
    c = check_summary("The fee is $100 per month.", "The fee is $50 per month.")
    assert c.score >= 1 and any("50" in p for p in c.problems)
    assert check_summary("The fee is $100 per month.", "The fee is $100 per month.").score == 0


def test_eval_factloss_interface(tmp_path):
    data = tmp_path / "f.jsonl"
    rows = [{"source": "The fee is $100 per month for 20 users.", "summary": "The fee is $100 per month.", "label": 1},
            {"source": "The fee is $100 per month for 20 users.", "summary": "The fee is $50 per month.", "label": 0},
            {"source": "The meeting is not cancelled.", "summary": "The meeting is cancelled.", "label": 0}]
    data.write_text("\n".join(json.dumps(r) for r in rows))
    res = CliRunner().invoke(app, ["eval", "factloss", "--data", str(data)])
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert {"n", "balanced_accuracy", "auroc", "recall_label0"} <= set(out)
    assert out["n"] == 3 and out["recall_label0"] == 1.0 and out["balanced_accuracy"] == 1.0


def test_eval_factloss_on_summedits(tmp_path):
    # two sources' worth of the dev file keeps the test fast (the learned check encodes every sentence)
    lines = shared("factloss/summedits_workplace_dev.jsonl").read_text(encoding="utf-8").splitlines()[:60]
    path = tmp_path / "dev60.jsonl"
    path.write_text("\n".join(lines))
    res = CliRunner().invoke(app, ["eval", "factloss", "--data", str(path)])
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["n"] == 60 and out["method"] == "learned" and out["recall_by_error_type"]
    assert out["by_domain"] and out["rules"]["n"] == 60 and 0 <= out["balanced_accuracy"] <= 1


def test_check_summary_rules():
    src = "Dear Ana, the launch on March 3 is confirmed. We may add two seats for Globex."
    assert check_summary(src, "The launch on March 3 is confirmed; two seats may be added for Globex.").score == 0
    assert any("negation" in p for p in check_summary(src, "The launch on March 3 is not confirmed.").problems)
    assert any("month" in p for p in check_summary(src, "The launch on April 3 is confirmed.").problems)
    assert any("name" in p for p in check_summary(src, "Two seats may be added for Initech.").problems)
    assert any("number" in p for p in check_summary(src, "We may add five seats.").problems)
