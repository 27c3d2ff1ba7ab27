"""Forwards (issue 16, item 2): the forwarded original is the parent and the forwarding mail the copy. The
original is the stored message the forwarded block holds, else a node built from the block, without the header
its mail client wrote (the "Forwarded by" marker's wrapped tail, Lotus Notes sender and time lines, From/Sent/To/
cc/Subject fields and the address lines a long list wraps onto) and without the earlier messages it quotes."""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import chain_rules as rules
from .chain_text import Edge, Node, authored_text
from .factloss import _content
from .text import (
    MAIL_FIELDS, MAIL_LIST_FIELDS, MAIL_SENDER_FIELDS, MAIL_SUBJECT_FIELDS, MAIL_TIME_FIELDS, field_names, words,
)

if TYPE_CHECKING:
    from .chains import Pool

FORWARD_MATCH = 0.8  # share of a stored message's content words a forwarded block must hold to be its copy
FORWARD_MIN_CONTENT = 3  # ... and a stored message needs this many content words to be matched at all
INDEX_MAX_POSTINGS = 5000  # words in more messages than this do not propose forward candidates (they still count)

# The header block a mail client writes above a forwarded original: the wrapped tail of a "Forwarded by" marker
# ("PM ----------"), the sender and time lines of Lotus Notes, From/Sent/To/cc/Subject fields and the address lines a
# long To: or cc: wraps onto.
_FIELD = re.compile(rf"^\s*(?:{field_names(MAIL_FIELDS)})\s*:", re.I)
_LIST_FIELD = re.compile(rf"^\s*(?:{field_names(MAIL_LIST_FIELDS)})\s*:", re.I)
_SUBJECT = re.compile(rf"^\s*(?:{field_names(MAIL_SUBJECT_FIELDS)})\s*:", re.I)
_DASH_TAIL = re.compile(r"^\s*(?:\d{1,2}/\d{1,2}/\d{2,4}\s*)?(?:\d{1,2}:\d{2}(?::\d{2})?\s*)?(?:[AP]M\s*)?-{3,}\s*$", re.I)
_TIME_ONLY = re.compile(r"^\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M)?\s*$", re.I)
_US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b")
_US_TIME = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::\d{2})?\s*([AP]M)?", re.I)
_RESPOND = re.compile(r"^\s*please respond to\b", re.I)
_SENT_FIELD = re.compile(rf"^\s*(?:{field_names(MAIL_TIME_FIELDS)})\s*:\s*(.+?)\s*$", re.I)
_SENT_FORMATS = ("%A, %B %d, %Y %I:%M %p", "%A, %B %d, %Y %H:%M", "%d %B %Y %H:%M", "%B %d, %Y %I:%M %p")
# lines in a forwarded block no author wrote: attachment names (" - budget.xls", "<<memo.doc>>") and raw MIME headers
_ATTACHMENT = re.compile(r"^\s*-\s*[^\n]{1,80}\.(?:docx?|xlsx?|pptx?|pdf|txt|html?|jpe?g|gif|png|zip|csv|rtf|wpd|msg)\s*$",
                         re.I)  # at the end of a block ("- budget.xls"); higher up it may be a list item
_NOT_WRITTEN = re.compile(
    r"^\s*(?:<<[^<>]+>>"
    r"|return-path:\s*<[^<>]*>|received:\s*(?:from|by)\s.*|mime-version:\s*1\.0|message-id:\s*<[^<>]*>"
    r"|content-(?:type|transfer-encoding|disposition):\s*[\w/.-]+;?.*|x-[\w-]+:.*)\s*$", re.I)
# a forward inside the forwarded block (Lotus Notes wraps its marker over two lines)
_INNER_MARKER = re.compile(r"^\s*-{3,}\s*(?:Forwarded by\b|Original Message|Forwarded message|Message d'origine)"
                           r".*$(?:\n^.*-{3,}\s*$)?", re.I | re.M)
