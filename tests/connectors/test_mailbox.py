"""Mailbox ingestion: mbox, .eml folders, maildir, PST; reply/forward splitting; bad input."""

from __future__ import annotations

import email
import email.policy
import mailbox
from pathlib import Path

import pytest
from sqlmodel import Session, select

from connectors.mail_body import split_body
from connectors.mailbox_files import MailboxError, MailboxImport, detect_format
from slopradar.pipeline import ingest_mailbox, stats
from slopradar.schema import Message
from tests.conftest import SAMPLES, dump_store, shared


def _messages(engine) -> list[Message]:
    with Session(engine) as s:
        return list(s.exec(select(Message)))


def test_demo_mailbox(engine, settings, ground_truth):
    report = ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    mail_truth = {k: v for k, v in ground_truth["messages"].items() if v["channel"] is None}
    assert report.new == sum(1 for v in mail_truth.values() if v["origin"] != "auto-reply")
    assert report.skipped["auto-reply"] == 1
    msgs = {m.native_id: m for m in _messages(engine)}
    chain = next(c for c in ground_truth["chains"] if c["id"] == "travel-budget-cut")
    fwd = msgs[chain["copies"][0]["id"]]
    assert fwd.text.startswith("FYI, this applies")
    assert fwd.quoted[0]["kind"] == "forward" and "EUR 42,000" in fwd.quoted[0]["text"]
    assert "EUR 42,000" not in fwd.text
    replies = [m for m in msgs.values() if m.parent_native_id]
    assert replies and all(m.parent_native_id in msgs for m in replies)
    assert all(m.thread_key == msgs[m.parent_native_id].thread_key for m in replies)
    french = [m for m in replies if (m.subject or "").startswith("RE: Planning astreinte")]
    assert french and all("a écrit" not in m.text and m.quoted[0]["text"].startswith("Bonjour") for m in french)
    # recipients are kept as pseudonyms, the audience of a message
    assert all(r.startswith("p_") for m in msgs.values() for r in m.meta.get("recipients", []))


def test_reingest_is_idempotent(engine, settings):
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    before = dump_store(engine)
    again = ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    assert again.new == 0 and dump_store(engine) == before


def test_bigbang_mboxes(engine, settings):
    folder = shared("connectors/bigbang-mbox")
    numpy = ingest_mailbox(engine, settings, folder / "2001-November.txt", progress=False)
    # the pipermail archive holds each of its 82 messages twice: deduplicated by Message-ID
    assert numpy.new == 82 and numpy.skipped["duplicate or superseded version in input"] == 82
    evs = ingest_mailbox(engine, settings, folder / "3GPP_TSG_SA_WG4_EVS.mbox", progress=False)
    assert evs.new >= 45 and evs.units_failed == 0
    ota = ingest_mailbox(engine, settings, folder / "3GPP_TSG_RAN_WG4_NR-MIMO-OTA.mbox", progress=False)
    assert ota.skipped["malformed message (no valid Date)"] == 1  # a real archive stub with no headers
    msgs = _messages(engine)
    # pipermail "user at host" addresses still identify people; Outlook quotes are split off
    assert stats(engine)["authors"] > 30
    outlook = [m for m in msgs if any("Original Message" in q.get("header", "") for q in m.quoted)]
    assert len(outlook) > 10
    assert not any("-----Original Message-----" in (m.text or "") for m in msgs)


