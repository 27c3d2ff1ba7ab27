"""Issue 20: analyze embeds only what a stage reads, says which precision it ran at, and gives the same scores
whether or not a message nobody reads the embedding of was embedded."""

from __future__ import annotations

import numpy as np
from sqlmodel import Session, select

from analysis.messages import Item, MessageAnalyzer
from slopradar.pipeline import _chains_read_embedding
from slopradar.schema import Embedding, Message, MessageScore


class CountingEmbedder:
    """A stand-in model: deterministic unit vectors, and a record of every sentence it was asked to embed."""
    name, dim, max_tokens = "counting", 8, 256

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        rng = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=self.dim) for t in texts]
        v = np.array(rng, dtype=np.float32).reshape(len(texts), self.dim)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_a_short_message_no_stage_reads_is_not_embedded_and_scores_the_same():
    texts = ["ok for me", "Thanks! Will do.", "Offline Sync is removed from the spring release; stop all work on it "
             "by 12 March, and tell your teams before Friday please."]
    counting = CountingEmbedder()
    lazy = MessageAnalyzer(counting).analyze([Item(t, 5.0, embed=False) for t in texts])
    full = MessageAnalyzer(CountingEmbedder()).analyze([Item(t, 5.0) for t in texts])
    assert "ok for me" not in counting.seen  # one sentence, no reader: not embedded
    assert "Thanks!" in counting.seen  # two sentences: its core may be chosen by meaning
    assert lazy[0].embedding is None and full[0].embedding is not None
    for a, b in zip(lazy, full, strict=True):
        assert a.ai == b.ai and a.sentences == b.sentences
        assert (a.bloat.score, a.bloat.core_sentences, a.bloat.core_words) == \
            (b.bloat.score, b.bloat.core_sentences, b.bloat.core_words)


def test_chains_read_long_messages_and_short_shares_or_forwards_only():
    assert _chains_read_embedding(10, {}, [])
    assert not _chains_read_embedding(9, {}, [])
    assert not _chains_read_embedding(None, None, None)
    assert _chains_read_embedding(3, {"shares": [{"channel": "C1", "ts": "1.0"}]}, [])  # "FYI" + a shared post
    assert _chains_read_embedding(3, {"permalinks": [{"channel": "C1", "ts": "1.0"}]}, [])
    assert _chains_read_embedding(2, {}, [{"kind": "forward", "text": "Offline Sync is removed"}])
    assert not _chains_read_embedding(2, {}, [{"kind": "quote", "text": "earlier reply"}])


def test_analyze_reports_its_precision_and_embeds_what_chains_read(analysed):
    engine, _settings, summary = analysed
    assert summary["precision"] in ("bf16", "int8", "fp32")
    assert summary["precision_reason"].startswith(summary["precision"])
    assert 0 < summary["embedded"] < summary["scored"]
    with Session(engine) as s:
        rows = s.exec(select(Message.word_count, Message.meta, Message.quoted, Embedding.message_id)
                      .join(MessageScore, MessageScore.message_id == Message.id)
                      .outerjoin(Embedding, Embedding.message_id == Message.id)).all()
    for words, meta, quoted, emb in rows:
        if _chains_read_embedding(words, meta, quoted):
            assert emb is not None


def test_chains_compare_an_assistants_answer_the_detector_reads_it_whole():
    """The vector chains compare leaves out an AI assistant's opening line and its notes after the answer (batch
    20, docs/chains.md); the detector scores the whole message, as it was trained, and the bloat measure reads
    every sentence."""
    answer = ("Leslie has informed Tana that the following companies are not authorized to trade US power. "
              "Ameren Services Company may trade under specific terms.")
    framed = (f"Here is a rewritten version of the message:\n\n{answer}\n\nI made the following changes:\n"
              "- Changed informs to has informed.\n- Split the long sentence.")
    analyzer = MessageAnalyzer(CountingEmbedder())
    score, seen = analyzer.detector.score, []
    analyzer.detector.score = lambda texts, langs, vecs, n: seen.append(vecs.copy()) or score(texts, langs, vecs, n)
    a, b = analyzer.analyze([Item(framed, 30.0), Item(answer, 30.0)])
    assert np.allclose(a.embedding, b.embedding) and len(a.sentences) > len(b.sentences)
    assert not np.allclose(seen[0][0], a.embedding)  # the detector: the whole message's vector
    assert np.allclose(seen[0][1], b.embedding)
    whole = MessageAnalyzer(CountingEmbedder()).analyze([Item(answer + " Thanks all.", 30.0)])[0]
    assert not np.allclose(whole.embedding, b.embedding)  # a text without a frame: every sentence
