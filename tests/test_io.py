import json

import pandas as pd
import pytest

from landscape.io import atomic_path, write_json, write_parquet


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.json"
    write_json(target, {"v": 1})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_parquet_roundtrip_and_stable_bytes(tmp_path):
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    write_parquet(tmp_path / "one.parquet", df)
    write_parquet(tmp_path / "two.parquet", df)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.parquet"), df)


def test_write_json_is_sorted_and_creates_folders(tmp_path):
    path = write_json(tmp_path / "x" / "y.json", {"b": 1, "a": "é"})
    text = path.read_text(encoding="utf-8")
    assert text.index('"a"') < text.index('"b"') and "é" in text


def test_folder_lock_excludes_a_second_writer(tmp_path):
    from landscape.errors import LandscapeError
    from landscape.io import folder_lock

    with folder_lock(tmp_path / "run"):
        with (
            pytest.raises(LandscapeError, match="in use by another landscape run"),
            folder_lock(tmp_path / "run"),
        ):
            pass
        (tmp_path / "run" / "x").write_text("1")
    with folder_lock(tmp_path / "run"):  # released: usable again
        pass


def test_folder_lock_leaves_no_empty_folder(tmp_path):
    from landscape.io import folder_lock

    with pytest.raises(RuntimeError), folder_lock(tmp_path / "new"):
        raise RuntimeError("failed before writing")
    assert not (tmp_path / "new").exists()
