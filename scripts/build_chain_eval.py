"""Write a pooled, interleaved chain-evaluation file: announcements, their copies at depths 1-3, hard
negatives and chatter, as `slopradar eval chains` reads it (DESIGN.md section 7). By default no metadata: the
detector sees text, time, channel and author only.

    python scripts/build_chain_eval.py [--chains 60] [--chatter 1200] [--seed 11] [--shared ../shared/data]
        [--metadata] > build/chains_synthetic.jsonl

With --metadata, the file also holds what a Slack workspace records: a forward made with the Share button
links its parent ("shares"), and every message lists its channel's members ("readers"); summaries and
paraphrases, typed afresh, link nothing.

What it builds (deterministic for a seed):
- announcements about made-up products and features, each with a status (removed, postponed, cancelled,
  moved, approved and their negations), a date, a deadline, an owner and an amount, written plainly or
  AI-polished;
- people who each belong to two to four channels and post only there; a copy is written by a member of its
  parent's channel and posted in another of their channels, hours to days later: forwards that edit a little,
  paraphrases, summaries that drop facts, distortions ("scope refined" for "removed", a shifted date),
  and summaries of those copies (depth 2 and 3), each worded afresh;
- hard negatives: another announcement about the same product (another feature, other values), and
  same-topic chatter that copies nothing;
- background: real human messages of a 2016 Slack workspace (../shared/data/connectors, houstondatavis)
  re-timed into the period, and AI-polished filler posts from the demo workspace's phrase banks
  (samples/story.py, one per ten human messages).
The gold parent of a copy is the message it was made from; its origin is the chain's announcement.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

import story  # noqa: E402  (the demo workspace's phrase banks)

PRODUCTS = ["Atlas", "Nimbus", "Quarry", "Helix", "Orchard", "Beacon", "Tundra", "Kestrel", "Mosaic", "Lantern",
            "Pylon", "Juniper", "Vector", "Cobalt", "Meridian", "Sable", "Falcon", "Harbor", "Ember", "Solstice"]
FEATURES = ["offline sync", "dark mode", "bulk export", "audit log", "SSO login", "usage dashboard", "CSV import",
            "mobile checkout", "smart search", "team calendar", "billing API", "push alerts", "PDF reports",
            "guest access", "webhook retries", "data retention", "voice notes", "price rules"]
OWNERS = ["Julie Martin", "Priya Nair", "Marc Dubois", "Tom Becker", "Aisha Khan", "Lena Vogel", "Omar Haddad",
          "Sara Lindqvist", "Diego Alvarez", "Mei Chen"]
STATUS = {  # status -> (plain sentence, softened wording a distorting summary uses)
    "removed": ("is removed from the {season} release", "has its scope refined for the {season} release"),
    "postponed": ("is postponed to {date}", "is going ahead with some timeline adjustments"),
    "cancelled": ("is cancelled for this quarter", "is being re-evaluated this quarter"),
    "not postponed": ("is NOT postponed and ships on {date}", "might slip a little"),
    "approved": ("is approved with a budget of EUR {amount},000", "is under discussion"),
}
CHANNELS = ["announcements", "platform", "mobile", "design", "sales", "support", "ops", "leads", "general", "random"]
SEASONS = ["spring", "summer", "autumn", "winter"]
FLUFF = ["I hope this message finds you well.", "Let's keep the momentum going and continue delivering great work! 💪",
         "As always, thank you all for your flexibility and commitment.", "Feel free to reach out with any questions.",
         "This reflects our strategic focus on quality and impact.", "Exciting times ahead for the whole team! 🚀"]


def date_text(d: datetime) -> str:
    return f"{d.day} {d:%B}"


def facts(rng: random.Random, when: datetime) -> dict[str, str]:
    product = rng.choice(PRODUCTS)
    date = when + timedelta(days=rng.randint(10, 40))
    deadline = when + timedelta(days=rng.randint(3, 9))
    return {"product": product, "feature": rng.choice(FEATURES), "status": rng.choice(list(STATUS)),
            "season": rng.choice(SEASONS), "date": date_text(date), "deadline": date_text(deadline),
            "owner": rng.choice(OWNERS), "amount": str(rng.randint(12, 95)), "team": rng.choice(
                ["release", "product", "budget", "architecture", "roadmap"])}


def status_sentence(f: dict[str, str]) -> str:
    return STATUS[f["status"]][0].format(**f)


def announcement(rng: random.Random, f: dict[str, str]) -> str:
    subject = f"{f['product']} {f['feature']}"
    s = status_sentence(f)
    if rng.random() < 0.5:
        return (f"Decision from the {f['team']} review: {subject} {s}. Stop all work on it by {f['deadline']}. "
                f"Owner: {f['owner']}. Questions to me directly.")
    return (f"Hi team! 👋 I wanted to share an important update from today's {f['team']} review. After careful "
            f"consideration, {subject} {s}. Please wrap up any ongoing work on it by {f['deadline']}. "
            f"{f['owner']} will own the follow-up. {rng.choice(FLUFF)}")


OPENERS = ["Quick summary of the {team} update:", "TL;DR from the review:", "Recap for the team:",
           "Summary of what was shared in #{channel}:", "Heads up:", "Key takeaway:", "FYI:", "Passing this on:",
           "Sharing from the review:"]
# each copy rewords a few phrases its own way, so a copy of a copy carries its parent's marks
REWORD = [("Stop all work on it by", ["Work on it should stop by", "Please halt work on it by", "Wind down work by"]),
          ("Please wrap up any ongoing work on it by", ["Wrap up ongoing work by", "Any work on it ends by"]),
          ("Owner:", ["Point of contact:", "Owned by", "Lead:"]),
          ("will own the follow-up", ["is the point of contact", "owns the next steps", "follows up"]),
          ("Questions to me directly.", ["Ping me with questions.", "Questions welcome."]),
          ("After careful consideration,", ["Following the discussion,", "In short,"]),
          ("is removed from", ["has been dropped from", "was taken out of"]),
          ("is cancelled for this quarter", ["has been cancelled this quarter", "is off for this quarter"]),
          ("is approved with a budget of", ["got approval with a budget of", "is greenlit with a budget of"]),
          ("is postponed to", ["has been pushed to", "moves to"]),
          ("is NOT postponed and ships on", ["is not postponed and still ships on", "stays on track for"])]


def _sentences(text: str) -> list[str]:
    return [x.strip() for x in text.replace("! ", "!\n").replace(". ", ".\n").split("\n") if x.strip()]


def _strip_opener(text: str) -> str:
    for _ in range(3):  # a forward of a forward carries two openers
        head, sep, rest = text.partition(": ")
        if sep and any(head + ":" == o.split(" {")[0] or head.startswith(o.split(" {")[0].rstrip(":"))
                       for o in OPENERS if len(head) < 60):
            text = rest
        else:
            break
    return text


def copy_of(rng: random.Random, parent: str, f: dict[str, str], kind: str, channel: str) -> str:
    """A copy of `parent`'s text (f: the chain's facts): forwarded, reworded, summarised or distorted."""
    opener = rng.choice(OPENERS).format(team=f["team"], channel=channel)
    if kind == "forward":
        body = _sentences(parent)
        return f"{opener} " + " ".join(body[:-1] if len(body) > 2 else body)
    subject = f"{f['product']} {f['feature']}"
    body = [x for x in _sentences(_strip_opener(parent)) if x not in FLUFF and "I wanted to share" not in x
            and not x.startswith("Hi team")]
    if kind in ("summary", "distort"):
        # the status sentence, subject first; each other sentence kept or dropped
        main = [subject + x.split(subject, 1)[1] for x in body if subject in x][:1]
        body = main + [x for x in body if subject not in x and rng.random() < 0.5]
    for old, news in rng.sample(REWORD, k=3):
        body = [x.replace(old, rng.choice(news)) for x in body]
    if kind == "distort":
        plain, softened = STATUS[f["status"]]
        marks = [plain.format(**f).split(" {")[0]] + [n for o, ns in REWORD if o in plain for n in ns]
        body = [_soften(x, f, marks, softened.format(**f)) for x in body]
    text = " ".join([opener] + body)
    if rng.random() < 0.5:
        text += " " + rng.choice(FLUFF)
    return text


def _soften(sentence: str, f: dict[str, str], marks: list[str], softened: str) -> str:
    """Replace the status clause (whatever wording the parent used) by its softened form."""
    subject = f"{f['product']} {f['feature']}"
    if subject in sentence:
        return f"{sentence.split(subject)[0]}{subject} {softened}."
    return sentence


def real_chatter(shared: Path) -> list[str]:
    """Real human messages of a 2016 Slack workspace (houstondatavis, MIT): the background a chain hides in."""
    from connectors.slack_export import open_export

    export = open_export(shared / "connectors" / "houstondatavis-slack-export.zip")
    out = [r.text for unit in export.units() for r in unit.records or [] if r.kind == "authored" and r.text
           and len(r.text.split()) >= 3]
    export.archive.close()
    return out


def slop_post(rng: random.Random) -> str:
    """An AI-polished filler post from the demo workspace's phrase banks: polished style, no copied facts."""
    bank = story.SLOP_FR if rng.random() < 0.2 else story.SLOP_EN
    parts = [rng.choice(bank["open"])] + rng.sample(bank["body"], k=min(len(bank["body"]), rng.randint(2, 4)))
    return " ".join(parts + [rng.choice(bank["close"])]).replace("{topic}", rng.choice(story.SLOP_TOPICS))


