"""A JSON array read one element at a time from a byte stream, with bounded memory and nesting.

`json.loads` on a whole file holds the file and every object in it at once (a 200 MB day file took
gigabytes) and raises RecursionError on deep nesting. Here a small scanner finds the boundaries of the
top-level elements (strings, brackets and commas only; C regexes do the scanning) and each element is
parsed on its own: an element nested deeper than `max_depth` or longer than `max_chars` is reported
and dropped without being parsed or kept; one that is not valid JSON is reported. A stream that is not
one JSON array (not an array, cut short, text after the end) raises JsonStreamError when it is seen.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# A Slack message is at most a few hundred KB of JSON (40,000 characters of text plus blocks).
MAX_ELEMENT_CHARS = 4_000_000
# Slack's deepest real structures (rich_text lists in blocks in attachments) stay under 12 levels.
MAX_DEPTH = 64

# the next complete string, or bracket, comma, or the opening quote of a string the buffer cuts
_NEXT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|["\[\]{},]', re.S)
_STRING_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.S)  # up to the closing quote (or a trailing backslash)
_SPACE = re.compile(r"[ \t\r\n\ufeff]*")


class JsonStreamError(ValueError):
    """The stream is not one JSON array."""


@dataclass
class Element:
    value: Any = None
    error: str | None = None  # why the element was dropped: "nested too deep", "too large", "invalid JSON"
    text: str = ""  # its source text (empty when dropped for size or depth)


# One flat loop on purpose: this tokenizer runs per character of multi-GB exports, and its state (depth,
# element start, skip reason, pending comma) is clearer in one place than spread over method calls.
def iter_array(chunks: Iterable[bytes], max_depth: int | None = None, max_chars: int | None = None,  # noqa: C901
               parse: bool = True) -> Iterator[Element]:
    """The elements of the JSON array in `chunks` (UTF-8; invalid bytes become U+FFFD), in order.
    With parse=False only the structure is checked and elements come back unparsed (for validation).
    Limits default to MAX_DEPTH and MAX_ELEMENT_CHARS."""
    max_depth = MAX_DEPTH if max_depth is None else max_depth
    max_chars = MAX_ELEMENT_CHARS if max_chars is None else max_chars
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    it = iter(chunks)
    buf, pos, eof = "", 0, False
    depth = 0  # 0 outside the array, 1 between its elements, more inside one
    opened = closed = in_string = False
    start: int | None = None  # where the current element starts in buf
    dropped: str | None = None  # the current element is being skipped, and why
    need_element = False  # after a comma: another element must follow
    while True:
        if in_string:
            pos = _STRING_BODY.match(buf, pos).end()  # type: ignore[union-attr]  # matches the empty string
            if pos < len(buf) and buf[pos] == '"':
                in_string, pos = False, pos + 1
                continue
        else:
            m = _NEXT.search(buf, pos)
            gap = buf[pos:m.start() if m else len(buf)]
            if gap.strip(" \t\r\n\ufeff"):
                if depth == 0:
                    raise JsonStreamError("text after the end of the array" if closed else "not a JSON array")
                if depth == 1 and start is None and dropped is None:  # a number, true, false or null
                    start, need_element = pos + _SPACE.match(gap).end(), False  # type: ignore[union-attr]
            if m is not None:
                pos = m.end()
                c = m.group()
                if depth == 0:
                    if c != "[" or opened:  # a string, a number, an object: not an array
                        raise JsonStreamError("text after the end of the array" if closed else "not a JSON array")
                    opened, depth = True, 1
                elif depth == 1 and c in ",]":
                    if start is not None and m.start() - start > max_chars:
                        dropped, start = "too large", None
                    if start is not None or dropped is not None:
                        yield _element(buf[start:m.start()] if start is not None else "", dropped, parse)
                        start, dropped = None, None
                    elif c == "," or need_element:
                        raise JsonStreamError("an empty element (a comma with nothing before or after it)")
                    need_element = c == ","
                    if c == "]":
                        depth, closed = 0, True
                elif depth == 1 and c == "}":
                    raise JsonStreamError("a '}' between array elements")
                else:
                    if depth == 1 and start is None and dropped is None:
                        start, need_element = m.start(), False
                    if c == '"':  # the buffer ends inside this string
                        in_string = True
                    elif c[0] == '"':
                        pass
                    elif c in "[{":
                        depth += 1
                        if depth - 1 > max_depth and dropped is None:
                            dropped, start = "nested too deep", None
                    elif c in "]}":
                        depth -= 1
                continue
            pos = len(buf)
        # the buffer is used up (or ends inside a string): read on
        if eof:
            break
        chunk = next(it, None)
        eof = chunk is None
        keep = start if (start is not None and dropped is None) else pos
        buf, pos = buf[keep:] + decoder.decode(chunk or b"", final=eof), pos - keep
        if start is not None:
            start -= keep
            if len(buf) - start > max_chars:
                dropped, start = "too large", None
    if not opened:
        raise JsonStreamError("not a JSON array")
    if not closed:
        raise JsonStreamError("the array is cut short (truncated file?)")


def _element(text: str, dropped: str | None, parse: bool) -> Element:
    if dropped is not None:
        return Element(error=dropped)
    if not parse:
        return Element(text=text)
    try:
        return Element(value=json.loads(text), text=text)
    except (json.JSONDecodeError, RecursionError):
        return Element(error="invalid JSON", text=text)


def read_chunks(fh: Any, size: int = 1 << 20) -> Iterator[bytes]:
    """A binary file's content in chunks."""
    while True:
        chunk = fh.read(size)
        if not chunk:
            return
        yield chunk


def digest(rows: list[Any]) -> str:
    """A stable fingerprint of a page of API rows (a checkpoint's "did this change"), whatever they hold:
    nesting too deep or values JSON cannot write fall back to the row count, surrogates pass through."""
    try:
        payload = json.dumps(rows, sort_keys=True, default=str)
    except (RecursionError, TypeError, ValueError):
        payload = repr(len(rows))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()
