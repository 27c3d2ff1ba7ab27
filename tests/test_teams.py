"""Teams from a mapping file, or derived from where people write."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from slopradar.config import Settings

from slopradar.pipeline import apply_teams, ingest_mailbox, ingest_slack_export
from slopradar.schema import Message, Conversation, Meta, Person, Team
from slopradar.store import open_store
from slopradar.teams import MappingError, read_mapping
from tests.conftest import SAMPLES


def _team_sizes(engine) -> dict[str, int]:
    with Session(engine) as s:
        names = {t.id: t.name for t in s.exec(select(Team))}
        sizes: dict[str, int] = {}
        for p in s.exec(select(Person)):
            if p.team_id:
                sizes[names[p.team_id]] = sizes.get(names[p.team_id], 0) + 1
    return sizes


def test_mapping_file_assigns_people_and_channels(engine, settings):
    settings.team_mapping = str(SAMPLES / "teams.yaml")
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    assert _team_sizes(engine) == {"Leadership": 6, "Platform": 10, "Mobile": 10, "Sales": 9, "Lyon Ops": 9, "Legal": 3}
    with Session(engine) as s:
        conv = {c.name: c.team_id for c in s.exec(select(Conversation))}
        bots = list(s.exec(select(Person).where(Person.is_bot)))
    assert conv["mobile-dev"] == "mobile" and conv["deploys"] == "platform" and conv["general"] is None
    assert bots and all(b.team_id is None for b in bots)


def test_mapping_applies_after_ingest_too(engine, settings, tmp_path):
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    derived = _team_sizes(engine)
    assert "platform" in derived and "lyon-ops" in derived  # derived from the channel each person writes in most
    csv = tmp_path / "teams.csv"
    csv.write_text("member,team\njulie.martin@northwind.example,Product\nU0NW00003,Product\n")
    settings.team_mapping = str(csv)
    apply_teams(engine, settings)
    assert _team_sizes(engine)["Product"] == 2


def _mbox(path, senders: list[str]):
    """One mail from each sender to b@acme.example."""
    path.write_text("".join(
        f"From x@x Mon Jan  5 10:00:00 2026\nFrom: {a}\nTo: b@acme.example\nSubject: hi\n"
        f"Date: Mon, 5 Jan 2026 1{i % 10}:00:00 +0000\nMessage-ID: <{i}@mail>\n\nhello from {i}\n\n"
        for i, a in enumerate(senders)))
    return path


def test_mail_only_people_get_their_domain_unless_it_is_a_public_provider(engine, settings, tmp_path):
    senders = ["a@acme.example", "c@gmail.com", "d@yahoo.fr", "e@hotmail.co.uk", "f@gmx.net", "g@web.de",
               "h@free.fr", "i@aol.com"]
    ingest_mailbox(engine, settings, _mbox(tmp_path / "m.mbox", senders), progress=False)
    with Session(engine) as s:
        teams = {t.name: t.origin for t in s.exec(select(Team))}
    assert teams == {"acme.example": "domain", "Unassigned": "unassigned"}
    assert _team_sizes(engine) == {"acme.example": 1, "Unassigned": 7}  # b@acme.example never wrote: no team


def test_public_mail_domains():
    from slopradar.teams import is_public_mail_domain

    for d in ("gmail.com", "GMAIL.COM", "yahoo.com", "yahoo.co.uk", "fr.yahoo.com", "hotmail.fr", "outlook.com",
              "live.com", "msn.com", "icloud.com", "gmx.de", "web.de", "free.fr", "orange.fr", "laposte.net",
              "wanadoo.fr", "aol.com"):
        assert is_public_mail_domain(d), d
    for d in ("acme.com", "enron.com", "ericsson.com", "iis.fraunhofer.de", "yahoo-inc.com", "freebsd.org"):
        assert not is_public_mail_domain(d), d


def test_a_mapping_can_name_a_whole_mail_domain(engine, settings, tmp_path):
    ingest_mailbox(engine, settings, _mbox(tmp_path / "m.mbox", ["a@acme.example", "z@acme.example",
                                                                  "c@gmail.com"]), progress=False)
    y = tmp_path / "teams.yaml"
    y.write_text('teams:\n  Sales: ["*@acme.example"]\n')
    settings.team_mapping = str(y)
    assert apply_teams(engine, settings)["assigned"] == {"mapping": 2, "channel": 0, "domain": 0, "unassigned": 1}
    assert _team_sizes(engine) == {"Sales": 3, "Unassigned": 1}  # b@acme.example too, who only received
    y.write_text("teams:\n  Sales: [*@acme.example]\n")  # unquoted: a YAML alias; the error says how to write it
    with pytest.raises(MappingError, match='quotes'):
        apply_teams(engine, settings)


def test_teams_command_says_how_people_were_assigned_and_suggests_a_mapping(tmp_path, monkeypatch):
    """On the demo's Slack export plus mail from public providers, without a mapping: counts by rule, and a
    suggested mapping keyed by channels and domains that, applied, gives the same teams."""
    import yaml
    from typer.testing import CliRunner

    from slopradar.cli import app

    monkeypatch.chdir(tmp_path)
    env = {"SLOPRADAR_DATA_DIR": str(tmp_path / "state")}
    db = str(tmp_path / "s.db")

    def cli(*args, code=0):
        res = CliRunner().invoke(app, ["--db", db, *args], env=env, catch_exceptions=False)
        assert res.exit_code == code, res.output
        return res

    cli("--quiet", "ingest", "slack-export", str(SAMPLES / "slack-export"))
    cli("--quiet", "ingest", "mailbox", str(_mbox(tmp_path / "m.mbox", ["a@acme.example", "c@gmail.com"])))
    suggested = tmp_path / "suggested.yaml"
    res = cli("teams", "--suggest", str(suggested))
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert set(out["assigned"]) == {"mapping", "channel", "domain", "unassigned"}
    assert out["assigned"]["domain"] == 1 and out["assigned"]["channel"] > 20 and out["assigned"]["unassigned"] >= 1
    assert "Authors assigned by mapping file: 0, channel they write in most:" in res.stderr
    text = suggested.read_text()
    assert re.findall(r"[\w.+-]+@[\w.-]+", text) == []  # never a personal address; domains only as *@domain
    assert '"*@acme.example"' in text and '"#mobile-dev"' in text and "gmail.com (1)" in text
    assert "1 author (" in text and "1 authors" not in text
    assert "Unassigned\":" not in text  # not a team to map to
    teams = yaml.safe_load(text)["teams"]
    assert all(isinstance(m, list) and m for m in teams.values())
    engine = open_store(Settings(db=db, data_dir=str(tmp_path / "state")))
    derived = _teams_of_people(engine)
    cli("--quiet", "teams", "--suggest", str(suggested), code=2)  # never overwrites
    applied = json.loads(cli("--quiet", "teams", "--mapping", str(suggested)).stdout.strip().splitlines()[-1])
    assert applied["assigned"]["mapping"] == out["assigned"]["channel"] + out["assigned"]["domain"]
    # the suggestion, applied, keeps every author where they were (a "*@domain" entry also places the domain's
    # people who have not written yet, as documented)
    with Session(engine) as s:
        authors = set(s.exec(select(Message.author_id).where(Message.kind == "authored")).all())
    after = _teams_of_people(engine)
    assert {p: after.get(p) for p in authors} == {p: derived.get(p) for p in authors}
    engine.dispose()


def test_mapping_formats(tmp_path):
    y = tmp_path / "a.yaml"
    y.write_text("alice@x.org: Ops\n'#ops': Ops\n")
    assert read_mapping(y) == {"alice@x.org": "Ops", "#ops": "Ops"}
    y.write_text("teams:\n  Ops: [alice@x.org, '#ops']\n")
    assert read_mapping(y) == {"alice@x.org": "Ops", "#ops": "Ops"}


def test_a_csv_mapping_written_with_neutralised_cells_reads_back(tmp_path):
    from slopradar.console import csv_cell

    p = tmp_path / "teams.csv"
    p.write_text(f"member,team\nalice@x.org,{csv_cell('-Ops')}\n#ops,{csv_cell('=Ops')}\n#it,'quoted\n")
    assert read_mapping(p) == {"alice@x.org": "-Ops", "#ops": "=Ops", "#it": "'quoted"}


def _teams_of_people(engine) -> dict[str, str | None]:
    with Session(engine) as s:
        return {p.id: p.team_id for p in s.exec(select(Person))}


def test_a_mapping_given_once_survives_the_next_ingest(tmp_path, monkeypatch):
    """`slopradar teams --mapping FILE`, then an ingest without it: teams stay the mapping's."""
    import json

    from typer.testing import CliRunner

    from slopradar.cli import app
    from slopradar.config import Settings
    from slopradar.store import open_store

    monkeypatch.chdir(tmp_path)
    env = {"SLOPRADAR_DATA_DIR": str(tmp_path / "state")}
    db = str(tmp_path / "s.db")

    def cli(*args):
        res = CliRunner().invoke(app, ["--quiet", "--db", db, *args], env=env, catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout.strip().splitlines()[-1])

    cli("ingest", "slack-export", str(SAMPLES / "slack-export"))
    mapping = tmp_path / "teams.yaml"
    mapping.write_text((SAMPLES / "teams.yaml").read_text())
    applied = cli("teams", "--mapping", str(mapping))
    assert applied["mapping"]["path"] == str(mapping.resolve()) and len(applied["mapping"]["sha256"]) == 64
    engine = open_store(Settings(db=db, data_dir=str(tmp_path / "state")))
    mapped = _teams_of_people(engine)
    assert _team_sizes(engine)["Legal"] == 3  # a team only the mapping knows
    cli("ingest", "mailbox", str(SAMPLES / "mailbox.mbox"))
    after = _teams_of_people(engine)
    assert {p: after[p] for p in mapped} == mapped
    with Session(engine) as s:
        stored = s.get(Meta, "team_mapping").value
    assert "@" not in stored  # people are kept as keyed hashes, never as addresses
    # an edited file is re-read by `teams` without --mapping; a removed one keeps applying as it was
    mapping.write_text(mapping.read_text().replace("Legal:", "Compliance:"))
    cli("teams")
    assert "Compliance" in _team_sizes(engine) and "Legal" not in _team_sizes(engine)
    mapping.unlink()
    cli("ingest", "mailbox", str(SAMPLES / "mailbox.mbox"))
    assert _team_sizes(engine)["Compliance"] == 3
    # --derived forgets it
    assert cli("teams", "--derived")["mapping"] is None
    assert "Compliance" not in _team_sizes(engine)
    engine.dispose()