FORWARDED_PREFIX = "fwd:"  # the id of a forwarded original no stored message matches (a node built from the block)
HEADER_SCAN_LINES = 60  # a forwarded block's header is read in its first lines only
FORWARD_MIN_WORDS = 8  # a forwarded block this long is looked at
_ADDRESS = re.compile(r"<(?:[^<>\s@]+@[^<>\s]+|p_[0-9a-f]{8,})>")  # <julie@acme.example>, a pseudonym <p_9a41d565>
_SENDER_FIELD = re.compile(rf"^\s*(?:{field_names(MAIL_SENDER_FIELDS)})\s*:\s*(.*)$", re.I)
_TIME_FIELD = re.compile(rf"^\s*(?:{field_names(MAIL_TIME_FIELDS)})\s*:\s*(.*)$", re.I)


def _field(ln: str) -> bool:
    """A header field line. "From: next Monday all deploys need two reviews." or "From: Monday the deploy freeze
    starts" is a sentence: a sender field holds a name (up to 4 words) or an address, a time field a digit."""
    if not _FIELD.match(ln):
        return False
    sender, at = _SENDER_FIELD.match(ln), _TIME_FIELD.match(ln)
    if sender:
        value = sender.group(1)
        return "@" in value or "<" in value or len(value.split()) <= 4 or bool(_US_TIME.search(value))
    if at:
        return any(ch.isdigit() for ch in at.group(1))
    return _SUBJECT.match(ln) is not None or len(ln.split()) <= 6 or not ln.rstrip().endswith((".", "!"))


def _header_line(ln: str, nxt: str, in_list: bool) -> bool:
    """A line of a forwarded original's header: `nxt` is the next non-blank line, `in_list` says a To: or cc:
    list may go on here."""
    if not ln.strip() or _DASH_TAIL.match(ln) or _field(ln) or _TIME_ONLY.match(ln) or _RESPOND.match(ln):
        return True
    short = len(ln.split()) <= 14 and not ln.rstrip().endswith((".", "!", "?", ":"))
    if short and ("@" in ln or _ADDRESS.search(ln) or _US_DATE.search(ln) or
                  (in_list and ("," in ln or len(ln.split()) <= 4))):
        return True
    # a sender's name or company alone on its line ("p_d04c5896", "Enron North America Corp."), above the header
    return len(ln.split()) <= 4 and bool(_US_DATE.search(nxt) or _field(nxt) or "@" in nxt)


def _header_end(lines: list[str]) -> int:
    """Where the header block at the top of a forwarded original ends: after its Subject field, else at the
    first line an author wrote; 0 when the lines before that hold no field (From/Sent/To/cc/Subject: Lotus Notes
    and Outlook headers always have one; a run of header-like lines without one, a share starting "<!here>" or a
    line with a date and a time, is text)."""
    end, in_list, fields = 0, False, False
    while end < min(len(lines), HEADER_SCAN_LINES):
        ln = lines[end]
        nxt = next((x for x in lines[end + 1:end + 10] if x.strip()), "")
        if not _header_line(ln, nxt, in_list) or (fields and not ln.strip() and not _field(nxt)):
            break  # (a blank line after the fields ends an Outlook header that has no Subject)
        end += 1
        if _SUBJECT.match(ln):
            fields = True
            break
        if _field(ln):
            in_list, fields = bool(_LIST_FIELD.match(ln)), True
        elif not ln.strip():
            in_list = False
    return end if fields else 0


