"""Ingest throughput on the largest real inputs (and the demo workspace), and peak memory on hostile ones.

    python bench/ingest.py            # uses ../shared/data when present
    python bench/ingest.py --hostile  # only the hostile inputs (peak RSS), generated in a temp dir

Hostile inputs (issue 14, finding 5), each ingested in its own process so its peak RSS is its own:
a 1 MB ZIP holding a 200 MB day file, an mbox of 40 mails of 20 MB, and a 600 MB .eml.
Peak RSS on the 2-core bench machine, before -> after the fixes of issue 14 (day files read element by
element and committed in parts, mbox split in bounded pieces, batches bounded by bytes, files checked
by size before reading): ZIP 994 MB -> 95 MB, mbox 1,824 MB -> 317 MB (one 20 MB mail being parsed),
.eml 670 MB -> 72 MB (refused by its size, never read).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slopradar.config import Settings  # noqa: E402
from slopradar.pipeline import ingest_mailbox, ingest_slack_export  # noqa: E402
from slopradar.store import open_store  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "connectors"
INPUTS = [
    ("slack-export", ROOT / "samples" / "slack-export", ingest_slack_export),
    ("slack-export", SHARED / "houstondatavis-slack-export.zip", ingest_slack_export),
    ("mailbox", SHARED / "enron-maildir-sample" / "enron_small", ingest_mailbox),
    ("mailbox", SHARED / "bigbang-mbox" / "2001-November.txt", ingest_mailbox),
]
MB = 1024 * 1024


def throughput() -> None:
    print(f"{'input':58s} {'records':>8s} {'first run':>10s} {'msg/s':>8s} {'re-run':>8s}")
    for kind, path, fn in INPUTS:
        if not path.exists():
            print(f"{path.name:58s} skipped: not present")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(db=f"{tmp}/bench.db", data_dir=tmp)
            engine = open_store(settings)
            t0 = time.perf_counter()
            report = fn(engine, settings, path, progress=False)
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            fn(engine, settings, path, progress=False)
            again = time.perf_counter() - t0
            n = report.new + report.updated + report.unchanged
            print(f"{kind + ': ' + path.name:58s} {n:8d} {first:9.2f}s {n / first:8.0f} {again:7.2f}s")
            engine.dispose()
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


# -- hostile inputs ------------------------------------------------------------------------
def hostile_zip(path: Path, day_mb: int = 200) -> None:
    """A small ZIP whose one day file inflates to `day_mb` MB of ordinary-looking messages."""
    users = [{"id": "U1", "team_id": "T1", "name": "a", "profile": {"email": "a@example.com"}}]
    channels = [{"id": "C1", "name": "general", "members": ["U1"]}]
    words = ("the quarterly plan was moved to next week and the owner is still the platform team " * 10).strip()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("users.json", json.dumps(users))
        zf.writestr("channels.json", json.dumps(channels))
        with zf.open("general/2015-06-05.json", "w", force_zip64=True) as fh:
            fh.write(b"[")
            written, i = 0, 0
            while written < day_mb * MB:
                msg = json.dumps({"type": "message", "user": "U1", "text": words,
                                  "ts": f"{1433558319 + i // 1000}.{i % 1000:06d}"}).encode()
                fh.write((b"," if i else b"") + msg)
                written += len(msg) + 1
                i += 1
            fh.write(b"]")


def hostile_mbox(path: Path, mails: int = 40, mail_mb: int = 20) -> None:
    """An mbox of `mails` plain-text mails of `mail_mb` MB each (under the default max_mail_bytes)."""
    line = b"this is a long quoted log line that somebody pasted into a mail to the whole team....\n"
    with path.open("wb") as fh:
        for i in range(mails):
            fh.write(b"From a@example.com Mon Jan  5 10:00:00 2015\n")
            fh.write(f"From: A <a@example.com>\nTo: B <b@example.com>\nSubject: log {i}\n"
                     f"Date: Mon, 5 Jan 2015 10:{i % 60:02d}:00 +0000\nMessage-ID: <big{i}@example.com>\n\n".encode())
            for _ in range(mail_mb * MB // len(line)):
                fh.write(line)
            fh.write(b"\n")


def hostile_eml(path: Path, size_mb: int = 600) -> None:
    """One .eml far over max_mail_bytes."""
    line = b"x" * 75 + b"\n"
    with path.open("wb") as fh:
        fh.write(b"From: A <a@example.com>\nTo: B <b@example.com>\nSubject: huge\n"
                 b"Date: Mon, 5 Jan 2015 10:00:00 +0000\nMessage-ID: <huge@example.com>\n\n")
        block = line * (MB // len(line))
        for _ in range(size_mb):
            fh.write(block)


def ingest_one(kind: str, path: str, db: str) -> None:
    """Child process: ingest one input, print one JSON line with its own peak RSS."""
    settings = Settings(db=db, data_dir=str(Path(db).parent / "state"))
    engine = open_store(settings)
    fn = ingest_slack_export if kind == "slack-export" else ingest_mailbox
    t0 = time.perf_counter()
    report = fn(engine, settings, path, progress=False)
    print(json.dumps({"seconds": round(time.perf_counter() - t0, 1), "new": report.new,
                      "failed": report.units_failed, "skipped": dict(report.skipped),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


def hostile() -> None:
    print(f"{'hostile input':44s} {'on disk':>9s} {'peak RSS':>9s} {'time':>7s}  result")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("slack-export", Path(tmp) / "bomb.zip", hostile_zip, "ZIP, one 200 MB day file"),
                 ("mailbox", Path(tmp) / "big.mbox", hostile_mbox, "mbox, 40 mails x 20 MB"),
                 ("mailbox", Path(tmp) / "huge.eml", hostile_eml, ".eml of 600 MB")]
        for kind, path, make, label in cases:
            make(path)
            db = Path(tmp) / f"{path.stem}.db"
            out = subprocess.run([sys.executable, __file__, "--one", kind, str(path), str(db)],
                                 capture_output=True, text=True)
            size = f"{path.stat().st_size / MB:.1f} MB"
            if out.returncode != 0:
                print(f"{label:44s} {size:>9s}   failed: {out.stderr.strip().splitlines()[-1:]}")
            else:
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"{label:44s} {size:>9s} {r['peak_rss_mb']:>6d} MB {r['seconds']:6.1f}s  "
                      f"{r['new']} new, {r['failed']} failed units, skipped {r['skipped']}")
            path.unlink()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        ingest_one(*sys.argv[2:5])
    elif sys.argv[1:2] == ["--hostile"]:
        hostile()
    else:
        throughput()
        hostile()
