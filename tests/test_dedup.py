from collections import Counter

import numpy as np

from conftest import ABSTRACT, OTHER_ABSTRACT
from landscape.ingest import dedup
from landscape.ingest.clean import title_key
from landscape.ingest.dedup import DedupIndex, DedupOptions, find_duplicates

THIRD = (
    "Dark matter halos shape the rotation curves of dwarf galaxies; we fit forty rotation "
    "curves with cored and cusped profiles and find cores in most systems observed."
)


def run(titles, abstracts, dois=None, arxiv=None, years=None, **opts):
    n = len(titles)
    return find_duplicates(
        [title_key(t) for t in titles],
        abstracts,
        dois or [None] * n,
        arxiv or [None] * n,
        years or [None] * n,
        DedupOptions(**opts) if opts else None,
    )


def test_distinct_papers_stay_apart():
    group, links = run(
        ["A Study of Things", "Other Work", "Galaxy Rotation"], [ABSTRACT, OTHER_ABSTRACT, THIRD]
    )
    assert group.tolist() == [0, 1, 2] and links == {}


def test_exact_doi_and_arxiv_win_over_text():
    group, links = run(
        ["Title One", "Completely Different Title", "Title Three"],
        [ABSTRACT, OTHER_ABSTRACT, THIRD],
        dois=["10.1/x", "10.1/x", None],
        arxiv=[None, "2101.00001", "2101.00001"],
    )
    assert group.tolist() == [0, 0, 0]
    assert links[1].rule == "exact-doi" and links[1].other == 0
    assert links[2].rule == "exact-arxiv" and links[2].other == 1


def test_exact_title_ignores_case_and_punctuation():
    group, links = run(["Deep Nets: A Survey", "deep nets a survey!"], [ABSTRACT, ABSTRACT])
    assert group.tolist() == [0, 0] and links[1].rule == "exact-title"


def test_conflicting_identifiers_are_never_merged_by_text():
    group, _ = run(
        ["Discussion of: Brownian distance covariance"] * 2,
        [ABSTRACT, ABSTRACT],
        arxiv=["1010.0001", "1010.0002"],
    )
    assert group.tolist() == [0, 1]


def test_fuzzy_title_with_compatible_years():
    titles = [
        "Graph Neural Networks for Molecule Property Prediction",
        "Graph Neural Network for Molecular Property Prediction",
    ]
    group, links = run(titles, [ABSTRACT, ABSTRACT + " Revised."], years=[2020, 2021])
    assert group.tolist() == [0, 0]
    assert links[1].rule == "fuzzy-title" and 0.92 <= links[1].score < 1
    far, _ = run(titles, [ABSTRACT, ABSTRACT + " Revised."], years=[2010, 2021])
    assert far.tolist() == [0, 0]  # merged anyway by the near-abstract rule
    apart, _ = run(titles, [ABSTRACT, OTHER_ABSTRACT], years=[2010, 2021])
    assert apart.tolist() == [0, 1]


def test_series_titles_are_not_merged():
    group, _ = run(
        [
            "Lagrangian matching invariants for fibred four-manifolds: I",
            "Lagrangian matching invariants for fibred four-manifolds: II",
        ],
        [ABSTRACT, ABSTRACT.replace("three", "four")],
        abstract_threshold=1.01,
    )
    assert group.tolist() == [0, 1]


def test_near_identical_abstract_merges_retitled_preprint():
    revised = ABSTRACT.replace("fast enough", "quick enough")
    group, links = run(["Old Preprint Title", "A New Journal Title"], [ABSTRACT, revised])
    assert group.tolist() == [0, 0]
    assert links[1].rule == "near-abstract" and links[1].score >= 0.8
    off, _ = run(
        ["Old Preprint Title", "A New Journal Title"], [ABSTRACT, revised], abstract_threshold=1.01
    )
    assert off.tolist() == [0, 1]


def test_groups_are_transitive_and_rooted_at_first():
    group, links = run(["X paper", "x paper", "X  Paper!"], [ABSTRACT, OTHER_ABSTRACT, THIRD])
    assert group.tolist() == [0, 0, 0] and set(links) == {1, 2}