def test_a_list_replys_attribution_leaves_the_authored_text():
    """"Martin Wiechert <martin.wiechert at gmx.de> writes:", "Konrad Hinsen schrieb:" above a quote stayed in the
    authored text of 50 of the Numpy list's mails (pipermail hides the "@", mail-parser-reply knows only "On ...
    wrote:"): the attribution goes with its quote, the reply stays. A sentence of the author's that ends in a colon
    above a quote is the author's."""
    box = mailbox.mbox(str(shared("connectors/bigbang-mbox/2001-November.txt")), create=False,
                       factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default))
    splits = {str(m["Message-ID"]): split_body(m.get_body(preferencelist=("plain",)).get_content()) for m in box}
    said = [sp for sp in splits.values() if any(q["header"].endswith(("writes:", "wrote:", "schrieb:"))
                                                for q in sp.quoted)]
    assert len(said) >= 20
    assert not any(ln.rstrip().endswith(("writes:", "wrote:", "schrieb:"))
                   for sp in splits.values() for ln in sp.authored.split("\n"))
    gsl = next(sp for sp in splits.values() if "GPL, not LGPL" in sp.authored)
    assert gsl.authored.startswith("I have heard that several projects decided not to use it for legal")
    assert any(q["header"] == "Martin Wiechert <martin.wiechert at gmx.de> writes:" and
               q["text"].startswith("Are there any plans to wrap GSL for Numpy2?") for q in gsl.quoted)
    # the author's own sentences above a quote stay
    cfo = split_body("I disagree. Here is what the CFO said:\n> budget is frozen\nSo we wait.")
    assert cfo.authored == "I disagree. Here is what the CFO said:\nSo we wait." and cfo.quoted[0]["text"] == "budget is frozen"
    notes = split_body("No. As the release notes said:\n> 2.0 drops Python 2\nSo we wait.")
    assert notes.authored.startswith("No. As the release notes said:")
    # interleaved answers keep every answer; both attributions go with the quotes
    both = split_body("Paul <p at x.org> writes:\n> launch in May?\n\nYes, May 4.\n\nJulie <j at x.org> writes:\n"
                      "> and the budget?\n\n$40k.")
    assert both.authored.split() == ["Yes,", "May", "4.", "$40k."]
    assert both.quoted[-1]["header"] == "Paul <p at x.org> writes: Julie <j at x.org> writes:"
    # an attribution a client wrapped over two lines goes whole
    wrapped = split_body("Reply.\n\nOn Mon, Jan 1, 2024 at 10:00 AM John Doe <\njohn@x.com> wrote:\n> quoted")
    assert wrapped.authored == "Reply." and wrapped.quoted[0]["header"].startswith("On Mon, Jan 1, 2024")


def test_a_reply_under_a_quoted_sign_off_is_the_authors():
    """mail-parser-reply took a quoted "> -Travis" for the start of a signature, and the reply under the quote with
    it: 5 of the Numpy list's 82 mails were stored with no text of their own. A "-- " line or pipermail's
    "--- next part ---" (an attachment) still ends the author's text."""
    box = mailbox.mbox(str(shared("connectors/bigbang-mbox/2001-November.txt")), create=False,
                       factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default))
    bodies = {str(m["Message-ID"]): m.get_body(preferencelist=("plain",)).get_content() for m in box}
    tls = split_body(next(b for b in bodies.values() if b.startswith("Travis Oliphant schrieb:")))
    assert tls.authored.startswith("Travis,\n\nThere is a difference between classical least squares (Numpy)")
    assert tls.authored.endswith("Nils") and "next part" in tls.signature and "from Numeric import" in tls.signature
    assert tls.quoted[0]["header"] == "Travis Oliphant schrieb:"
    assert "How do I solve a Total Least Squares problem" in tls.quoted[0]["text"]
    assert sum(1 for b in bodies.values() if b.strip() and not split_body(b).authored) <= 1


