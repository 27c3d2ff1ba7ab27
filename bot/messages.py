"""What the bot says, in Block Kit, in English and French. The wording is about the readers' time and
the facts, never about the tool used to write."""

from __future__ import annotations

from typing import Any

from slopradar.records import READING_WPM

TEXT = {
    "en": {
        "title": "A private note on your message in {channel} (only you can see this)",
        "core": "This {words}-word message carries its facts and content in {n} of its {m} sentences:",
        "core_none": "This {words}-word message states no date, owner, decision or ask; its content fits in "
                     "this sentence:",
        "cost": "About {readers} people can read it here: roughly *{minutes} reader-minutes*, {padding} of them "
                "on the other sentences. A version with only these saves them that.",
        "reasons": "What stood out: {reasons}.",
        "r_filler": "stock phrases ({phrases})", "r_length": "{ratio}× this conversation's usual message length",
        "r_structure": "formatting rare in chat ({items})",
        "s_header": "{n} markdown header{s}", "s_bold": "{n} bold label{s}", "s_bullet": "{n} bullet points",
        "s_emoji": "{n} emoji",
        "why_core": "*The sentences that carry the content* (a shorter version keeps these):",
        "why_dropped": "*The other {n} sentences* ({words} of {total} words) state no date, number, owner, "
                       "decision, link or ask, and no content the ones above lack.",
        "why_score": "Bloat score {score} on 0–1 (a weighted sum of padding, stock phrases, formatting and length; "
                     "from 0.45 a note is sent).",
        "why_facts": "*Facts of <{link}|the announcement> and what your message says:*",
        "why_source": "the announcement: “{sentence}”", "why_yours_lost": "your message: not found",
        "why_yours": "your message: “{evidence}”",
        "why_match": "Your message was linked to it by {method}; if it is not its source, ignore this note.",
        "m_share": "a share or link to it", "m_forward": "a forwarded copy of it", "m_similarity": "shared words "
                   "and meaning (this can be wrong)",
        "role_link": "link", "role_ask": "ask", "role_decision": "decision", "role_adds": "adds: {words}",
        "facts": "It reads like a summary of <{link}|this announcement>, but does not carry these facts of it:",
        "fix": "Readers may act on your version; adding them back keeps everyone on the same facts.",
        "why": "Show me why", "not_helpful": "Not helpful", "stop": "Stop these nudges",
        "lost": "missing", "distorted": "different in your message",
        "thanks": "Thanks, noted: this helps us nudge better.",
        "stopped": "Done: no more nudges, and your messages are no longer analysed. `/slopradar opt-in` undoes it.",
        "started": "Nudges are back on. `/slopradar opt-out` stops them.",
        "status_on": "Nudges are *on* for you. You got {n} today (at most {cap} a day).",
        "status_off": "Nudges are *off* for you; your messages are not analysed.",
        "help": "*/slopradar* — private notes about long messages and facts lost in summaries, visible only to "
                "you.\n• `/slopradar opt-out` stop nudges and analysis of your messages\n• `/slopradar opt-in` turn "
                "them back on\n• `/slopradar status` your current setting",
        "why_title": "Why this note",
        "home_title": "slopradar: your own signals",
        "home_empty": "No analysed messages of yours yet.",
        "home_state_on": "Nudges: *on*", "home_state_off": "Nudges: *off* (your messages are not analysed)",
        "home_row": "{when} · {channel} · {words} words · bloat {bloat} · {facts}",
        "facts_lost": "{n} facts missing", "no_facts": "no facts missing",
    },
    "fr": {
        "title": "Une note privée sur votre message dans {channel} (vous seul la voyez)",
        "core": "Ce message de {words} mots porte ses faits et son contenu dans {n} de ses {m} phrases :",
        "core_none": "Ce message de {words} mots ne donne ni date, ni responsable, ni décision, ni demande ; son "
                     "contenu tient dans cette phrase :",
        "cost": "Environ {readers} personnes peuvent le lire ici : à peu près *{minutes} minutes de lecture* au "
                "total, dont {padding} sur les autres phrases. Une version réduite à celles-ci leur épargne ce temps.",
        "reasons": "Ce qui ressort : {reasons}.",
        "r_filler": "des formules toutes faites ({phrases})",
        "r_length": "{ratio} fois la longueur habituelle des messages de cette conversation",
        "r_structure": "une mise en forme rare dans une discussion ({items})",
        "s_header": "{n} titre{s} markdown", "s_bold": "{n} intitulé{s} en gras", "s_bullet": "{n} puces",
        "s_emoji": "{n} emoji",
        "why_core": "*Les phrases qui portent le contenu* (une version courte garde celles-ci) :",
        "why_dropped": "*Les {n} autres phrases* ({words} mots sur {total}) ne donnent ni date, ni nombre, ni "
                       "responsable, ni décision, ni lien, ni demande, ni contenu absent des phrases ci-dessus.",
        "why_score": "Score de verbosité {score} sur 0–1 (somme pondérée du remplissage, des formules toutes faites, "
                     "de la mise en forme et de la longueur ; une note part à partir de 0,45).",
        "why_facts": "*Les faits de <{link}|l'annonce> et ce qu'en dit votre message :*",
        "why_source": "l'annonce : « {sentence} »", "why_yours_lost": "votre message : absent",
        "why_yours": "votre message : « {evidence} »",
        "why_match": "Votre message y a été relié par {method} ; si ce n'est pas sa source, ignorez cette note.",
        "m_share": "un partage ou un lien vers elle", "m_forward": "une copie transférée",
        "m_similarity": "des mots et un sens communs (cela peut être faux)",
        "role_link": "lien", "role_ask": "demande", "role_decision": "décision", "role_adds": "apporte : {words}",
        "facts": "Il ressemble à un résumé de <{link}|cette annonce>, mais n'en reprend pas ces faits :",
        "fix": "Vos lecteurs peuvent agir d'après votre version ; les rajouter garde tout le monde sur les mêmes faits.",
        "why": "Pourquoi ?", "not_helpful": "Pas utile", "stop": "Arrêter ces notes",
        "lost": "absent", "distorted": "différent dans votre message",
        "thanks": "Merci, c'est noté : cela nous aide à mieux cibler.",
        "stopped": "C'est fait : plus de notes, et vos messages ne sont plus analysés. `/slopradar opt-in` pour "
                   "revenir.",
        "started": "Les notes sont réactivées. `/slopradar opt-out` pour les arrêter.",
        "status_on": "Les notes sont *activées*. Vous en avez reçu {n} aujourd'hui (au plus {cap} par jour).",
        "status_off": "Les notes sont *désactivées* ; vos messages ne sont pas analysés.",
        "help": "*/slopradar* — des notes privées sur les messages longs et les faits perdus dans les résumés, "
                "visibles de vous seul.\n• `/slopradar opt-out` arrêter les notes et l'analyse de vos messages\n"
                "• `/slopradar opt-in` les réactiver\n• `/slopradar status` votre réglage actuel",
        "why_title": "Pourquoi cette note",
        "home_title": "slopradar : vos propres signaux",
        "home_empty": "Aucun de vos messages n'a encore été analysé.",
        "home_state_on": "Notes : *activées*", "home_state_off": "Notes : *désactivées* (vos messages ne sont pas "
                                                              "analysés)",
        "home_row": "{when} · {channel} · {words} mots · verbosité {bloat} · {facts}",
        "facts_lost": "{n} faits absents", "no_facts": "aucun fait absent",
    },
}


