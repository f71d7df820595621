import numpy as np
import pandas as pd
import pytest

from landscape.errors import LandscapeError
from landscape.explore.topic_mapping import MAPPING_COLUMNS, topic_id_mapping, write_topic_mapping
from landscape.io import write_parquet


def docs_of(topics):
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(topics))], "topic": topics})


def test_mapping_recovers_a_permutation():
    old = np.repeat([0, 1, 2, 3], 10)
    perm = np.array([2, 0, 3, 1])
    table = topic_id_mapping(docs_of(old), docs_of(perm[old]).sample(frac=1, random_state=1))
    assert list(table.columns) == list(MAPPING_COLUMNS)
    assert table["new_topic"].tolist() == perm.tolist()
    assert (table["status"] == "kept").all() and (table["jaccard"] == 1.0).all()


def test_mapping_lists_splits_merges_and_new_topics():
    old = np.repeat([0, 1, 2, 3], 10)
    new = old.copy()
    new[5:10] = 4  # old 0 splits into new 0 and new 4
    new[old == 2] = 1  # old 1 and old 2 merge into new 1
    new[30] = -1  # an outlier in the refit counts for nothing
    table = topic_id_mapping(docs_of(old), docs_of(new)).set_index("old_topic", drop=False)
    assert table.loc[0, "status"] == "split" and sorted(table.loc[0, "destinations"]) == [0, 4]
    assert table.loc[1, "status"] == table.loc[2, "status"] == "merged"
    assert table.loc[1, "merged_with"] == [2] and table.loc[2, "merged_with"] == [1]
    # One of the merged topics keeps the id; the other has no counterpart of its own.
    assert table.loc[[1, 2], "new_topic"].eq(1).sum() == 1
    assert table.loc[[1, 2], "new_topic"].isna().sum() == 1
    assert table.loc[3, "status"] == "kept" and table.loc[3, "overlap"] == 9
    assert table.loc[3, "jaccard"] == pytest.approx(0.9)
    # The matched half of old 0 keeps its id; the other half is listed, not lost.
    assert table.loc[0, "new_topic"] in (0, 4)
    assert table["status"].isin(["kept", "split", "merged", "new", "dissolved"]).all()


def test_mapping_only_counts_shared_papers_and_writes_a_file(tmp_path):
    old = docs_of(np.repeat([0, 1], 5))
    new = pd.concat([docs_of(np.repeat([1, 0], 5)), pd.DataFrame({"doc_id": ["z"], "topic": [2]})])
    write_parquet(tmp_path / "prev" / "documents.parquet", old)
    path = write_topic_mapping(tmp_path / "prev", new, tmp_path / "new")
    table = pd.read_parquet(path)
    assert table["new_topic"].tolist() == [1, 0] and (table["jaccard"] == 1.0).all()
    with pytest.raises(LandscapeError, match="share no paper"):
        topic_id_mapping(old, new.assign(doc_id=new["doc_id"] + "x"))
