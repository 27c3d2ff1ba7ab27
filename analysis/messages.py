"""Per-message analysis: language, sentence embeddings, bloat and AI-likeness, for a batch at a time.

Pure with respect to the store: takes texts, returns results; the pipeline reads and writes.
One message that fails never stops its batch: it gets a 'not scored' reason instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .assistant_frame import assistant_answer
from .bloat import Bloat, measure
from .chain_forwards import carried_key
from .detector import DEFAULT_ARTIFACT, AILikenessDetector, Score
from .embeddings import DEFAULT_MODEL, Embedder, model_name
from .text import Language, detect_language, sentences, words

MAX_SENTENCES = 64  # longer messages: the first 64 sentences are analysed (and the result says so)
MAX_SENTENCE_CHARS = 2_000


def analyzer_version(model: str = DEFAULT_MODEL, artifact: Path = DEFAULT_ARTIFACT) -> str:
    """Changes when the analysis code's version, the detector weights or the embedding model (its weights, not its
    name) change: every message is then pending and re-scored. (The model's thresholds are the chains': they
    version the chains, chains.chains_version.)"""
    digest = hashlib.sha256(Path(artifact).read_bytes()).hexdigest()[:10]
    # 2: the core keeps facts, links and asks (issue 22); 3: hard-wrapped lines joined; 4: the embedding model;
    # 5: a post's own "Date:" or "Subject:" line is authored text (text.strip_header_lines); 6: an abbreviated month
    # before its day or year does not end a sentence ("due Jan. 16": text._MONTH_ABBREV), and dates in digits are
    # read by hand (fact_dates.numeric_date); 7: "3:00 p.m." is 15:00 and "3 p.m." a time (facts._TIME); 8: "12 a.m."
    # is midnight (facts._time); 9: a day and month in digits after a cue or a weekday ("by 11/22": facts._Rules.
    # short_date), "13 pm" no time; 10: the vector chains compare leaves out an AI assistant's opening line and its
    # notes after its answer (assistant_frame.assistant_answer); 11: a list of days is each a date ("18, 19 and 25
    # March": fact_dates.listed_days); 12: "$123 MM" is a million dollars, "$2.5B" billions (facts._SCALE), and fact loss
    # keeps a date in digits its copy writes in the other order of day and month (fact_dates.read_alike), and a
    # status word joined by a hyphen is none ("non-stop", "drop-in"; "no-go" negates nothing: facts._Rules); 13:
    # "$0.134" is 0.134 dollars, not 134 (fact_figures.number)
    return f"messages-13+{digest}+{model_name(model)}"


@dataclass
class Item:
    text: str
    conversation_median_words: float | None = None
    # False when no later stage reads this message's embedding (the pipeline knows: chains skip short messages);
    # it is then computed only where this analysis needs it (see MessageAnalyzer.needs_embedding)
    embed: bool = True
    # the original a forward carries (chain_forwards.carried_body): embedded on its own, for the chains only
    carried: str = ""


@dataclass
class Result:
    language: Language
    sentences: list[str]
    embedding: np.ndarray | None  # what chains compare: an AI assistant's answer without its frame (answer_sentences)
    ai: Score
    bloat: Bloat | None
    notes: list[str] = field(default_factory=list)
    carried_embedding: np.ndarray | None = None  # Item.carried's vector ...
    carried_key: str = ""  # ... and what it was made from (chain_forwards.carried_key)


class MessageAnalyzer:
    def __init__(self, embedder: Embedder, detector: AILikenessDetector | None = None):
        self.embedder = embedder
        self.detector = detector or AILikenessDetector.from_json()
        self.detector.check_embedder(embedder.name, embedder.dim)  # a mismatch is one clear error, not N

    def needs_embedding(self, item: Item, sents: list[str]) -> bool:
        """Whether this message's sentences must be embedded: a later stage reads its embedding, the detector
        scores it with embedding features, or the core of a message of several sentences may be chosen by
        meaning (bloat.core_of). A one-sentence message's core is that sentence, embedded or not."""
        if item.embed or len(sents) > 1:
            return True
        return self.detector.use_embedding and len(words(item.text or "")) >= self.detector.min_words

    def analyze(self, items: list[Item]) -> list[Result]:
        prepared = []
        for it in items:
            text = it.text or ""
            notes: list[str] = []
            sents = analysed_sentences(text)
            if len(sents) > MAX_SENTENCES:
                notes.append(f"long message: only the first {MAX_SENTENCES} of {len(sents)} sentences were analysed")
                sents = sents[:MAX_SENTENCES]
            prepared.append((text, sents, detect_language(text), notes))
        embedded = [self.needs_embedding(it, p[1]) for it, p in zip(items, prepared, strict=True)]
        carried = [analysed_sentences(it.carried)[:MAX_SENTENCES] if it.carried else [] for it in items]
        flat = [s for (_t, sents, _l, _n), e in zip(prepared, embedded, strict=True) if e for s in sents]
        flat += [s for sents in carried for s in sents]
        emb = self.embedder.encode(flat) if flat else np.zeros((0, self.embedder.dim), dtype=np.float32)
        pos = 0
        msg_vecs = np.zeros((len(items), self.embedder.dim), dtype=np.float32)
        # the vector chains compare: an AI assistant's answer without its opening line and notes (the detector
        # reads the whole message's, as it was trained)
        answer_vecs: dict[int, np.ndarray] = {}
        has_vec: set[int] = set()
        for i, (text, sents, _lang, _notes) in enumerate(prepared):
            k = len(sents) if embedded[i] else 0
            if k:
                msg_vecs[i] = mean_vector(emb[pos:pos + k], sents)
                lo, hi = answer_sentences(text, sents)
                if (lo, hi) != (0, k):
                    answer_vecs[i] = mean_vector(emb[pos + lo:pos + hi], sents[lo:hi])
                has_vec.add(i)
            pos += k
        carried_vecs: list[np.ndarray | None] = []
        for sents in carried:
            carried_vecs.append(mean_vector(emb[pos:pos + len(sents)], sents) if sents else None)
            pos += len(sents)
        texts = [p[0] for p in prepared]
        langs = [p[2].code for p in prepared]
        n_words = [len(words(t)) for t in texts]
        try:
            ai_scores = self.detector.score(texts, langs, msg_vecs, n_words)
        except Exception as exc:  # keep the batch: every message gets the reason
            ai_scores = [Score(None, not_scored=f"detector error: {type(exc).__name__}")] * len(items)
        results: list[Result] = []
        pos = 0
        for i, ((text, sents, lang, notes), it) in enumerate(zip(prepared, items, strict=True)):
            k = len(sents) if embedded[i] else 0
            bloat = None
            if sents:
                try:
                    bloat = measure(text, sents, emb[pos:pos + k], lang.code, it.conversation_median_words)
                except Exception as exc:  # one odd message must not stop the batch
                    notes.append(f"bloat not measured: {type(exc).__name__}")
            else:
                notes.append("no sentences to analyse (empty, emoji-only or code-only)")
            pos += k
            vec = answer_vecs.get(i, msg_vecs[i]) if i in has_vec else None
            results.append(Result(lang, sents, vec, ai_scores[i], bloat, notes, carried_vecs[i],
                                  carried_key(it.carried) if it.carried else ""))
        return results


