# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. Compare sources and follow topics over time
#
# **What this page shows.** Which topics and words set each group of papers (by
# default each source file) apart from the rest of the corpus, with tests that
# separate real differences from chance. Where the papers carry dates, it also
# shows which themes are growing or fading over time.
#
# Each source file (a listing page, an export) is a sample of the field. This
# notebook asks two questions of run `runs_dir/run_name`:
#
# 1. **What sets one group of papers apart?** The topic mix of each source, then,
#    for each group against the rest of the corpus, the topics it over- or
#    under-represents (with a test) and the words that distinguish it.
# 2. **Which themes are emerging or fading?** When the corpus has dates or years:
#    the papers per topic and period, and a test of each topic's share over time.
#
# Groups are the source files by default, under their readable names
# (`source_names`: the file name without its hash, with a listing page's date;
# set your own in `[ingest.source_names]` of a config file). Set `by` to another
# corpus column (`venue`, `categories`, a label column) to compare other groups,
# `normalize = False` to show counts, and `freq` to `"quarter"` or `"month"`.

# %% tags=["parameters"]
corpus_path = "data/processed/corpus.parquet"
runs_dir = "runs"
run_name = "default"
by = "source_names"
normalize = True
freq = "year"
top_n = 10
# False discovery rate for the verdicts of the tests below, and the correction of
# the topic tests: "bh" (Benjamini-Hochberg) or "by" (Benjamini-Yekutieli).
alpha = 0.05
method = "bh"
# Distinctive terms per side, and groups that get a terms chart (largest first).
n_terms = 15
max_groups = 8
# Trends: fewest dated papers for a period to count, and fewest such periods.
min_period_docs = 10
min_periods = 4

# %%
from pathlib import Path

import pandas as pd
from IPython.display import display

from landscape import maps
from landscape.config import project_path
from landscape.errors import InputError
from landscape.runs import load_run
from landscape.stats import trends
from landscape.stats.contrast import compare_groups

# Relative paths are the project's (data/..., runs/...), wherever the kernel started.
run_dir = project_path(runs_dir) / run_name
run = load_run(run_dir, project_path(corpus_path))
documents, topics, corpus = run.documents, run.topics, run.corpus
print(f"run {run_dir}: {len(documents)} papers in {int((topics['topic'] >= 0).sum())} topics")

# %% [markdown]
# ## Topic mix per source
#
# One bar per source; a paper found in several sources counts once in each.

# %%
fig = maps.source_comparison(documents, corpus, by=by, normalize=normalize)
fig.show()

# %% [markdown]
# ## What sets each group apart
#
# The bars above show the mix; the tables and figures below say which differences
# are larger than chance. Each group is compared with **the rest**: every paper
# that has a value of `by` and is not in the group. A paper found in several groups
# (several source files) counts once in each of them and never in the rest of a
# group it belongs to, so a group and its rest never share a paper. Papers without
# a value of `by` take part in no comparison.
#
# **Topics.** For each group and topic, a 2x2 table (papers of the topic or not,
# in the group or in the rest) is tested with Fisher's exact test. The
# **q-value** is the p-value corrected for testing every (group, topic) pair at
# once (Benjamini-Hochberg): among the differences with `q < alpha`, at most a
# share `alpha` are expected to be false discoveries. Such a topic is
# **over**-represented in the group (its share there is larger than in the rest)
# or **under**-represented; the others get no verdict, which means "not shown to
# differ", not "the same". Outliers (topic -1) are left out: shares are among
# papers assigned to a topic. When many papers are in several groups the tests are
# not independent; `method = "by"` (Benjamini-Yekutieli) gives q-values valid under
# any dependence, at the price of fewer verdicts.
#
# **Words.** The distinctive terms of a group against its rest are scored by the
# weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi
# and Quinn 2008, "Fightin' Words"). The **z-score** is the log-odds difference
# divided by its standard error: positive for the group's words, negative for the
# rest's. |z| > 1.96 is a guide to what stands out, not a corrected test: many
# words are scored, so a few pass it by chance. Words use all papers with a
# group, outliers included, since they do not depend on the clustering.
#
# The groups are samples of how the corpus was gathered: a listing page that
# favours a theme says something about that page, not about the field.

