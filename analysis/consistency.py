"""A learned consistency check: does a copy (a summary) state something its source does not support?

Each copy sentence is aligned to its best source sentences (MiniLM cosine, as the chains are). Per aligned
pair we measure what a fact-checker would look at: the rule signals of `factloss.check_summary` (numbers,
months, names, negation and status polarity), content words the copy introduces, words whose antonym the
source uses, negation and softening cues that changed ("removed" -> "scope refined"), and how well MiniLM's
contextual token vectors of the copy are matched by the source's (a BERTScore-style precision: an edited word
has no close token in the source). A calibrated logistic regression over those signals decides; the sentence
similarity is one feature among many, never the decision. No NLI model ships its weights on PyPI
(research/models.md), and fine-tuning all of MiniLM would mean shipping 90 MB; the regression is a few kB.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from . import languages
from .factcheck import WordChecker, word_features
from .factloss import _softening, _split, _summary_rules, check_summary
from .facts import status_cues
from .languages import LanguageTable
from .text import words

DEFAULT_MODEL = Path(__file__).parent / "data" / "factloss_model.json"


@dataclass(frozen=True, eq=False)
class _Words:
    """The check's language-dependent words, from every registered language table (analysis/languages)."""
    status_groups: dict[str, re.Pattern[str]]  # decisions (every status group but "approved")
    status_any: re.Pattern[str]
    antonyms: dict[str, set[str]]  # workplace antonyms: a copy word absent from the source whose opposite it uses
    stop: frozenset[str]
    negations: frozenset[str]  # word pieces always checked
    negation_cues: re.Pattern[str]  # factloss.check_summary's
    softening: re.Pattern[str]