def test_a_python_session_in_a_reply_is_the_authors():
    """A Python session pasted into a Numpy-list reply: its ">>> ..." prompt lines are the author's, not a
    third-level quote, when an unquoted line or another prompt is next to them (12 of the list's mails lost 1-7
    such lines). A prompt inside a quote ("> >>> print m") stays quoted; GroupWise's forward header (">>> Name
    12/11/00 03:54PM >>>", Enron) is no prompt."""
    box = mailbox.mbox(str(shared("connectors/bigbang-mbox/2001-November.txt")), create=False,
                       factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default))
    bodies = [m.get_body(preferencelist=("plain",)).get_content() for m in box]
    solved = split_body(next(b for b in bodies if "I have solved that like this:" in b))
    assert solved.authored.split("\n") == [
        "I have solved that like this:", ">>> from Numeric import *", ">>> a = array([3+3j, 1+1j, 2+2j])",
        ">>> b = a.imag", ">>> print take(a, argsort(b))", "[ 1.+1.j  2.+2.j  3.+3.j]", ">>>"]
    assert "How can I sort an array of complex eigenvalues" in solved.quoted[0]["text"]
    random = split_body(next(b for b in bodies if "It seems to be a conflict with Vpython" in b))
    assert ">>> from visual import *\nVisual-2001-09-24\n>>> random((2,3))" in random.authored
    assert "Your reference to random is not fully qualified" not in random.authored
    quoted = split_body("Giulio wrote:\n> If you use add.reduce:\n> >>> print m\n> [[1 ,2 ,3]]\n\nMy answer is yes.")
    assert quoted.authored == "My answer is yes." and ">>> print m" in quoted.quoted[0]["text"]
    header = split_body("FYI\n\n>>> Ronald Carroll 12/11/00 03:54PM >>>\n> At a conference held this morning\n")
    assert "Ronald" not in header.authored
    # a helper's review: a nested reply's ">>>" lines under an attribution or beside ">>" lines stay quoted; a
    # prompt holding "@" (an address, matrix product) is no attribution line; a 5,000-line run is read in one pass
    nested = split_body("John Smith wrote:\n>>> Should we ship?\n>> Yes.\n> I doubt it.\n\nI think we should wait.\n")
    assert nested.authored == "I think we should wait."
    assert split_body("Try:\n>>> send('me@x.org')\nTrue\n> Does it work?\nYes.\n").authored == \
        "Try:\n>>> send('me@x.org')\nTrue\nYes."
    assert split_body("Use:\n" + "\n".join(f">>> c = a @ b{i}" for i in range(5000)) + "\n(2, 2)\n").authored.count(">>>") == 5000


def test_answers_inside_a_quote_under_a_bare_original_message_line_are_the_authors():
    """A Numpy-list reply written into the ">" quote of the mail it answers, under an "-----Original Message-----"
    line with no header block: the answers were stored as quoted text and the reply as empty."""
    box = mailbox.mbox(str(shared("connectors/bigbang-mbox/2001-November.txt")), create=False,
                       factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default))
    body = next(m.get_body(preferencelist=("plain",)).get_content() for m in box
                if str(m["Subject"]).startswith("FW: [Numpy-discussion] Re-implementation"))
    reply = split_body(body)
    assert reply.authored.startswith("Thanks, you were origin of some of the ideas used.")
    assert "Any reason not to allow both?" in reply.authored and "I much prefer" not in reply.authored
    assert "What I've seen looks great." in reply.quoted[0]["text"]
    # a helper's review: a reply written above the marker keeps the original's own answers quoted; an original
    # nested under the answers (Outlook, Lotus Notes) stays quoted; a "-- " signature under the answers is the signature
    top = split_body("Sounds good, Monday then.\nBob\n\n-----Original Message-----\n> Ship on Friday?\n"
                     "No, we need another week.\n> What about Monday?\nMonday works.\nAlice\n")
    assert top.authored == "Sounds good, Monday then.\nBob" and "Monday works." in top.quoted[0]["text"]
    nested = split_body("-----Original Message-----\n> Ship Friday?\nNo, next week.\n\n-----Original Message-----\n"
                        "From: Carol\nSent: Monday\nTo: Team\nSubject: ship\n\nWe ship Friday unless QA objects.\n")
    assert nested.authored == "No, next week." and "QA objects" in nested.quoted[1]["text"]
    notes = split_body("-----Original Message-----\n> Ship Friday?\nNo, next week.\n\n\nTana Jones@ECT\n"
                       "04/02/2001 04:59 PM\nTo: Mark Taylor/HOU/ECT@ECT\ncc:\nSubject: ship\n\nWe ship Friday.\n")
    assert notes.authored == "No, next week." and "We ship Friday." in notes.quoted[1]["text"]
    signed = split_body("-----Original Message-----\n> Ship Friday?\nNo, next week.\n\n-- \nBob Smith\nAcme\n")
    assert (signed.authored, signed.signature) == ("No, next week.", "--\nBob Smith\nAcme")


