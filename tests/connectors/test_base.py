"""The connector contract (connectors/base.py): every source implements it, every source's fatal error is a
ConnectorError the CLI prints as one line, and conversation kinds are stored as their plain values."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from connectors.base import Connector, ConnectorError, ConversationKind
from connectors.graph_mail import GraphError, GraphMailPull
from connectors.mail_containers import MailboxError
from connectors.mailbox_files import MailboxImport
from connectors.slack_api import SlackApiPull, SlackConnectorError, slack_kind
from connectors.slack_archive import ExportError
from connectors.slack_export import SlackExport, open_export
from slopradar.cli import app
from slopradar.pipeline import ingest_mailbox, ingest_slack_export
from slopradar.records import ConversationRecord
from slopradar.schema import Conversation, Source
from tests.conftest import SAMPLES

SOURCE_KINDS = {"slack_export", "slack_api", "outlook", "mailbox"}


@pytest.mark.parametrize("cls", [SlackExport, SlackApiPull, GraphMailPull, MailboxImport])
def test_every_source_declares_the_contract(cls):
    assert cls.source_kind in SOURCE_KINDS
    assert callable(cls.pull)
    assert hasattr(cls, "source_name") or "source_name" in getattr(cls, "__dataclass_fields__", {})


def test_file_sources_are_connectors_with_the_names_they_had():
    export = open_export(SAMPLES / "slack-export")
    try:
        assert isinstance(export, Connector)
        assert export.source_name == f"{export.team_id}:slack-export"
    finally:
        export.archive.close()
    box = MailboxImport(SAMPLES / "mailbox.mbox", max_bytes=10_000_000)
    assert isinstance(box, Connector)
    assert box.source_name == (SAMPLES / "mailbox.mbox").resolve().as_posix()


def test_graph_pull_reads_every_folder_of_every_mailbox():
    asked = []
    pull = GraphMailPull(lambda: "token", mailboxes=["ada", "bob"], folders=["inbox", "sentitems"])
    pull.folder_units = lambda box, folder, st, known: asked.append((box, folder, st)) or iter(())  # type: ignore[method-assign]

    class Checkpoints:
        def state(self, key):
            return {"key": key}

        def known(self, external_id):
            return False

    assert list(pull.pull(Checkpoints())) == []
    assert asked == [("ada", "inbox", {"key": "folder:ada/inbox"}), ("ada", "sentitems", {"key": "folder:ada/sentitems"}),
                     ("bob", "inbox", {"key": "folder:bob/inbox"}), ("bob", "sentitems", {"key": "folder:bob/sentitems"})]


@pytest.mark.parametrize("error", [ExportError, MailboxError, SlackConnectorError, GraphError])
def test_every_source_error_is_a_connector_error(error):
    assert issubclass(error, ConnectorError)


def test_a_connector_error_is_one_line_from_the_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("SLOPRADAR_DATA_DIR", str(tmp_path / "state"))
    (tmp_path / "notes.txt").write_text("not an export\n")
    res = CliRunner().invoke(app, ["--db", str(tmp_path / "x.db"), "ingest", "slack-export", str(tmp_path / "notes.txt")],
                             catch_exceptions=False)
    assert res.exit_code == 2
    assert res.stderr.startswith("error:") and res.stderr.strip().count("\n") == 0
    assert "Traceback" not in res.output + res.stderr


def test_conversation_kinds_keep_their_stored_values():
    assert [k.value for k in ConversationKind] == ["channel", "private", "dm", "mpim", "mail_folder"]
    conv = ConversationRecord("slack:T", "C1", ConversationKind.PRIVATE, "ops")
    assert type(conv.kind) is str and conv.kind == "private"  # never the member's name, whatever the driver
    with pytest.raises(ValueError):
        ConversationRecord("slack:T", "C1", "thread", "ops")
    assert slack_kind({"is_im": True}) == "dm" and slack_kind({"is_mpim": True}) == "mpim"
    assert slack_kind({"is_private": True}) == "private" and slack_kind({}) == "channel"


def test_ingested_sources_and_conversations_are_stored_as_before(engine, settings):
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    with Session(engine) as s:
        assert {src.kind for src in s.exec(select(Source))} == {"slack_export", "mailbox"}
        kinds = {c.kind for c in s.exec(select(Conversation))}
    assert kinds <= {k.value for k in ConversationKind} and {"channel", "mail_folder"} <= kinds
