"""E-mail body -> authored text, plus the quoted and forwarded parts kept as references.

HTML goes to text with inscriptis; reply quotes and signatures are cut with mail-parser-reply
(maintained, multi-language). Forwarded blocks are cut by the rules below because
mail-parser-reply keeps forward markers by design, and Outlook/Lotus Notes "-----Original
Message-----" and "Forwarded by" headers it does not always see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inscriptis import get_text
from mailparser_reply import EmailReplyParser

# Markers that start a forwarded or quoted original, in English and French, as written by
# Outlook, Gmail, Apple Mail, Thunderbird and Lotus Notes (the Enron corpus).
_FORWARD_MARKERS = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:Original Message|Forwarded message|Message d'origine|Message transféré|Message original)\s*-{2,}"
    r"|-{5,}\s*Forwarded by .*"
    r"|Begin forwarded message:"
    r"|Début du message (?:réexpédié|transféré)\s*:"
    r"|_{20,}"
    r")\s*$",
    re.I | re.M,
)
_OUTLOOK_HEADER_BLOCK = re.compile(r"^\s*(?:From|De)\s*:\s.+\n(?:.*\n){0,3}?\s*(?:Sent|Envoyé|Date)\s*:\s", re.I | re.M)
_LOTUS_HEADER = re.compile(r"^\s*\S.*\s+on\s+\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:AM|PM)?\s*$",
                           re.I | re.M)
# A line naming an address, right before a block of ">" lines: an attribution in any language
# (mail-parser-reply misses e.g. Android's Russian header wrapped over two lines).
_ATTRIBUTION = re.compile(r"^[^\n>]*\S[^\n>]*@[^\n]*(?:\n(?![ \t]*>)[^\n]*)?\n(?:[ \t]*\n)?[ \t]*>", re.M)
_PARSER = EmailReplyParser(languages=["en", "fr", "de"])


@dataclass
class SplitBody:
    authored: str
    quoted: list[dict[str, str]] = field(default_factory=list)  # {"kind": "reply"|"forward", "text", "header"}
    signature: str = ""
    method: str = "mail-parser-reply"


def html_to_text(html: str) -> str:
    return get_text(html or "").strip()


def _cut_forward(text: str) -> tuple[str, list[dict[str, str]]]:
    """Cut at the first forward/original-message marker (or a bare Outlook/Lotus header block)."""
    cut = None
    for rx in (_FORWARD_MARKERS, _OUTLOOK_HEADER_BLOCK, _LOTUS_HEADER, _ATTRIBUTION):
        m = rx.search(text)
        if m and (cut is None or m.start() < cut[0]):
            cut = (m.start(), m)
    if cut is None:
        return text, []
    start, m = cut
    head = text[:start]
    rest = text[start:]
    marker = m.group(0).strip()
    kind = "forward" if re.search(r"forward|réexpédié|transféré", marker, re.I) else "reply"
    body = rest[len(m.group(0)):] if m.re is _FORWARD_MARKERS else rest
    return head, [{"kind": kind, "header": marker[:200], "text": body.strip()}]


def _reply_quote(head: str, first_content: str, replies: list) -> list[dict[str, str]]:
    """Everything after the author's part, as one quoted reply: its header line(s) and the unquoted text.

    mail-parser-reply can split one quote into several segments (French "Le ... a écrit :" headers), so
    the remainder of the text is taken whole rather than segment by segment.
    """
    if len(replies) < 2:
        return []
    first_content = first_content.strip()
    pos = head.find(first_content) if first_content else -1
    if pos < 0:
        texts = [re.sub(r"^> ?", "", r.body or "", flags=re.M).strip() for r in replies[1:]]
        return [{"kind": "reply", "header": (replies[1].headers or "")[:200], "text": "\n".join(t for t in texts if t)}]
    rest = head[pos + len(first_content):].strip("\n").split("\n")
    header: list[str] = []
    while rest and not rest[0].lstrip().startswith(">"):
        if rest[0].strip():
            header.append(rest[0].strip())
        rest.pop(0)
        if len(header) >= 3:
            break
    body = "\n".join(re.sub(r"^\s*> ?", "", ln) for ln in rest).strip()
    return [{"kind": "reply", "header": " ".join(header)[:200], "text": body}] if body or header else []


def split_body(text: str) -> SplitBody:
    """Split a plain-text body into what the author wrote and what they quoted or forwarded."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    head, quoted = _cut_forward(text)
    try:
        parsed = _PARSER.read(head)
        replies = parsed.replies
    except Exception:  # the library raises on odd inputs (e.g. only whitespace); fall back to the raw head
        replies = []
    if not replies:
        return SplitBody(authored=head.strip(), quoted=quoted, method="rules")
    first = replies[0]
    authored = (first.body or "").strip()
    quoted = _reply_quote(head, first.content or "", replies) + quoted
    # mail-parser-reply leaves ">" lines it could not attribute to a header in the body
    lines = authored.split("\n")
    kept = [ln for ln in lines if not ln.lstrip().startswith(">")]
    if len(kept) != len(lines):
        quoted.append({"kind": "reply", "header": "", "text": "\n".join(
            re.sub(r"^\s*> ?", "", ln) for ln in lines if ln.lstrip().startswith(">"))})
        authored = "\n".join(kept).strip()
    return SplitBody(authored=authored, quoted=quoted, signature=(first.signatures or "").strip())
