"""`eval chains` files scored twice: with each row's answer embedded whole (what `slopradar eval chains` does:
chain_eval.embedded_text) and with the word-weighted mean of its answer's sentences' vectors (what `analyze` stores
for a message: analysis/messages.py, answer_sentences; an AI assistant's opening line and notes left out), so an
`eval chains` figure can be read against the product's own vectors (docs/chains.md, fifth round).

    python scripts/eval_chains_vectors.py build/chains/llm-chains.jsonl [more.jsonl ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.chain_eval import chain_eval_nodes, chain_scores, embedded_text  # noqa: E402
from analysis.chains import build_edges  # noqa: E402
from analysis.embeddings import load_embedder  # noqa: E402
from analysis.evaluate import read_jsonl  # noqa: E402
from analysis.messages import MAX_SENTENCES, analysed_sentences, answer_sentences, mean_vector  # noqa: E402


def main() -> None:
    emb = load_embedder()
    for f in map(Path, sys.argv[1:]):
        rows = read_jsonl(f, require=("id", "ts", "channel", "text"))
        texts = [str(r["text"] or "") for r in rows]
        whole = emb.encode([embedded_text(t) for t in texts])
        every = [analysed_sentences(t)[:MAX_SENTENCES] for t in texts]
        sents = [ss[slice(*answer_sentences(t, ss))] or [t] for t, ss in zip(texts, every, strict=True)]
        vecs = emb.encode([s for ss in sents for s in ss])
        mean, pos = [], 0
        for ss in sents:
            mean.append(mean_vector(vecs[pos:pos + len(ss)], ss))
            pos += len(ss)
        agree = float(np.median(np.sum(whole * np.array(mean), axis=1)))
        for name, v in (("whole", whole), ("sentence-mean", np.array(mean))):
            pred = {e.child: e.parent for e in build_edges(chain_eval_nodes(rows, v))}
            sc = chain_scores(rows, pred)
            print(f"{f.stem:20s} {name:13s} F1 {sc['edge_f1']:.2f} P {sc['edge_precision']:.2f} "
                  f"R {sc['edge_recall']:.2f} origin {sc['origin_accuracy'] or 0:.3f}  "
                  f"cosine(whole, sentence-mean) median {agree:.3f}")


if __name__ == "__main__":
    main()
