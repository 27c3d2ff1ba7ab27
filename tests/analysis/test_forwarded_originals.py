"""A forward of an original the store does not hold (issue 16, item 2): the forward is the copy, and a row built
from the forwarded block is its parent. That row holds no text of its own, counts in no statistic, is shared by
every forward of the same original, and goes when no forward carries it any more."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.lost_facts import lost_facts
from slopradar import upkeep
from slopradar.derivation import build_chains
from slopradar.forwarded import FORWARDED, stored_texts
from analysis.chain_forwards import forwarded_block
from slopradar.person import forget
from slopradar.schema import DerivationEdge, FactLoss, Message, Person, PersonAlias
from slopradar.sources import pseudonymizer
from slopradar.store import open_store
from tests.small_store import SmallStore, week

MEMO = ("Tana Jones@ECT\n01/06/2026 04:59 PM\nTo: Sara Shackleton/HOU/ECT@ECT, Mark Taylor/HOU/ECT@ECT\ncc: \n"
        "Subject: Offline Sync\n\nOffline Sync is removed from the spring release. Stop all work on it by "
        "12 March. Owner: Julie Martin.\n - review.doc")


def _forward(b: SmallStore, conv: int, author: str, hours: int, note: str, block: str = MEMO, weeks: int = 1,
             header: str = "----- Forwarded by Someone/HOU/ECT on 01/07/2026 -----") -> int:
    mid = b.message(conv, author, week(weeks, hour=hours), text=note, recipients=["a", "b", "c"])
    m = b.s.get(Message, mid)
    m.quoted = [{"kind": "forward", "header": header, "text": block}]  # type: ignore[union-attr]
    b.s.add(m)
    return mid


def _store(engine):
    b = SmallStore(engine)
    b.team("legal", ["a", "b", "c"])
    folder = b.conversation("inbox", kind="mail_folder")
    first = _forward(b, folder, "a", 9, "FYI, see below.")
    second = _forward(b, folder, "b", 11, "Please read before Friday, Mark.")
    b.s.commit()
    return first, second


def _rows(engine):
    with Session(engine) as s:
        derived = s.exec(select(Message).where(Message.kind == FORWARDED)).all()
        edges = s.exec(select(DerivationEdge)).all()
        return derived, edges


def test_forwards_of_an_original_not_stored_share_a_parent_that_counts_nowhere(engine, settings):
    first, second = _store(engine)
    summary = build_chains(engine, settings)
    derived, edges = _rows(engine)
    assert len(derived) == 1 and summary["edges"] == 2
    (memo,) = derived
    assert memo.text is None and memo.author_id is None and memo.word_count == 0  # no second copy of the text
    assert {(e.child_id, e.parent_id, e.root_id, e.relation, e.method) for e in edges} == \
        {(first, memo.id, memo.id, "forward", "forward-block"), (second, memo.id, memo.id, "forward", "forward-block")}
    assert memo.sent_at.replace(tzinfo=None) == datetime(2026, 1, 6, 16, 59)  # the time its header names
    with Session(engine) as s:
        text = stored_texts(s, [memo.id])[str(memo.id)][0]  # read from a forward that carries it
        assert text.startswith("Offline Sync is removed") and "@ECT" not in text and "review.doc" not in text
        facts = s.exec(select(FactLoss).where(FactLoss.root_id == memo.id)).all()
        assert facts and all(f.status == "kept" for f in facts)  # a forward carries every fact of its original
    stats = upkeep.stats(engine)
    assert stats["authored_messages"] == 2 and stats["messages_by_kind"][FORWARDED] == 1
    # the bot's nudge: a forward carries its original whole, nothing is lost
    assert lost_facts(engine, settings, "https://acme.slack.com", first, week(1, hour=9)) == ([], None, "forward")
    assert build_chains(engine, settings)["chunks_rebuilt"] == 0  # nothing new: nothing redone
    assert len(_rows(engine)[0]) == 1


def test_the_row_goes_when_no_forward_carries_it(engine, settings):
    first, second = _store(engine)
    build_chains(engine, settings)
    with Session(engine) as s:  # retention empties the first forward: the second still carries the memo
        s.get(Message, first).text = None  # type: ignore[union-attr]
        s.commit()
    build_chains(engine, settings)
    derived, edges = _rows(engine)
    assert len(derived) == 1 and [e.child_id for e in edges] == [second]
    with Session(engine) as s:
        s.get(Message, second).deleted = True  # type: ignore[union-attr]
        s.commit()
    build_chains(engine, settings)
    assert _rows(engine) == ([], [])


def test_forwarded_originals_on_postgres(pg_settings):
    engine = open_store(pg_settings)
    first, second = _store(engine)
    assert build_chains(engine, pg_settings)["edges"] == 2
    derived, edges = _rows(engine)
    assert len(derived) == 1 and {e.parent_id for e in edges} == {derived[0].id}
    with Session(engine) as s:
        for mid in (first, second):
            s.get(Message, mid).text = None  # type: ignore[union-attr]
        s.commit()
    build_chains(engine, pg_settings)
    assert _rows(engine) == ([], [])


PLAIN = "Offline Sync is removed from the spring release. Stop all work on it by 12 March. Owner: Julie Martin."


def test_a_forward_of_an_opted_out_persons_message_gets_no_edge_and_no_row(engine, settings):
    b = SmallStore(engine)
    b.team("legal", ["a", "b", "c", "tana"])
    folder = b.conversation("inbox", kind="mail_folder")
    b.message(folder, "tana", week(1, hour=8), text=PLAIN, recipients=["a", "b", "c"])
    _forward(b, folder, "a", 9, "FYI, see below.", block=PLAIN)
    b.s.commit()
    build_chains(engine, settings)
    assert [e.parent_id for e in _rows(engine)[1]] == [1]  # the stored memo is the parent
    with Session(engine) as s:
        s.get(Person, "tana").opted_out = True  # type: ignore[union-attr]
        s.commit()
    build_chains(engine, settings)
    assert _rows(engine) == ([], [])  # not rebuilt from the forward's block either


def test_opt_out_holds_for_an_old_original_and_one_stored_after_its_forward(engine, settings):
    b = SmallStore(engine)
    b.team("legal", ["a", "b", "c", "tana"])
    b.s.get(Person, "tana").opted_out = True  # type: ignore[union-attr]
    folder = b.conversation("inbox", kind="mail_folder")
    _forward(b, folder, "a", 9, "FYI, see below.", block=PLAIN, weeks=6)
    b.s.commit()
    build_chains(engine, settings)
    assert len(_rows(engine)[0]) == 1  # the original is not stored: a node from the block
    b.message(folder, "tana", week(1, hour=8), text=PLAIN, recipients=["a", "b", "c"])  # stored later, 5 weeks older
    b.s.commit()
    build_chains(engine, settings)
    assert _rows(engine) == ([], [])  # now known to be an opted-out person's words: no node, no edge


def test_forgetting_the_memos_author_removes_its_row_and_facts(engine, settings):
    b = SmallStore(engine)
    b.team("legal", ["a", "b", "c", "tana"])
    pz = pseudonymizer(settings)
    b.s.get(Person, "tana").display_name = "Tana Jones"  # type: ignore[union-attr]
    b.s.add(PersonAlias(alias=pz.alias("email", "tana@x.example"), person_id="tana"))
    folder = b.conversation("inbox", kind="mail_folder")
    for who, hour in (("a", 9), ("b", 11)):  # as ingest stores a forward: the sender is in the block's own header
        _forward(b, folder, who, hour, "FYI, see below.", header="---------- Forwarded message ----------",
                 block="From: Tana Jones <tana@x.example>\nDate: Tue, 13 Jan 2026 08:00:00 +0000\n"
                       "Subject: Offline Sync\nTo: Team\n\n" + PLAIN)
    b.s.commit()
    build_chains(engine, settings)
    assert len(_rows(engine)[0]) == 1
    forget(engine, settings, pz, "tana@x.example")  # scrubs the quoted blocks of the forwards
    assert _rows(engine) == ([], [])
    with Session(engine) as s:
        assert s.exec(select(FactLoss)).all() == []


def test_one_row_per_original_across_chunks_never_later_than_a_forward(engine, settings):
    b = SmallStore(engine)
    b.team("legal", ["a", "b", "c"])
    folder = b.conversation("inbox", kind="mail_folder")
    channel = b.conversation("general")
    late = _forward(b, folder, "b", 11, "Please read.", block=PLAIN, weeks=12)  # 3 months later, another chunk
    b.s.commit()
    build_chains(engine, settings)
    first = _forward(b, folder, "a", 9, "FYI, see below.", block=PLAIN)
    b.s.commit()
    build_chains(engine, settings)
    (row,), edges = _rows(engine)
    assert {(e.child_id, e.parent_id) for e in edges} == {(first, row.id), (late, row.id)}
    with Session(engine) as s:
        sent = {m.id: m.sent_at.replace(tzinfo=None) for m in s.exec(select(Message))}
    assert sent[row.id] < sent[first] < sent[late] and row.namespace == FORWARDED
    b.message(channel, "c", week(13), text="A new message in Slack: only the last chunk is rebuilt.")
    b.s.commit()
    assert build_chains(engine, settings)["chunks_rebuilt"] >= 1
    assert _rows(engine)[0] == [row]  # the same row, whatever chunk or namespace the rebuild starts from


def test_share_text_and_message_bodies_are_not_taken_for_headers():
    for text in ("<!here> Offline Sync is removed from the spring release, stop all work now",
                 "@channel Offline Sync is removed from the spring release",
                 "Release moved to 3/12/2026\nAll teams must stop work on Offline Sync.",
                 "Contact julie@acme.example for access to the new billing system\nIt is live now.",
                 "Hi all\n10/12/2026 09:00 AM kickoff in room 4\nBring laptops.",
                 "10:30\nStandup moved to room 4 from tomorrow.",
                 "Status:\n- numbers are in budget.xlsx\n- launch is on track.",
                 "Offline Sync is removed.\nReceived: 3 signed contracts from Acme today\nThanks."):
        assert forwarded_block(text)[0] == text, text
    body, sent = forwarded_block("From: Julie\nSent: Tuesday, November 14, 2000 4:03 PM\nTo: Team\n\nHi all\n"
                                 "The deadline is 3/12/2026\nBring the signed forms.")
    assert body == "Hi all\nThe deadline is 3/12/2026\nBring the signed forms." and sent == datetime(2000, 11, 14, 16, 3)


def test_an_original_not_stored_whose_header_names_an_opted_out_sender_gets_no_row(engine, settings):
    """Opt-out for an original the store does not hold: the forwarded block's sender lines name the person by the
    pseudonym ingest wrote for their address (or, in Lotus Notes, for their name). A person only in the To: list
    withholds nothing; opting back in brings the row back (the chunks are read anew when who opted out changes)."""
    from analysis.chain_forwards import sender_lines

    b = SmallStore(engine)
    b.team("legal", ["a", "b", "c", "tana", "sara"])
    pz = pseudonymizer(settings)
    tana, sara = pz.person_id("email", "tana@x.example"), pz.person_id("email", "sara@x.example")
    b.s.add(PersonAlias(alias=pz.alias("email", "tana@x.example"), person_id="tana"))
    b.s.add(PersonAlias(alias=pz.alias("email", "sara@x.example"), person_id="sara"))
    folder = b.conversation("inbox", kind="mail_folder")
    block = (f"From: p_0123456789abcdef <{tana}>\nSent: Tuesday, January 13, 2026 8:00 AM\nTo: <{sara}>,\n"
             f"    p_fedcba9876543210\nSubject: Offline Sync\n\n" + PLAIN)
    assert tana in sender_lines(block) and sara not in sender_lines(block)
    _forward(b, folder, "a", 9, "FYI, see below.", block=block, header="-----Original Message-----")
    b.s.commit()
    build_chains(engine, settings)
    assert len(_rows(engine)[0]) == 1

    def opt(person: str, out: bool) -> None:
        with Session(engine) as s:
            s.get(Person, person).opted_out = out  # type: ignore[union-attr]
            s.commit()

    opt("sara", True)  # a recipient: her opt-out withholds nothing she did not write
    build_chains(engine, settings)
    assert len(_rows(engine)[0]) == 1
    opt("tana", True)  # who opted out changed: the chunk is read anew, and the sender is hers
    build_chains(engine, settings)
    assert _rows(engine) == ([], [])
    opt("tana", False)
    build_chains(engine, settings)
    assert len(_rows(engine)[0]) == 1
    # a Lotus Notes header: the sender's name pseudonymised alone on its line, above the time and the To: list
    notes = (f"-----\n\n\t{tana}@ECT\n\t01/13/2026 08:00 AM\n\t\t To: {sara}/HOU/ECT@ECT, p_fedcba9876543210/HOU\n"
             f"ECT@ECT, {sara}/HOU/ECT@ECT\n\t\t cc: \n\t\t Subject: Offline Sync\n\n" + PLAIN)
    lines = sender_lines(notes)
    assert tana in lines and sara not in lines and "Offline Sync" not in lines
    # where the store keeps identities (store_identities), a header names the person as written
    from slopradar.forwarded import withheld

    with Session(engine) as s:
        row = s.get(Person, "tana")
        row.display_name, row.email, row.opted_out = "Tana Jones", "tana@x.example", True  # type: ignore[union-attr]
        s.commit()
        nodes = [n for n in _nodes(s, settings) if n.forwarded_text]
        held = withheld(s, nodes, until=None)
        assert held.sender is not None
        assert held.sender("From: Tana Jones <tana@x.example>") and held.sender(f"{tana}@ECT")
        assert not held.sender("From: Tanaka Jonesy <tanaka@x.example>")


def _nodes(s, settings):
    from slopradar.derivation import chain_nodes

    return chain_nodes(s, settings)[0]


def test_a_summary_of_a_forwarded_memo_not_stored_continues_the_forwards_chain(engine, settings):
    """`analyze` embeds the original a forward carries (Embedding.model + CARRIED), so a later rewrite of that memo
    in Slack finds the forward, which reads like the memo, and its chain's root is the memo's row: before, the
    forward read like its own "FYI, see below." and the summary was linked to nothing. Retention drops the vector
    with the quoted block it was made from."""
    import sqlalchemy as sa
    from sqlmodel import col

    from slopradar import pipeline
    from slopradar.forwarded import CARRIED
    from slopradar.schema import Embedding

    b = SmallStore(engine)
    b.team("legal", ["a", "b", "c"])
    folder = b.conversation("inbox", kind="mail_folder")
    fw = _forward(b, folder, "a", 9, "FYI, see below.")
    eng = b.conversation("eng", members=["b", "c"])
    summary = b.message(eng, "b", week(1, hour=15), text=(
        "Quick summary of the legal update: Offline Sync has been removed from the spring release, so all work "
        "on Offline Sync must stop by 12 March. Julie Martin owns the decision."))
    b.s.commit()
    pipeline.analyze(engine, settings, progress=False)
    with Session(engine) as s:
        assert any(m.endswith(CARRIED) for m in s.exec(select(Embedding.model).where(Embedding.message_id == fw)))
        memo = s.exec(select(Message).where(Message.kind == FORWARDED)).one()
        edges = {e.child_id: e for e in s.exec(select(DerivationEdge))}
    assert edges[fw].parent_id == memo.id
    assert edges[summary].parent_id == fw and edges[summary].root_id == memo.id
    with Session(engine) as s:  # without the carried vector (as before), the summary links to nothing; the
        # chunk fingerprint counts carried vectors, so the chunk is rebuilt
        s.connection().execute(sa.delete(Embedding.__table__).where(col(Embedding.model).like("%" + CARRIED)))
        s.commit()
    build_chains(engine, settings)
    with Session(engine) as s:
        assert summary not in {e.child_id for e in s.exec(select(DerivationEdge))}
    settings.retention_days = 1  # every message is older: texts, quoted blocks and the carried vector go
    upkeep.apply_retention(engine, settings)
    with Session(engine) as s:
        assert not [m for m in s.exec(select(Embedding.model)).all() if m.endswith(CARRIED)]


def test_an_opted_out_persons_forwarded_words_are_never_embedded_and_a_deleted_forward_keeps_no_vector(engine,
                                                                                                      settings):
    """`analyze` embeds no forwarded block an opted-out person wrote (their stored memo forwarded, or a header that
    names them), drops the carried vector of one embedded before they opted out, and a forward deleted at its
    source keeps no vector nor sentences."""
    from slopradar import pipeline
    from slopradar.forwarded import CARRIED, DELETED_SWEPT, drop_stale_vectors, drop_vectors_of_deleted
    from slopradar.schema import Embedding, Meta

    b = SmallStore(engine)
    b.team("legal", ["a", "b", "c", "tana"])
    folder = b.conversation("inbox", kind="mail_folder")
    b.message(folder, "tana", week(1, hour=8), text=PLAIN, recipients=["a", "b", "c"])
    stored_fw = _forward(b, folder, "a", 9, "FYI, see below.", block=PLAIN)
    other_fw = _forward(b, folder, "b", 10, "Please read.", block=MEMO.split("\n\n")[0].replace(
        "Tana Jones", "Lena Ortiz") + "\n\nThe Berlin office closes on 3 April; badges stop working that day.")
    b.s.commit()

    def carried() -> set[int]:
        with Session(engine) as s:
            return {mid for mid, m in s.exec(select(Embedding.message_id, Embedding.model)) if m.endswith(CARRIED)}

    pipeline.analyze(engine, settings, progress=False)
    assert carried() == {stored_fw, other_fw}
    with Session(engine) as s:
        s.get(Person, "tana").opted_out = True  # type: ignore[union-attr]
        s.commit()
    pipeline.analyze(engine, settings, progress=False)  # nothing to score: the stale vector still goes
    assert carried() == {other_fw}
    with Session(engine) as s:  # a deletion an older store wrote, before deletions dropped vectors: swept once
        m = s.get(Message, other_fw)
        m.deleted, m.text, m.quoted = True, None, []  # type: ignore[union-attr]
        s.delete(s.get(Meta, DELETED_SWEPT))
        s.commit()
    drop_stale_vectors(engine)
    with Session(engine) as s:
        assert s.exec(select(Embedding).where(Embedding.message_id == other_fw)).all() == []
        # ... and when a deletion is written (ingest, sync, the bot): at once
        m = s.get(Message, stored_fw)
        assert s.exec(select(Embedding).where(Embedding.message_id == stored_fw)).all() != []
        m.deleted, m.text, m.quoted = True, None, []  # type: ignore[union-attr]
        s.commit()
        drop_vectors_of_deleted(s, [(m.namespace, m.native_id)])  # type: ignore[union-attr]
        s.commit()
        assert s.exec(select(Embedding).where(Embedding.message_id == stored_fw)).all() == []
