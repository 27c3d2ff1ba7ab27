"""Derive analysis/data/lexicons.json from the team's lexicons (../shared/data/lexicons).

The result is a vocabulary, not a detector: the detector learns one weight per entry, and the bloat
analyser uses the phrase lists to name filler and boilerplate. Provenance is recorded in NOTICE.

    python scripts/build_lexicons.py [--shared ../shared/data/lexicons]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "analysis" / "data" / "lexicons.json"

# Sections of avoid-ai-writing whose quoted examples are filler, boilerplate or chatbot tics.
EN_PHRASE_SECTIONS = ("Template phrases", "Transition phrases", "Filler phrases", "Generic conclusions",
                      "Chatbot artifacts", "\"Let's\" constructions", "Sycophantic tone", "Acknowledgment loops",
                      "Confidence calibration phrases", "Vague attributions", "Significance inflation",
                      "Promotional language", "Novelty inflation")
# Greetings and sign-offs of AI-polished workplace messages that the catalogue files mention only in
# passing; kept short and generic on purpose (the detector weighs them, it does not trust them).
EXTRA_EN = ["i hope this message finds you well", "i hope this email finds you well", "i wanted to take a moment",
            "i wanted to reach out", "please don't hesitate to reach out", "don't hesitate to reach out",
            "let me know if you have any questions", "my door is always open", "thank you for your understanding",
            "thanks for your understanding", "looking forward to", "keep the momentum going", "stay tuned",
            "as we navigate", "moving forward", "going forward", "key highlights", "next steps", "key takeaways"]
EXTRA_FR = ["j'espère que ce message vous trouve", "j'espère que vous allez bien", "je souhaitais prendre un moment",
            "n'hésitez pas à revenir vers moi", "n'hésitez pas à me contacter", "merci pour votre compréhension",
            "merci de votre compréhension", "points clés", "prochaines étapes", "continuons sur cette lancée",
            "dans un contexte en constante évolution", "il est essentiel de", "tout au long de ce parcours"]


def _table_first_column(md: str, start: str, stop: str) -> list[str]:
    section = md.split(start, 1)[1].split(stop, 1)[0] if start in md else ""
    out = []
    for row in re.findall(r"^\|\s*([^|]+?)\s*\|", section, re.M):
        if set(row) <= set("-: ") or row.lower() in ("replace", "mot ia", "expression", "mot", "word"):
            continue
        for part in row.split("/"):
            part = re.sub(r"\([^)]*\)", "", part).strip().strip("*«»\"' ").lower()
            if part and len(part) <= 40 and not part.startswith("["):
                out.append(part)
    return out


def _quoted_in_sections(md: str, names: tuple[str, ...]) -> list[str]:
    out = []
    for chunk in re.split(r"^#{2,4} ", md, flags=re.M):
        title = chunk.split("\n", 1)[0]
        if any(title.startswith(n) for n in names):
            # only what a line says to avoid: the text before its "→" (after it come the replacements)
            avoid = "\n".join(ln.split("→", 1)[0] for ln in chunk.split("\n")[1:])
            for q in re.findall(r"[\"“«]\s*([^\"”»\n]{4,70}?)\s*[\"”»]", avoid):
                q = re.sub(r"\[[^\]]*\]", "", q).strip(" .,!…").lower()
                if 2 <= len(q.split()) <= 10 and not re.search(r"[+…]|\bx\b", q):
                    out.append(q)
    return out


def build(shared: Path) -> dict:
    kobak = []
    with (shared / "kobak2024_excess_words.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row.get("type") or "").startswith("style"):
                kobak.append(row["word"].lower())
    en_md = (shared / "avoid_ai_writing_SKILL_en.md").read_text(encoding="utf-8")
    fr_md = (shared / "avoid_ai_writing_multilingual_SKILL-FR.md").read_text(encoding="utf-8")
    skill_en_words = _table_first_column(en_md, "#### Tier 1", "### Template phrases")
    skill_fr_words = _table_first_column(fr_md, "## Tableau de vocabulaire", "## 45 Patterns")
    en_phrases = sorted(set(_quoted_in_sections(en_md, EN_PHRASE_SECTIONS) + EXTRA_EN))
    fr_phrases = sorted(set(re.sub(r"\s+", " ", q) for q in _quoted_in_sections(
        fr_md, ("Patterns de communication", "Patterns linguistiques", "Patterns de contenu", "Méta-patterns"))
        + EXTRA_FR))
    antislop = [p.lower() for p, _w in json.loads((shared / "antislop_sampler_slop_phrase_prob_adjustments.json")
                                                   .read_text(encoding="utf-8"))][:400]
    forensics = [w[0].lower() for w in json.loads((shared / "slop_forensics_slop_list.json").read_text(encoding="utf-8"))][:400]
    return {
        "about": "Vocabulary for slopradar's detector features and bloat explanations; weights are learned, "
                 "not taken from these lists. Built by scripts/build_lexicons.py; provenance in NOTICE.",
        "en_words": {"kobak_style": sorted(set(kobak)), "skill_en": sorted(set(skill_en_words)),
                     "antislop": sorted(set(antislop)), "slop_forensics": sorted(set(forensics))},
        "fr_words": {"skill_fr": sorted(set(skill_fr_words))},
        "en_phrases": en_phrases,
        "fr_phrases": fr_phrases,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "lexicons")
    args = ap.parse_args()
    data = build(args.shared)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    sizes = {k: len(v) for k, v in data["en_words"].items()} | {"skill_fr": len(data["fr_words"]["skill_fr"]),
                                                                  "en_phrases": len(data["en_phrases"]),
                                                                  "fr_phrases": len(data["fr_phrases"])}
    print(f"wrote {OUT.relative_to(ROOT)}: {sizes}")


if __name__ == "__main__":
    main()
