"""Markup removal from titles and abstracts: what is a tag, what is maths, and properties."""

import html

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from landscape.ingest.clean import clean_prose, clean_text
from landscape.ingest.markup import INLINE, strip_markup

# Fragments that markup and maths are made of, so that random texts hit the rules.
FRAGMENTS = [
    "<i>", "</i>", "<b>", "</b>", "<sub>", "</sub>", "<jats:p>", "</jats:p>",
    "<jats:italic>", "</jats:italic>", "<mml:math alttext=\"x&gt;1\">", "</mml:math>",
    "<mml:mi>", "</mml:mi>", "<br/>", "<br>", "<p>", "</p>", "<span class=\"x\">",
    "</span>", "<unk>", "<s>", "</s>", "&amp;", "&lt;", "&gt;", "&#x2013;", "&#8211;",
    "&amp;lt;", "&nbsp;", "&notation", "R&D;", "&", "<", ">", "</", "/>", "=", "\"",
    "x", "y", " ", "0.05", "p", "a", "b", "\u200b", "\uff1c", "\uff1e", "\n",
]  # fmt: skip
marked = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
plain = st.text().filter(lambda t: "<" not in t and "&" not in t)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("We present <i>Lumen</i>, a toolkit", "We present Lumen, a toolkit"),
        ("features &amp; shortcut learning", "features & shortcut learning"),
        ("H<sub>2</sub>O and x<sup>2</sup>", "H2O and x2"),
        ("pages 12&#x2013;15 and 16&#8211;18", "pages 12–15 and 16–18"),
        ("A&amp;lt;i&amp;gt;B&amp;lt;/i&amp;gt;C", "ABC"),  # escaped twice
        ("&lt;i&gt;Escaped&lt;/i&gt; once", "Escaped once"),
        (
            "<jats:title>Abstract</jats:title><jats:p>First.</jats:p><jats:p>Second "
            "<jats:italic>in vitro</jats:italic>.</jats:p>",
            "First. Second in vitro.",
        ),
        ("<jats:sec><jats:title>Methods</jats:title>We</jats:sec>", "Methods We"),
        (
            "if <mml:math><mml:mi>x</mml:mi><mml:mo>=</mml:mo><mml:mn>1</mml:mn></mml:math>",
            "if x=1",
        ),
        ('bound <mml:math alttext="x &gt; 0"/> holds', "bound x > 0 holds"),
        ('bound <mml:math alttext="x &gt; 0"></mml:math> holds', "bound x > 0 holds"),
        (
            "<math><semantics><mi>y</mi><annotation encoding='application/x-tex'>y</annotation>"
            "</semantics></math> is",
            "y is",
        ),
        (
            "<jats:inline-formula><jats:alternatives><jats:tex-math>$x^2$</jats:tex-math>"
            "<mml:math><mml:msup><mml:mi>x</mml:mi><mml:mn>2</mml:mn></mml:msup></mml:math>"
            "</jats:alternatives></jats:inline-formula> grows",
            "x2 grows",
        ),
        ("line<br>break and<br/>more", "line break and more"),
        ('<span class="hl">hit</span> and <font face="Symbol">a</font>', "hit and a"),
        ("<p>One.</p><p>Two.</p>", "One. Two."),
        ("Caf&eacute; &copy; 2020", "Café © 2020"),
    ],
)
def test_markup_is_removed(raw, clean):
    assert clean_prose(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        "x < y and y > z",
        "p<0.05 and q>0.1",
        "particles <100 nm wide",
        "for all a<b>c we have",  # no </b>: maths, not bold
        "the <unk> and <mask> tokens",
        "sentences between <s> and </s>",  # NLP tokens, not strikethrough
        "R&D; AT&T; Q&A",
        "the &notation and &para meter",  # no ';': not entities
        "if n<m k=2> then",  # an unquoted attribute on an unknown name: maths
        "<i>unclosed italic",
        "a <= b >= c",
        "x&lt",
    ],
)
def test_text_that_is_not_markup_is_kept(text):
    assert clean_prose(text) == text
    assert strip_markup(text) == text


@given(marked)
def test_strip_markup_is_idempotent(text):
    once = strip_markup(text)
    assert strip_markup(once) == once
    assert len(once) <= len(text)


@given(st.one_of(marked, st.text()))
def test_clean_prose_is_idempotent(text):
    once = clean_prose(text)
    assert clean_prose(once) == once
    assert "  " not in once and once == once.strip()


@given(plain)
def test_text_without_lt_or_amp_is_unchanged(text):
    assert strip_markup(text) == text
    assert clean_prose(text) == clean_text(text)


@given(plain, st.sampled_from(sorted(INLINE)))
def test_inline_tags_around_plain_text_vanish(text, tag):
    # A formula with no text becomes its alttext, or one space so that the words
    # around it stay apart ("a<math/>b" -> "a b"): covered by the next test.
    assume(tag != "math" or text.strip())
    assert strip_markup(f"<{tag}>{text}</{tag}>") == text
    assert strip_markup(f"<jats:{tag}>{text}</jats:{tag}>") == text


@pytest.mark.parametrize("blank", ["", " ", "\n"])
def test_a_formula_without_text_keeps_the_words_around_it_apart(blank):
    assert strip_markup(f"a<math>{blank}</math>b") == "a b"
    assert strip_markup("a<math/>b") == "a b"


@given(plain)
def test_markup_escaped_twice_is_removed(text):
    escaped = html.escape(html.escape(f"<i>{text}</i>"))
    assert strip_markup(escaped) == text