def _sent_time(header: list[str]) -> datetime | None:
    """The time a forwarded original's header names (Lotus Notes "11/14/00 04:03 PM", also wrapped over two
    lines; Outlook "Sent: Tuesday, November 14, 2000 4:03 PM"; RFC 2822 "Date:"), naive as written."""
    from email.utils import parsedate_to_datetime

    for ln in header:
        m = _SENT_FIELD.match(ln)
        if not m:
            continue
        for fmt in _SENT_FORMATS:
            try:
                return datetime.strptime(m.group(1), fmt)
            except ValueError:
                pass
        try:
            return parsedate_to_datetime(m.group(1)).replace(tzinfo=None)
        except (TypeError, ValueError, IndexError):
            pass
    u = _US_TIME.search(" ".join(" ".join(header).split()))
    if u:
        mo, d, y, h, mi, ampm = u.groups()
        year = int(y) + (2000 if int(y) < 70 else 1900) if len(y) == 2 else int(y)
        hour = int(h) % 12 + (12 if ampm.upper() == "PM" else 0) if ampm else int(h)
        try:
            return datetime(year, int(mo), int(d), hour, int(mi))
        except ValueError:
            pass
    return None


def forwarded_block(block: str) -> tuple[str, datetime | None]:
    """A forwarded original's text without the header blocks its mail client wrote (its own and those of the
    forwards inside it) and without the earlier messages it quotes, and the time its header names. The header at
    the top is cut here by hand (mail-parser-reply keeps forwarded blocks whole by design, and Lotus Notes headers
    follow no standard); what the original quotes below it, by the mail body splitter ingest uses."""
    from connectors.mail_body import split_body

    parts = [p for p in _INNER_MARKER.split(block or "") if p.strip()]
    bodies, sent = [], None
    for k, part in enumerate(parts):
        lines = part.split("\n")
        end = _header_end(lines)
        if k == 0:  # the outermost original's header
            sent = _sent_time(lines[:end])
        body = [ln for ln in lines[end:] if not _NOT_WRITTEN.match(ln)]
        while body and (not body[-1].strip() or _ATTACHMENT.match(body[-1])):
            body.pop()
        bodies.append(split_body("\n".join(body)).authored)
    return authored_text("\n\n".join(b for b in bodies if b)), sent


def forwarded_headers(block: str) -> str:
    """The header lines of a forwarded block and of the forwards inside it (who sent each original, and when):
    what `person forget` reads to drop a forwarded block its person wrote."""
    heads: list[str] = []
    for part in _INNER_MARKER.split(block or ""):
        lines = part.split("\n")
        heads += lines[:_header_end(lines)]
    return "\n".join(heads)


def sender_lines(block: str) -> str:
    """The header lines of a forwarded block (and of the forwards inside it) that say who wrote each original:
    From/De fields and Lotus Notes sender lines ("p_b9c00e8b13bd67c5@ECT" above the time). Not the To/cc lists nor
    the lines they wrap onto, not the Subject or the time, not a "Forwarded by" marker: none of those people wrote
    the original."""
    out: list[str] = []
    for part in _INNER_MARKER.split(block or ""):
        lines = part.split("\n")
        in_list = False
        for ln in lines[:_header_end(lines)]:
            if _FIELD.match(ln):
                in_list = bool(_LIST_FIELD.match(ln))
                if _SENDER_FIELD.match(ln):
                    out.append(ln)
            elif not ln.strip():
                in_list = False
            elif not in_list and "forwarded by" not in ln.lower():
                out.append(ln)
    return "\n".join(out)


@dataclass(frozen=True)
class Withheld:
    """What chains may not read, because its author opted out: stored messages ((time, text), of any age), and
    `sender(lines)`, whether a forwarded block's sender lines (`sender_lines`) name such a person (for an original
    the store does not hold; slopradar/forwarded.py knows the pseudonyms). A forward of either gets no edge and no
    node, and `analyze` does not embed its block."""
    texts: Sequence[tuple[datetime, str]] = ()
    sender: Callable[[str], bool] | None = None

    @functools.cached_property
    def index(self) -> tuple[list[frozenset[str]], dict[str, list[int]]]:
        """Each text's content words, and which texts hold each word (built once: `holds_withheld` runs for every
        forward `analyze` embeds)."""
        contents = [frozenset(_content(authored_text(t))) for _ts, t in self.texts]
        postings: dict[str, list[int]] = {}
        for k, c in enumerate(contents):
            if len(c) >= FORWARD_MIN_CONTENT:
                for w in c:
                    postings.setdefault(w, []).append(k)
        return contents, postings


