"""Names and addresses never reach the store from inside mail (issue 14, finding 9): quoted reply and
forward headers, Lotus Notes header blocks, attributions, subjects and folder names carry pseudonyms,
unless store_identities is set. Checked on real mail by searching the store's bytes."""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import json
import mailbox
import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from connectors.mail_body import split_body
from connectors.mailbox_files import _address
from slopradar.pipeline import ingest_mailbox, ingest_outlook
from slopradar.schema import Conversation, Message
from tests.conftest import ENRON, shared

_ADDRESS_HEADERS = ("From", "To", "Cc", "Bcc", "Reply-To", "Sender")
_NOTES_HEADERS = ("X-From", "X-To", "X-cc", "X-bcc")
_ID_HEADERS = ("Message-ID", "References", "In-Reply-To")


def _is_person_name(name: str) -> bool:
    """A full name as a reader would search for it: two words of two letters or more, nothing else."""
    words = name.split()
    return (len(words) >= 2 and all(re.fullmatch(r"[^\W\d_][\w'’-]*\.?", w) for w in words)
            and sum(len(w.strip(".")) > 1 for w in words) >= 2 and not name.isupper())


def _input_people(messages: list[email.message.EmailMessage]) -> tuple[set[str], set[str]]:
    """Every sender's and recipient's full name and address in the input headers, except addresses that
    are also part of a Message-ID (message ids are kept as they are: they key threads across sources)."""
    names, addrs, ids = set(), set(), ""
    for msg in messages:
        for h in _ID_HEADERS:
            ids += " ".join(str(v) for v in msg.get_all(h, []) or []).lower()
        for h in _ADDRESS_HEADERS:
            for value in msg.get_all(h, []) or []:
                pairs = email.utils.getaddresses([str(value)]) + [_address(str(value))]
                for name, addr in pairs:
                    if "@" in addr:
                        addrs.add(addr.lower())
                    names.add(" ".join(name.split()))
        for h in _NOTES_HEADERS:
            for value in msg.get_all(h, []) or []:
                for part in re.split(r"[,;](?![^<]*>)", str(value)):
                    names.add(" ".join(re.sub(r"<[^>]*>", "", part).strip(" '\"").split()))
    return {n for n in names if _is_person_name(n)}, {a for a in addrs if a not in ids}


def _store_bytes(settings) -> bytes:
    db = Path(settings.db)
    raw = db.read_bytes() + (Path(f"{db}-wal").read_bytes() if Path(f"{db}-wal").exists() else b"")
    return raw.lower()


def _forms(needle: str) -> tuple[bytes, bytes]:
    """A needle as the store may hold it: UTF-8, or as a JSON escape (quotes are stored as JSON)."""
    return needle.lower().encode(), json.dumps(needle.lower())[1:-1].encode()


def _any_of(words: set[bytes]) -> re.Pattern[bytes]:
    """One pattern matching wherever any of `words` starts, built as a trie (a word that another extends ends the
    branch: any match is a hit). Searching 3,000 Enron names and addresses one by one took 25 s of the test; this
    pattern scans the store once in under a second. Hand-written: no multi-pattern search library (pyahocorasick)
    is among the installed packages, and this is 12 lines."""
    trie: dict = {}
    for w in words:
        node = trie
        for b in w:
            node = node.setdefault(b, {})
        node[None] = {}

    def alternatives(node: dict) -> bytes:
        if None in node:
            return b""
        alts = [re.escape(bytes([k])) + alternatives(v) for k, v in sorted(node.items())]
        return alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
    return re.compile(alternatives(trie))


def _found(raw: bytes, needles: set[str]) -> list[str]:
    """Needles present in the store, in either of their `_forms`. One scan says whether any is; only then is each
    needle looked for, to name them."""
    if not needles or not _any_of({f for n in needles for f in _forms(n)}).search(raw):
        return []
    return sorted(n for n in needles if any(f in raw for f in _forms(n)))


def _parse(path: Path) -> list[email.message.Message]:
    """The messages with their raw header values (RFC 2047 decoded): the parsed headers of the default
    policy drop pipermail's "(Perry Greenfield)" comment, where the name is."""
    if path.is_dir():
        raws = [f.read_bytes() for f in sorted(path.iterdir()) if f.is_file()]
    else:
        box = mailbox.mbox(str(path), create=False)
        raws = [box.get_bytes(k) for k in box.iterkeys()]
    out = []
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        decoded = email.message.Message()
        for k, v in msg.items():
            try:
                value = str(email.header.make_header(email.header.decode_header(str(v))))
            except (ValueError, LookupError, UnicodeError):
                value = str(v)
            decoded[k] = " ".join(value.split())
        out.append(decoded)
    return out


@pytest.mark.xdist_group("enron")
def test_enron_names_and_addresses_are_not_stored(enron_ingested):
    _engine, settings, report = enron_ingested
    folder = shared(ENRON)
    assert report.new >= 790
    names, addrs = _input_people(_parse(folder))
    assert len(names) > 500 and len(addrs) > 1000
    raw = _store_bytes(settings)
    assert _found(raw, addrs) == []
    assert _found(raw, names) == []
    assert b"lewis, andrew" not in raw and b"arora, harry" not in raw  # folder names


