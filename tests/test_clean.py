import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from landscape.ingest.clean import clean_text, make_doc_id, title_key, word_count


def test_clean_text_repairs_mojibake_and_normalises():
    assert clean_text("cafÃ© latte") == "café latte"
    decomposed = "cafe\u0301"
    assert clean_text(decomposed) == unicodedata.normalize("NFC", decomposed)
    assert clean_text("  a\tb\n\nc\x00d\u200b e\x7ff ") == "a b c d e f"


def test_clean_text_missing_is_empty():
    assert clean_text(None) == ""
    assert clean_text("") == ""


def test_title_key_ignores_case_space_punctuation_accents():
    assert title_key("i-RevNet: Deep  Invertible Networks") == title_key(
        "I RevNet deep invertible networks"
    )
    assert title_key("Schrödinger Bridges") == title_key("Schrodinger bridges!")
    assert title_key("A vs. B") != title_key("A vs. C")


@given(st.text())
def test_clean_text_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert "  " not in once
    assert once == once.strip()


@given(st.text())
def test_title_key_is_idempotent_and_lowercase(text):
    key = title_key(text)
    assert title_key(key) == key
    assert key == key.casefold() or not key


def test_doc_id_stable_and_distinct_by_kind():
    a = make_doc_id("title", "deep invertible networks")
    assert a == make_doc_id("title", "deep invertible networks")
    assert len(a) == 16 and int(a, 16) >= 0
    assert a != make_doc_id("doi", "deep invertible networks")
    assert a != make_doc_id("title", "deep invertible network")


def test_word_count():
    assert word_count(" one two  three ") == 3
    assert word_count("") == 0


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_title_key_ascii_fast_path_matches_general_path(text):
    from landscape.ingest import clean

    general = clean.title_key(text + "é")[:-1].strip()  # non-ASCII forces the slow path
    assert clean.title_key(text) == general