NOTHING_WITHHELD = Withheld()
WITHHELD_SHARE = 0.5  # ... and an opted-out person's message must make up this share of the block it is in


def withheld_match(entry: Set[str], block: Set[str]) -> bool:
    """A stored message whose author opted out is what a forwarded block carries: FORWARD_MATCH of its content
    words are in the block (as for any stored original), and it makes up WITHHELD_SHARE of the block's. A short
    chat line ("How about Wednesday at 10:00 am?") inside an unrelated memo is not the memo."""
    return len(entry) >= FORWARD_MIN_CONTENT and len(entry & block) >= FORWARD_MATCH * len(entry) and \
        len(entry & block) >= WITHHELD_SHARE * len(block)


def holds_withheld(block: str, withheld: Withheld) -> bool:
    """The forwarded block is an opted-out person's: its sender lines name them (`Withheld.sender`), or it holds
    one of their stored messages (`withheld_match`, at any time): what `analyze` must not embed
    (slopradar/forwarded.py)."""
    if not block or (withheld.sender is None and not withheld.texts):
        return False
    if withheld.sender is not None and withheld.sender(sender_lines(block)):
        return True
    if not withheld.texts:
        return False
    contents, postings = withheld.index
    fw = _content(authored_text(block))
    seen = {k for w in fw for k in postings.get(w, ())}
    return any(withheld_match(contents[k], fw) for k in seen)


def forwarded_original(carrier: Node) -> Node | None:
    """A node for the original a forward (or a Slack share) carries, built from the forwarded block: the parent
    of the forward when no stored message matches it (`forward_edges` decides whether it is long enough to be one).
    Its id is a hash of its words, so two forwards of one original share it; its time is the one its header
    names when that is before the forward (within a year), else just before it. None for an empty block."""
    body, sent = forwarded_block(carrier.forwarded_text)
    ws = words(body)
    if not ws:
        return None
    key = hashlib.sha1(" ".join(w.lower() for w in ws).encode()).hexdigest()[:16]
    at = carrier.ts - timedelta(seconds=1)
    if sent is not None:
        sent = sent.replace(tzinfo=carrier.ts.tzinfo)
        if carrier.ts - timedelta(days=365) <= sent < carrier.ts:
            at = sent
    return Node(FORWARDED_PREFIX + key, at, carrier.conversation, None, body, len(ws), carrier.carried_embedding,
                lang=carrier.lang, conversation_name=carrier.conversation_name, audience=set(carrier.audience),
                readers=set(carrier.readers))


def carried_body(forwarded_text: str) -> str:
    """The text of the original a forward carries, as `forwarded_original` reads it: what `analyze` embeds, so
    later copies of that original find the forward (chains.Pool.vector reads the carried original's vector)."""
    return forwarded_block(forwarded_text)[0] if _looked_at(forwarded_text) else ""


def carried_key(body: str) -> str:
    """What a carried vector was made from (its Embedding row's content_hash): a vector of another reading of the
    block (a header parser changed since) is not used (slopradar/derivation.py chain_nodes)."""
    return hashlib.sha1(body.encode("utf-8", "replace")).hexdigest()[:16]


def is_forwarded_original(node_id: str) -> bool:
    return node_id.startswith(FORWARDED_PREFIX)


def _looked_at(forwarded_text: str) -> bool:
    return len(forwarded_text.split()) >= FORWARD_MIN_WORDS


def carries_a_forward(n: Node) -> bool:
    """The message forwards or shares a block long enough to be looked at."""
    return _looked_at(n.forwarded_text)


