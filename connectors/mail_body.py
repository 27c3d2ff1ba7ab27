"""E-mail body -> authored text, plus the quoted and forwarded parts kept as references.

HTML goes to text with inscriptis; reply quotes and signatures are cut with mail-parser-reply
(maintained, multi-language). Forwarded blocks are cut by the rules below because
mail-parser-reply keeps forward markers by design, and Outlook/Lotus Notes "-----Original
Message-----" and "Forwarded by" headers it does not always see.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from inscriptis import get_text
from mailparser_reply import EmailMessage

from .mail_signature import ruled_signature

# Markers that start a forwarded or quoted original, in English and French, as written by
# Outlook, Gmail, Apple Mail, Thunderbird and Lotus Notes (the Enron corpus). Matched line by line
# (lines over _MAX_HEADER_LINE chars cannot be headers), so a huge one-line body stays linear.
_FORWARD_MARKER = re.compile(
    r"\s*(?:"
    r"-{2,}\s*(?:Original Message|Forwarded message|Message d'origine|Message transféré|Message original)\s*-{2,}"
    r"|-{5,}\s*Forwarded by .*"
    r"|Begin forwarded message:"
    r"|_{3,}\s*Reply Separator\s*_{3,}"  # cc:Mail
    r"|Début du message (?:réexpédié|transféré)\s*:"
    r"|_{20,}"
    r")\s*",
    re.I,
)
# The same markers inside a line: HTML bodies flattened by their sender lose the line breaks.
_INLINE_MARKER = re.compile(r"-{3,}[ \t]*(?:Original Message|Forwarded message|Message d'origine|Message transféré)"
                            r"[ \t]*-{3,}", re.I)
# A quote's attribution line: "X wrote:", "X <x at y.org> writes:", "Le ... a écrit :", "X schrieb:" ...
# (`_attribution` reads it; mail_identities._ATTRIBUTION takes the names out of such lines, a different job)
_ATTRIBUTION = re.compile(r"[ \t]*(?P<who>.{0,200}?)\s*\b(?P<verb>wrote|writes|said|schrieb|a écrit|escribió|escreveu"
                          r"|ha scritto|schreef|skrev|napisał|napsal)[ \t]*:[ \t]*", re.I)
_SENTENCE_BREAK = re.compile(r"\w{2,}[.!?]\s")  # "I disagree. Here is..." ("Paul F. Dubois" is a name)
_ENCLOSED = re.compile(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|\"[^\"]*\"")  # an address, "[mailto:...]", a display name
GREETING_WORDS = 5  # above a quote, a greeting at most: the author answers under it (bottom-posting; see _answers)
ANSWER_WORDS = 100  # ... else text under the quote is a client's footer, unless this long and no footer's wording
_FOOTER = re.compile(r"confidential|intended (?:solely )?(?:for|recipient)|unsubscribe|mailing list|privileged|"
                     r"disclaimer|virus|Yahoo!|destinataire|strictement", re.I)
_WRAPPED_QUOTE_LINE = 60  # a quote line this long may have been wrapped: one to three words under it are its end
_SIGNATURE_START = re.compile(r"(?m)^[ \t]*(?:-- ?|-{5,} next part -{5,})[ \t]*$")
_DATE_OPENING = re.compile(r"[ \t]*(?:On|Le|Am|El|At|Il|Op)\b")  # "On Mon, 2 Mar 2026 at 10:00, ..."
_OUTLOOK_FROM = re.compile(r"\s*(?:From|De)\s*:\s.+", re.I)
_OUTLOOK_SENT = re.compile(r"\s*(?:Sent|Envoyé|Date)\s*:\s", re.I)
_LOTUS_HEADER = re.compile(r"\s*\S.*\son\s+\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:AM|PM)?\s*", re.I)
# Lotus Notes writes the quoted original's sender and time as "Tana Jones@ECT 04/02/2001 04:59 PM" (or "19:41"),
# "From:  Shanna Husser @ EES      11/30/2000 10:36 AM", or a name line followed by a date line.
_NOTES_NAME = r"(?:From:\s*)?[A-Z][\w'.-]*(?:[ \t]+[A-Z][\w'.-]*){0,4}(?:[ \t]*@[ \t]*[A-Za-z][\w&.-]*(?:[ \t][A-Z]\w*)?)?"
_NOTES_TIME = r"\d{1,2}/\d{1,2}/\d{2,4}[ \t]+\d{1,2}:\d{2}(?::\d{2})?(?:[ \t]*(?:AM|PM))?"  # 24-hour clocks too
_NOTES_ONE_LINE = re.compile(rf"[ \t]*{_NOTES_NAME}[ \t]+{_NOTES_TIME}[ \t]*")
_NOTES_NAME_LINE = re.compile(rf"[ \t]*{_NOTES_NAME}[ \t]*")
_NOTES_TIME_LINE = re.compile(rf"[ \t]*{_NOTES_TIME}[ \t]*")
_SENT_BY = re.compile(r"[ \t]*Sent by:[ \t]", re.I)
_NOTES_FIELD = re.compile(r"[ \t]*(?:To|cc|bcc|Subject)[ \t]*:", re.I)
_MAX_HEADER_LINE = 300
# Bodies longer than this skip mail-parser-reply, whose run time grows quadratically with length.
_MAX_LIBRARY_CHARS = 20_000
_LANGUAGES = ["en", "fr", "de"]
_HYPHEN_LIST = re.compile(r"(?m)^[ \t]*-[ \t]?\w.*\n(?:[ \t]*\n)?[ \t]*-[ \t]?\w")  # two "- item" lines in a row
@dataclass
class SplitBody:
    authored: str
    quoted: list[dict[str, str]] = field(default_factory=list)  # {"kind": "reply"|"forward", "text", "header"}
    signature: str = ""
    method: str = "mail-parser-reply"


def html_to_text(html: str) -> str:
    return get_text(html or "").strip()


def _unquote(text: str) -> str:
    return re.sub(r"(?m)^[ \t]*> ?", "", text).strip()


def _cut_forward(text: str) -> tuple[str, list[dict[str, str]]]:
    """Cut at the first forward/original-message marker, Outlook or Lotus header block, or a line
    naming an address right before a block of ">" lines (an attribution in any language, which
    mail-parser-reply misses for e.g. Android's Russian header wrapped over two lines); under a bare
    reply marker with a ">" quote right below it, the answers inside the quote stay (`_inline_answers`)."""
    lines = text.split("\n")
    offsets = [0, *itertools.accumulate(len(ln) + 1 for ln in lines)]
    inline = _INLINE_MARKER.search(text)
    for i, line in enumerate(lines):
        if inline and offsets[i] > inline.start():
            break
        if len(line) > _MAX_HEADER_LINE or not line.strip():
            continue
        nxt = [ln for ln in lines[i + 1:i + 4]]
        if _FORWARD_MARKER.fullmatch(line):
            kind = "forward" if re.search(r"forward|réexpédié|transféré", line, re.I) else "reply"
            head, rest = "\n".join(lines[:i]), lines[i + 1:]
            if kind == "reply" and not head.strip() and \
                    _is_quote(next((ln for ln in rest if ln.strip()), "")):
                return _inline_answers(head, line, "\n".join(rest))
            return head, [{"kind": kind, "header": line.strip()[:200], "text": _unquote("\n".join(rest))}]
        if _OUTLOOK_FROM.fullmatch(line) and any(_OUTLOOK_SENT.match(n) for n in nxt):
            return "\n".join(lines[:i]), [{"kind": "reply", "header": "", "text": "\n".join(lines[i:]).strip()}]
        if _LOTUS_HEADER.fullmatch(line):
            return "\n".join(lines[:i]), [{"kind": "reply", "header": line.strip()[:200],
                                          "text": _unquote("\n".join(lines[i + 1:]))}]
        notes = _notes_header(lines, i)
        if notes:
            start = _notes_company_line(lines, i)
            return "\n".join(lines[:start]), [{"kind": "reply", "header": " ".join(
                ln.strip() for ln in lines[start:i + notes] if ln.strip())[:200],
                "text": _unquote("\n".join(lines[i + notes:]))}]
        if "@" in line and not _is_quote(line) and not line.startswith(_PROMPT_MARK):  # `>>> c = a @ b`
            follow = [n for n in nxt if n.strip()]
            header = [line]
            if follow and not _is_quote(follow[0]) and len(follow) > 1:
                header.append(follow[0])
                follow = follow[1:]
            if follow and _is_quote(follow[0]):
                start = i - 1 if i > 0 and _wrapped_head(lines[i - 1]) else i  # "On ..., John Doe <" over "j@x> wrote:"
                kept, footer = _answers(lines[lines.index(follow[0], i + 1):], "\n".join(lines[:start]))
                quote, own = _parts(kept)  # the library finds a "-- " signature under the answers
                return "\n\n".join(t for t in ("\n".join(lines[:start]), own.strip()) if t), [{
                    "kind": "reply", "header": " ".join(" ".join(lines[start:i] + header).split())[:200],
                    "text": _unquote("\n".join(quote + footer))}]
    if inline:
        return text[:inline.start()], [{"kind": "forward" if "orward" in inline.group(0) else "reply",
                                        "header": inline.group(0), "text": _unquote(text[inline.end():])}]
    return text, []


def _inline_answers(head: str, marker: str, rest: str) -> tuple[str, list[dict[str, str]]]:
    """A reply written into the ">" quote of the mail it answers, under a bare "-----Original Message-----" line
    with nothing above it (a Numpy-list reply; above it, a top-posted reply and the original's own answers): read
    as under an attribution (`_answers`), once an original nested further down (a header, another marker) is cut
    off and kept as quoted."""
    inner, nested = _cut_forward(rest)
    kept, footer = _answers(inner.split("\n"), head)
    quote, own = _parts(kept)
    return "\n\n".join(t for t in (head.strip(), own.strip()) if t), [
        {"kind": "reply", "header": marker.strip()[:200], "text": _unquote("\n".join(quote + footer))}, *nested]


def _notes_header(lines: list[str], i: int) -> int:
    """How many lines a Lotus Notes header of a quoted original takes at line i (0 if there is none):
    the sender and time on one line or two, then To:/cc:/Subject: lines (or an @ORG in the sender)."""
    line = lines[i]
    if len(line) > 120:
        return 0
    after = [ln for ln in lines[i + 1:i + 9] if ln.strip()]
    fields = any(_NOTES_FIELD.match(ln) for ln in after)
    if _NOTES_ONE_LINE.fullmatch(line) and ("@" in line or line.lstrip().startswith("From:") or fields):
        return 1
    k = i + 1
    if k < len(lines) and _SENT_BY.match(lines[k]):
        k += 1
    if k < len(lines) and _NOTES_TIME_LINE.fullmatch(lines[k]) and line.strip():
        # the sender: "Phillip M Love", "Daniel Falcone@ENRON", "Name/ENRON@enronXgate", "\"Name\" <a@b.c>"
        sender = _NOTES_NAME_LINE.fullmatch(line) or "@" in line or "<" in line
        set_off = i == 0 or not lines[i - 1].strip()
        if sender and (set_off or "@" in line or any(_NOTES_FIELD.match(ln) for ln in lines[k + 1:k + 9])):
            return k - i + 1
    return 0


_COMPANY_LINE = re.compile(r"[ \t]*[A-Z][\w&.'-]*(?:[ \t]+[A-Z&][\w&.'-]*){1,5}[ \t]*")  # "Enron North America Corp."


def _notes_company_line(lines: list[str], i: int) -> int:
    """Lotus Notes puts the sender's company ("Enron North America Corp.") on its own line, after blank
    lines and before the header at line i: the header block starts there."""
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j >= 0 and j < i - 1 and _COMPANY_LINE.fullmatch(lines[j]) and (j == 0 or not lines[j - 1].strip()):
        return j
    return i


def _reply_quote(head: str, first_content: str, replies: list) -> tuple[list[dict[str, str]], str]:
    """Everything after the author's part, as one quoted reply: its header line(s) and the unquoted text; and the
    author's own lines among or under a ">" quote (`_answers`).

    mail-parser-reply can split one quote into several segments (French "Le ... a écrit :" headers), so
    the remainder of the text is taken whole rather than segment by segment.
    """
    if len(replies) < 2:
        return [], ""
    first_content = first_content.strip()
    pos = head.find(first_content) if first_content else -1
    if pos < 0:
        # a segment's content is its header, its body and what the library took for its signature
        rest = "\n".join(_after_header(r) for r in replies[1:]).strip("\n").split("\n")
        quote, own = _quote_and_answers(rest, "")
        return [{"kind": "reply", "header": (replies[1].headers or "")[:200], "text": _unquote("\n".join(quote))}], own
    rest = head[pos + len(first_content):].strip("\n").split("\n")
    header: list[str] = []
    while rest and not _is_quote(rest[0]):
        if rest[0].strip():
            header.append(rest[0].strip())
        rest.pop(0)
        if len(header) >= 3:
            break
    rest, own = _quote_and_answers(rest, first_content)
    body = "\n".join(re.sub(r"^\s*> ?", "", ln) for ln in rest).strip()
    return ([{"kind": "reply", "header": " ".join(header)[:200], "text": body}] if body or header else []), own


def _after_header(reply: Any) -> str:
    """A mail-parser-reply segment's text under its header."""
    content, header = reply.content or "", (reply.headers or "").strip()
    return content.split(header, 1)[1] if header and header in content else content


def _answers(lines: list[str], above: str) -> tuple[list[str], list[str]]:
    """Under an attribution, a quote marked with ">" and the author's answers under it or between its parts
    (bottom-posting, usual on mailing lists: 7 of the Numpy list's 82 mails had lost their text): (the lines kept,
    quote and answers, a quote line's wrapped end marked as quote; the lines under the quote that are a client's
    footer). Under the quote of a reply written above it (`above`, or the lines before the quote: over
    GREETING_WORDS words) with no answer between parts of the quote, what follows the quote is a footer ("This
    e-mail is confidential...", "Do You Yahoo!?", a Notes attachment list), unless ANSWER_WORDS long with no
    footer's wording. A quote not marked with ">" is all quote."""
    if not any(_is_quote(ln) for ln in lines):
        return lines, []
    kept = _mark_wrapped(lines)
    quoted = [_is_quote(ln) for ln in kept]
    first, last = quoted.index(True), len(quoted) - 1 - quoted[::-1].index(True)
    between = any(ln.strip() for ln, q in zip(kept[first:last], quoted[first:last]) if not q)
    before = " ".join(ln for ln in [*above.split("\n"), *kept[:first]] if not _attribution(ln))
    after = "\n".join(kept[last + 1:])
    if between or len(before.split()) <= GREETING_WORDS or \
            (len(after.split()) >= ANSWER_WORDS and not _FOOTER.search(after)):
        return kept, []
    return kept[:last + 1], kept[last + 1:]


def _mark_wrapped(lines: list[str]) -> list[str]:
    """A quote line wrapped by a client leaves its last word or two unquoted, glued between two quote lines
    ("> cc: Sara Shackleton, Mike" over "Thack"): marked as quote."""
    quoted = [_is_quote(ln) for ln in lines]
    return [f"> {ln}" if not q and 0 < i < len(lines) - 1 and quoted[i - 1] and quoted[i + 1] and
            len(lines[i - 1]) >= _WRAPPED_QUOTE_LINE and len(ln.split()) <= 3 else ln
            for i, (ln, q) in enumerate(zip(lines, quoted))]


def _parts(kept: list[str]) -> tuple[list[str], str]:
    """(the quote's lines, the author's text) of `_answers`' kept lines."""
    return [ln for ln in kept if _is_quote(ln)], "\n".join(ln for ln in kept if not _is_quote(ln))


def _quote_and_answers(rest: list[str], above: str) -> tuple[list[str], str]:
    """`_answers` split: (the quote's lines and footer, the answers up to a "-- " signature)."""
    kept, footer = _answers(rest, above)
    if kept is rest:
        return rest, ""
    quote, own = _parts(kept)
    end = _SIGNATURE_START.search(own)
    return quote + footer, (own[:end.start()] if end else own).strip()


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _wrapped_head(line: str) -> bool:
    """The first half of an attribution a client wrapped: "On Mon, 2 Mar 2026 at 10:00, John Doe <" (an address
    opens) or "On Mon, 2 Mar 2026 at 10:00," (a time); "On June 1," opens a sentence of the author's."""
    line = line.rstrip()
    return _DATE_OPENING.match(line) is not None and (line.endswith("<") or (
        line.endswith(",") and re.search(r"\d{1,2}:\d{2}", line) is not None))


def _attribution(line: str) -> bool:
    """A line that attributes the quote under it: who wrote it (a name, an address, a date before it), no sentence
    of the author's own ("I disagree. Here is what the CFO said:"); "said:" only beside an address or a date."""
    m = _ATTRIBUTION.fullmatch(line)
    if m is None:
        return False
    who = _ENCLOSED.sub(" ", m["who"].rsplit(",", 1)[-1])
    if _SENTENCE_BREAK.search(who + " ") or len(who.split()) > 8:
        return False
    return m["verb"].lower() != "said" or re.search(r"[<@\[]|\d", line) is not None


def split_body(text: str) -> SplitBody:
    """Split a plain-text body into what the author wrote and what they quoted or forwarded (a signature under a
    rule line is cut first: `mail_signature.ruled_signature`). A Python session's prompt lines are the author's
    (`_prompts`)."""
    marked = _prompts((text or "").replace("\r\n", "\n").replace("\r", "\n"))
    split = _split_body(marked)
    authored, ruled = ruled_signature(split.authored)
    if ruled:
        split.authored, split.signature = authored, "\n".join(s for s in (ruled, split.signature) if s)
    if _PROMPT_MARK in marked:
        split.authored, split.signature = split.authored.replace(_PROMPT_MARK, ""), split.signature.replace(_PROMPT_MARK, "")
        split.quoted = [{k: v.replace(_PROMPT_MARK, "") for k, v in q.items()} for q in split.quoted]
    return split


# a Python prompt at the start of a line ("> >>> x" is a quoted one); not GroupWise's forward header (">>> Ronald
# Carroll 12/11/00 03:54PM >>>", Enron)
_PROMPT = re.compile(r">>>(?:$| (?!.*>>>\s*$))")
_PROMPT_MARK = "\u2063"  # INVISIBLE SEPARATOR: in front of a prompt, the line no longer reads as a quote


def _prompts(text: str) -> str:
    """A Python session pasted into a reply: a run of ">>> import MA" lines is the author's, not a third-level
    quote, when an unquoted line (the session's output, the author's text) is right above or below it, and no quote
    line nor an attribution ("John wrote:") is (12 of the Numpy list's mails in ../shared lost 1-7 such lines; a
    helper's review: a nested reply's ">>>" lines sit under an attribution or beside ">>" lines). Each is marked
    (`_PROMPT_MARK`) so that no quote reader takes it; `split_body` removes the mark."""
    if ">>>" not in text:
        return text
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not _PROMPT.match(lines[i]):
            i += 1
            continue
        end = i
        while end + 1 < len(lines) and _PROMPT.match(lines[end + 1]):
            end += 1
        around = [ln for ln in (lines[i - 1] if i else "", lines[end + 1] if end + 1 < len(lines) else "") if ln.strip()]
        if around and not any(_is_quote(ln) or _attribution(ln) for ln in around) and \
                not any(_attribution(ln[4:]) for ln in lines[i:end + 1]):
            lines[i:end + 1] = [_PROMPT_MARK + ln for ln in lines[i:end + 1]]
        i = end + 1
    return "\n".join(lines)


def _split_body(text: str) -> SplitBody:
    """`split_body` of a text whose line ends it made "\n"."""
    head, quoted = _cut_forward(text)
    if len(head) > _MAX_LIBRARY_CHARS:
        return SplitBody(authored=head.strip(), quoted=quoted, method="rules (long body)")
    try:
        # By default the library takes a line starting "- word" for the start of a signature ("- Mark" above a
        # signature block), so a bulleted list ("Plan:\n- launch Monday\n- review Friday") and all below it left
        # the authored text: with two such lines in a row, they are a list
        lists = _HYPHEN_LIST.search(head) is not None
        parsed = EmailMessage(text=head, languages=list(_LANGUAGES), keep_hyphen_lists=lists).read()
        replies = parsed.replies
    except Exception:  # the library raises on odd inputs (e.g. only whitespace); fall back to the raw head
        replies = []
    if not replies:
        return SplitBody(authored=head.strip(), quoted=quoted, method="rules")
    first = replies[0]
    authored, signature = (first.body or "").strip(), (first.signatures or "").strip()
    replied, answers = _reply_quote(head, first.content or "", replies)
    quoted = replied + quoted
    if answers:
        authored = f"{authored}\n\n{answers}".strip()
    if signature.startswith(">"):
        # the library took a quoted sign-off ("> -Travis") for the start of a signature, and the reply under the
        # quote with it: no signature starts inside a quote. The reply is the author's; a "-- " line or
        # pipermail's "--- next part ---" (an attachment) starts what is not (5 of the Numpy list's 82 mails)
        kept, footer = _answers(f"{authored}\n{signature}".split("\n"), "")
        authored, signature = "\n".join(kept), "\n".join(footer).strip()
        end = _SIGNATURE_START.search(authored)
        if end:
            authored, signature = authored[:end.start()], "\n".join((authored[end.start():].strip(), signature)).strip()
    # mail-parser-reply leaves ">" lines it could not attribute to a header in the body, with the attribution
    # above them when it is not "On <date>, X wrote:" ("Chris Barker <chrishbarker at home.net> writes:", "Konrad
    # Hinsen schrieb:": 50 of the 273 list mails in ../shared kept one)
    lines = _mark_wrapped(authored.split("\n"))
    quote = [_is_quote(ln) for ln in lines]
    said = {i for i, ln in enumerate(lines) if not quote[i] and _attribution(ln) and
            next((quote[j] for j in range(i + 1, len(lines)) if lines[j].strip()), False)}
    # a client wraps a long attribution: "On Mon, 2 Mar 2026 at 10:00, John Doe <" over "john@x.com> wrote:"
    said |= {i - 1 for i in said if i > 0 and not quote[i - 1] and _wrapped_head(lines[i - 1])}
    if any(quote):
        quoted.append({"kind": "reply", "header": " ".join(lines[i].strip() for i in sorted(said))[:200],
                       "text": "\n".join(re.sub(r"^\s*> ?", "", ln) for ln, q in zip(lines, quote) if q)})
        authored = "\n".join(ln for i, ln in enumerate(lines) if not quote[i] and i not in said).strip()
    head_line = authored.rsplit("\n", 1)[-1]
    if quoted and _wrapped_head(head_line):  # a wrapped header's
        authored = authored[:-len(head_line)].strip()  # first half ("On Mon, ... John Doe <" over "j@x.com> wrote:")
        quoted[0]["header"] = f"{head_line.strip()} {quoted[0]['header']}"[:200]
    return SplitBody(authored=authored, quoted=quoted, signature=signature)