def build(n_chains: int, n_chatter: int, seed: int, shared: Path, metadata: bool = False) -> list[dict]:
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    span = timedelta(days=56)
    rows: list[dict] = []
    people = [f"U{i:03d}" for i in range(60)]
    # everyone belongs to a few channels and posts only there; a copy's author read its parent in one of them
    member_of = {u: rng.sample(CHANNELS, k=rng.randint(2, 4)) for u in people}
    members = {c: [u for u in people if c in member_of[u]] or [rng.choice(people)] for c in CHANNELS}

    def someone_in(channel: str) -> str:
        return rng.choice(members[channel])

    authors: dict[str, str] = {}

    def add(text: str, ts: datetime, channel: str, author: str, parent: str | None, origin: str | None) -> str:
        mid = f"m{len(rows):05d}"
        authors[mid] = author
        rows.append({"id": mid, "ts": ts.isoformat(), "channel": channel, "author": author, "text": text,
                     "parent": parent, "origin": origin or mid})
        return mid

    for _ in range(n_chains):
        t0 = start + span * rng.random()
        f = facts(rng, t0)
        root_text = announcement(rng, f)
        root_ch = rng.choice(CHANNELS[:3])
        root = add(root_text, t0, root_ch, someone_in(root_ch), None, None)
        # a hard negative: the same product, another feature, other values, a few days apart
        if rng.random() < 0.5:
            h = facts(rng, t0)
            h["product"] = f["product"]
            while h["feature"] == f["feature"]:
                h["feature"] = rng.choice(FEATURES)
            ch = rng.choice(CHANNELS)
            add(announcement(rng, h), t0 + timedelta(days=rng.uniform(-5, 5)), ch, someone_in(ch), None, None)
        # same-topic chatter that copies nothing
        ch = rng.choice(CHANNELS)
        add(f"anyone know if the {f['product']} {f['feature']} designs are final? asking for the demo",
            t0 + timedelta(hours=rng.uniform(-48, 48)), ch, someone_in(ch), None, None)
        frontier = [(root, root_text, f, root_ch, t0, 0)]
        for _k in range(rng.randint(1, 4)):
            pid, ptext, pf, pch, pts, depth = rng.choice(frontier)
            if depth >= 3:
                continue
            kind = rng.choice(["forward", "paraphrase", "summary", "summary", "distort"] if depth == 0
                              else ["summary", "summary", "distort", "paraphrase"])
            author = rng.choice([u for u in members[pch] if len(member_of[u]) > 1 and u != authors[pid]] or people)
            ch = rng.choice([c for c in member_of[author] if c != pch] or [c for c in CHANNELS if c != pch])
            text = copy_of(rng, ptext, pf, kind, pch)
            ts = pts + timedelta(hours=rng.uniform(1, 96))
            cid = add(text, ts, ch, author, pid, root)
            if metadata and kind == "forward":  # the Share button: the copy carries a link to its parent
                rows[-1]["shares"] = [pid]
            frontier.append((cid, text, pf, ch, ts, depth + 1))
    human = real_chatter(shared)
    for text in rng.sample(human, k=min(n_chatter, len(human))):
        ch = rng.choice(CHANNELS)
        add(text, start + span * rng.random(), ch, someone_in(ch), None, None)
    for _ in range(n_chatter // 10):
        ch = rng.choice(CHANNELS)
        add(slop_post(rng), start + span * rng.random(), ch, someone_in(ch), None, None)
    if metadata:
        for r in rows:
            r["readers"] = members[r["channel"]]
    rows.sort(key=lambda r: r["ts"])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chains", type=int, default=60)
    ap.add_argument("--chatter", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--metadata", action="store_true",
                    help="as a Slack workspace records it: forwards share their parent, channels list their members")
    args = ap.parse_args()
    for r in build(args.chains, args.chatter, args.seed, args.shared, args.metadata):
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