KINDS = {"fr": {"deadline": "échéance", "date": "date", "owner": "responsable", "status": "statut",
                "money": "montant", "percentage": "pourcentage", "number": "nombre", "name": "nom", "time": "heure",
                "action": "action"}}
STATUS_FR = {"removed": "retiré", "cancelled": "annulé", "postponed": "reporté", "stopped": "arrêté",
             "deprecated": "abandonné", "lose": "perte", "approved": "validé"}


def kind(lang: str | None, k: str) -> str:
    return KINDS.get(lang or "en", {}).get(k, k)


def t(lang: str | None, key: str, **kw: Any) -> str:
    return TEXT["fr" if lang == "fr" else "en"][key].format(**kw)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def escape(text: str) -> str:
    """Slack's control characters as entities (its formatting reference: &, <, > in text objects)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quote(s: str) -> str:
    return "> " + " ".join(s.split())[:400]


def _minutes(readers: int, words: int, lang: str | None) -> int:
    return round(readers * words / READING_WPM.get(lang or "en", READING_WPM["en"]))


def _join(lang: str | None, items: list[str]) -> str:
    return (" ; " if lang == "fr" else "; ").join(items)


def reason_text(lang: str | None, part: dict[str, Any]) -> str | None:
    """One bloat reason, from its data, in the author's language; None for the padding part (the core says it)."""
    k = part.get("kind")
    if k == "filler":
        quote = "« {} »" if lang == "fr" else "“{}”"
        return t(lang, "r_filler", phrases=", ".join(quote.format(escape(p)) for p in part.get("phrases", [])))
    if k == "length":
        ratio = f"{part['ratio']:.1f}"
        return t(lang, "r_length", ratio=ratio.replace(".", ",") if lang == "fr" else ratio)
    if k == "structure":
        return t(lang, "r_structure", items=", ".join(t(lang, f"s_{name}", n=n, s="s" * (n > 1))
                                                      for name, n in part["items"].items()))
    return None