def test_answers_under_a_quote_are_kept_and_footers_under_a_top_posted_quote_are_not():
    """_answers (a helper's review): bottom-posted and inline answers are the author's, also under an attribution
    wrapped over two lines and when they are one word long; under the quote of a reply written above it, a
    disclaimer or a client's footer is not, nor is the end of a wrapped quote line; a "-- " signature under the
    answers is the signature."""
    disclaimer = ("This e-mail and any attachments are confidential and intended solely for the addressee. If you "
                  "have received this message in error please notify the sender and delete it.")
    wrapped = split_body("On Mon, Jan 1, 2024 at 10:00 AM John Doe <\njohn@x.com> wrote:\n> Can you send the Q1 "
                         "numbers?\n\nYes, tomorrow.\n")
    assert wrapped.authored == "Yes, tomorrow." and wrapped.quoted[0]["text"] == "Can you send the Q1 numbers?"
    inline = split_body("Hi John, some answers inline below.\n\nOn Mon, Mar 2, 2026 at 10:00 AM John Doe "
                        "<john@x.com> wrote:\n> Does it build on Windows?\n\nYes.\n\n> And on Mac?\n\nNo.\n")
    assert inline.authored.split() == ["Hi", "John,", "some", "answers", "inline", "below.", "Yes.", "No."]
    for attribution in ("On Mon, Mar 2, 2026 at 10:00 AM John Doe <john@x.com> wrote:",
                        "On Mon, Mar 2, 2026 at 10:00 AM, John Doe wrote:"):
        top = split_body(f"Sounds good, I'll send the numbers tomorrow.\n\n{attribution}\n> Can you send the Q1 "
                         f"numbers?\n> Thanks, John\n\n{disclaimer}")
        assert top.authored == "Sounds good, I'll send the numbers tomorrow.", attribution
    yahoo = split_body("I agree, let's ship 1.2 on Friday and fix the rest later.\n\nTravis Oliphant wrote:\n> Should "
                       "we release now?\n>\n> -Travis\n\nDo You Yahoo!?\nYahoo! GeoCities - web hosting, "
                       "$8.95/month.\n")
    assert yahoo.authored == "I agree, let's ship 1.2 on Friday and fix the rest later." and "Yahoo" in yahoo.signature
    fragment = split_body("Tana Jones wrote:\n> Please review the attached ISDA draft. cc: Sara Shackleton, Mike and "
                          "others\nThack\n> Regards\n\nWill do.\n")
    assert fragment.authored == "Will do."
    signed = split_body("On Mon, Mar 2, 2026 at 10:00 AM John Doe <john@x.com> wrote:\n> q1?\n\nYes.\n\n> q2?\n\n"
                        "No.\n-- \nAnna Smith\nNumerical Lab, Uni X\n")
    assert signed.authored.split() == ["Yes.", "No."] and "Anna Smith" in signed.signature


@pytest.mark.xdist_group("enron")
def test_enron_maildir_sample_folder(enron_ingested):
    engine, _settings, report = enron_ingested
    assert report.new + sum(report.skipped.values()) >= 801
    assert report.new >= 790
    msgs = _messages(engine)
    forwards = [m for m in msgs if any(q["kind"] == "forward" for q in m.quoted)]
    assert len(forwards) >= 100  # 184 files carry "Forwarded by"; some forward with no words of their own
    assert not any("-----Original Message-----" in (m.text or "") for m in msgs)
    assert not any("---------------------- Forwarded by" in (m.text or "") for m in msgs)


def test_a_plain_part_holding_a_web_page_is_stored_as_its_text(engine, settings, tmp_path):
    """A real Enron mail sent as text/plain with a page's source in it: stored as the page's text, not its markup."""
    src = shared("connectors/enron-maildir-sample/enron_small/lewis-a_deleted_items_452.txt")
    (tmp_path / "enron").mkdir()
    (tmp_path / "enron" / src.name).write_bytes(src.read_bytes())
    assert ingest_mailbox(engine, settings, tmp_path / "enron", progress=False).new == 1
    text = _messages(engine)[0].text or ""
    assert text and "<html" not in text.lower() and "<td" not in text.lower() and "Untitled Document" not in text


