from pathlib import Path

import pytest

from landscape.config import Config, from_dict, load_config, override, project_path, project_root
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
        ({"ingest": {"source_names": ["a"]}}, "must be a table of names"),
        ({"ingest": {"source_names": {"a.txt": 3}}}, "must be a table of names"),
        ({"ingest": {"source_names": {"a.txt": " "}}}, "must be a table of names"),
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


def test_keep_title_only_from_toml(tmp_path):
    assert Config().ingest.keep_title_only is False  # the default drops them
    path = tmp_path / "c.toml"
    path.write_text("[ingest]\nkeep_title_only = true\n")
    assert load_config(path).ingest.keep_title_only is True
    with pytest.raises(ConfigError, match="keep_title_only must be bool"):
        from_dict({"ingest": {"keep_title_only": "yes"}}, source="my.toml")


def test_source_names_table_from_toml(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[ingest.source_names]\n"001_ab12cd34ef56.txt" = "Trending, 11 March"\n')
    assert load_config(path).ingest.source_names == {"001_ab12cd34ef56.txt": "Trending, 11 March"}


def test_project_root_is_found_from_any_folder_below_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    deep = tmp_path / "notebooks" / "sub"
    deep.mkdir(parents=True)
    for start in (tmp_path, tmp_path / "notebooks", deep):
        assert project_root(start) == tmp_path.resolve()
        assert project_path("runs/default", start) == tmp_path.resolve() / "runs" / "default"
    # Absolute paths pass through; without a pyproject.toml above, the start folder.
    assert project_path(tmp_path / "x", deep) == tmp_path / "x"
    lone = tmp_path.parent / f"{tmp_path.name}-lone"
    lone.mkdir()
    assert project_root(lone) == lone.resolve()


def test_project_root_of_this_checkout_from_the_notebooks_folder():
    root = Path(__file__).resolve().parents[1]
    assert project_root(root / "notebooks") == root
