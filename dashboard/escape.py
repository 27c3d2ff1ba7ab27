"""User-derived text on pages (team, channel and conversation names, message texts, fact wordings).

Streamlit parses Markdown and its own directives (`:red[...]`, `:material/icon:`, `$LaTeX$`) in most
elements, headings and alerts included: a message holding `![x](http://host/pixel.png)` would make
every manager's browser load a remote image, and `[x](javascript:...)` would put a script link on
the page. So user text is never handed to Markdown as is: long texts go through `st.text` (no
parsing at all), short ones inside Markdown through `md`.
"""

from __future__ import annotations

import string

_PUNCTUATION = frozenset(string.punctuation)


def md(text: object) -> str:
    """`text` to show literally inside Markdown, on one line.

    CommonMark lets a backslash escape any ASCII punctuation mark, so escaping all of them disarms
    links, images, emphasis, HTML, directives and math alike; line breaks become spaces so that no
    line can start a heading, list or quote."""
    one_line = " ".join(str(text).split())
    return "".join("\\" + c if c in _PUNCTUATION else c for c in one_line)