@pytest.mark.parametrize("client", ["aol", "apple_mail", "apple_mail_2", "comcast", "gmail", "hotmail", "iphone",
                                    "outlook", "sparrow", "thunderbird", "yahoo", "android"])
def test_talon_client_replies_keep_only_the_new_text(client):
    path = shared(f"connectors/talon-reply-fixtures/standard_replies/{client}.eml")
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain", "html")).get_content()
    split = split_body(body)
    assert split.authored == "Hello"
    assert split.quoted and any(q["text"] or q["header"] for q in split.quoted)


def test_a_bulleted_list_stays_in_the_authored_text():
    # mail-parser-reply takes a line starting "- word" for a signature by default: the list and all below it were
    # dropped from the stored text (the facts in it too)
    body = ("Hi all,\n\nPlan for the week:\n- launch the new billing on Monday\n- review on Friday 13 March\n\n"
            "Thanks, Julie\n-- \nJulie Martin\nHead of Product\n\nOn Mon, 2 Mar 2026 at 10:00, Paul <p@x.com> wrote:\n"
            "> Any plan?")
    split = split_body(body)
    assert split.authored.endswith("- launch the new billing on Monday\n- review on Friday 13 March")
    assert "Julie Martin" in split.signature and split.quoted[0]["text"] == "Any plan?"
    # one "- Name" line is a sign-off above a signature, not a list
    split = split_body("Please sign by Friday.\n\n- Mark\nMark Taylor\nVice President, Legal\nTel: +1 713 555 0100")
    assert split.authored == "Please sign by Friday." and "Tel:" in split.signature


def test_pst_sample(engine, settings):
    pytest.importorskip("pypff", reason="PST support is the optional 'pst' extra (libpff-python)")
    report = ingest_mailbox(engine, settings, shared("connectors/pst-sample/sample1.pst"), progress=False)
    assert report.new == 1
    (m,) = _messages(engine)
    assert m.subject and m.text