def test_mailing_list_names_and_addresses_are_not_stored(engine, settings):
    folder = shared("connectors/bigbang-mbox")
    boxes = [folder / "2001-November.txt", folder / "3GPP_TSG_SA_WG4_EVS.mbox", folder / "3GPP_TSG_RAN_WG4_NR-MIMO-OTA.mbox"]
    messages = []
    for box in boxes:
        ingest_mailbox(engine, settings, box, progress=False)
        messages += _parse(box)
    names, addrs = _input_people(messages)
    assert len(names) > 30 and len(addrs) > 30
    raw = _store_bytes(settings)
    assert _found(raw, addrs) == []
    assert _found(raw, names) == []
    # pipermail's "perry at stsci.edu" inside brackets is an address too
    assert b"perry at stsci.edu" not in raw and b"hungjunglu at yahoo.com" not in raw


OUTLOOK_REPLY = (
    b"From: Bob Stone <bob.stone@acme.example>\nTo: Olivia Bennett <olivia.bennett@acme.example>\n"
    b"Subject: RE: Olivia Bennett's visit\nDate: Mon, 5 Jan 2015 10:00:00 +0000\nMessage-ID: <r1@acme.example>\n"
    b"X-Folder: \\Lewis, Andrew H.\\Deleted Items\n\n"
    b"Sounds good, I told Carla Mendes already.\n\n-----Original Message-----\n"
    b"From: Bennett, Olivia [mailto:olivia.bennett@acme.example]\nSent: Monday, January 05, 2015 9:00 AM\n"
    b"To: Stone, Bob; Mendes, Carla\nSubject: visit\n\nCan we meet on Friday? Olivia Bennett\n")
NOTES_REPLY = (
    b"From: eric.bass@enron.example\nTo: tana.jones@enron.example\nSubject: Re: deals\n"
    b"Date: Mon, 5 Jan 2015 10:00:00 +0000\nMessage-ID: <r2@enron.example>\nX-From: Eric Bass\nX-To: Tana Jones\n\n"
    b"Done, see below.\n\n\n\n\nTana Jones@ECT 04/02/2001 04:59 PM\nTo: Eric Bass/HOU/ECT@ECT, Mark\n"
    b"Taylor/HOU/ECT@ECT\ncc: Sara Shackleton/HOU/ECT@ECT\nSubject: deals\n\nPlease enter the deals.\n")


def _one_mail(tmp_path: Path, name: str, raw: bytes) -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "1.eml").write_bytes(raw)
    return d


def test_quoted_headers_subjects_and_folders_carry_pseudonyms(engine, settings, tmp_path):
    ingest_mailbox(engine, settings, _one_mail(tmp_path, "a", OUTLOOK_REPLY), progress=False)
    ingest_mailbox(engine, settings, _one_mail(tmp_path, "b", NOTES_REPLY), progress=False)
    with Session(engine) as s:
        msgs = {m.native_id: m for m in s.exec(select(Message))}
        folders = {c.name for c in s.exec(select(Conversation))}
    outlook, notes = msgs["r1@acme.example"], msgs["r2@enron.example"]
    stored = json.dumps([outlook.subject, outlook.text, outlook.quoted, notes.subject, notes.text, notes.quoted])
    for who in ("Olivia", "Bennett", "Carla Mendes", "Mendes, Carla", "Stone, Bob", "acme.example", "Tana Jones",
                "Mark Taylor", "Sara Shackleton", "Eric Bass", "Lewis"):
        assert who not in stored, who
    assert re.fullmatch(r"RE: p_[0-9a-f]{16}'s visit", outlook.subject)
    assert outlook.text.startswith("Sounds good, I told p_")
    assert notes.text == "Done, see below."  # the Notes header block is quoted, not authored
    assert notes.quoted[0]["header"].startswith("p_") and "@ECT 04/02/2001 04:59 PM" in notes.quoted[0]["header"]
    # the same person has the same pseudonym in a header line and as a recipient
    assert outlook.meta["recipients"][0] in outlook.subject
    assert "Deleted Items" in folders and not any("Lewis" in f for f in folders)


def test_store_identities_keeps_names_in_text(engine, settings, tmp_path):
    settings.store_identities = True
    ingest_mailbox(engine, settings, _one_mail(tmp_path, "a", OUTLOOK_REPLY), progress=False)
    with Session(engine) as s:
        m = s.exec(select(Message)).one()
        folders = {c.name for c in s.exec(select(Conversation))}
    assert m.subject == "RE: Olivia Bennett's visit" and "Carla Mendes" in m.text
    assert folders == {"Deleted Items"}