# %%
try:
    comparison = compare_groups(documents, corpus, by=by, alpha=alpha, method=method, top_n=n_terms)
except InputError as exc:
    comparison = None
    print(f"No comparison of groups by {by!r}: {exc}.")
    print("It needs at least two groups with papers; set `by` to a column with several values.")

# %% [markdown]
# One row per group: its papers (**size**; **tested**: those in a topic), the
# topics it over- and under-represents (strongest evidence first) and its most
# distinctive words.

# %%
if comparison is not None:
    summary = comparison.summary
    table = pd.DataFrame(
        {
            "group": summary["group"],
            "size": summary["size"],
            "tested": summary["size_tested"],
            "over-represented topics": summary["over_labels"].map("\n".join),
            "under-represented topics": summary["under_labels"].map("\n".join),
            "distinctive terms": summary["top_terms"].map(lambda t: ", ".join(t[:8])),
        }
    )
    wrap = {"white-space": "pre-line", "text-align": "left", "vertical-align": "top"}
    display(table.style.hide(axis="index").set_properties(**wrap))

# %% [markdown]
# ### Topic enrichment
#
# Rows are groups, columns are topics. The colour is the log2 ratio of the
# topic's share in the group to its share in the rest: red over-represented, blue
# under-represented, +1 twice the share, -1 half. Colour alone can mislead in a
# small group, so cells whose difference passes the test (`q < alpha`) carry a
# mark: ● over, ○ under. Hover a cell for the counts behind it.

# %%
if comparison is not None:
    fig = maps.enrichment_heatmap(comparison.enrichment, alpha=alpha)
    fig.show()

# %% [markdown]
# The marked cells as a table, strongest evidence first: the counts to quote when
# you report a difference.

# %%
if comparison is not None:
    enrichment = comparison.enrichment
    marked = enrichment[enrichment["verdict"] != "neither"].sort_values("q_value")
    print(f"{len(marked)} of {len(enrichment)} (group, topic) differences with q < {alpha}")
    columns = ["group", "topic", "label", "verdict", "count_in", "size_in", "share_in"]
    columns += ["share_rest", "log2_enrichment", "q_value"]
    display(
        marked[columns]
        .style.hide(axis="index")
        .format(
            {
                "share_in": "{:.1%}",
                "share_rest": "{:.1%}",
                "log2_enrichment": "{:+.2f}",
                "q_value": "{:.2g}",
            }
        )
    )

# %% [markdown]
# ### Distinctive terms of each group
#
# One chart per group (the `max_groups` largest): the group's words to the right
# (z > 0), the rest's to the left. Dotted lines mark |z| = 1.96. Hover a bar for
# the counts in the group and in the rest. A word that leads a chart and also
# labels a topic marked ● above is two views of one difference; a word with no
# such topic may be a theme the topics do not separate.

# %%
if comparison is not None:
    largest = summary.sort_values("size", ascending=False, kind="stable")["group"]
    for group in largest.head(max_groups):
        terms = comparison.terms[comparison.terms["group"] == group]
        name = Path(group).name if by == "source_files" else group
        fig = maps.distinctive_terms_chart(
            terms, top_n=n_terms, title=f"Distinctive terms: {name} vs the rest"
        )
        fig.show()

# %% [markdown]
# ## Topics over time
#
# Papers per topic and period (the `top_n` largest topics). This shows volume: a
# topic can grow here only because the whole corpus grows. The next section tests
# shares instead.

# %%
date_columns = [c for c in ("date", "year") if c in corpus.columns and corpus[c].notna().any()]
if date_columns:
    print(f"dates from column {date_columns[0]!r}")
    fig = maps.topics_over_time(documents, corpus, date_col=date_columns[0], freq=freq, top_n=top_n)
    fig.show()
