"""Message text reaches a manager only where at least min_group_size people could read it and its
author's team has that many authors; other chains are counts (issue 14, findings 1 and 12)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from slopradar import queries
from slopradar.cli import app
from tests.small_store import SmallStore, week
from tests.test_dashboard import PAGES, _env, open_page, page_text

SECRETS = ("CONFIDENTIAL", "Lyon office closes", "30 June", "July", "Lewis, Andrew", "secret-mail@acme.example",
           "tell no one")


@pytest.fixture
def confidential(engine, settings, monkeypatch):
    """Finance (6 authors) writes in #finance every week. f0 mails f1 alone a confidential note; f1 forwards it
    to 8 colleagues with a word of their own, and f2 summarises it to f3 in a DM, getting the date wrong."""
    b = SmallStore(engine)
    finance = [f"f{i}" for i in range(6)]
    others = [f"o{i}" for i in range(6)]
    b.team("Finance", finance)
    b.team("Ops", others)
    chan = b.channel_where_all_write("finance", finance + others, range(3))
    folder = b.conversation("Lewis, Andrew H./Sent Items", kind="mail_folder")
    root = b.message(folder, "f0", week(1, hour=9), recipients=["f1"], native_id="<secret-mail@acme.example>",
                     text="CONFIDENTIAL: the Lyon office closes on 30 June. Please tell no one yet.")
    forward = b.message(folder, "f1", week(1, hour=10), recipients=["f0", *finance[2:], *others[:4]],
                        text="Forwarding for awareness, see below.")
    dm = b.conversation("dm-f2-f3", kind="dm", members=["f2", "f3"])
    summary = b.message(dm, "f2", week(1, hour=11), text="Summary: the Lyon office closes in July, tell no one.")
    b.copy(forward, root, root, relation="forward")
    b.copy(summary, forward, root, depth=2, relation="summary", summary_of_summary=True)
    b.fact(forward, root, "status", "the Lyon office closes", "kept")
    b.fact(summary, root, "date", "30 June", "distorted", evidence="the Lyon office closes in July")
    b.done()
    _env(monkeypatch, settings)
    return engine, settings, {"root": root, "forward": forward, "summary": summary}


def _leaks(blob: str) -> list[str]:
    return [s for s in SECRETS if s in blob]


def test_a_confidential_mail_and_its_copies_show_no_private_text_in_the_query_layer(confidential):
    engine, _settings, ids = confidential
    rows = queries.chains_overview(engine, 5, with_facts=True)
    assert [r["root_id"] for r in rows] == [ids["root"]]  # still counted
    row = rows[0]
    assert row["copies"] == 2 and row["max_depth"] == 2 and row["critical_distorted"] == 1
    assert row["facts_lost"] == [("date", queries.TEXT_NOT_SHOWN, "distorted")]  # by kind only
    assert not row["text_shown"] and row["root_text"] is None and row["conversation"] == "e-mail"
    assert not _leaks(json.dumps(rows, default=str))
    tree = queries.chain_tree(engine, ids["root"], 5)
    assert not _leaks(json.dumps(tree, default=str))
    forward = tree["children"][0]
    # the forward itself went to 8 people of teams with enough authors: its own words may be read
    assert forward["text_shown"] and forward["text"] == "Forwarding for awareness, see below."
    summary = forward["children"][0]
    assert not summary["text_shown"] and summary["text"] is None and summary["conversation"] == "direct message"
    assert summary["facts"] == [{"kind": "date", "status": "distorted", "critical": True, "text": None, "evidence": ""}]


def test_a_confidential_mail_shows_no_private_text_in_the_cli(confidential):
    engine, settings, ids = confidential
    env = {"SLOPRADAR_DATA_DIR": settings.data_dir}
    listed = CliRunner().invoke(app, ["--db", settings.db, "chains", "--list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout.strip().splitlines()[-1])["chains"][0]["copies"] == 2
    tree = CliRunner().invoke(app, ["--db", settings.db, "chains", "--root", str(ids["root"])], env=env)
    assert tree.exit_code == 0, tree.output
    assert "DISTORTED" in tree.stdout and "Forwarding for awareness" in tree.stdout
    assert not _leaks(listed.stdout) and not _leaks(tree.stdout)
    # a message that starts no chain is no way around the rule
    other = CliRunner().invoke(app, ["--db", settings.db, "chains", "--root", str(ids["summary"])], env=env)
    assert other.exit_code != 0 and not _leaks(other.stdout)


def test_a_confidential_mail_shows_no_private_text_on_the_dashboard(confidential):
    from dashboard import data

    assert not _leaks(json.dumps(data.chains(data.version(), queries.Filters(), with_facts=True), default=str))
    for page in PAGES[1:3]:  # the Team page's chain list and the Chains explorer
        at = open_page(page)
        if page == PAGES[1]:
            at.sidebar.selectbox(key="team").select("Finance").run()
        text = page_text(at)
        assert "Text not shown" in text, page
        assert not _leaks(text), (page, _leaks(text))
        assert not _leaks(repr(at)), page  # every element of the page, whatever its kind


def test_mail_to_few_recipients_dm_group_dm_private_channel_and_unknown_audience_never_show_text(engine):
    b = SmallStore(engine)
    people = [f"p{i}" for i in range(8)]
    b.team("Crew", people)
    public = b.channel_where_all_write("crew", people)
    places = {"mail to 4": (b.conversation("Inbox", kind="mail_folder"), people[1:5]),
              "mail to 5": (b.conversation("Inbox2", kind="mail_folder"), people[1:6]),
              "dm": (b.conversation("dm", kind="dm", members=people[:2]), None),
              "group dm": (b.conversation("mpdm", kind="mpim", members=people), None),
              "private channel": (b.conversation("crew-private", kind="private", members=people), None),
              "public, unknown members": (b.conversation("big-unknown"), None),
              "public, 4 members": (b.conversation("tiny", members=people[:4]), None),
              "public, 8 members": (public, None)}
    roots = {}
    for name, (conv, recipients) in places.items():
        roots[name] = b.message(conv, "p0", week(1), text=f"announcement in {name}", recipients=recipients)
        copy = b.message(public, "p1", week(1, hour=12), text=f"copy of {name}")
        b.copy(copy, roots[name], roots[name])
    b.done()
    shown = {r["root_id"]: r["text_shown"] for r in queries.chains_overview(engine, 5)}
    assert {name for name, mid in roots.items() if shown[mid]} == {"mail to 5", "public, 8 members"}


def test_a_team_of_six_people_of_whom_four_wrote_is_no_label_and_shows_no_text(engine):
    """Finding 12: thresholds count distinct authors, not people."""
    b = SmallStore(engine)
    board = [f"b{i}" for i in range(6)]
    staff = [f"s{i}" for i in range(6)]
    b.team("Board", board)
    b.team("Staff", staff)
    everyone = b.conversation("everyone", members=board + staff)
    for p in board[:4] + staff:  # b4 and b5 never write
        b.message(everyone, p, week(0))
    root = b.message(everyone, "b0", week(1), text="The board decided to move the offsite.")
    copy = b.message(everyone, "s0", week(1, hour=12), text="FYI the offsite moves.")
    b.copy(copy, root, root)
    b.done()
    row = queries.chains_overview(engine, 5)[0]
    assert row["root_team"] is None and row["teams_reached"] == ["Staff"]
    assert not row["text_shown"]  # its author's team has 4 authors
    tree = queries.chain_tree(engine, root, 5)
    assert tree["team"] is None and tree["children"][0]["team"] == "Staff"
    assert "Board" not in queries.options(engine, 5)["team"]
