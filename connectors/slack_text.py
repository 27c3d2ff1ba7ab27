"""Slack message text -> authored prose, quoted parts, code, links.

Written by hand: no maintained Python library decodes Slack mrkdwn tokens or rich_text blocks
into plain prose (slack-sdk only models the block objects). Rules follow Slack's "Formatting
text for app surfaces" reference: `<@U..|label>`, `<#C..|name>`, `<!here>`, `<url|label>`,
entities `&amp; &lt; &gt;`, `>` quote lines and triple-backtick code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TOKEN = re.compile(r"<([^<>\n]+)>")
_CODE_BLOCK = re.compile(r"```(.*?)```", re.S)
_PERMALINK = re.compile(r"https?://[\w.-]+\.slack\.com/archives/([A-Z0-9]+)/p(\d{10})(\d{6})")
_SECRET_PARAMS = {"t", "token", "access_token", "x-amz-security-token", "signature"}

MentionLookup = Callable[[str], str]


@dataclass
class DecodedText:
    authored: str
    quoted: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)  # Slack user ids, resolved by the caller

    def permalinks(self) -> list[dict[str, str]]:
        """Links to other Slack messages: (channel, ts) pairs, the strongest 'this copies that' evidence."""
        out = []
        for url in self.links:
            m = _PERMALINK.search(url)
            if m:
                out.append({"channel": m.group(1), "ts": f"{m.group(2)}.{m.group(3)}"})
        return out


def strip_url_secrets(url: str) -> str:
    """Drop token-like query parameters (export file URLs carry ?t=xoxe-...)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if not parts.query:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in _SECRET_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _decode_token(token: str, out: DecodedText, mention: MentionLookup) -> str:
    target, _, label = token.partition("|")
    if target.startswith("@"):
        out.mentions.append(target[1:])
        return "@" + mention(target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        if name.startswith("subteam"):
            return "@" + (label.lstrip("@") if label else "group")
        return "@" + (label or name)
    url = html.unescape(target)
    if url.startswith(("http://", "https://", "mailto:")):
        out.links.append(strip_url_secrets(url))
        return html.unescape(label) if label else strip_url_secrets(url)
    return html.unescape(token)


def decode_mrkdwn(text: str, mention: MentionLookup = lambda uid: uid) -> DecodedText:
    """Split mrkdwn into authored prose, `>` quotes and code blocks; decode tokens and entities."""
    out = DecodedText(authored="")
    code_parts: list[str] = []

    def _code(m: re.Match[str]) -> str:
        code_parts.append(m.group(1).strip("\n"))
        return "\n"

    text = _CODE_BLOCK.sub(_code, text or "")
    out.code = code_parts
    prose: list[str] = []
    quote: list[str] = []
    for line in text.split("\n"):
        decoded = _TOKEN.sub(lambda m: _decode_token(m.group(1), out, mention), line)
        decoded = html.unescape(decoded)
        if line.startswith("&gt;") or line.startswith(">"):
            quote.append(decoded[1:].lstrip() if decoded.startswith(">") else decoded)
            continue
        if quote:
            out.quoted.append("\n".join(quote))
            quote = []
        prose.append(decoded)
    if quote:
        out.quoted.append("\n".join(quote))
    out.authored = "\n".join(prose).strip()
    return out


def _inline(elements: list[dict[str, Any]], out: DecodedText, mention: MentionLookup) -> str:
    parts: list[str] = []
    for el in elements or []:
        kind = el.get("type")
        if kind == "text":
            parts.append(str(el.get("text", "")))
        elif kind == "user":
            uid = str(el.get("user_id", ""))
            out.mentions.append(uid)
            parts.append("@" + mention(uid))
        elif kind == "usergroup":
            parts.append("@group")
        elif kind == "channel":
            parts.append("#" + str(el.get("channel_id", "")))
        elif kind == "broadcast":
            parts.append("@" + str(el.get("range", "here")))
        elif kind == "link":
            url = strip_url_secrets(str(el.get("url", "")))
            out.links.append(url)
            parts.append(str(el.get("text") or url))
        elif kind == "emoji":
            parts.append(f":{el.get('name', '')}:")
        elif kind == "date":
            parts.append(str(el.get("fallback", "")))
        # canvas, color and unknown elements carry no prose
    return "".join(parts)


def decode_rich_text(blocks: list[dict[str, Any]], mention: MentionLookup = lambda uid: uid) -> DecodedText | None:
    """Decode rich_text blocks, the structured truth when present. None if there are none."""
    rich = [b for b in blocks or [] if isinstance(b, dict) and b.get("type") == "rich_text"]
    if not rich:
        return None
    out = DecodedText(authored="")
    prose: list[str] = []
    for block in rich:
        for el in block.get("elements") or []:
            kind = el.get("type")
            if kind == "rich_text_section":
                prose.append(_inline(el.get("elements", []), out, mention))
            elif kind == "rich_text_list":
                for i, item in enumerate(el.get("elements") or [], 1):
                    bullet = f"{i}." if el.get("style") == "ordered" else "-"
                    prose.append(f"\n{bullet} " + _inline(item.get("elements", []), out, mention))
            elif kind == "rich_text_quote":
                out.quoted.append(_inline(el.get("elements", []), out, mention))
            elif kind == "rich_text_preformatted":
                out.code.append(_inline(el.get("elements", []), out, mention))
    out.authored = "".join(prose).strip()
    return out