else:
    print(
        "This corpus has no dates or years (listing pages carry none), so there is no "
        "trend to show. Sources with dates (arXiv, OpenAlex, BibTeX, a CSV with a year "
        "column) give one figure of papers per topic and period here."
    )

# %% [markdown]
# ## Emerging and fading themes
#
# For each topic, its **share** of each period's papers, so that a field growing
# as a whole does not make every topic look like it is emerging. A theme is
# **growing** or **fading** when the Mann-Kendall test finds a monotonic trend in
# its share with `q < alpha` (q-values corrected across topics, Benjamini-Hochberg);
# otherwise it is **flat**, which again means "no trend shown", not "stable".
#
# - **tau** (Kendall's, from -1 to 1): how consistently the share rises (+) or
#   falls (-) from period to period.
# - **slope** (Sen's): the typical change in share per period; the evidence
#   sentence gives it in percentage points.
# - **bursts** (Kleinberg): periods in which the topic was unusually frequent.
#
# Only periods with at least `min_period_docs` dated papers are used: shares over a
# handful of papers are noise. With fewer than `min_periods` such periods there is
# no test, and this section says why rather than showing meaningless trends. With
# few periods (under about 6) even a steady trend rarely reaches `q < alpha`: a
# table of flat themes then means too little time, not an unchanging field.

# %%
try:
    period_counts = trends.topic_period_counts(documents, corpus, freq=freq)
    labels = dict(zip(topics["topic"].astype(int), topics["label"], strict=True))
    trend_table = trends.trends_from_counts(
        period_counts,
        labels,
        alpha=alpha,
        min_periods=min_periods,
        min_period_docs=min_period_docs,
    )
except (trends.NotEnoughPeriodsError, InputError) as exc:
    trend_table = None
    print(f"No trend test: {exc}.")
    print(
        "Trends need papers with dates or years (arXiv, OpenAlex, BibTeX, a CSV with a "
        "year column) spread over enough periods; listing pages carry no dates."
    )
else:
    print(
        f"{period_counts.n_dated} dated papers ({period_counts.n_undated} without a date) "
        f"from column {period_counts.date_col!r}, per {freq}"
    )

# %% [markdown]
# The trend of every topic: growing themes first, then fading, then flat, each by
# strength of evidence.

# %%
if trend_table is not None:
    columns = ["topic", "label", "direction", "n_dated", "first_share", "last_share"]
    columns += ["tau", "q", "evidence"]
    display(
        trend_table[columns]
        .style.hide(axis="index")
        .format({"first_share": "{:.1%}", "last_share": "{:.1%}", "tau": "{:+.2f}", "q": "{:.2g}"})
    )

# %% [markdown]
# The share per period of the strongest growing themes (top panel) and fading themes
# (bottom); larger diamonds mark periods inside a burst. Hover a point for the
# papers behind the share and the evidence sentence.

# %%
if trend_table is not None:
    fig = maps.theme_trends_figure(trend_table, period_counts, top_n=top_n)
    fig.show()

# %% [markdown]
# Kendall's tau of every growing and fading theme: how consistent each trend is.

# %%
if trend_table is not None:
    fig = maps.trend_strength_figure(trend_table, top_n=top_n)
    fig.show()

# %% [markdown]
# ## What to do next
#
# - Compare other groups: set `by` to another corpus column (`venue`,
#   `categories`), `normalize = False` for counts, `alpha` and `method` for the
#   tests.
# - Follow trends by quarter or month: `freq = "quarter"`; `min_period_docs` and
#   `min_periods` set how much data a trend test needs.
# - No dates here? Map dated sources (arXiv, OpenAlex, BibTeX, a CSV with a year
#   column): `landscape run --raw PATH --name NAME`, then set `run_name = "NAME"`.
# - Place new papers on this run without refitting:
#   `landscape update PATH --run runs/NAME`.
