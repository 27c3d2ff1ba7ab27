"""What the bot says, in Block Kit, in the author's language: its words are the language tables' (analysis/languages;
English for a language without one). The wording is about the readers' time and the facts, never about the tool used
to write."""

from __future__ import annotations

from typing import Any

from analysis.languages import table


def kind(lang: str | None, k: str) -> str:
    return table(lang).kind_names.get(k, k)


def t(lang: str | None, key: str, **kw: Any) -> str:
    return table(lang).nudge[key].format(**kw)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def escape(text: str) -> str:
    """Slack's control characters as entities (its formatting reference: &, <, > in text objects)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quote(s: str) -> str:
    return "> " + " ".join(s.split())[:400]


def _minutes(readers: int, words: int, lang: str | None) -> int:
    return round(readers * words / table(lang).reading_wpm)


def _join(lang: str | None, items: list[str]) -> str:
    return table(lang).list_separator.join(items)


def _decimal(lang: str | None, x: str) -> str:
    return x.replace(".", table(lang).decimal_mark)


def reason_text(lang: str | None, part: dict[str, Any]) -> str | None:
    """One bloat reason, from its data, in the author's language; None for the padding part (the core says it)."""
    k = part.get("kind")
    if k == "filler":
        left, right = table(lang).quotes
        return t(lang, "r_filler", phrases=", ".join(left + escape(p) + right for p in part.get("phrases", [])))
    if k == "length":
        return t(lang, "r_length", ratio=_decimal(lang, f"{part['ratio']:.1f}"))
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
    tb = table(lang)
    text = escape(f["text"])
    source = escape(f.get("source") or "")[:200] if context and f["kind"] == "status" else ""
    # a status group is named in English ("cancelled"): another language adds its own word for it
    name = tb.status_names.get(f.get("value") or "") if f["kind"] == "status" else None
    if name and name != f.get("value"):
        text = f"{text}, {name}"
    (left, right), colon = tb.quotes, tb.colon
    return (f"• {kind(lang, f['kind'])}{colon}{left}{text}{right} ({t(lang, f['status'])})"
            + (f"{colon}{left}{source}{right}" if source else ""))


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
            out.append(t(lang, "why_score", score=_decimal(lang, f"{details['bloat']:.2f}")))
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