def share_edges(pool: Pool) -> list[Edge]:
    """Shares and permalinks name the parent."""
    edges = []
    for n in pool.nodes:
        for pid in n.shares:
            p = pool.by_id.get(pid)
            if p is not None and p.ts <= n.ts:
                edges.append(Edge(n.id, p.id, "forward", 1.0, 1.0, round(n.words / max(p.words, 1), 3), "share"))
                break
    return edges


def forward_edges(pool: Pool, linked: set[str], withheld: Withheld = NOTHING_WITHHELD) -> tuple[list[Edge], dict[str, Node]]:
    """The forwarded original is the parent, the forwarding mail the copy: the stored, earlier message whose
    authored text the block holds (candidates from an inverted index of content words, no all-pairs), else a node
    built from the block (`forwarded_original`), unless that is a 1-3-word note or holds fewer than
    FORWARD_MIN_CONTENT content words. `withheld`: what an opted-out author wrote (`Withheld`): a forward of it
    gets no edge and no node. Returns the edges and the nodes built."""
    nodes, text, nwords = pool.nodes, pool.text, pool.words
    carriers = [n for n in nodes if n.id not in linked and carries_a_forward(n)]
    if not carriers:  # no forward here: no index to build (a tenth of a chunk's time in chat workspaces)
        return [], {}
    # stored messages a forward may hold, in time order: the nodes (index k), then the withheld ones (None)
    entries = sorted([(n.ts, k, _content(text[n.id])) for k, n in enumerate(nodes)
                      if nwords[n.id] > rules.NOTE_WORDS] +
                     [(ts, None, c) for (ts, _t), c in zip(withheld.texts, withheld.index[0], strict=True)],
                     key=lambda e: e[0])
    entries = [e for e in entries if len(e[2]) >= FORWARD_MIN_CONTENT]
    times = [e[0] for e in entries]
    postings: dict[str, list[int]] = {}
    for j, (_ts, _k, words_) in enumerate(entries):
        for w in words_:
            postings.setdefault(w, []).append(j)
    edges: list[Edge] = []
    originals: dict[str, Node] = {}
    for n in carriers:
        fw = _content(authored_text(n.forwarded_text))
        before = bisect.bisect_left(times, n.ts)
        hits: Counter[int] = Counter()
        for w in fw:
            js = postings.get(w, ())
            if len(js) <= INDEX_MAX_POSTINGS:
                hits.update(js[:bisect.bisect_left(js, before)])
        # the stored message the block holds (FORWARD_MATCH of its words): of several, the one that makes up most of
        # the block (a short line it also holds is not its original), the latest of equals
        best, best_shared = None, 0
        for j in hits:
            shared = len(entries[j][2] & fw)
            if shared >= FORWARD_MATCH * len(entries[j][2]) and (entries[j][1] is not None or
                                                                withheld_match(entries[j][2], fw)) and \
                    (shared > best_shared or (shared == best_shared and best is not None and
                                              entries[j][0] > entries[best][0])):
                best, best_shared = j, shared
        if best is not None:
            k = entries[best][1]
            if k is not None:
                p = nodes[k]
                score = round(best_shared / len(entries[best][2]), 3)
                edges.append(Edge(n.id, p.id, "forward", score, score,
                                  round(nwords[n.id] / max(nwords[p.id], 1), 3), "forward-block"))
            continue  # a withheld original: no edge
        if withheld.sender is not None and withheld.sender(sender_lines(n.forwarded_text)):
            continue  # an original the store does not hold, by an opted-out sender: no node either
        original = forwarded_original(n)
        if original is not None and original.words > rules.NOTE_WORDS and \
                len(_content(original.text)) >= FORWARD_MIN_CONTENT:
            original = originals.setdefault(original.id, original)  # two forwards of one original share it
            edges.append(Edge(n.id, original.id, "forward", 1.0, 1.0,
                              round(nwords[n.id] / max(original.words, 1), 3), "forward-block"))
    return edges, originals
