"""Bloat explains itself: core sentences, filler, structure, length against the conversation."""

import numpy as np

from analysis.bloat import core_sentences, measure, structure_artefacts
from analysis.text import sentences


def _unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_core_is_the_fewest_sentences_close_to_the_whole():
    # two sentences say the same thing (x); two say something else each (y, z)
    emb = np.vstack([_unit([1, 0.02, 0]), _unit([1, 0, 0.02]), _unit([0, 1, 0]), _unit([0, 0, 1])])
    core = core_sentences(emb, np.ones(4))
    assert len(core) == 3 and {2, 3} <= set(core)
    assert core_sentences(emb[:1], np.ones(1)) == [0]


def test_structure_artefacts():
    text = "## Update\n**Key Highlights:**\n• one\n• two\n• three\nThanks 🚀🎉"
    found = structure_artefacts(text)
    assert any("header" in f for f in found) and any("bold" in f for f in found)
    assert any("bullet" in f for f in found) and any("emoji" in f for f in found)
    assert structure_artefacts("see you at 3") == []


def test_measure_names_its_reasons():
    text = ("Hi team! I hope this message finds you well. I wanted to take a moment to share an update. "
            "The release moves to 3 March. It's worth noting that this reflects our commitment to quality. "
            "Thanks again for all your hard work and dedication. Let me know if you have any questions!")
    sents = sentences(text)
    emb = np.vstack([_unit([1, 0.1 * i, 0.05]) for i in range(len(sents))])
    b = measure(text, sents, emb, "en", conversation_median_words=8)
    assert b.score > 0.4
    assert any("filler" in r for r in b.reasons) and any("longer than" in r for r in b.reasons)
    assert any(r.startswith(f"this {b.words}-word message says what") for r in b.reasons)
    plain = measure("ok, merged", ["ok, merged"], emb[:1], "en", 8)
    assert plain.score == 0 and plain.reasons == []