def _antonyms(tables: tuple[LanguageTable, ...]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for pair in (p for tb in tables for p in tb.antonyms):
        a, b = pair.split()
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


@functools.cache  # once per registry state
def _compile(tables: tuple[LanguageTable, ...]) -> _Words:
    cues = {k: v for k, v in status_cues(tables).items() if k != "approved"}
    return _Words(status_groups={k: re.compile(rf"\b(?:{v})\b", re.I) for k, v in cues.items()},
                  status_any=re.compile(r"\b(?:" + "|".join(cues.values()) + r")\b", re.I),
                  antonyms=_antonyms(tables),
                  stop=frozenset(w for tb in tables for w in tb.consistency_stop_words),
                  negations=frozenset(w for tb in tables for w in tb.negations),
                  negation_cues=_summary_rules(tables).negation, softening=_softening(tables))


def _words() -> _Words:
    return _compile(languages.tables())


ANTONYMS = _words().antonyms  # the built-in languages' (scripts/build_factloss_data.py reads it)

FEATURES = [
    "rule_number", "rule_month", "rule_name", "rule_negation", "rule_polarity",
    "novel_max", "novel_sum", "novel_aligned_max", "novel_rate_max", "novel_capital_max",
    "antonym", "neg_diff_max", "neg_added", "neg_removed", "softened",
    "cos_min", "cos_mean", "tok_min", "tok_low50", "tok_low60", "tok_low70", "tok_mean_min",
    "n_sents", "log_len", "word_max", "word_top2", "word_n50",
]
_WORD_F = FEATURES.index("word_max")


def _decisions(text: str) -> set[str]:
    return {k for k, rx in _words().status_groups.items() if rx.search(text)}


def _stem(w: str) -> str:
    return w.lower()[:6]


def _content_words(text: str) -> list[str]:
    stop = _words().stop
    return [w for w in words(text) if w.lower() not in stop and not w.isdigit() and len(w) > 2]


def _negations(text: str) -> int:
    return len(_words().negation_cues.findall(text))


def encode_sentences(embedder: Any, sents: list[str], store: dict[str, Any]) -> None:
    """Sentence vector and content-token vectors (unit length, MiniLM's last layer) of each new sentence, in one
    batched pass; kept in `store`. An embedder without token output (not sentence-transformers) gives none."""
    new = list(dict.fromkeys(s for s in sents if s not in store))
    if not new:
        return
    model = getattr(embedder, "_model", None)
    if model is None:
        for s, v in zip(new, embedder.encode(new), strict=True):
            store[s] = (v, np.zeros((0, len(v)), dtype=np.float32), [])
        return
    out = model.encode(new, output_value=None, batch_size=64, convert_to_numpy=False, show_progress_bar=False)
    tok = model.tokenizer
    for s, o in zip(new, out, strict=True):
        sv = o["sentence_embedding"].float().numpy()
        sv = sv / max(float(np.linalg.norm(sv)), 1e-9)
        enc = tok(s, truncation=True, max_length=model.max_seq_length, return_offsets_mapping=True)
        pieces = tok.convert_ids_to_tokens(enc["input_ids"])
        tv = o["token_embeddings"].float().numpy()[: len(pieces)]
        keep = [i for i, p in enumerate(pieces) if _content_piece(p)]
        tv = tv[keep]
        tv = tv / np.maximum(np.linalg.norm(tv, axis=1, keepdims=True), 1e-9)
        spans = [(m.start(), m.end()) for m in _WORD.finditer(s)]
        owner = [next((s[a:b].lower() for a, b in spans if a <= enc["offset_mapping"][i][0] < b), pieces[i]) for i in keep]
        store[s] = (sv.astype(np.float32), tv.astype(np.float32), owner)


_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")  # as text.words splits


def _content_piece(p: str) -> bool:
    """A word piece worth checking: a content word's, or a negation ("not" changes what the sentence says)."""
    lang = _words()
    if p.lower() in lang.negations:
        return True
    return p not in ("[CLS]", "[SEP]", "[PAD]") and p.strip("#").isalpha() and p.lower() not in lang.stop and len(p.strip("#")) > 2


@dataclass
class SentenceSignal:
    """Why a copy sentence looks unsupported: what a reader is shown as evidence."""
    sentence: str
    source_sentence: str
    novel: list[str] = field(default_factory=list)
    antonyms: list[str] = field(default_factory=list)
    negation_changed: bool = False
    softened: bool = False
    words: list[str] = field(default_factory=list)  # the checked word of each content piece
    closest: list[str] = field(default_factory=list)  # the source word each piece is closest to
    word_rows: np.ndarray | None = None  # their word-checker features (factcheck.word_features)
    word_p: np.ndarray | None = None  # the word checker's P(not supported) of each, once scored

    @property
    def contradiction(self) -> float:
        """The word checker's verdict on the sentence: its least supported word's probability."""
        return float(self.word_p.max()) if self.word_p is not None and len(self.word_p) else 0.0

    def worst_word(self) -> tuple[str, str, float] | None:
        """(copy word, closest source word, P) of the least supported word, if the sentence was scored."""
        if self.word_p is None or not len(self.word_p):
            return None
        k = int(self.word_p.argmax())
        return self.words[k], self.closest[k], float(self.word_p[k])


def pair_features(source: str, summary: str, embedder: Any | None, cache: dict[str, Any] | None = None,
                  checker: WordChecker | None = None) -> tuple[np.ndarray, list[SentenceSignal]]:
    """The feature vector of one (source, copy) pair (order: FEATURES), and each copy sentence's signals; the
    word_* features are zero without a word checker."""
    cache = cache if cache is not None else {}
    rules = check_summary(source, summary).problems
    rule = [sum(p.startswith(k) for p in rules) for k in ("number", "month", "name", "negation", "polarity")]
    src_sents = _split(source) or [source]
    sum_sents = _split(summary) or [summary]
    src_words = {_stem(w) for w in words(source)}
    src_lower = " " + " ".join(w.lower() for w in words(source)) + " "
    lang = _words()
    src_status = bool(lang.status_any.search(source))
    if embedder is not None:
        encode_sentences(embedder, src_sents + sum_sents, cache)
        s_emb = np.stack([cache[x][0] for x in src_sents])
        c_emb = np.stack([cache[x][0] for x in sum_sents])
        sims = c_emb @ s_emb.T
        src_all = np.concatenate([cache[x][1] for x in src_sents])
        src_pieces = [w for x in src_sents for w in cache[x][2]]
        c_tok = [cache[x][1] for x in sum_sents]
    else:
        sims = np.array([[_overlap(a, b) for b in src_sents] for a in sum_sents])
        c_tok, src_all, src_pieces = [], None, []
    signals, rows = [], []
    for i, s in enumerate(sum_sents):
        order = np.argsort(-sims[i])[:2]
        aligned = " ".join(src_sents[j] for j in order)
        aligned_words = {_stem(w) for w in words(aligned)}
        cw = _content_words(s)
        novel = [w for w in cw if _stem(w) not in src_words]
        novel_aligned = [w for w in cw if _stem(w) not in aligned_words]
        ant = [w for w in cw if _stem(w) not in src_words and any(f" {a} " in src_lower for a in lang.antonyms.get(w.lower(), ()))]
        neg_c, neg_s = _negations(s), _negations(src_sents[order[0]])
        # a decision of the aligned source sentences that this copy sentence does not state, where it uses words
        # that decide nothing; another decision in the same sentence ("maintenance postponed and the deployment
        # under review") does not hide it
        soft = bool(lang.softening.search(s)) and src_status and bool(_decisions(aligned) - _decisions(s))
        tok_min = tok_mean = 1.0
        low = [0.0, 0.0, 0.0]
        if src_all is not None and len(src_all) and len(c_tok[i]):
            best = (c_tok[i] @ src_all.T).max(axis=1)
            if len(best):
                tok_min, tok_mean = float(best.min()), float(best.mean())
                low = [float((best < t).sum()) for t in (0.5, 0.6, 0.7)]
        rows.append([len(novel), len(novel_aligned), len(novel) / max(len(cw), 1),
                     sum(w[0].isupper() for w in novel), len(ant), abs(neg_c - neg_s), float(neg_c > neg_s),
                     float(neg_c < neg_s), float(soft), float(sims[i].max()), tok_min, tok_mean, *low])
        sig = SentenceSignal(s, src_sents[order[0]], novel, ant, neg_c != neg_s, soft)
        if src_all is not None and len(c_tok[i]):
            sig.word_rows, near = word_features(c_tok[i], cache[s][2], src_all, {w.lower() for w in words(source)},
                                                {w.lower() for w in words(aligned)})
            sig.words, sig.closest = list(cache[s][2]), [src_pieces[k] for k in near] if src_pieces else []
            if checker is not None:
                sig.word_p = checker.predict_proba(sig.word_rows)
        signals.append(sig)
    r = np.array(rows, dtype=float)
    feats = [*rule, r[:, 0].max(), r[:, 0].sum(), r[:, 1].max(), r[:, 2].max(), r[:, 3].max(), r[:, 4].sum(),
             r[:, 5].max(), r[:, 6].max(), r[:, 7].max(), r[:, 8].max(), r[:, 9].min(), r[:, 9].mean(),
             r[:, 10].min(), r[:, 12].max(), r[:, 13].max(), r[:, 14].max(), r[:, 11].min(),
             float(len(sum_sents)), float(np.log1p(len(words(summary)))), *_word_verdicts(signals)]
    return np.array(feats, dtype=float), signals


def _word_verdicts(signals: list[SentenceSignal]) -> list[float]:
    """word_max, word_top2 (mean of the two least supported words), word_n50 (words at P >= 0.5)."""
    p = np.concatenate([g.word_p for g in signals if g.word_p is not None] or [np.zeros(0)])
    if not len(p):
        return [0.0, 0.0, 0.0]
    top = -np.sort(-p)
    return [float(top[0]), float(top[:2].mean()), float((p >= 0.5).sum())]


def _overlap(a: str, b: str) -> float:
    wa, wb = {_stem(w) for w in _content_words(a)}, {_stem(w) for w in _content_words(b)}
    return len(wa & wb) / max(len(wa), 1)


# The features the shipped model reads. The lexical-novelty ones (novel_*, tok_low*) were dropped: on SummEdits a
# consistent paraphrase introduces as many new words as an edit does, and they lowered every held-out domain. The
# word checker's (word_*) too: it ranks an edit's words above the rest of its copy (dev AUROC 0.82, by word) but a
# faithful paraphrase's new words look as unsupported to it (dev AUROC 0.49, by copy); it names the evidence word.
SELECTED = ["rule_number", "rule_month", "rule_name", "rule_negation", "rule_polarity", "antonym", "neg_added",
            "neg_removed", "softened", "tok_min", "tok_mean_min", "cos_min", "cos_mean"]


class ConsistencyModel:
    """Logistic regression over the `features` columns of `FEATURES`, standardised, balanced classes (threshold 0.5)."""

    def __init__(self, C: float = 0.1, features: list[str] | None = None, checker: str = ""):
        self.C = C
        self.features = list(features or SELECTED)
        self.checker = checker  # the fact-checker's weights file, next to this model's JSON
        self.path_: Path  # set by from_json: where the model was read from

    @property
    def checker_path(self) -> Path:
        return getattr(self, "path_", DEFAULT_MODEL).parent / self.checker

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None,
            sample_weight: np.ndarray | None = None, provenance: dict[str, Any] | None = None) -> ConsistencyModel:
        """y: 1 = inconsistent. groups: the domain of each row; the threshold comes from leave-one-group-out scores."""
        from sklearn.linear_model import LogisticRegression

        X = X[:, [FEATURES.index(f) for f in self.features]]
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 1e-9, X.std(axis=0), 1.0)
        Z = (X - self.mean_) / self.scale_
        lr = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced")
        lr.fit(Z, y, sample_weight=sample_weight)
        self.coef_, self.intercept_ = lr.coef_[0], float(lr.intercept_[0])
        held = np.zeros(len(y))
        gs = groups if groups is not None else np.arange(len(y)) % 5
        for g in np.unique(gs):
            m = gs == g
            part = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced")
            part.fit(Z[~m], y[~m], sample_weight=None if sample_weight is None else sample_weight[~m])
            held[m] = part.predict_proba(Z[m])[:, 1]
        self.threshold_ = 0.5
        by_group = {str(g): round(_bacc(y[gs == g], held[gs == g] >= 0.5), 4) for g in np.unique(gs)}
        self.provenance_ = (provenance or {}) | {"features": FEATURES, "trained": date.today().isoformat(),
                                                 "heldout_balanced_accuracy": round(_bacc(y, held >= 0.5), 4),
                                                 "heldout_balanced_accuracy_by_group": by_group}
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)[:, [FEATURES.index(f) for f in self.features]]
        z = ((X - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self, path: Path) -> None:
        d = {"C": self.C, "use": self.features, "checker": self.checker, "mean": self.mean_.tolist(), "scale": self.scale_.tolist(), "coef": self.coef_.tolist(),
             "intercept": self.intercept_, "threshold": self.threshold_, "provenance": self.provenance_}
        path.write_text(json.dumps(d, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, path: Path = DEFAULT_MODEL) -> ConsistencyModel:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        if d["provenance"].get("features") != FEATURES:
            raise ValueError(f"{path}: trained on other features; run `slopradar train factloss`")
        m = cls(d["C"], d["use"], d.get("checker", ""))
        m.path_ = Path(path)
        m.mean_, m.scale_ = np.array(d["mean"]), np.array(d["scale"])
        m.coef_, m.intercept_ = np.array(d["coef"]), float(d["intercept"])
        m.threshold_, m.provenance_ = float(d["threshold"]), d["provenance"]
        return m


def _bacc(y: np.ndarray, pred: np.ndarray) -> float:
    pos, neg = y == 1, y == 0
    return float((pred[pos].mean() + (1 - pred[neg]).mean()) / 2) if pos.any() and neg.any() else float("nan")


def batch_features(pairs: list[tuple[str, str]], embedder: Any | None, checker: WordChecker | None = None,
                   ) -> np.ndarray:
    """Feature rows of many (source, copy) pairs, every distinct sentence encoded once in one batched pass."""
    cache: dict[str, Any] = {}
    if embedder is not None:
        encode_sentences(embedder, [s for src, c in pairs for s in (_split(src) or [src]) + (_split(c) or [c])], cache)
    return np.array([pair_features(src, c, embedder, cache, checker)[0] for src, c in pairs]).reshape(len(pairs), len(FEATURES))


class Judge:
    """The shipped model with its embedder and word checker: how likely a copy contradicts or adds to what a
    source states, and which copy word does it."""

    def __init__(self, embedder: Any, model: ConsistencyModel | None = None, checker: WordChecker | None = None):
        self.embedder = embedder
        self.model = model or ConsistencyModel.from_json()
        if checker is None and self.model.checker and self.model.checker_path.is_file():
            checker = WordChecker.load(self.model.checker_path)
        self.checker = checker  # names the least supported word of each copy sentence
        self._cache: dict[str, Any] = {}

    def explain(self, source: str, copy: str) -> tuple[float, list[SentenceSignal]]:
        """P(the copy is not consistent with the source) and each copy sentence's signals, the word checker's
        verdicts included."""
        x, signals = pair_features(source, copy, self.embedder, self._cache, self.checker)
        if len(self._cache) > 5000:  # a long run over many chains: keep memory flat
            self._cache.clear()
        return float(self.model.predict_proba(x)[0]), signals

    def probability(self, source: str, copy: str) -> float:
        return self.explain(source, copy)[0]
