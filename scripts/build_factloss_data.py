"""Training and French evaluation pairs for the learned fact-loss check (`slopradar train factloss`).

FactCC-style corruptions (Kryściński et al. 2020) of consistent (source, summary) pairs: negation inserted or
removed, antonym swap, number swap, entity swap, date shift, inserted claim, softened decision ("removed" ->
"scope refined", "cancelled" -> "under review"; French: "supprimé" -> "à l'étude"). English and French.

    python scripts/build_factloss_data.py --split train > build/factloss_train.jsonl
    python scripts/build_factloss_data.py --split fr-eval > build/factloss_fr_eval.jsonl

`train`: the consistent pairs of ../shared/data/factloss/summedits_other_domains_train.jsonl and template
workplace announcements (EN and FR) with their faithful summaries, each with its corruptions. `fr-eval`: French
translations of the demo's announcements (samples/story.py) with a faithful French summary each, and their
corruptions; never used in training. Output lines: {"source", "summary", "label", "error_type", "domain", "lang"};
a corruption of a SummEdits pair keeps its domain, so leave-one-domain-out holds both out together.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.consistency import ANTONYMS  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "factloss"

NEG_EN = [(r"\b(is|are|was|were|will|can|has|have|does|did|should)\b(?! not)", r"\1 not")]
NEG_FR = [(r"\b(est|sont|sera|seront|a|ont|peut|doit)\b", r"ne \1 pas")]
UNNEG = [(r"\b(is|are|was|were|will|can|has|have|does|did|should) not\b", r"\1"), (r"\bnot\s+", ""),
         (r"\bn'(est|a|ont|sont)\s+pas\b", r"\1"), (r"\bne (\w+) pas\b", r"\1"), (r"\bn'(\w+) plus\b", r"\1")]
SOFTEN = {"en": [(r"\b(?:is|has been|was) (?:removed|dropped|cut)\b", ["scope has been refined", "is under review",
                                                                        "is being re-evaluated"]),
                 (r"\b(?:removed|dropped)\b", ["postponed", "deprioritised", "put on hold"]),
                 (r"\b(?:is |has been |was )?(?:cancell?ed|called off)\b", [" is under review", " is being reconsidered"]),
                 (r"\bstop all work\b", ["keep focusing on quality"]), (r"\bcut by\b", ["adjusted by"])],
          "fr": [(r"\b(?:est|a été) supprimée?s?\b", ["est à l'étude", "est en cours de réflexion"]),
                 (r"\bsupprimée?s?\b", ["reporté", "mis en pause"]),
                 (r"\b(?:est |a été )?annulée?s?\b", [" est à l'étude", " est en cours de réévaluation"]),
                 (r"\breportée?s?\b", ["confirmée"]), (r"\bréduit de\b", ["ajusté de"])]}
CLAIMS = {"en": ["The budget for it was doubled.", "The decision was approved by the board last week.",
                 "Two new engineers will join the team.", "Customers have already been notified.",
                 "The change was requested by the customer.", "This will not affect the timeline.",
                 "They agreed to extend the contract for another year.", "The pilot was a success."],
          "fr": ["Le budget a été doublé.", "La décision a été validée par la direction la semaine dernière.",
                 "Deux nouveaux ingénieurs rejoindront l'équipe.", "Les clients ont déjà été prévenus.",
                 "Cela ne change rien au calendrier.", "Le contrat est prolongé d'un an."]}
MONTHS = {"en": "January February March April May June July August September October November December".split(),
          "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()}
DAYS = {"en": "Monday Tuesday Wednesday Thursday Friday".split(), "fr": "lundi mardi mercredi jeudi vendredi".split()}


def _sub_once(rx: str, repl: str, text: str) -> str | None:
    new = re.sub(rx, repl, text, count=1, flags=re.I)
    return new if new != text else None


def corrupt(source: str, summary: str, lang: str, rng: random.Random) -> list[tuple[str, str]]:
    """(corrupted summary, error type) for each corruption that applies to this summary."""
    out = []
    neg = next((x for x in (_sub_once(a, b, summary) for a, b in UNNEG) if x), None)
    if neg is None:
        neg = next((x for x in (_sub_once(a, b, summary) for a, b in (NEG_EN if lang == "en" else NEG_FR)) if x), None)
    if neg:
        out.append((neg, "negation_insertion_removal"))
    toks = re.findall(r"[^\W\d_]+", summary)
    swappable = [t for t in toks if t.lower() in ANTONYMS]
    if swappable:
        w = rng.choice(swappable)
        a = sorted(ANTONYMS[w.lower()])[0]
        out.append((re.sub(rf"\b{re.escape(w)}\b", a, summary, count=1), "antonym_swap"))
    nums = re.findall(r"\b\d+(?:[.,]\d+)?\b", summary)
    if nums:
        n = rng.choice(nums)
        v = re.sub(r"\d", lambda m: str((int(m.group(0)) + rng.randint(1, 8)) % 10), n, count=1)
        out.append((re.sub(rf"\b{re.escape(n)}\b", v, summary, count=1), "entity_modification"))
    names = sorted({w for w in re.findall(r"(?<=[a-z,;:] )[A-Z][a-z]{2,}", source)} - set(toks))
    in_sum = [w for w in re.findall(r"(?<=[a-z,;:] )[A-Z][a-z]{2,}", summary)]
    if names and in_sum:
        w = rng.choice(in_sum)
        out.append((re.sub(rf"\b{w}\b", rng.choice(names), summary, count=1), "entity_modification"))
    for pool in (MONTHS[lang], DAYS[lang]):
        hit = [m for m in pool if re.search(rf"\b{m}\b", summary, re.I)]
        if hit:
            m = hit[0]
            other = rng.choice([x for x in pool if x != m])
            out.append((re.sub(rf"\b{m}\b", other, summary, count=1, flags=re.I), "entity_modification"))
            break
    out.append((summary.rstrip() + " " + rng.choice(CLAIMS[lang]), "hallucinated_fact_insertion"))
    for rx, repls in SOFTEN[lang]:
        soft = _sub_once(rx, rng.choice(repls), summary)
        if soft:
            out.append((soft, "softened_decision"))
            break
    return out


# Template announcements: (source, faithful summary), English and French.
FEATURES = ["Offline Sync", "the billing API", "Dark Mode", "the partner portal", "SSO login", "the mobile widget",
            "Export to PDF", "the legacy dashboard"]
PEOPLE = ["Julie Martin", "Marc Dubois", "Claire Petit", "Nadia Haddad", "Priya Nair", "Omar Farouk", "Ana Costa"]
TEMPLATES = {
    "en": [("Decision from the {m} review: {f} is removed from the {s} release. Stop all work on it by {d} {mo}. "
            "Owner: {p}. Questions to me directly.",
            "{F} is removed from the {s} release; stop work by {d} {mo}. Owner: {p}."),
           ("The {f} launch planned for {d} {mo} is cancelled. The budget of EUR {n},000 goes back to the platform "
            "team. Contact: {p}.", "The {f} launch on {d} {mo} is cancelled and its EUR {n},000 budget returns to "
            "platform. Contact {p}."),
           ("Rumours aside: the {f} migration on {d} {mo} is not postponed. It starts at {h}:00 as planned. "
            "Owner: {p}.", "The {f} migration on {d} {mo} is not postponed and starts at {h}:00. {p} owns it."),
           ("From {d} {mo}, support for {f} increases to {k} engineers per week. Swap requests go to {p} by "
            "Thursday.", "Support for {f} increases to {k} engineers a week from {d} {mo}; swaps via {p}.")],
    "fr": [("Décision de la revue {m} : {f} est supprimé de la version de {s}. Arrêtez tout travail dessus d'ici le "
            "{d} {mo}. Responsable : {p}.", "{F} est supprimé de la version de {s} ; arrêt du travail d'ici le "
            "{d} {mo}. Responsable : {p}."),
           ("Le lancement de {f} prévu le {d} {mo} est annulé. Le budget de {n} 000 euros revient à l'équipe "
            "plateforme. Contact : {p}.", "Lancement de {f} du {d} {mo} annulé ; les {n} 000 euros reviennent à "
            "la plateforme. Contact : {p}."),
           ("Malgré les rumeurs, la migration de {f} du {d} {mo} n'est pas reportée. Elle commence à {h}h comme "
            "prévu. Responsable : {p}.", "La migration de {f} du {d} {mo} n'est pas reportée et commence à {h}h. "
            "Responsable : {p}."),
           ("À partir du {d} {mo}, le support de {f} augmente à {k} ingénieurs par semaine. Les échanges passent "
            "par {p} avant jeudi.", "Le support de {f} augmente à {k} ingénieurs par semaine dès le {d} {mo} ; "
            "échanges via {p}.")],
}
SEASONS = {"en": ["spring", "summer", "autumn"], "fr": ["printemps", "été", "automne"]}


def templated(lang: str, rng: random.Random, n: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(n):
        src_t, sum_t = rng.choice(TEMPLATES[lang])
        f = rng.choice(FEATURES)
        v = dict(f=f, F=f[0].upper() + f[1:], p=rng.choice(PEOPLE), d=rng.randint(2, 28), mo=rng.choice(MONTHS[lang]),
                 m=rng.choice(["release", "budget", "product"]), s=rng.choice(SEASONS[lang]), n=rng.randint(12, 90),
                 h=rng.randint(8, 18), k=rng.randint(2, 6))
        out.append((src_t.format(**v), sum_t.format(**v)))
    return out


# French translations of the demo's announcements (samples/story.py) and a faithful French summary of each.
DEMO_FR = [
    ("Décision de la revue de version : Offline Sync (fonctionnalité X) est supprimé de la version de printemps. "
     "Arrêtez tout travail dessus d'ici le 12 mars. Responsable : Julie Martin. Questions directement à moi.",
     "Offline Sync est supprimé de la version de printemps : arrêt du travail d'ici le 12 mars. Responsable : Julie Martin."),
    ("Bonjour à tous, le budget déplacements du T2 est réduit de 30 % à 42 000 euros pour toute l'équipe commerciale. "
     "À partir du 1er avril, chaque déplacement doit être validé par Marc Dubois avant réservation. Le salon de Berlin "
     "est annulé.", "Budget déplacements T2 réduit de 30 % à 42 000 euros ; validation par Marc Dubois dès le 1er avril ; "
     "salon de Berlin annulé."),
    ("Maintenance du serveur de production reportée au jeudi 19 mars à 22h (au lieu du 12 mars). Responsable : Claire "
     "Petit. Le déploiement prévu le 12 mars est annulé : aucune mise en production avant le 20 mars.",
     "La maintenance est reportée au jeudi 19 mars à 22h et le déploiement du 12 mars est annulé. Responsable : Claire Petit."),
    ("Sécurité : chaque ordinateur portable doit être enrôlé dans le MDM d'ici le vendredi 20 mars. Les portables non "
     "enrôlés à cette date perdent l'accès VPN. Responsable : Nadia Haddad (IT).",
     "Enrôlement MDM obligatoire d'ici le vendredi 20 mars, sinon perte de l'accès VPN. Responsable : Nadia Haddad."),
    ("Malgré les rumeurs, la réunion générale du 6 février n'est pas reportée. Elle reste à 15h dans l'Atrium.",
     "La réunion générale du 6 février n'est pas reportée : 15h, Atrium."),
    ("À partir du 16 mars, l'astreinte compte 2 personnes par semaine au lieu d'une. Responsable : Priya Nair. Les "
     "demandes d'échange vont dans le tableau d'astreinte avant jeudi midi.",
     "Dès le 16 mars, l'astreinte passe à 2 personnes par semaine. Responsable : Priya Nair."),
]


def rows_for(pairs: list[tuple[str, str]], lang: str, domain: str, rng: random.Random, keep_consistent: bool = True):
    for src, summ in pairs:
        if keep_consistent:
            yield {"source": src, "summary": summ, "label": 1, "error_type": [], "domain": domain, "lang": lang}
        for bad, kind in corrupt(src, summ, lang, rng):
            yield {"source": src, "summary": bad, "label": 0, "error_type": [kind], "domain": domain, "lang": lang,
                   "seed_summary": summ}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["train", "fr-eval"], required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--summedits", type=Path, default=SHARED / "summedits_other_domains_train.jsonl")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = []
    if a.split == "fr-eval":
        out = list(rows_for(DEMO_FR, "fr", "demo_fr", rng))
    else:
        consistent = [json.loads(x) for x in a.summedits.open(encoding="utf-8") if x.strip()]
        consistent = [r for r in consistent if int(r["label"]) == 1]
        for r in consistent:  # the consistent pair itself is already in the SummEdits file
            for bad, kind in corrupt(r["source"], r["summary"], "en", rng):
                out.append({"source": r["source"], "summary": bad, "label": 0, "error_type": [kind],
                            "domain": r["domain"], "lang": "en", "generated": True, "seed_summary": r["summary"]})
        for lang in ("en", "fr"):
            out += list(rows_for(templated(lang, rng, 120), lang, f"templates_{lang}", rng))
    for r in out:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
