"""The data of the standalone map page: typed columns, packed texts, topic tree, labels.

:func:`page_data` turns a run's tables into the one JSON object the page script
(``map_page.js``) reads. Numbers travel as base64 typed arrays (``{"dtype",
"bdata"}``, the form plotly.js reads), four bytes a coordinate instead of a
dozen characters of JSON. The per-paper texts (doc ids; titles with abstracts)
travel, and stay in the page's memory, as compressed blocks (:func:`packed_records`):
the page inflates one block with the browser's ``DecompressionStream`` when it
shows a paper, and streams through all of them when it searches, so a
1,000,000-paper page never holds a million strings. Nothing here reaches the
page as HTML: the page script puts every string into the document with
``textContent``.

Papers are reordered (outliers first, so topics draw over them); ``order``
gives each page position's row of ``documents``.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import ConvexHull, QhullError

from landscape.maps.labels import label_candidates, level_columns
from landscape.maps.style import as_list, clean_text, file_name, theme_colors, truncate

#: Characters of abstracts embedded in all; past it each abstract gets an equal share.
ABSTRACT_BUDGET = 11_000_000
#: Shortest useful cut abstract (characters); below it abstracts are left out.
MIN_ABSTRACT_CHARS = 100
#: Colour of papers in no topic (lighter than the figures' outlier grey: it sits behind).
OUTLIER_COLOR = "#D2D2D2"
#: Share of a topic's points (farthest from its median) left out of its outline.
HULL_TRIM = 0.05
#: Term lists join terms with this; a map label is a name, never a term list.
TERM_SEPARATOR = "·"
#: Uncompressed bytes of texts in one block (the page inflates a block to show one
#: paper): large enough to compress about as well as one stream.
BLOCK_BYTES = 256_000
#: Ends every record of :func:`packed_records`; separates a paper's title and abstract.
RECORD_END, FIELD_SEPARATOR = "\n", "\t"
#: An empty final deflate block: a block cut at a full flush point plus these bytes
#: is a complete raw deflate stream.
DEFLATE_END = b"\x03\x00"


def typed(values: np.ndarray, dtype: str) -> dict[str, str]:
    """A base64 typed array as plotly.js reads it.

    Args:
        values: Numbers, shape (n,).
        dtype: ``f4``, ``i2``, ``i4``, ``u1``, ``u2`` (little-endian, like every
            browser).

    Returns:
        ``{"dtype": dtype, "bdata": base64}``.
    """
    raw = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()
    return {"dtype": dtype, "bdata": base64.b64encode(raw).decode("ascii")}


def _one_line(text: str) -> str:
    """``text`` without the separators of :func:`packed_texts` (a tab or newline: a space)."""
    if RECORD_END in text or FIELD_SEPARATOR in text:
        return text.replace(FIELD_SEPARATOR, " ").replace(RECORD_END, " ")
    return text


def packed_records(records: Sequence[str], block: int) -> dict[str, Any]:
    """Strings as blocks of raw deflate that can be inflated one by one or all in one go.

    Each record ends with a newline (:data:`RECORD_END`; one inside a record
    becomes a space); records ``[i * block, (i + 1) * block)`` form block ``i``.
    The blocks are one deflate stream with a full flush after each block, so
    that the whole stream inflates at once (a search) and block ``i`` alone is
    ``data[offsets[i]:offsets[i + 1]]`` followed by :data:`DEFLATE_END` (one paper).

    Args:
        records: The strings (UTF-8 encoded).
        block: Records per block.

    Returns:
        ``{"data": base64, "offsets": typed u4 array}``: the stream and each
        block's start, plus one past the last block (before the stream's end).
    """
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9)
    chunks: list[bytes] = []
    offsets = [0]
    size = 0
    for start in range(0, len(records), block):
        raw = "".join(
            r.replace(RECORD_END, " ") + RECORD_END for r in records[start : start + block]
        )
        for chunk in (packer.compress(raw.encode("utf-8")), packer.flush(zlib.Z_FULL_FLUSH)):
            chunks.append(chunk)
            size += len(chunk)
        offsets.append(size)
    chunks.append(packer.flush())
    return {
        "data": base64.b64encode(b"".join(chunks)).decode("ascii"),
        "offsets": typed(np.asarray(offsets, dtype=np.int64), "u4"),
    }


def unpacked_records(packed: dict[str, Any], n: int) -> list[str]:
    """The ``n`` strings of :func:`packed_records` (the page's reading, for tests and tools)."""
    raw = zlib.decompress(base64.b64decode(packed["data"]), -15).decode("utf-8")
    records = raw.split(RECORD_END)
    if len(records) != n + 1 or records[-1]:
        raise ValueError(f"expected {n} records, found {len(records) - 1}")
    return records[:n]


def texts_block(texts: dict[str, list[str]]) -> int:
    """Records per block: about :data:`BLOCK_BYTES` of titles and abstracts, a power of two."""
    n = len(texts["title"])
    if not n:
        return 256
    chars = sum(len(t) + len(a) + 2 for t, a in zip(texts["title"], texts["abstract"], strict=True))
    per = BLOCK_BYTES / max(chars / n, 1)
    return int(2 ** min(max(round(np.log2(per)), 4), 12))


def packed_texts(texts: dict[str, list[str]]) -> dict[str, Any]:
    """The page's texts: ``{"block", "ids", "text"}``, each of the two :func:`packed_records`.

    ``ids`` holds the doc ids, ``text`` each paper's title and abstract joined
    by a tab (:data:`FIELD_SEPARATOR`).
    """
    block = texts_block(texts)
    joined = [
        _one_line(t) + FIELD_SEPARATOR + _one_line(a)
        for t, a in zip(texts["title"], texts["abstract"], strict=True)
    ]
    return {
        "block": block,
        "ids": packed_records(texts["doc_id"], block),
        "text": packed_records(joined, block),
    }


def unpacked_texts(data: dict[str, Any]) -> dict[str, list[str]]:
    """``{"doc_id", "title", "abstract"}`` lists of a :func:`page_data` object's texts."""
    n = data["n"]
    pairs = [r.split(FIELD_SEPARATOR, 1) for r in unpacked_records(data["texts"]["text"], n)]
    return {
        "doc_id": unpacked_records(data["texts"]["ids"], n),
        "title": [p[0] for p in pairs],
        "abstract": [p[1] if len(p) > 1 else "" for p in pairs],
    }


def _index_dtype(n: int) -> str:
    return "i2" if n < 2**15 else "i4"


def _label(label: Any, name: Any, topic: int) -> str:
    """A topic's map label: its name, never a term list (``a · b · c``)."""
    for text in (label, name):
        text = clean_text(text)
        if text and TERM_SEPARATOR not in text:
            return text
    text = clean_text(label) or clean_text(name)
    head = text.split(TERM_SEPARATOR)[0].strip()
    return head or ("Outliers" if topic == -1 else f"Topic {topic}")


def _topic_rows(documents: pd.DataFrame, topics: pd.DataFrame | None) -> pd.DataFrame:
    """``topic, level, parent, label`` of every topic of the table (outliers left out)."""
    if topics is None or not len(topics):
        label = documents.get("topic_label", "")
        topics = documents[["topic"]].assign(label=label).drop_duplicates("topic")
    rows = pd.DataFrame({"topic": topics["topic"].astype(np.int64).to_numpy()})
    rows["level"] = topics["level"].astype(np.int64).to_numpy() if "level" in topics else 0
    rows["parent"] = topics["parent"].astype(np.int64).to_numpy() if "parent" in topics else -1
    labels = topics["label"].tolist() if "label" in topics else [None] * len(topics)
    names = topics["name"].tolist() if "name" in topics else [None] * len(topics)
    rows["label"] = [
        _label(lab, name, t) for lab, name, t in zip(labels, names, rows["topic"], strict=True)
    ]
    return rows[rows["topic"] >= 0].drop_duplicates("topic").reset_index(drop=True)


def level_ids(documents: pd.DataFrame, rows: pd.DataFrame) -> dict[int, np.ndarray]:
    """Each paper's topic id at every level of ``rows`` (-1: none), shape (n,) each.

    From the ``level_N`` columns of a run with levels; else the ``topic``
    column is the level its ids belong to, and the levels above follow the
    ``parent`` links (a finer level is unknown: -1).
    """
    levels = sorted(set(rows["level"].tolist())) or [0]
    columns = level_columns(documents)
    if set(columns.values()) != {"topic"}:
        n = len(documents)
        return {
            lv: documents[columns[lv]].to_numpy(dtype=np.int64)
            if lv in columns
            else np.full(n, -1, dtype=np.int64)
            for lv in levels
        }
    topic = documents["topic"].to_numpy(dtype=np.int64)
    level_of = dict(zip(rows["topic"], rows["level"], strict=True))
    parent = dict(zip(rows["topic"], rows["parent"], strict=True))
    found = [level_of[t] for t in set(topic.tolist()) if t in level_of]
    own = max(set(found), key=found.count) if found else levels[-1]
    out = {lv: np.full(len(topic), -1, dtype=np.int64) for lv in levels}
    out[own] = topic
    ids = topic
    for lv in reversed([lv for lv in levels if lv < own]):
        ids = np.array([parent.get(t, -1) for t in ids.tolist()], dtype=np.int64)
        out[lv] = ids
    return out


def topic_tree(documents: pd.DataFrame, topics: pd.DataFrame | None) -> pd.DataFrame:
    """Every topic on the map at every level, in tree order.

    Args:
        documents: ``topic`` and, for a run with levels, ``level_0``, ``level_1``, ...
        topics: One row per topic at one level (``topic``, ``label``) or at every
            level (``Run.all_topics``: also ``level``, ``parent``, ``name``);
            ``None`` takes labels from ``documents.topic_label``.

    Returns:
        A new frame, one row per topic with papers on the map: ``topic``,
        ``level`` (0 = themes), ``parent`` (-1 at the top), ``label`` (a name,
        no term list), ``size`` (papers on the map), ordered by level, then size
        (largest first), then id.
    """
    rows = _topic_rows(documents, topics)
    counts: dict[int, int] = {}
    for ids in level_ids(documents, rows).values():
        found, n = np.unique(ids, return_counts=True)
        counts.update(zip(found.tolist(), n.tolist(), strict=True))
    rows["size"] = [counts.get(t, 0) for t in rows["topic"]]
    rows = rows[rows["size"] > 0]
    rows = rows.sort_values(["level", "size", "topic"], ascending=[True, False, True])
    return rows.reset_index(drop=True)


def _membership(ids_by_level: dict[int, np.ndarray], tree: pd.DataFrame) -> list[np.ndarray]:
    """Each level's tree row of every paper (-1: none at that level), shape (n,) each."""
    top = max(
        [int(tree["topic"].to_numpy().max(initial=0))]
        + [int(i.max(initial=0)) for i in ids_by_level.values()]
    )
    table = np.full(top + 2, -1, dtype=np.int64)  # the last slot answers id -1
    table[tree["topic"].to_numpy(dtype=np.int64)] = np.arange(len(tree))
    return [table[ids] for _, ids in sorted(ids_by_level.items())]


def _topic_level(documents: pd.DataFrame, tree: pd.DataFrame) -> int:
    """The level whose topics are the documents' ``topic`` column (the reports' topics)."""
    topic_ids = set(documents["topic"].astype(np.int64)) - {-1}
    for level, rows in tree.groupby("level"):
        if topic_ids <= set(rows["topic"]):
            return int(level)
    return int(tree["level"].max()) if len(tree) else 0


def _hull(points: np.ndarray) -> np.ndarray:
    """Outline of a topic's points: the convex hull of all but the farthest few, shape (k, 2)."""
    if len(points) >= 20:
        distance = np.linalg.norm(points - np.median(points, axis=0), axis=1)
        points = points[distance <= np.quantile(distance, 1 - HULL_TRIM)]
    if len(points) < 3:
        return points
    try:
        return points[ConvexHull(points).vertices]
    except QhullError:  # all on a line
        return points[[np.argmin(points[:, 0]), np.argmax(points[:, 0])]]


def _hulls(xy: np.ndarray, membership: list[np.ndarray], n_topics: int) -> list[list[float]]:
    """Flat ``[x0, y0, x1, y1, ...]`` outline of each tree row, in map units."""
    hulls: list[list[float]] = [[] for _ in range(n_topics)]
    for rows in membership:
        keep = np.flatnonzero(rows >= 0)
        order = keep[np.argsort(rows[keep], kind="stable")]
        groups = rows[order]
        bounds = np.flatnonzero(np.diff(groups)) + 1
        for chunk in np.split(order, bounds):
            if len(chunk):
                outline = _hull(xy[chunk])
                hulls[int(rows[chunk[0]])] = np.round(outline, 4).ravel().tolist()
    return hulls


def _years(corpus: pd.DataFrame | None, n: int) -> np.ndarray | None:
    """Publication year of each paper (0 when unknown), or ``None`` when no paper has one."""
    if corpus is None:
        return None
    years = pd.Series(np.nan, index=range(n))
    if "year" in corpus:
        years = pd.to_numeric(corpus["year"], errors="coerce").reset_index(drop=True)
    if "date" in corpus and years.isna().any():
        dated = pd.to_datetime(corpus["date"].reset_index(drop=True), errors="coerce", utc=True)
        years = years.fillna(dated.dt.year)
    years = years.where((years >= 1000) & (years <= 9999))
    if years.notna().sum() == 0:
        return None
    return years.fillna(0).to_numpy(dtype=np.int64)


def _sources(corpus: pd.DataFrame | None, n: int) -> tuple[list[str], list[list[int]], np.ndarray]:
    """``(names, combos, combo of each paper)``: readable source names over file names."""
    if corpus is None or not ({"source_names", "source_files"} & set(corpus.columns)):
        return [], [[]], np.zeros(n, dtype=np.int64)
    named = "source_names" in corpus
    shown = clean_text if named else file_name
    values = corpus["source_names" if named else "source_files"].tolist()
    names: dict[str, int] = {}
    combos: dict[tuple[int, ...], int] = {}
    out = np.empty(n, dtype=np.int64)
    for k, files in enumerate(values):
        key = tuple(
            names.setdefault(s, len(names)) for s in dict.fromkeys(shown(f) for f in as_list(files))
        )
        out[k] = combos.setdefault(key, len(combos))
    return list(names), [list(c) for c in combos], out


def _texts(corpus: pd.DataFrame | None, doc_ids: list[str]) -> tuple[dict[str, list], int | None]:
    """Doc ids, titles and abstracts (cut to fit :data:`ABSTRACT_BUDGET`), and the cut."""
    n = len(doc_ids)
    titles = [""] * n
    abstracts = [""] * n
    if corpus is not None and "title" in corpus:
        titles = [clean_text(t) for t in corpus["title"].tolist()]
    cap = None
    if corpus is not None and "abstract" in corpus:
        raw = corpus["abstract"].tolist()
        share = ABSTRACT_BUDGET // max(n, 1)
        long = sum(len(a) for a in raw if isinstance(a, str)) > ABSTRACT_BUDGET
        if long:
            cap = share if share >= MIN_ABSTRACT_CHARS else 0
        # Only the head of an abstract is kept: clean no more than needed.
        limit = None if cap is None else cap * 2
        abstracts = [clean_text(a[:limit] if isinstance(a, str) else a) for a in raw]
        if cap is not None:
            abstracts = [truncate(a, cap) if cap else "" for a in abstracts]
    return {"doc_id": doc_ids, "title": titles, "abstract": abstracts}, cap


def _aligned_corpus(documents: pd.DataFrame, corpus: pd.DataFrame | None) -> pd.DataFrame | None:
    """The corpus rows of the documents, in document order (``None`` without a corpus)."""
    if corpus is None or "doc_id" not in corpus:
        return None
    table = corpus.assign(doc_id=corpus["doc_id"].astype(str)).drop_duplicates("doc_id")
    return table.set_index("doc_id").reindex(documents["doc_id"].astype(str)).reset_index()


def _candidates(
    docs: pd.DataFrame, ids_by_level: dict[int, np.ndarray], tree: pd.DataFrame
) -> list:
    """Label candidates in priority order: ``[tree row, x, y, radius]`` each."""
    if not len(tree):
        return []
    points = docs[["x", "y"]].assign(**{f"level_{lv}": ids for lv, ids in ids_by_level.items()})
    table = label_candidates(points, tree)
    position = dict(zip(tree["topic"], range(len(tree)), strict=True))
    return [
        [position[int(t)], round(float(x), 5), round(float(y), 5), round(float(r), 5)]
        for t, x, y, r in zip(table["topic"], table["x"], table["y"], table["radius"], strict=True)
        if int(t) in position
    ]


def page_data(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None,
    topics: pd.DataFrame | None,
    *,
    highlight: Sequence[str] | None = None,
    highlight_name: str = "Highlighted papers",
) -> dict[str, Any]:
    """Everything the map page shows, as one JSON-ready object.

    Args:
        documents: Document table of a run (``doc_id``, ``topic``, ``x``, ``y``
            and ``level_0``, ``level_1``, ... for a run with levels).
        corpus: Corpus table (``doc_id``, ``title``, ``abstract``, ``year`` or
            ``date``, ``source_names`` or ``source_files``), or ``None``.
        topics: Topic table at one level or at every level (see :func:`topic_tree`).
        highlight: Doc ids highlighted when the page opens, in list order.
        highlight_name: Heading of that list (plain text).

    Returns:
        ``{"n", "columns", "topics", "topic_level", "colors", "labels",
        "sources", "source_combos", "texts", "abstract_cap", "preset"?}``
        (``texts``: see :func:`packed_texts`, read back by :func:`unpacked_texts`):
        ``columns`` holds typed arrays of length n (``x``, ``y``, ``color``,
        ``levels`` (one per level: each paper's row of ``topics``, -1 for
        none), ``source``, ``year`` (0: unknown; absent without dates));
        ``topics`` the tree rows ``[topic, level, parent row, label, size,
        colour, outline]`` (levels numbered 0, 1, ... from the top).
    """
    docs = documents.reset_index(drop=True)
    if topics is None or "level" not in topics:
        # One level of topics: the documents' topic column, whatever levels they hold.
        docs = docs.drop(columns=[c for c in level_columns(docs).values() if c != "topic"])
    tree = topic_tree(docs, topics)
    ids_by_level = level_ids(docs, tree)
    membership = _membership(ids_by_level, tree)
    # The page numbers levels 0, 1, ... from the top, whatever the table's numbers.
    rank = {lv: i for i, lv in enumerate(sorted(ids_by_level))}
    topic_level = rank.get(_topic_level(docs, tree), len(rank) - 1)
    colors_by_id = theme_colors(tree)
    node_colors = [colors_by_id.get(int(t), OUTLIER_COLOR) for t in tree["topic"]]
    # A paper's colour: its topic's shade, else the nearest level above that has it.
    palette = [OUTLIER_COLOR, *dict.fromkeys(node_colors)]
    color_index = {c: i for i, c in enumerate(palette)}
    node_color_index = np.array([color_index[c] for c in node_colors] + [0], dtype=np.int64)
    point_color = np.zeros(len(docs), dtype=np.int64)
    for rows in membership[: topic_level + 1]:
        point_color = np.where(rows >= 0, node_color_index[rows], point_color)
    # Outliers (colour 0) first, so every topic draws over them; papers of a topic
    # together, so their similar texts compress better.
    order = np.argsort(point_color, kind="stable")
    docs = docs.iloc[order].reset_index(drop=True)
    membership = [m[order] for m in membership]
    ids_by_level = {lv: ids[order] for lv, ids in ids_by_level.items()}
    point_color = point_color[order]
    aligned = _aligned_corpus(docs, corpus)
    n = len(docs)
    xy = docs[["x", "y"]].to_numpy(dtype=np.float64)

    parent_row = dict(zip(tree["topic"], range(len(tree)), strict=True))
    hulls = _hulls(xy, membership, len(tree))
    nodes = [
        [int(t), rank[int(lv)], parent_row.get(int(p), -1), lab, int(s), c, h]
        for (t, lv, p, lab, s), c, h in zip(
            tree[["topic", "level", "parent", "label", "size"]].itertuples(index=False),
            node_colors,
            hulls,
            strict=True,
        )
    ]
    names, combos, source = _sources(aligned, n)
    texts, cap = _texts(aligned, docs["doc_id"].astype(str).tolist())
    columns: dict[str, Any] = {
        "x": typed(xy[:, 0], "f4"),
        "y": typed(xy[:, 1], "f4"),
        "color": typed(point_color, "u1" if len(palette) < 256 else "u2"),
        "levels": [typed(m, _index_dtype(len(tree))) for m in membership],
        "source": typed(
            source, "u1" if len(combos) < 2**8 else "u2" if len(combos) < 2**16 else "i4"
        ),
    }
    years = _years(aligned, n)
    if years is not None:
        columns["year"] = typed(years, "i2")
    data: dict[str, Any] = {
        "n": n,
        "columns": columns,
        "topics": nodes,
        "topic_level": topic_level,
        "colors": palette,
        "labels": _candidates(docs, ids_by_level, tree),
        "sources": names,
        "source_combos": combos,
        "texts": packed_texts(texts),
        "abstract_cap": cap,
    }
    if highlight is not None:
        position = {d: k for k, d in enumerate(texts["doc_id"])}
        data["preset"] = {
            "name": highlight_name,
            "index": [position[str(d)] for d in highlight if str(d) in position],
        }
    return data