def nudge_blocks(lang: str, nudge_id: int, channel: str, words: int, core: list[str], readers: int,
                 reason_parts: list[dict[str, Any]], facts: list[dict[str, str]] | None = None,
                 link: str | None = None, sentences: int = 0, core_words: int = 0,
                 framing_only: bool = False) -> list[dict[str, Any]]:
    """The nudge: the sentences that carry the message and the readers' time, or the facts a copy lost; three
    buttons. `core` is already Slack text (escaped, mentions as <@U…>); `words` is the one word count shown."""
    blocks: list[dict[str, Any]] = [{"type": "context", "elements": [
        {"type": "mrkdwn", "text": t(lang, "title", channel=channel)}]}]
    if facts:
        blocks.append(_section(t(lang, "facts", link=link or "") + "\n" + "\n".join(fact_line(lang, f)
                                                                               for f in facts[:8])))
        blocks.append(_section(t(lang, "fix")))
    if core:
        head = t(lang, "core_none" if framing_only else "core", words=words, n=len(core), m=sentences)
        blocks.append(_section(head + "\n" + "\n".join(_quote(c) for c in core)))
        blocks.append(_section(t(lang, "cost", readers=readers, minutes=max(1, _minutes(readers, words, lang)),
                                 padding=_minutes(readers, max(words - core_words, 0), lang))))
    reasons = [r for p in reason_parts if (r := reason_text(lang, p))]
    if reasons and core:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": t(lang, "reasons",
                                                                                    reasons=_join(lang, reasons[:3]))}]})
    blocks.append({"type": "actions", "block_id": "slopradar_nudge", "elements": [
        {"type": "button", "action_id": "slopradar_why", "value": str(nudge_id),
         "text": {"type": "plain_text", "text": t(lang, "why")}},
        {"type": "button", "action_id": "slopradar_not_helpful", "value": str(nudge_id),
         "text": {"type": "plain_text", "text": t(lang, "not_helpful")}},
        {"type": "button", "action_id": "slopradar_stop", "value": str(nudge_id),
         "text": {"type": "plain_text", "text": t(lang, "stop")}},
    ]})
    return blocks


def fact_line(lang: str | None, f: dict[str, str], context: bool = True) -> str:
    """A lost or changed fact; a status word alone ("lose") says little, so its sentence follows it."""
    text = escape(f["text"])
    source = escape(f.get("source") or "")[:200] if context and f["kind"] == "status" else ""
    if lang == "fr":
        if f["kind"] == "status" and f.get("value") in STATUS_FR:
            text = f"{escape(f['text'])}, {STATUS_FR[f['value']]}"
        return f"• {kind(lang, f['kind'])} : « {text} » ({t(lang, f['status'])})" + (f" : « {source} »" if source else "")
    return f"• {f['kind']}: “{text}” ({t(lang, f['status'])})" + (f": “{source}”" if source else "")


