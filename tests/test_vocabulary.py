import re

from landscape.fit.vocabulary import RESEARCH_STOP_WORDS, STOP_WORDS, TOKEN_PATTERN


def test_stop_words_include_research_boilerplate():
    for word in ("paper", "propose", "approach", "results", "the"):
        assert word in STOP_WORDS
    assert "protein" not in RESEARCH_STOP_WORDS


def test_token_pattern_keeps_words_that_start_with_a_letter():
    tokens = re.findall(TOKEN_PATTERN, "GPT-4 beats 3d models, a b of x2 in vision-language.")
    assert tokens == ["GPT-4", "beats", "models", "of", "x2", "in", "vision-language"]
