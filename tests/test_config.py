import pytest

from landscape.config import Config, from_dict, load_config, override
from landscape.errors import ConfigError


def test_defaults():
    cfg = load_config(None)
    assert cfg == Config()
    assert cfg.paths.raw == "data/raw" and cfg.ingest.min_abstract_words == 20


def test_toml_overrides_defaults(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[ingest]\nmin_abstract_words = 5\nextra_chrome = ["x"]\n[paths]\nruns = "r"\n')
    cfg = load_config(path)
    assert cfg.ingest.min_abstract_words == 5
    assert cfg.ingest.extra_chrome == ("x",)
    assert cfg.paths.runs == "r" and cfg.paths.raw == "data/raw"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"nope": {}}, "unknown section [nope]"),
        ({"ingest": {"bogus": 1}}, "unknown key 'bogus'"),
        ({"ingest": {"min_abstract_words": "ten"}}, "must be int"),
        ({"ingest": {"min_abstract_words": True}}, "must be int"),
        ({"ingest": {"extra_chrome": "x"}}, "must be a list"),
        ({"ingest": 3}, "must be a table"),
    ],
)
def test_invalid_config_names_the_problem(data, needle):
    with pytest.raises(ConfigError) as info:
        from_dict(data, source="my.toml")
    assert needle in str(info.value) and "my.toml" in str(info.value)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[ingest\n")
    with pytest.raises(ConfigError, match="not a valid TOML"):
        load_config(bad)


def test_override_ignores_none_and_returns_new_object():
    cfg = Config()
    new = override(cfg, "ingest", min_abstract_words=7, encoding=None)
    assert new.ingest.min_abstract_words == 7 and new.ingest.encoding == "utf-8"
    assert cfg.ingest.min_abstract_words == 20
    assert override(cfg, "ingest", encoding=None) is cfg
    assert new.to_dict()["ingest"]["min_abstract_words"] == 7