def fallback_text(lang: str, channel: str) -> str:
    return t(lang, "title", channel=channel)


def role_text(lang: str | None, role: dict[str, Any]) -> str:
    """Why a sentence is in the core, in the author's language: its facts, link, ask, decision or new words."""
    parts = []
    for f in role.get("facts", []):  # already Slack text (escaped, mentions as <@U…>)
        k, _, span = f.partition(": ")
        parts.append(f"{kind(lang, k)} {span}")
    if role.get("links"):
        parts.append(t(lang, "role_link"))
    if role.get("ask"):
        parts.append(t(lang, "role_ask"))
    if role.get("decision"):
        parts.append(t(lang, "role_decision"))
    if not parts and role.get("added"):
        parts.append(t(lang, "role_adds", words=", ".join(role["added"][:6])))
    return _join(lang, parts)


def why_blocks(lang: str, details: dict[str, Any]) -> list[dict[str, Any]]:
    """'Show me why', by kind of nudge, entirely in the author's language and never about AI: for a fact loss
    the facts with the announcement's sentence and what the message says; for bloat the sentences that carry
    the content and why, what the others are, and the score's parts."""
    out = [f"*{t(lang, 'why_title')}*"]
    if details.get("facts"):
        out.append(t(lang, "why_facts", link=details.get("link") or ""))
        for f in details["facts"][:8]:
            line = fact_line(lang, f, context=False)
            if f.get("source"):
                line += "\n    " + t(lang, "why_source", sentence=escape(f["source"][:300]))
            line += "\n    " + (t(lang, "why_yours", evidence=escape(f["evidence"][:300])) if f.get("evidence")
                                else t(lang, "why_yours_lost"))
            out.append(line)
        method = details.get("method") or "similarity"
        out.append(t(lang, "why_match", method=t(lang, f"m_{method if method in ('share', 'forward') else 'similarity'}")))
    if details.get("core"):
        out.append(t(lang, "why_core"))
        for c in details["core"]:
            why = role_text(lang, c)
            out.append(_quote(c["text"]) + (f"\n    _{why}_" if why else ""))
        if details.get("dropped"):
            out.append(t(lang, "why_dropped", n=details["dropped"], words=details["dropped_words"],
                         total=details["words"]))
        reasons = [r for p in details.get("reason_parts", []) if (r := reason_text(lang, p))]
        if reasons:
            out.append(t(lang, "reasons", reasons=_join(lang, reasons)))
        if details.get("bloat") is not None:
            score = f"{details['bloat']:.2f}"
            out.append(t(lang, "why_score", score=score.replace(".", ",") if lang == "fr" else score))
    text = "\n".join(out)
    blocks = []
    while text:  # a section holds 3,000 characters
        cut = text.rfind("\n", 0, 2900) if len(text) > 2900 else len(text)
        cut = cut if cut > 0 else 2900
        blocks.append(_section(text[:cut]))
        text = text[cut:].lstrip("\n")
    return blocks


def home_view(lang: str, opted_out: bool, rows: list[dict[str, Any]]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": t(lang, "home_title")}},
        _section(t(lang, "home_state_off" if opted_out else "home_state_on")),
        {"type": "actions", "elements": [{"type": "button", "action_id": "slopradar_home_toggle",
                                          "value": "opt-in" if opted_out else "opt-out",
                                          "text": {"type": "plain_text",
                                                   "text": "opt-in" if opted_out else t(lang, "stop")}}]},
        {"type": "divider"},
    ]
    if not rows:
        blocks.append(_section(t(lang, "home_empty")))
    for r in rows[:20]:
        facts = t(lang, "facts_lost", n=r["facts_lost"]) if r["facts_lost"] else t(lang, "no_facts")
        blocks.append(_section(t(lang, "home_row", when=r["when"], channel=r["channel"], words=r["words"],
                                 bloat="—" if r["bloat"] is None else f"{r['bloat']:.2f}", facts=facts)))
    return {"type": "home", "blocks": blocks}
