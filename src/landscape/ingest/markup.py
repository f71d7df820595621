"""Markup in titles and abstracts: HTML, JATS and MathML tags, and character entities.

Exports leave markup in their text: Crossref's JATS abstracts (``<jats:p>``,
``<jats:italic>``), PubMed's ``<i>`` and ``<sup>``, MathML formulas
(``<mml:math>``), HTML entities (``&amp;``, ``&#x2013;``), sometimes escaped twice
(``&amp;lt;i&amp;gt;``). :func:`strip_markup` removes it, and only it: abstracts
are full of ``<`` that is no tag ("x < y and y > z", "p<0.05", "<100 nm",
"a<b>c", the ``<unk>`` and ``<mask>`` tokens of NLP papers), so a ``<...>`` is
removed only when it is recognisably a tag:

- a namespaced tag (``<jats:p>``, ``</mml:mi>``);
- a tag of a known HTML/JATS/MathML element that closes (``</i>``), closes
  itself (``<br/>``), has attributes (``<span class="x">``), is a line break
  (``<br>``), or whose closing tag is in the text too (``<i>`` with ``</i>``);
- a tag of any name with quoted attributes (``<font face="Symbol">``).

So ``a<b>c`` keeps its ``<b>`` (the text has no ``</b>``), while
``<b>BERT</b>`` loses both tags. Block elements (paragraphs, sections, list
items) leave a space so that paragraphs do not run together; inline ones leave
nothing (``H<sub>2</sub>O`` -> ``H2O``). A formula keeps its text content
(``<mml:mi>x</mml:mi><mml:mo>=</mml:mo><mml:mn>1</mml:mn>`` -> ``x=1``), or its
``alttext`` when it has no text (``<mml:math alttext="x>0"/>`` -> ``x>0``); TeX
annotations that repeat a formula are dropped, and of JATS ``<alternatives>``
only the MathML (else the first child) is kept. A JATS ``<title>Abstract</title>``
heading is dropped.

Entities are decoded when complete (``&amp;``, ``&#8211;``, ``&#x2013;``; a name
must be an HTML entity and end in ``;``, so "R&D;" and "&notation" stay). Tags
and entities are removed again until nothing changes, so markup escaped twice is
removed too, and the function is idempotent.
"""

from __future__ import annotations

import html
import re
from html.entities import html5

_NAME = r"[A-Za-z][\w.-]*"
_QUOTED = r"""\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"]*"|'[^']*')"""
_ATTR = rf"""(?:{_QUOTED}|\s+[A-Za-z_][\w:.-]*\s*=\s*[^\s"'<>=`]+)"""
# <, an optional /, a name (optionally namespaced), attributes, an optional /, >.
_TAG_RE = re.compile(rf"<(/?)({_NAME}(?::{_NAME})?)((?:{_ATTR})*)\s*(/?)>")
_QUOTED_ONLY_RE = re.compile(rf"(?:{_QUOTED})+")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

#: Elements whose tags leave a space: paragraphs and other blocks.
BLOCK = frozenset({
    "p", "br", "hr", "div", "sec", "section", "title", "li", "ul", "ol", "dl", "dt", "dd",
    "list", "list-item", "para", "abstract", "trans-abstract", "td", "th", "tr", "table",
    "caption", "fig", "boxed-text", "disp-quote", "disp-formula", "blockquote", "pre", "center",
    "h1", "h2", "h3", "h4", "h5", "h6", "body", "article",
})  # fmt: skip
#: Elements whose tags leave nothing: HTML and JATS inline styles, MathML.
INLINE = frozenset({
    "i", "b", "u", "em", "strong", "sub", "sup", "span", "sc", "small", "big", "tt", "code",
    "font", "a", "abbr", "cite", "q", "mark", "ins", "del", "var", "kbd", "samp", "dfn",
    "italic", "bold", "underline", "overline", "monospace", "roman", "sans-serif", "strike",
    "named-content", "styled-content", "inline-formula", "tex-math", "xref", "ext-link", "uri",
    "email", "fn", "label", "inline-graphic", "alternatives", "math", "mi", "mo", "mn", "ms",
    "mtext", "mspace", "mrow", "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot", "mover",
    "munder", "munderover", "mstyle", "mfenced", "menclose", "mpadded", "mphantom", "mtable",
    "mtr", "mtd", "mmultiscripts", "mprescripts", "semantics",
})  # fmt: skip
_KNOWN = BLOCK | INLINE
# Line breaks: markup even without a closing tag.
_VOID = frozenset({"br", "hr", "wbr"})