def analysed_sentences(text: str) -> list[str]:
    """A text's sentences as the analysis reads them, each cut at MAX_SENTENCE_CHARS (the caller keeps the first
    MAX_SENTENCES)."""
    return [s[:MAX_SENTENCE_CHARS] for s in sentences(text)]


def answer_sentences(text: str, sents: list[str]) -> tuple[int, int]:
    """Which of a text's analysed sentences its vector reads (a range): those of an AI assistant's answer, without
    its opening line ("Sure! Here's a shorter version:") and its notes after it ("I made the following changes:
    ..."; assistant_frame.assistant_answer). Every sentence when the text has neither, or when the answer's own sentences are
    not those of the whole text at that place (a line the splitter joins across the cut: the range would hold part
    of a note or lose part of the answer, and `eval chains`, which embeds the answer's text, would read another
    text)."""
    start, end = assistant_answer(text)
    if (start, end) == (0, len(text)):
        return 0, len(sents)
    lo = len(analysed_sentences(text[:start])) if start else 0
    own = analysed_sentences(text[start:end])
    hi = min(len(sents), lo + len(own))
    return (lo, hi) if hi > lo and sents[lo:hi] == own[:hi - lo] else (0, len(sents))


def mean_vector(vecs: np.ndarray, sents: list[str]) -> np.ndarray:
    """A message's vector: its sentences' vectors weighted by their words, normalised."""
    w = np.array([max(len(words(s)), 1) for s in sents], dtype=np.float32)
    v = (vecs * w[:, None]).sum(axis=0)
    return (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)
