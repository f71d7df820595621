"""The sentences of the summary page, generated from the numbers of a run.

Every function takes :class:`~landscape.report.summary_facts.SummaryFacts` (or a
part of it) and returns plain text: the page escapes it. Each verdict names the
test behind it, so a reader can quote the sentence with its evidence:
"grew from 12% of the papers in 2019 to 25% in 2024 (Mann-Kendall tau = +0.60,
q = 0.01)".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from landscape.fit.phrases import distinct_terms
from landscape.report.summary_facts import SummaryFacts, Theme, Trends

#: Themes smaller than this many papers are named in the limits as fragile.
SMALL_THEME = 20
#: Bursts and groups' themes listed at most.
MAX_BURSTS, MAX_LISTED = 6, 3


# --------------------------------------------------------------------------- numbers


def percent(share: float) -> str:
    """A share as a percentage: ``27%``, ``4.5%``, ``0.3%``."""
    value = 100 * float(share)
    return f"{value:.0f}%" if value >= 10 or value == 0 else f"{value:.1f}%"


def q_text(q: float) -> str:
    """A q-value as quoted on the page: ``q = 0.012`` or ``q < 0.001``."""
    return "q < 0.001" if q < 0.001 else f"q = {q:.2g}"


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 paper``, ``3 papers``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def listing(items: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _span(start: Any, end: Any) -> str:
    return str(start) if start == end else f"{start}-{end}"


# --------------------------------------------------------------------------- overview


def lead(facts: SummaryFacts) -> str:
    """The first paragraph: papers, sources, levels, largest and smallest theme."""
    n_files = facts.ingest.get("files_read")
    read = f", read from {count(int(n_files), 'source')}" if n_files else ""
    levels = [count(n, name[:-1], name) for name, n in facts.levels]
    tree = levels[0] + (f", which divide into {listing(levels[1:])}" if len(levels) > 1 else "")
    text = f"{count(facts.n_docs, 'paper')}{read}, fall into {tree}."
    if len(facts.themes) > 1:
        big, small = facts.themes[0], facts.themes[-1]
        text += (
            f" The largest theme, {big.label}, holds {percent(big.share)} of the papers; "
            f"the smallest, {small.label}, {percent(small.share)}."
        )
    return text


def theme_size(theme: Theme) -> str:
    """``181 papers, 27% of the corpus``."""
    return f"{count(theme.size, 'paper')}, {percent(theme.share)} of the corpus"


def theme_trend(theme: Theme) -> str:
    """The trend of one theme in a sentence with its test ("" without dates)."""
    row = theme.trend
    if row is None:
        return ""
    return _trend_sentence(row, capital=True) + _bursts_clause(row)


def _trend_sentence(row: Mapping[str, Any], capital: bool = False) -> str:
    word = {"growing": "growing", "fading": "fading", "flat": "steady"}[row["direction"]]
    return f"{word.capitalize() if capital else word}: {_change(row)}"


def _change(row: Mapping[str, Any], subject: str = "its share ") -> str:
    """The change of a share, e.g. ``its share grew from 10% ... to 53% in 2021 (test).``."""
    test = f"Mann-Kendall tau = {row['tau']:+.2f}, {q_text(row['q'])}"
    first, last = row["first_period"], row["last_period"]
    if row["direction"] == "flat":
        return f"no monotonic trend in its share over {_span(first, last)} ({test})."
    verb = "grew" if row["direction"] == "growing" else "fell"
    return (
        f"{subject}{verb} from {percent(row['first_share'])} of the papers in {first} to "
        f"{percent(row['last_share'])} in {last} ({test})."
    )


def _bursts_clause(row: Mapping[str, Any]) -> str:
    bursts = list(row.get("bursts") or [])
    if not bursts:
        return ""
    spans = listing([_span(b["start"], b["end"]) for b in bursts])
    return f" Unusually frequent in {spans} (Kleinberg burst)."


# --------------------------------------------------------------------------- change


def change_intro(facts: SummaryFacts) -> str:
    """How trends were tested, or why there are none."""
    found = facts.trends
    if found is None:
        return (
            f"Trends need dates, and {facts.no_trends}: this summary cannot say which themes "
            "are growing or fading. Sources with dates (arXiv, OpenAlex, BibTeX, a table with "
            "a year column) give this section its numbers."
        )
    counts, table = found.counts, found.themes
    first, last = table["first_period"].iloc[0], table["last_period"].iloc[0]
    undated = f" ({count(counts.n_undated, 'paper')} without a date left out)"
    text = (
        f"From {count(counts.n_dated, 'dated paper')}{undated if counts.n_undated else ''}, "
        "each theme's share "
        f"of the papers of each year, {first}-{last}, was tested for a monotonic trend with "
        f"the Mann-Kendall test; a theme is growing or fading when its q-value "
        f"(Benjamini-Hochberg, across the themes; the topics are corrected separately) is "
        f"below {found.alpha:g}."
    )
    n_periods = int(table["n_periods"].iloc[0])
    if n_periods < 6:
        text += (
            f" With only {count(n_periods, 'year')} even a steady trend rarely passes this "
            "test: 'steady' here means too little time, not an unchanging field."
        )
    return text


def _moved(table: pd.DataFrame, kind: str) -> list[str]:
    rows = table[table["direction"] != "flat"].to_dict("records")
    if not rows:
        return []
    return [f"{r['label']} ({kind}) {_change(r, subject='')}" for r in rows]


def change_sentences(facts: SummaryFacts) -> list[str]:
    """Growing and fading themes and topics, then the strongest bursts."""
    found = facts.trends
    if found is None:
        return []
    out = _moved(found.themes, "theme")
    themes = set(found.themes["label"])
    topics = found.topics[~found.topics["label"].isin(themes)]
    out += _moved(topics, "topic")
    if not out:
        out.append(
            "No theme or topic grew or faded detectably: no share shows a monotonic trend "
            f"with q below {found.alpha:g}."
        )
    bursts = _bursts(found)
    if bursts:
        out.append(
            "Bursts (Kleinberg's two-state model: years in which a theme or topic was "
            f"unusually frequent): {listing(bursts)}."
        )
    return out


def _bursts(found: Trends) -> list[str]:
    rows = []
    themes = set(found.themes["label"])
    for kind, table in (("theme", found.themes), ("topic", found.topics)):
        for row in table.itertuples(index=False):
            if kind == "topic" and row.label in themes:
                continue
            for b in row.bursts:
                rows.append((b["weight"], f"{row.label} in {_span(b['start'], b['end'])}"))
    rows.sort(key=lambda r: -r[0])
    return [text for _, text in rows[:MAX_BURSTS]]


# --------------------------------------------------------------------------- groups


def groups_intro(facts: SummaryFacts) -> str:
    """How groups were compared, or why they were not."""
    what = "source" if facts.group_by.startswith("source") else f"value of {facts.group_by}"
    if facts.comparison is None:
        return f"No comparison of groups: {facts.no_comparison}."
    n_tests = len(facts.comparison.enrichment)
    return (
        f"Each {what} is compared with the rest of the corpus (a paper found in several "
        f"sources counts in each). Themes: Fisher's exact test per {what} and theme, "
        f"q-values by Benjamini-Hochberg over all {n_tests} tests; 'more' and 'fewer' mean "
        "q < 0.05. Words: weighted log-odds with an informative Dirichlet prior (Monroe, "
        "Colaresi and Quinn 2008); listed when their z-score exceeds 1.96."
    )


def group_sentences(facts: SummaryFacts) -> list[tuple[str, list[tuple[str, str]]]]:
    """``(group name, lines)`` per compared group, largest group first.

    Each line is ``(lead word, sentence)``: the group's size (no lead word), the
    themes it has ``More`` of and ``Fewer`` of (each with both shares and its
    q-value), and the ``Words`` that set it apart.
    """
    found = facts.comparison
    if found is None:
        return []
    table = found.enrichment
    out = []
    summary = found.summary.sort_values("size", ascending=False, kind="stable")
    for row in summary.itertuples(index=False):
        rows = table[table["group"] == row.group].set_index("topic")
        lines = [("", f"{count(int(row.size), 'paper')}.")]
        for topics, word in ((row.over, "More"), (row.under, "Fewer")):
            cells = [rows.loc[t] for t in topics[:MAX_LISTED]]
            if cells:
                listed = [_cell(c, full=(i == 0 and not lines[1:])) for i, c in enumerate(cells)]
                more = len(topics) - len(cells)
                tail = f"; {count(more, 'other theme')}" if more > 0 else ""
                lines.append((word, f"{'; '.join(listed)}{tail}."))
        if len(lines) == 1:
            lines.append(("", "No theme is over- or under-represented (every q >= 0.05)."))
        words = _words(found.terms, row.group)
        if words:
            lines.append(("Words", f"{', '.join(words)}."))
        out.append((str(row.group), lines))
    return out


def _cell(row: pd.Series, full: bool) -> str:
    shares = f"{percent(row['share_in'])} vs {percent(row['share_rest'])}"
    if full:
        shares = (
            f"{percent(row['share_in'])} of its papers vs {percent(row['share_rest'])} elsewhere"
        )
    return f"{row['label']} ({shares}, {q_text(row['q_value'])})"


def _words(terms: pd.DataFrame, group: str, n: int = 6) -> list[str]:
    mine = terms[(terms["group"] == group) & (terms["side"] == group) & (terms["z"] > 1.96)]
    return distinct_terms(mine["term"], n)


# --------------------------------------------------------------------------- corpus


def corpus_sentences(facts: SummaryFacts) -> list[str]:
    """Records read, kept, merged and dropped (by reason), from the ingest report."""
    s = facts.ingest
    if not s:
        return [
            f"This corpus was not made by `landscape ingest`, so it has no ledger: its "
            f"{count(facts.n_docs, 'paper')} were taken as given."
        ]
    ignored = int(s.get("files_ignored") or 0)
    out = [
        f"{count(int(s.get('records_read', 0)), 'record')} were read from "
        f"{count(int(s.get('files_read', 0)), 'file')}"
        + (f" ({count(ignored, 'other file')} ignored)." if ignored else ".")
    ]
    duplicate, dropped = int(s.get("duplicate") or 0), int(s.get("dropped") or 0)
    text = f"{count(int(s.get('kept', 0)), 'distinct paper')} were kept"
    if duplicate:
        text += (
            f"; {count(duplicate, 'record')} were merged into them as duplicates (one paper "
            "found in several sources is one paper)"
        )
    reasons = {str(k): int(v) for k, v in (s.get("dropped_by_reason") or {}).items() if v}
    if dropped:
        why = listing([f"{n} {k.replace('-', ' ')}" for k, n in sorted(reasons.items())])
        text += f", and {count(dropped, 'record')} were dropped" + (f" ({why})" if why else "")
    else:
        text += ", and none was dropped"
    out.append(text + ".")
    if s.get("title_only"):
        n = int(s["title_only"])
        out.append(f"{count(n, 'paper')} {'has' if n == 1 else 'have'} no abstract (title only).")
    if s.get("files_failed"):
        out.append(f"{count(int(s['files_failed']), 'file')} could not be read at all.")
    return out


# --------------------------------------------------------------------------- method


def method_sentences(facts: SummaryFacts) -> list[str]:
    """The method in plain words, with the run's own numbers."""
    m = facts.method
    out = [
        f"Each paper's title and abstract was turned into a vector, a numerical fingerprint "
        f"of what it is about, by the sentence-embedding model {m.model} ({m.precision}, "
        f"{m.backend})."
    ]
    neighbours = f"its {m.n_neighbors} most similar papers" if m.n_neighbors else "its nearest"
    if m.consensus_runs:
        rounds = f" ({count(int(m.consensus_rounds), 'round')})" if m.consensus_rounds else ""
        out.append(
            f"Each paper was linked to {neighbours}. The Leiden algorithm grouped this "
            f"network {m.consensus_runs} times with different random seeds, and papers that "
            f"every run put together were kept together, until the runs agreed{rounds}: "
            "consensus clustering, so the groups do not hinge on one random draw."
        )
    else:
        out.append(
            f"Papers were grouped with {m.clustering or 'a clustering method'} on a "
            "low-dimensional projection of the vectors (BERTopic's recipe)."
        )
    tree = listing([count(n, name[:-1], name) for name, n in facts.levels])
    out.append(f"The groups form a tree: {tree}. The map lays the same network out in 2-D.")
    if m.stability_ari is not None:
        out.append(
            f"Stability was measured: refitting with {count(m.stability_seeds, 'seed')} gave "
            f"groupings that agree with a mean adjusted Rand index of {m.stability_ari:.2f} "
            "(1 is identical, 0 is chance)."
        )
    else:
        out.append(
            "Stability across seeds was not measured for this run "
            "(`landscape fit --stability 5` measures it)."
        )
    out.append(_names_sentence(m.label_sources, m.llm_model, m.name_coverage))
    return out