def test_pst_without_the_extra_says_how_to_enable_it(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pypff(name, *a, **kw):
        if name == "pypff":
            raise ImportError("No module named 'pypff'")
        return real_import(name, *a, **kw)

    pst = tmp_path / "x.pst"
    pst.write_bytes(b"!BDN" + b"\0" * 600)
    monkeypatch.setattr(builtins, "__import__", no_pypff)
    with pytest.raises(MailboxError, match=r"slopradar\[pst\]"):
        list(MailboxImport(pst, max_bytes=10**7).units())


def test_maildir_and_eml_folder(engine, settings, tmp_path):
    src = mailbox.mbox(str(SAMPLES / "mailbox.mbox"))
    md = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    emls = tmp_path / "emls"
    emls.mkdir()
    for i, key in enumerate(src.iterkeys()):
        raw = src.get_bytes(key)
        md.add(raw)
        (emls / f"{i:03d}.eml").write_bytes(raw)
    assert detect_format(tmp_path / "Maildir") == "maildir"
    assert detect_format(emls) == "folder"
    a = ingest_mailbox(engine, settings, tmp_path / "Maildir", progress=False)
    assert a.new == 36
    # the same messages in a second mailbox are the same messages (Message-ID)
    b = ingest_mailbox(engine, settings, emls, progress=False)
    assert b.new == 0 and stats(engine)["messages"] == 36


def test_truncated_mbox_and_garbage(engine, settings, tmp_path):
    data = (SAMPLES / "mailbox.mbox").read_bytes()
    cut = tmp_path / "cut.mbox"
    cut.write_bytes(data[: len(data) * 2 // 3])
    report = ingest_mailbox(engine, settings, cut, progress=False)
    assert report.new > 10 and report.units_failed == 0
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(MailboxError, match="not an mbox"):
        ingest_mailbox(engine, settings, junk, progress=False)
    with pytest.raises(MailboxError, match="does not exist"):
        ingest_mailbox(engine, settings, tmp_path / "missing.mbox", progress=False)


def _mbox_with(tmp_path: Path, *messages: bytes) -> Path:
    p = tmp_path / "edge.mbox"
    p.write_bytes(b"".join(b"From x@y Mon Jan  5 10:00:00 2026\n" + m.rstrip(b"\n") + b"\n\n" for m in messages))
    return p


def test_large_invalid_and_malformed_messages(engine, settings, tmp_path):
    big = (b"From: a@x.org\nTo: b@x.org\nSubject: huge\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n"
           b"Message-ID: <big@x.org>\n\n" + b"word " * 1_100_000)
    bad_utf8 = (b"From: c@x.org\nSubject: bytes\nDate: Mon, 5 Jan 2026 11:00:00 +0000\nMessage-ID: <bad@x.org>\n"
                b"Content-Type: text/plain; charset=utf-8\n\nCaf\xe9 and \xff\xfe bytes\n")
    bad_header = (b"From: =?utf-8?q?broken?= <d@x.org>\nSubject: =?bogus-charset?B?SGVsbG8=?=\n"
                  b"Date: not a date at all\nMessage-ID: <nodate@x.org>\n\nhello\n")
    rfc2047 = (b"From: =?utf-8?q?Ren=C3=A9e?= <e@x.org>\nSubject: =?iso-8859-1?q?R=E9union?=\n"
               b"Date: Mon, 5 Jan 2026 12:00:00 +0100\nMessage-ID: <qp@x.org>\nContent-Transfer-Encoding: quoted-printable\n"
               b"Content-Type: text/plain; charset=iso-8859-1\n\nLa r=E9union est annul=E9e.\n")
    html = (b"From: f@x.org\nSubject: html\nDate: Mon, 5 Jan 2026 13:00:00 +0000\nMessage-ID: <html@x.org>\n"
            b"Content-Type: text/html; charset=utf-8\n\n<html><body><p>Release <b>moved</b> to 3 March.</p>"
            b"<script>x()</script></body></html>\n")
    path = _mbox_with(tmp_path, big, bad_utf8, bad_header, rfc2047, html)
    report = ingest_mailbox(engine, settings, path, progress=False)
    assert report.new == 4 and report.truncated == 1
    assert report.skipped["malformed message (no valid Date)"] == 1
    msgs = {m.native_id: m for m in _messages(engine)}
    assert msgs["big@x.org"].truncated and len(msgs["big@x.org"].text) == settings.max_text_chars
    assert "Caf" in msgs["bad@x.org"].text
    assert msgs["qp@x.org"].subject == "Réunion" and msgs["qp@x.org"].text == "La réunion est annulée."
    assert msgs["html@x.org"].text == "Release moved to 3 March."
    settings.max_mail_bytes = 100_000
    report = ingest_mailbox(engine, settings, _mbox_with(tmp_path, big), progress=False)
    assert report.skipped["too large"] == 1


def test_auto_replies_and_bulk_are_skipped_unless_configured(engine, settings, tmp_path):
    ooo = (b"From: a@x.org\nSubject: Out of Office: back Monday\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n"
           b"Message-ID: <ooo@x.org>\n\nI am away.\n")
    bulk = (b"From: news@x.org\nSubject: Newsletter\nPrecedence: bulk\nDate: Mon, 5 Jan 2026 10:00:00 +0000\n"
            b"Message-ID: <bulk@x.org>\n\nNews.\n")
    path = _mbox_with(tmp_path, ooo, bulk)
    report = ingest_mailbox(engine, settings, path, progress=False)
    assert report.new == 0 and report.skipped["auto-reply"] == 1 and report.skipped["bulk mail"] == 1
    settings.skip_auto_replies = False
    path2 = _mbox_with(tmp_path, ooo, bulk)
    assert ingest_mailbox(engine, settings, path2, progress=False).new == 2