_NS = r"(?:[A-Za-z][\w.-]*:)?"


def _element_re(name: str, content: str = r".*?") -> re.Pattern[str]:
    """An element ``name`` (any namespace) with its content, non-greedy."""
    return re.compile(
        rf"<{_NS}{name}(?=[\s/>])((?:{_ATTR})*)\s*>({content})</{_NS}{name}\s*>", re.S | re.I
    )


# TeX or XML copies of a formula that its MathML already shows.
_ANNOTATION_RE = _element_re("annotation(?:-xml)?")
_ALTERNATIVES_RE = _element_re("alternatives")
_MATH_RE = _element_re("math")
_EMPTY_MATH_RE = re.compile(rf"<{_NS}math(?=[\s/>])((?:{_ATTR})*)\s*/>", re.I)
_ABSTRACT_TITLE_RE = _element_re("title", r"\s*(?:abstract|summary)\s*[.:]?\s*")
_ALTTEXT_RE = re.compile(r"""\balttext\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_CHILD_RE = re.compile(rf"<({_NAME}(?::{_NAME})?)(?=[\s/>])[^<>]*>.*?</\1\s*>", re.S)


def strip_markup(text: str) -> str:
    """Remove HTML/JATS/MathML tags and decode entities, leaving text that is no tag alone.

    Args:
        text: A title or an abstract as read.

    Returns:
        The text without markup; spacing is not tidied (see
        :func:`landscape.ingest.clean.clean_prose`). Text without ``<`` and
        ``&`` is returned as is.
    """
    if not text or ("<" not in text and "&" not in text):
        return text
    # Every round that changes the text shortens it, so this ends.
    while True:
        out = _decode(_strip_tags(_elements(text)))
        if out == text:
            return out
        text = out


def _elements(text: str) -> str:
    """Formula copies, formula alternatives and "Abstract" headings, resolved whole."""
    if "<" not in text:
        return text
    text = _ANNOTATION_RE.sub("", text)
    text = _ALTERNATIVES_RE.sub(_alternative, text)
    text = _MATH_RE.sub(_math, text)
    text = _EMPTY_MATH_RE.sub(lambda m: _alttext(m.group(1)), text)
    return _ABSTRACT_TITLE_RE.sub(" ", text)


def _alternative(match: re.Match[str]) -> str:
    """Of JATS ``<alternatives>``, the MathML formula, else the first child."""
    content = match.group(2)
    formula = _MATH_RE.search(content) or _CHILD_RE.search(content)
    return formula.group(0) if formula else content


def _math(match: re.Match[str]) -> str:
    """A formula's text content; its ``alttext`` when it has none."""
    attrs, content = match.group(1), match.group(2)
    if _strip_tags(content).strip():
        return match.group(0)  # its tags go with the others
    return _alttext(attrs)


def _alttext(attrs: str) -> str:
    """The ``alttext`` of a formula's attributes, spaced; a space when it has none."""
    alt = _ALTTEXT_RE.search(attrs)
    return f" {_decode(alt.group(1) or alt.group(2) or '')} " if alt else " "


def _strip_tags(text: str) -> str:
    if "<" not in text:
        return text
    closed = {m.group(2).lower() for m in _TAG_RE.finditer(text) if m.group(1)}

    def replace(match: re.Match[str]) -> str:
        slash, name, attrs, self_closing = match.groups()
        lower = name.lower()
        local = lower.rsplit(":", 1)[-1]
        if ":" in lower:
            tag = True
        elif local in _KNOWN:
            tag = bool(slash or attrs or self_closing) or local in _VOID or lower in closed
        else:
            # An unknown name is a tag only with quoted attributes: "<m k=2>" is maths.
            tag = bool(attrs) and _QUOTED_ONLY_RE.fullmatch(attrs) is not None
        if not tag:
            return match.group(0)
        return " " if local in BLOCK else ""

    return _TAG_RE.sub(replace, text)


def _decode(text: str) -> str:
    if "&" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        entity = match.group(0)
        if entity[1] == "#" or entity[1:] in html5:
            return html.unescape(entity)
        return entity

    return _ENTITY_RE.sub(replace, text)
