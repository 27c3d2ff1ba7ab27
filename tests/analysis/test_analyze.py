"""`slopradar analyze` on the demo workspace: AI-polished posts score above plain human messages,
every score explains itself, runs are incremental, opted-out people are never scored, odd input is safe."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime

from sqlmodel import Session, select

from slopradar.pipeline import analyze
from slopradar.schema import Embedding, Message, MessageScore, Person


def _scores(engine):
    with Session(engine) as s:
        return list(s.exec(select(Message.native_id, MessageScore).join(MessageScore,
                                                                      MessageScore.message_id == Message.id)))


def test_ai_polished_and_summaries_score_above_human(analysed, ground_truth):
    engine, _settings, summary = analysed
    assert summary["scored"] > 1000
    origin = {k: v["origin"] for k, v in ground_truth["messages"].items()}
    by: dict[str, list[MessageScore]] = {}
    for nid, sc in _scores(engine):
        by.setdefault(origin.get(nid, "?"), []).append(sc)
    human_p = [s.ai_probability for s in by["human"] if s.ai_probability is not None]
    polished_p = [s.ai_probability for s in by["ai_polished"] if s.ai_probability is not None]
    summary_p = [s.ai_probability for s in by["ai_summary"] if s.ai_probability is not None]
    assert statistics.mean(polished_p) > statistics.mean(human_p) + 0.3
    assert statistics.mean(summary_p) > statistics.mean(human_p)
    assert statistics.mean(s.bloat for s in by["ai_polished"]) > statistics.mean(s.bloat or 0 for s in by["human"]) + 0.4
    assert sum(s.ai_flagged for s in by["human"]) / len(human_p) < 0.03  # shipped threshold: ~1 % on e-mail
    # the shipped threshold is set for 1 % false alarms on human text of every register (reviews and essays
    # included: 0.92), so it flags few demo posts; the ranking is what the team estimate reads
    human_p95 = sorted(human_p)[int(0.95 * len(human_p))]
    assert sum(p > human_p95 for p in polished_p) / len(polished_p) >= 0.5
    for s in by["ai_polished"]:  # every score explains itself
        assert s.ai_reasons and s.bloat_reasons


def test_second_run_does_no_work(analysed):
    engine, settings, _ = analysed
    again = analyze(engine, settings, progress=False)
    assert again["pending"] == 0 and again["scored"] == 0


def test_embeddings_are_stored_per_model(analysed):
    engine, _s, _ = analysed
    with Session(engine) as s:
        e = s.exec(select(Embedding)).first()
    assert e.model.startswith("all-MiniLM-L6-v2@") and e.dim == 384 and len(e.vector) == 384 * 4


def test_languages_are_detected(analysed):
    engine, _s, _ = analysed
    with Session(engine) as s:
        langs = set(s.exec(select(Message.language).where(Message.word_count >= 8)))
    assert {"en", "fr"} <= langs


def test_opted_out_people_are_not_scored_and_odd_input_is_safe(analysed, tmp_path):
    import sqlite3

    from slopradar.store import open_store

    _, shared_settings, _ = analysed
    # on a copy: the analysed store is shared by the session, and other tests compare it with a fresh analysis
    settings = shared_settings.model_copy(update={"db": str(tmp_path / "odd.db")})
    with sqlite3.connect(shared_settings.db) as a, sqlite3.connect(settings.db) as b:
        a.backup(b)
    engine = open_store(settings)
    from slopradar.records import MessageRecord, ConversationRecord, PersonRef
    from slopradar.ingest import IngestWriter, Unit
    from slopradar.pipeline import pseudonymizer
    from datetime import UTC, datetime

    conv = ConversationRecord("slack:TEST", "C1", "channel", "odd")
    author = PersonRef([("email", "odd@x.org")])
    shy = PersonRef([("email", "shy@x.org")])
    odd_texts = {"empty": "", "emoji": "🎉🎉🎉", "huge": "This sentence repeats a lot. " * 4000,
                 "mixed": "Merci pour le point. The release moves to 3 March, please update the roadmap.",
                 "bad": "caf\ufffd \x00 ctrl \u202e text with invalid characters inside of it, quite a few words here"}
    recs = [MessageRecord("slack:TEST", f"C1:{i}", conv, datetime(2025, 6, 1, tzinfo=UTC), "authored", author, text=t)
            for i, t in enumerate(odd_texts.values())]
    recs.append(MessageRecord("slack:TEST", "C1:shy", conv, datetime(2025, 6, 1, tzinfo=UTC), "authored", shy,
                              text="I hope this message finds you well, I wanted to take a moment to share."))
    w = IngestWriter(engine, settings, pseudonymizer(settings), "test", "odd")
    w.write_unit(Unit("odd", "1", recs))
    with Session(engine) as s:
        p = s.get(Person, pseudonymizer(settings).person_id("email", "shy@x.org"))
        p.opted_out = True
        s.add(p)
        s.commit()
    summary = analyze(engine, settings, progress=False)
    assert summary["scored"] == len(odd_texts)
    got = {nid: sc for nid, sc in _scores(engine) if nid.startswith("C1:")}
    assert "C1:shy" not in got
    assert got["C1:1"].ai_probability is None and "no sentences" in " ".join(got["C1:1"].notes)
    assert any("first 64" in n for n in got["C1:2"].notes)
    assert got["C1:0"].ai_not_scored == "no authored text"


# -- chains and fact loss (analyze builds them after scoring) --------------------------------
def _ids(engine):
    with Session(engine) as s:
        return {m.native_id: m.id for m in s.exec(select(Message))}


def test_design_story_chain_and_lost_facts(analysed, ground_truth):
    from slopradar.schema import DerivationEdge, FactLoss

    engine, settings, _ = analysed
    ids = _ids(engine)
    chain = next(c for c in ground_truth["chains"] if c["id"] == "feature-x-removed")
    root = ids[chain["root"]]
    fx1, fx2, fx3 = (ids[c["id"]] for c in chain["copies"])
    with Session(engine) as s:
        edges = {e.child_id: e for e in s.exec(select(DerivationEdge))}
        losses = {(f.copy_id, f.kind, f.value): f.status for f in s.exec(select(FactLoss))}
    assert edges[fx1].parent_id == root and edges[fx1].depth == 1
    assert edges[fx2].parent_id == fx1 and edges[fx2].summary_of_summary
    assert edges[fx3].root_id == root and edges[fx3].depth >= 2 and edges[fx3].summary_of_summary
    assert losses[(fx3, "status", "removed")] == "distorted"  # "scope refined": the removal softened away (issue 17)
    assert losses[(fx2, "owner", "julie martin")] == "lost" and losses[(fx2, "status", "removed")] == "kept"
    assert losses[(fx1, "deadline", "2026-03-12")] == "kept"


def test_demo_edges_against_ground_truth(analysed, ground_truth):
    """Every derivation edge analyze stored in the demo workspace (with its metadata: shares, forwarded
    mail, channel members) against samples/ground_truth.json. Measured: 11 of 13 edges right, 11 of 13 gold
    edges found; the two missed are a French summary of an English one (no shared value, English-centred
    embedder) and a summary that kept nothing of its parent (cosine 0.38). The two wrong: a summary linked to
    the AI expansion of its announcement rather than to the announcement, and (learned path, issue 16) two
    AI-polished French posts built from the same phrase bank (docs/chains.md)."""
    from slopradar.schema import DerivationEdge

    engine, _s, _ = analysed
    gold = {cp["id"]: cp["parent"] for ch in ground_truth["chains"] for cp in ch["copies"]}
    with Session(engine) as s:
        native = {m.id: m.native_id for m in s.exec(select(Message))}
        pred = {native[e.child_id]: native[e.parent_id] for e in s.exec(select(DerivationEdge))}
    right = sum(1 for c, p in pred.items() if gold.get(c) == p)
    print(f"demo edges: {len(pred)} predicted, {right} right, {len(gold)} gold")
    assert right / len(pred) >= 0.8 and right / len(gold) >= 0.8


def test_distortions_and_shares(analysed, ground_truth):
    from slopradar.schema import DerivationEdge, FactLoss

    engine, _s, _ = analysed
    ids = _ids(engine)
    by_chain = {c["id"]: c for c in ground_truth["chains"]}
    ah2 = ids[by_chain["all-hands-not-postponed"]["copies"][1]["id"]]
    share = ids[by_chain["mdm-enrolment"]["copies"][0]["id"]]
    with Session(engine) as s:
        edges = {e.child_id: e for e in s.exec(select(DerivationEdge))}
        losses = {(f.copy_id, f.kind, f.value): f.status for f in s.exec(select(FactLoss))}
    assert losses[(ah2, "status", "postponed")] == "distorted"  # "NOT postponed" became "postponed"
    assert edges[share].method == "share" and edges[share].relation == "forward"
    assert losses[(share, "deadline", "2026-03-20")] == "kept"  # the shared original carries it


def test_chains_cli(analysed, ground_truth):
    from typer.testing import CliRunner

    from slopradar.cli import app

    engine, settings, _ = analysed
    root = _ids(engine)[ground_truth["chains"][0]["root"]]
    runner = CliRunner()
    res = runner.invoke(app, ["--db", settings.db, "chains", "--list"], env={"SLOPRADAR_DATA_DIR": settings.data_dir})
    listed = json.loads(res.stdout.strip().splitlines()[-1])["chains"]
    assert any(c["root_id"] == root and c["summary_of_summary"] >= 2 for c in listed)
    res = runner.invoke(app, ["--db", settings.db, "chains", "--root", str(root)],
                        env={"SLOPRADAR_DATA_DIR": settings.data_dir})
    assert res.exit_code == 0 and "LOST" in res.stdout and "summary of a summary" in res.stdout


def test_eval_chains_interface(tmp_path):
    from typer.testing import CliRunner

    from slopradar.cli import app

    rows = [
        {"id": "a", "ts": "2026-03-02T09:00:00Z", "channel": "announcements", "author": "u1", "parent": None, "origin": "a",
         "text": "Decision: Offline Sync is removed from the spring release. Stop all work on it by 12 March. Owner: Julie Martin."},
        {"id": "b", "ts": "2026-03-03T09:00:00Z", "channel": "mobile", "author": "u2", "parent": "a", "origin": "a",
         "text": "Summary of the release decision: Offline Sync has been removed from the spring release, please stop work on it."},
        {"id": "c", "ts": "2026-03-03T10:00:00Z", "channel": "random", "author": "u3", "parent": None, "origin": "c",
         "text": "Cake in the kitchen on floor 2 for Lena's birthday, come by before it disappears this afternoon."},
    ]
    data = tmp_path / "c.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))
    res = CliRunner().invoke(app, ["eval", "chains", "--data", str(data)])
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["edge_precision"] == 1.0 and out["edge_recall"] == 1.0 and out["origin_accuracy"] == 1.0
    # a forward of an original that is not a row: not scored (no gold parent can name it), counted apart
    rows.append({"id": "d", "ts": "2026-03-04T09:00:00Z", "channel": "mail", "author": "u4", "parent": None,
                 "origin": "d", "text": "FYI, see below.", "forwarded_text": "From: Tana Jones\nSent: Monday, March 2, "
                 "2026 8:30 AM\nTo: Team\nSubject: Budget\n\nThe budget for Q2 is EUR 40,000, approved by Paul Martin."})
    data.write_text("\n".join(json.dumps(r) for r in rows))
    out = json.loads(CliRunner().invoke(app, ["eval", "chains", "--data", str(data)]).stdout.strip().splitlines()[-1])
    assert out["n_forwards_of_originals_not_in_file"] == 1 and out["n_predicted_edges"] == 1
    assert out["edge_precision"] == 1.0 and out["origin_accuracy"] == 1.0
    # integer ids: id 0 is a gold parent and origin like any other
    numbered = [{**r, "id": k, "parent": 0 if r["parent"] else None, "origin": 0 if r["origin"] == "a" else k}
                for k, r in enumerate(rows[:3])]
    data.write_text("\n".join(json.dumps(r) for r in numbered))
    out = json.loads(CliRunner().invoke(app, ["eval", "chains", "--data", str(data)]).stdout.strip().splitlines()[-1])
    assert out["n_gold_edges"] == 1 and out["edge_recall"] == 1.0 and out["origin_accuracy"] == 1.0
    numbered[1]["ts"] = "2026-03-03 09:00:00"  # no offset (read as UTC) among times with one
    data.write_text("\n".join(json.dumps(r) for r in numbered))
    out = json.loads(CliRunner().invoke(app, ["eval", "chains", "--data", str(data)]).stdout.strip().splitlines()[-1])
    assert out["edge_recall"] == 1.0
    # Unix seconds as a Slack export writes them, as a string or a number, read as the same times
    for as_slack in (lambda x: f"{x:.6f}", float):
        slack = [{**r, "ts": as_slack(datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).replace(
            tzinfo=datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).tzinfo or UTC).timestamp())}
            for r in numbered]
        data.write_text("\n".join(json.dumps(r) for r in slack))
        res = CliRunner().invoke(app, ["eval", "chains", "--data", str(data)])
        assert json.loads(res.stdout.strip().splitlines()[-1])["edge_recall"] == 1.0
    # bad input: a clear error naming the row, nothing scored
    data.write_text("\n".join(json.dumps(r) for r in [*numbered, {**numbered[2], "text": "again"}]))
    res = CliRunner().invoke(app, ["eval", "chains", "--data", str(data)])
    assert res.exit_code != 0 and "id 2 appears twice" in res.output
    data.write_text("\n".join(json.dumps({**r, "ts": "yesterday"} if r["id"] == 1 else r) for r in numbered))
    res = CliRunner().invoke(app, ["eval", "chains", "--data", str(data)])
    assert res.exit_code != 0 and "row 1: ts 'yesterday' is neither an ISO 8601 time nor Unix seconds" in res.output
    data.write_text("\n".join(json.dumps({**r, "ts": 1741041412399} if r["id"] == 1 else r) for r in numbered))
    res = CliRunner().invoke(app, ["eval", "chains", "--data", str(data)])  # milliseconds: no Unix time in seconds
    assert res.exit_code != 0 and "row 1: ts 1741041412399 is neither" in res.output


def test_eval_chains_on_pooled_interleaved_chains(tmp_path):
    """scripts/build_chain_eval.py: chains at depths 1-3 with summaries, distortions and hard negatives, hidden in
    real human chatter, no metadata. Our own generator (docs/chains.md): with the learned copy model, F1 0.75 and
    origin 0.99 on this smaller set; most wrong edges pick a sibling or the announcement instead of the
    intermediate copy of the same chain (near-identical relays), and two pair AI-polished posts built from one
    phrase bank."""
    import subprocess
    import sys

    from typer.testing import CliRunner

    from slopradar.cli import app
    from tests.conftest import ROOT, SHARED, shared

    shared("connectors/houstondatavis-slack-export.zip")
    data = tmp_path / "chains.jsonl"
    with data.open("w") as fh:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_chain_eval.py"), "--chains", "30",
                        "--chatter", "400", "--shared", str(SHARED)], stdout=fh, check=True)
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    gold = [r for r in rows if r["parent"]]
    assert len(gold) >= 40 and any(r["text"].startswith("Summary of what was shared") for r in gold)
    res = CliRunner().invoke(app, ["eval", "chains", "--data", str(data)])
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["edge_f1"] >= 0.7 and out["origin_accuracy"] >= 0.97


def test_chains_are_incremental(tmp_path):
    """A second build with nothing new does no work; a new copy rebuilds only its own 30-day chunk and keeps
    older edges; a deleted copy loses its edge; an opt-out drops the person's copies."""
    from datetime import UTC, datetime

    from slopradar.config import Settings
    from slopradar.ingest import IngestWriter, Unit
    from slopradar.pipeline import build_chains, pseudonymizer
    from slopradar.records import ConversationRecord, MessageRecord, PersonRef
    from slopradar.schema import DerivationEdge
    from slopradar.store import open_store

    settings = Settings(db=str(tmp_path / "i.db"), data_dir=str(tmp_path / "state"))
    engine = open_store(settings)
    ann, ops = ConversationRecord("slack:T", "C1", "channel", "announcements"), ConversationRecord("slack:T", "C2", "channel", "ops")
    julie, tom, mei = (PersonRef([("email", f"{n}@x.org")]) for n in ("julie", "tom", "mei"))
    writer = IngestWriter(engine, settings, pseudonymizer(settings), "test", "chains")
    root = "Decision from the roadmap review: Offline Sync is removed from the spring release. Stop all work on it by 12 March. Owner: Julie Martin."
    copy1 = "Summary of the roadmap decision in #announcements: Offline Sync is removed from the spring release. Stop work on it by 12 March."
    filler = "Lunch order for the team offsite goes out at noon, reply with your choice of salad or pasta by then please."
    recs = [MessageRecord("slack:T", "C1:1", ann, datetime(2026, 1, 5, 9, tzinfo=UTC), "authored", julie, text=root),
            MessageRecord("slack:T", "C2:1", ops, datetime(2026, 1, 6, 9, tzinfo=UTC), "authored", tom, text=copy1)]
    recs += [MessageRecord("slack:T", f"C2:f{i}", ops, datetime(2026, 4, 10 + i, 9, tzinfo=UTC), "authored", mei, text=filler)
             for i in range(3)]
    writer.write_unit(Unit("u", "1", recs))
    first = analyze(engine, settings, progress=False)["chains"]
    assert first["edges"] == 1 and first["chunks_rebuilt"] == first["chunks"] >= 3

    def edges():
        with Session(engine) as s:
            return {(e.child_id, e.parent_id, e.depth) for e in s.exec(select(DerivationEdge))}

    before = edges()
    assert build_chains(engine, settings)["chunks_rebuilt"] == 0 and edges() == before
    late = MessageRecord("slack:T", "C2:late", ops, datetime(2026, 4, 14, 9, tzinfo=UTC), "authored", tom, text=filler + " Thanks!")
    writer.write_unit(Unit("u", "2", [late]))
    assert analyze(engine, settings, progress=False)["chains"]["chunks_rebuilt"] == 1 and edges() == before
    copy2 = "Key takeaway from #ops: Offline Sync is removed from the spring release, so stop work on it."
    writer.write_unit(Unit("u", "3", [MessageRecord("slack:T", "C1:2", ann, datetime(2026, 1, 7, 9, tzinfo=UTC), "authored",
                                                    mei, text=copy2)]))
    assert analyze(engine, settings, progress=False)["chains"]["edges"] == 2 and before < edges()
    with Session(engine) as s:
        m = s.exec(select(Message).where(Message.native_id == "C2:1")).one()
        m.deleted = True
        s.add(m)
        s.commit()
        copy_id = m.id
    third = build_chains(engine, settings)
    assert third["chunks_rebuilt"] >= 1 and copy_id not in {c for c, _, _ in edges()}
    with Session(engine) as s:
        mei_id = pseudonymizer(settings).person_id("email", "mei@x.org")
        p = s.get(Person, mei_id)
        p.opted_out = True
        s.add(p)
        s.commit()
    build_chains(engine, settings)
    assert edges() == set()  # copy1 deleted, copy2's author opted out