def test_a_store_written_before_is_cleaned_by_the_next_ingest(engine, settings, tmp_path, monkeypatch):
    import connectors.mailbox_files as mf

    mail = _one_mail(tmp_path, "a", OUTLOOK_REPLY)
    monkeypatch.setattr(mf, "PARSER_VERSION", "mailbox/1")
    monkeypatch.setattr(mf.IdentityScrubber, "scrub_record", lambda self, rec, people: None)
    monkeypatch.setattr(mf.IdentityScrubber, "folder", lambda self, box, folder: (f"{box}:{folder}", folder))
    ingest_mailbox(engine, settings, mail, progress=False)  # what the previous version stored
    assert b"lewis, andrew" in _store_bytes(settings)
    monkeypatch.undo()
    report = ingest_mailbox(engine, settings, mail, progress=False)
    assert report.updated == 1
    with Session(engine) as s:
        convs = s.exec(select(Conversation)).all()
        m = s.exec(select(Message)).one()
    assert [c.name for c in convs] == ["Deleted Items"] and "Olivia" not in (m.subject or "")


def test_graph_mail_text_carries_pseudonyms(engine, settings, httpserver):
    from tests.fakes.graph import FakeGraph, message

    g = FakeGraph(base=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(r"^/v1\.0/.*"), method="GET").respond_with_handler(g.handler)
    body = ("Noted, Olivia Bennett will present.\n\nFrom: Olivia Bennett <olivia.bennett@example.com>\n"
            "Sent: Monday\nTo: Ada <ada@example.com>\nSubject: plan\n\nThe plan is ready.")
    g.add("ada@example.com", "sentitems", message(1, "ada@example.com", ["olivia.bennett@example.com"],
                                                  "Re: plan from Olivia Bennett", body, unique=body.split("\n\n")[0]))
    ingest_outlook(engine, settings, token=lambda: "fake-at-1", base_url=g.base, mailboxes=["ada@example.com"],
                   folders=["sentitems"], progress=False, sleep=lambda s: None)
    with Session(engine) as s:
        m = s.exec(select(Message)).one()
        conv = s.exec(select(Conversation)).one()
    stored = json.dumps([m.subject, m.text, m.quoted, conv.native_id, conv.name])
    assert "Olivia" not in stored and "olivia.bennett" not in stored and "ada@example.com" not in stored
    assert conv.name == "sentitems"


# -- Lotus Notes and Outlook header blocks are quoted, not authored ------------------------------------
@pytest.mark.parametrize("body, authored, header", [
    ("Thanks.\n\n\n\nPhillip M Love\n03/26/2001 10:20 AM\nTo: Eric Bass/HOU/ECT@ECT\ncc:\nSubject: deals\n\nenter",
     "Thanks.", "Phillip M Love 03/26/2001 10:20 AM"),
    ("Sure.\n\n\nEnron North America Corp.\n\nFrom:  Shanna Husser @ EES              11/30/2000 10:36 AM\n\n\n"
     "To: eric.bass@enron.com\ncc:\nSubject: aggie\n\nold", "Sure.", "Enron North America Corp. From:  Shanna Husser"),
    ("ok\n\nTana Jones@ECT 04/02/2001 04:59 PM\nTo: Mark Taylor/HOU/ECT@ECT\ncc:\nSubject: x\n\nthe quote",
     "ok", "Tana Jones@ECT 04/02/2001 04:59 PM"),
    ("Daniel,\n\nDaniel Falcone@ENRON\n01/31/2001 12:34 PM\nTo: Sally Beck/HOU/ECT@ECT\ncc:\n\nSubject: PV",
     "Daniel,", "Daniel Falcone@ENRON 01/31/2001 12:34 PM"),
    ("Thanks!\n\n\n\nBob Hall\nSent by: Jane Roe\n10/02/2000 05:53 PM", "Thanks!", "Bob Hall Sent by: Jane Roe"),
    ("Fine.\n\n\"Ann Lee\" <ann@x.example>\n05/18/2001 12:34 PM", "Fine.", '"Ann Lee" <ann@x.example>'),
    ("Yes.\n\n____________________Reply Separator____________________\nSubject: x\nAuthor: a\nDate: 03/23/2001 2:40 PM"
     "\n\nold", "Yes.", "____________________Reply Separator"),
])
def test_lotus_notes_header_blocks_are_quoted(body, authored, header):
    split = split_body(body)
    assert split.authored == authored
    assert split.quoted[0]["header"].startswith(header)


def test_prose_with_a_date_is_not_a_header():
    text = "The meeting is moved to 04/02/2001 04:59 PM so please come.\nThanks"
    assert split_body(text).authored == text


@pytest.mark.xdist_group("enron")
def test_enron_authored_text_holds_no_notes_header_lines(enron_ingested):
    engine = enron_ingested[0]
    with Session(engine) as s:
        texts = [m.text or "" for m in s.exec(select(Message))]
    time_line = re.compile(r"^\s*(?:\S.*\s)?\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d{2}\s*(?:AM|PM)\s*$", re.M)
    notes_to = re.compile(r"^\s*To:\s.*/\w+/\w+@\w+", re.M)
    leaks = [t for t in texts if time_line.search(t) or notes_to.search(t)]
    assert leaks == []