def random_records(n, seed=0):
    """``n`` unrelated records, then a near copy of record 5's abstract under a new title."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(5000)]
    abstracts = [" ".join(rng.choice(vocab, 60)) for _ in range(n)]
    titles = [" ".join(rng.choice(vocab, 8)) for _ in range(n)]
    abstracts.append(abstracts[5] + " extra")
    titles.append("entirely new title here")
    return titles, abstracts


def counted_run(monkeypatch, titles, abstracts, all_pairs=False):
    """:func:`run`, counting the pairs of records compared (or ``all_pairs`` candidates)."""
    compared = Counter()

    def counting(name, compare):
        def wrapper(*args, **kwargs):
            compared[name] += 1
            return compare(*args, **kwargs)

        return wrapper

    # The exact comparisons: title ratio and abstract Jaccard, one pair per call ...
    monkeypatch.setattr(dedup, "jaccard", counting("jaccard", dedup.jaccard))
    monkeypatch.setattr(dedup, "_title_similarity", counting("title", dedup._title_similarity))
    # ... and the title signatures, compared a batch of pairs at a time.
    agreeing = dedup._agreeing

    def counted_agreeing(rows, signatures):
        similar = agreeing(rows, signatures)

        def counted(pairs):
            compared["signature"] += len(pairs)
            return similar(pairs)

        return counted

    monkeypatch.setattr(dedup, "_agreeing", counted_agreeing)
    if all_pairs:

        def every_pair(keys, valid, max_bucket, keep=None):
            idx = np.flatnonzero(valid)
            a, b = np.triu_indices(len(idx), 1)
            pairs = np.stack([idx[a], idx[b]], axis=1).astype(np.int64)
            return pairs if keep is None else pairs[keep(pairs)]

        monkeypatch.setattr(dedup, "lsh_pairs", every_pair)
    group, links = run(titles, abstracts)
    return sum(compared.values()), group, links


def test_scales_without_all_pairs(monkeypatch):
    titles, abstracts = random_records(3000)
    n = len(titles)
    compared, group, links = counted_run(monkeypatch, titles, abstracts)
    assert list(links) == [3000] and group[3000] == 5
    assert 1 <= compared < n * (n - 1) / 2 / 1000


def test_the_comparison_count_would_catch_all_pairs(monkeypatch):
    # The counter of the test above, with every pair as a candidate: it sees them all.
    titles, abstracts = random_records(200)
    n = len(titles)
    compared, group, links = counted_run(monkeypatch, titles, abstracts, all_pairs=True)
    assert list(links) == [200] and group[200] == 5  # the same answer, the slow way
    assert compared >= n * (n - 1) / 2


def test_index_fed_in_batches_matches_all_at_once():
    # Word ids follow first appearance across batches, so shingle hashes, band keys
    # and therefore candidates and groups are the same as for one big batch.
    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(400)]
    abstracts = [" ".join(rng.choice(vocab, 40)) for _ in range(60)]
    titles = [" ".join(rng.choice(vocab, 6)) for _ in range(60)]
    for src, dst in [(3, 17), (5, 44), (20, 59)]:  # near duplicates across batches
        abstracts[dst] = abstracts[src] + " extra words"
        titles[dst] = titles[src] + "s"
    titles[30] = titles[2]  # an exact title
    keys = [title_key(t) for t in titles]
    years = [2000 + i % 3 for i in range(60)]
    nones = [None] * 60
    expected = find_duplicates(keys, abstracts, nones, nones, years)
    index = DedupIndex()
    parts = []
    for i in range(0, 60, 7):
        batch = slice(i, i + 7)
        parts.append(
            index.add(keys[batch], abstracts[batch], nones[batch], nones[batch], years[batch])
        )
    signatures = np.concatenate(parts)
    group, links = index.resolve(lambda rows: [abstracts[i] for i in rows], lambda r: signatures[r])
    assert group.tolist() == expected[0].tolist() and links == expected[1]
    assert {links[17].other, links[44].other, links[59].other, links[30].other} == {3, 5, 20, 2}
