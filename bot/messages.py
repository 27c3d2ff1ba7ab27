"""What the bot says, in Block Kit, in English and French. The wording is about the readers' time and
the facts, never about the tool used to write."""

from __future__ import annotations

from typing import Any

TEXT = {
    "en": {
        "title": "A private note on your message in {channel} (only you can see this)",
        "core": "This {words}-word message says what {n} of its sentences say:",
        "cost": "About {readers} people can read it here: roughly *{minutes} reader-minutes*. A shorter version "
                "saves them most of that.",
        "reasons": "What stood out: {reasons}.",
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
        "core": "Ce message de {words} mots dit ce que disent {n} de ses phrases :",
        "cost": "Environ {readers} personnes peuvent le lire ici : à peu près *{minutes} minutes de lecture* au "
                "total. Une version plus courte leur en épargne l'essentiel.",
        "reasons": "Ce qui ressort : {reasons}.",
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


def kind(lang: str | None, k: str) -> str:
    return KINDS.get(lang or "en", {}).get(k, k)


def t(lang: str | None, key: str, **kw: Any) -> str:
    return TEXT["fr" if lang == "fr" else "en"][key].format(**kw)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def _quote(s: str) -> str:
    return "> " + " ".join(s.split())[:400]


def nudge_blocks(lang: str, nudge_id: int, channel: str, words: int, core: list[str], readers: int,
                 reasons: list[str], facts: list[dict[str, str]] | None = None,
                 link: str | None = None) -> list[dict[str, Any]]:
    """The nudge: the message's core and the readers' time, or the facts a summary lost; three buttons."""
    blocks: list[dict[str, Any]] = [{"type": "context", "elements": [
        {"type": "mrkdwn", "text": t(lang, "title", channel=channel)}]}]
    if facts:
        lines = "\n".join(f"• {kind(lang, f['kind'])} : “{f['text']}” ({t(lang, f['status'])})" if lang == "fr"
                          else f"• {f['kind']}: “{f['text']}” ({t(lang, f['status'])})" for f in facts[:8])
        blocks.append(_section(t(lang, "facts", link=link or "") + "\n" + lines))
        blocks.append(_section(t(lang, "fix")))
    if core:
        minutes = max(1, round(readers * words / 238))
        blocks.append(_section(t(lang, "core", words=words, n=len(core)) + "\n" + "\n".join(_quote(c) for c in core)))
        blocks.append(_section(t(lang, "cost", readers=readers, minutes=minutes)))
    if reasons:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": t(lang, "reasons",
                                                                                    reasons="; ".join(reasons[:3]))}]})
    blocks.append({"type": "actions", "block_id": "slopradar_nudge", "elements": [
        {"type": "button", "action_id": "slopradar_why", "value": str(nudge_id),
         "text": {"type": "plain_text", "text": t(lang, "why")}},
        {"type": "button", "action_id": "slopradar_not_helpful", "value": str(nudge_id),
         "text": {"type": "plain_text", "text": t(lang, "not_helpful")}},
        {"type": "button", "action_id": "slopradar_stop", "value": str(nudge_id),
         "text": {"type": "plain_text", "text": t(lang, "stop")}},
    ]})
    return blocks


def fallback_text(lang: str, channel: str) -> str:
    return t(lang, "title", channel=channel)


def why_blocks(lang: str, details: dict[str, Any]) -> list[dict[str, Any]]:
    lines = [f"• {r}" for r in (details.get("bloat_reasons") or []) + (details.get("ai_reasons") or [])]
    if details.get("ai_probability") is not None:
        lines.append(f"• AI-likeness {details['ai_probability']:.0%} (calibrated; threshold "
                     f"{details.get('ai_threshold', 0.55):.0%})")
    if details.get("bloat") is not None:
        lines.append(f"• bloat {details['bloat']:.2f} (0–1)")
    return [_section(f"*{t(lang, 'why_title')}*\n" + "\n".join(lines or ["—"]))]


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
