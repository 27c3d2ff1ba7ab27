"""The compliance documents (issue 23) say what this deployment does: its settings and its store, in English
and French; the examples under docs/compliance/ are what the generator writes for the demo workspace."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from typer.testing import CliRunner

from slopradar import access_log, compliance
from slopradar.cli import app
from slopradar.config import Settings
from slopradar.pipeline import ingest_mailbox, ingest_slack_export
from slopradar.schema import Nudge, Person
from slopradar.store import open_store
from tests.conftest import ROOT, SAMPLES

EXAMPLES = ROOT / "docs" / "compliance"
DEMO_ORG = "Northwind Traders (demo)"
DEMO_DPO = "dpo@northwind.example"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo workspace as `slopradar demo` ingests it (its settings: the defaults and the team mapping)."""
    tmp = tmp_path_factory.mktemp("compliance")
    settings = Settings(db=str(tmp / "demo.db"), data_dir=str(tmp / "state"), team_mapping=str(SAMPLES / "teams.yaml"))
    engine = open_store(settings)
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    yield engine, settings
    engine.dispose()


def docs(engine, settings, tmp_path, **kw) -> dict[str, str]:
    kw.setdefault("login", True)
    paths = compliance.write_documents(engine, settings, tmp_path / "out", **kw)
    return {f"{p.parent.name}/{p.stem}": p.read_text(encoding="utf-8") for p in paths}


def test_every_document_in_both_languages_without_template_leftovers(demo, tmp_path):
    out = docs(*demo, tmp_path)
    assert set(out) == {f"{lang}/{d}" for lang in ("en", "fr") for d in compliance.DOCUMENTS}
    for name, text in out.items():
        assert not re.search(r"\{\{|\{%|\bNone\b|Undefined", text), name
        assert "[organisation: to be completed]" in text or "[organisme : à compléter]" in text, name
    assert "RGPD" in out["fr/dpia"] and "L2312-38" in out["fr/works-council"] and "L1222-4" in out["fr/notice"]
    assert "art. 30(1)" in out["en/record"] and "art. 30.1" in out["fr/record"]


def test_documents_follow_the_settings(demo, tmp_path):
    engine, settings = demo
    tuned = settings.model_copy(update={"retention_days": 90, "min_group_size": 7, "access_log_days": 200})
    out = docs(engine, tuned, tmp_path, organisation="Acme SAS", dpo="dpo@acme.example")
    en, fr = out["en/dpia"], out["fr/dpia"]
    assert "deleted 90 days after it was sent" in en and "supprimé 90 jours après son envoi" in fr
    assert "fewer than **7** distinct authors" in en and "moins de **7** auteurs distincts" in fr
    assert "kept 200 days" in en and "conservée\n200 jours" in fr or "conservée 200 jours" in fr
    assert "Acme SAS" in out["en/record"] and "dpo@acme.example" in out["fr/notice"]
    assert "no retention period" not in en and "names and e-mail addresses are not stored" in en
    assert "requires a login" in out["en/works-council"]


def test_documents_flag_what_a_deployment_has_not_done(demo, tmp_path):
    engine, settings = demo
    risky = settings.model_copy(update={"store_identities": True, "min_group_size": 3})
    out = docs(engine, risky, tmp_path, login=False)
    en, fr = out["en/dpia"], out["fr/dpia"]
    assert "no retention period is set" in en and "aucune durée de conservation n'est fixée" in fr
    assert "**names and e-mail addresses are stored**" in en and "**les noms et adresses" in fr
    assert "below the default of 5" in en and "en dessous de la valeur par défaut de 5" in fr
    assert "anyone who can reach the dashboard can read it" in out["en/record"]
    assert compliance.deployment(engine, risky, login=False)["warnings"] == [
        "retention", "identities", "login", "small_groups"]


def test_documents_count_what_the_store_holds(demo, tmp_path):
    engine, settings = demo
    out = docs(engine, settings, tmp_path)
    facts = compliance.deployment(engine, settings, login=True)["store"]
    assert facts["sources"] == ["mailbox", "slack_export"] and facts["people"] > 40 and facts["teams"] == 6
    assert f"{facts['people']} people, {facts['teams']} teams" in out["en/dpia"]
    assert f"{facts['people']} personnes dans {facts['teams']} équipes" in out["fr/works-council"]
    assert "Slack workspace exports" in out["en/notice"] and "exports d'espace de travail Slack" in out["fr/notice"]
    assert "not used in this deployment" in out["en/dpia"]  # no bot, no nudges
    assert "/slopradar opt-out" not in out["en/notice"]


def test_the_bot_and_objections_appear_once_they_exist(demo, tmp_path):
    engine, settings = demo
    with Session(engine) as s:
        pid, seen = s.exec(select(Person.id, Person.first_seen).where(Person.is_bot == sa.false())).first()
        s.exec(sa.update(Person).where(Person.id == pid).values(opted_out=True))
        s.add(Nudge(person_id=pid, message_id=1, kind="bloat", language="en", delivery="dm", sent_at=seen))
        s.commit()
    try:
        out = docs(engine, settings, tmp_path)
        assert "`/slopradar opt-out` in Slack" in out["en/notice"] and "at most 3 a day" in out["en/notice"]
        assert "(1 people have objected)" in out["en/dpia"] and "(1 personnes opposées)" in out["fr/dpia"]
    finally:
        with Session(engine) as s:
            s.exec(sa.delete(Nudge))
            s.exec(sa.update(Person).where(Person.id == pid).values(opted_out=False))
            s.commit()


def test_compliance_command_writes_both_languages_and_is_logged(demo, tmp_path):
    engine, settings = demo
    res = CliRunner().invoke(app, ["--db", settings.db, "-q", "compliance", "--out", str(tmp_path / "c"),
                                   "--organisation", "Acme"], env={"SLOPRADAR_DATA_DIR": settings.data_dir},
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    written = json.loads(res.stdout.strip().splitlines()[-1])["written"]
    assert len(written) == 8 and all(Path(p).is_file() for p in written)
    assert access_log.read(engine, action="compliance")[-1]["target"] == str(tmp_path / "c")


def test_committed_examples_are_what_the_generator_writes_for_the_demo(demo, tmp_path, monkeypatch):
    engine, settings = demo
    stamp = re.search(r"on (\d{4}-\d{2}-\d{2}) from", (EXAMPLES / "en" / "record.md").read_text(encoding="utf-8"))
    assert stamp, "docs/compliance/en/record.md: regenerate the examples (see docs/compliance/README.md)"
    monkeypatch.setattr(compliance, "login_configured", lambda: None)  # as on a fresh install
    paths = compliance.write_documents(engine, settings, tmp_path, organisation=DEMO_ORG, dpo=DEMO_DPO,
                                       today=date.fromisoformat(stamp[1]))
    for p in paths:
        committed = EXAMPLES / p.parent.name / p.name
        assert committed.read_text(encoding="utf-8") == p.read_text(encoding="utf-8"), \
            f"{committed} is stale: regenerate the examples (see docs/compliance/README.md)"