def _names_sentence(sources: Mapping[str, int], llm_model: str, coverage: float | None) -> str:
    total = sum(sources.values())
    auto, llm, user = (int(sources.get(k, 0)) for k in ("auto", "llm", "user"))
    if auto == total:
        text = (
            "Names are extractive: made of the words and phrases that set each group's "
            "papers apart (class-based TF-IDF), not written by hand or by a language model"
        )
        if coverage is not None:
            text += f"; a theme's name words appear in a median {percent(coverage)} of its papers"
        return text + "."
    parts = []
    if llm:
        by = f" ({llm_model})" if llm_model else ""
        parts.append(f"{count(llm, 'name')} were written by a language model{by}")
    if user:
        parts.append(f"{count(user, 'name')} were set by hand")
    if auto:
        parts.append(f"{count(auto, 'name')} are extractive (words of the papers)")
    return (
        f"Of the {count(total, 'name')}, {listing(parts)}; the extractive names stay in the data."
    )


# --------------------------------------------------------------------------- limits


def limits(facts: SummaryFacts) -> list[str]:
    """What a reader should keep in mind, filled in from the run."""
    out = [
        "The map keeps neighbourhoods, not distances: papers close together are similar, "
        "but the gap between two far-apart clusters means little.",
        "A name summarises words; read a theme's representative papers before quoting it.",
    ]
    small = [t for t in facts.themes if t.size < SMALL_THEME]
    if small:
        names = listing([f"{t.label} ({count(t.size, 'paper')})" for t in small])
        out.append(
            f"Small themes rest on few papers, so their names, trends and differences are "
            f"fragile: {names}."
        )
    if facts.method.outlier_share > 0:
        out.append(
            f"{percent(facts.method.outlier_share)} of the papers fit no topic and are in no theme."
        )
    if facts.comparison is not None:
        out.append(
            "Sources are samples of how the corpus was gathered: a theme a source favours "
            "says something about that source, not necessarily about the field."
        )
    if facts.trends is not None:
        out.append(
            "Trends follow what was collected, which need not be what the field published; "
            "the last year may be incomplete."
        )
    else:
        out.append("Without publication dates, nothing here says how the field changes.")
    out.append(
        "Verdicts ('growing', 'more', 'fewer') keep the false discovery rate at 5%: about "
        "one in twenty may be a false alarm. 'Steady' and no verdict mean 'not shown to "
        "differ', not 'the same'."
    )
    return out
