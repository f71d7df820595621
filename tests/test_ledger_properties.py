"""Nothing lost: the ledger invariant end to end through ``ingest()``, for every format.

Files of every source format are generated from a few papers, then damaged
(arbitrary bytes, truncation, wrong encodings, BOMs, mixed line endings, NUL bytes,
huge fields). For every file ``ingest()`` raises a :class:`LandscapeError` or gives
a ledger with ``read == kept + duplicate + dropped`` that can be written; dropped
rows have a reason and a locator inside the file; papers the damage did not touch
are kept, on the right line. Examples are derandomized and few (under a minute).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscape.config import IngestConfig
from landscape.errors import LandscapeError
from landscape.ingest import ingest, write_ingest

PROFILE = settings(
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=12,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_WORDS = (
    "model data learning network graph protein galaxy cluster topic method result "
    "signal noise energy quantum field theory matrix kernel sample bound proof "
    "estimate policy market price risk cell gene brain image video speech robot "
    "control system design stable fast sparse dense random linear convex optimal "
    "spectral causal neural latent prior posterior entropy measure flow wave "
    "particle lattice fluid plasma climate carbon ocean soil virus vaccine trial"
)
VOCAB = _WORDS.split()
# Non-ASCII and characters that each format must escape or quote.
EXOTIC = [
    "café", "naïve", "Schrödinger", "Ångström", "量子", "αβγ", "😀", "x&y", "<tag>",
    '"quoted"', "it's", "50%", "$x$", "a,b", "a;b", "(p)", "C++", "1/2", "tab\there",
    "line\u2028sep", "nel\x85x", "feed\x0cx",
]  # fmt: skip
NATO = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]
AUTHORS = ["Ana Smith", "Jo Müller", "Zoë Ångström", "Li Wei", "R. Roe"]


@dataclass
class Paper:
    """One generated paper; ``token`` is in its title and nowhere else."""

    n: int
    title: str
    abstract: str
    year: int
    authors: list[str]

    @property
    def token(self) -> str:
        return f"Qz{self.n}x"

    @property
    def doi(self) -> str:
        return f"10.5555/qz{self.n}"

    @property
    def arxiv(self) -> str:
        return f"2101.{self.n:05d}"

    def ascii_only(self) -> bool:
        return all(s.isascii() for s in (self.title, self.abstract, *self.authors))


@dataclass
class Built:
    """A generated file: its text (or bytes for Parquet) and where each paper is."""

    name: str
    text: str | None = None
    data: bytes | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # char offsets per paper
    line_based: bool = True  # the ledger line is the line where the paper starts

    def bytes(self) -> bytes:
        return self.data if self.data is not None else self.text.encode("utf-8")


@st.composite
def papers(draw, max_papers: int = 4, exotic: bool | None = None) -> list[Paper]:
    rnd = draw(st.randoms(use_true_random=False))
    n = draw(st.integers(1, max_papers))
    exotic = draw(st.booleans()) if exotic is None else exotic
    out = []
    for i in range(n):
        # Every fourth word is the paper's own, so no two papers are near duplicates
        # even when the random choices shrink to the same words.
        words = [
            f"u{i}w{k}" if k % 4 == 0 else rnd.choice(VOCAB) for k in range(rnd.randint(32, 60))
        ]
        if exotic:
            for _ in range(rnd.randint(1, 6)):
                words.insert(rnd.randrange(len(words)), rnd.choice(EXOTIC))
        title = " ".join(rnd.choice(VOCAB).capitalize() for _ in range(rnd.randint(3, 7)))
        if exotic and rnd.random() < 0.5:
            title += " " + rnd.choice(["Café", "Ångström", "量子"])
        authors = rnd.sample(AUTHORS, rnd.randint(0, 3))
        title += f" {NATO[i]} Qz{i}x"
        paper = Paper(i, title, " ".join(words) + ".", rnd.randint(1990, 2024), authors)
        out.append(paper)
    return out


# --- Writers: one per format ------------------------------------------------------------


def _join(pieces: list[str], head: str, tail: str, sep: str = "") -> tuple[str, list]:
    spans, pos, out = [], len(head), [head]
    for k, piece in enumerate(pieces):
        if k:
            out.append(sep)
            pos += len(sep)
        spans.append((pos, pos + len(piece)))
        out.append(piece)
        pos += len(piece)
    return "".join(out) + tail, spans


def listing(ps: list[Paper]) -> Built:
    text, spans = _join([f"{p.title}\n{p.abstract}\n" for p in ps], "Daily Papers\nMar 11\n", "")
    return Built("page.txt", text, spans=spans)


def _xml(text: str) -> str:
    # Characters XML 1.0 cannot hold at all are left out of the generated file.
    return escape(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text))


def atom(ps: list[Paper]) -> Built:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
        "  <title>ArXiv Query</title>\n"
    )
    entries = [
        "  <entry>\n"
        f"    <id>http://arxiv.org/abs/{p.arxiv}v1</id>\n"
        f"    <published>{p.year}-01-02T00:00:00Z</published>\n"
        f"    <title>{_xml(p.title)}</title>\n"
        f"    <summary>{_xml(p.abstract)}</summary>\n"
        + "".join(f"    <author><name>{_xml(a)}</name></author>\n" for a in p.authors)
        + f"    <arxiv:doi>{p.doi}</arxiv:doi>\n"
        "  </entry>\n"
        for p in ps
    ]
    text, spans = _join(entries, head, "</feed>\n")
    return Built("query.xml", text, spans=spans)


def _arxiv_obj(p: Paper) -> dict:
    return {
        "id": p.arxiv, "submitter": "Someone", "authors": ", ".join(p.authors), "title": p.title,
        "abstract": p.abstract, "categories": "cs.LG stat.ML", "doi": p.doi,
        "versions": [{"version": "v1", "created": f"Mon, 2 Apr {p.year} 19:18:42 GMT"}],
        "update_date": f"{p.year}-04-02",
    }  # fmt: skip


def _openalex_obj(p: Paper) -> dict:
    index: dict[str, list[int]] = {}
    for pos, word in enumerate(p.abstract.split(" ")):
        index.setdefault(word, []).append(pos)
    return {
        "id": f"https://openalex.org/W{p.n}", "doi": f"https://doi.org/{p.doi}", "title": p.title,
        "publication_year": p.year, "abstract_inverted_index": index,
        "authorships": [{"author": {"display_name": a}} for a in p.authors],
    }  # fmt: skip


def _s2_obj(p: Paper) -> dict:
    return {
        "paperId": f"{p.n:040x}", "externalIds": {"DOI": p.doi, "ArXiv": p.arxiv},
        "title": p.title, "abstract": p.abstract, "year": p.year,
        "authors": [{"name": a} for a in p.authors],
    }  # fmt: skip


def jsonl(make, name: str, ascii_json: bool = False):
    def build(ps: list[Paper]) -> Built:
        lines = [json.dumps(make(p), ensure_ascii=ascii_json) + "\n" for p in ps]
        text, spans = _join(lines, "", "")
        return Built(name, text, spans=spans)

    return build


def json_page(make, key: str, name: str):
    def build(ps: list[Paper]) -> Built:
        # One item a line (indented), inside a page that spans several lines.
        items = ["  " + json.dumps(make(p), ensure_ascii=False) for p in ps]
        head = f'{{\n "meta": {{"count": {len(ps)}}},\n "{key}": [\n'
        text, spans = _join(items, head, "\n ]\n}\n", sep=",\n")
        return Built(name, text, spans=spans)

    return build


def bibtex(ps: list[Paper]) -> Built:
    entries = [
        f"@article{{key{p.n},\n  title = {{{p.title}}},\n"
        f"  author = {{{' and '.join(p.authors)}}},\n"
        f"  year = {{{p.year}}},\n  doi = {{{p.doi}}},\n  abstract = {{{p.abstract}}}\n}}\n"
        for p in ps
    ]
    text, spans = _join(entries, "% exported\n\n", "", sep="\n")
    return Built("refs.bib", text, spans=spans)


def ris(ps: list[Paper]) -> Built:
    records = [
        f"TY  - JOUR\nTI  - {p.title}\n"
        + "".join(f"AU  - {a}\n" for a in p.authors)
        + f"PY  - {p.year}\nDO  - {p.doi}\nAB  - {p.abstract}\nER  - \n"
        for p in ps
    ]
    text, spans = _join(records, "", "", sep="\n")
    return Built("refs.ris", text, spans=spans)


def wos(ps: list[Paper]) -> Built:
    records = []
    for p in ps:
        names = [", ".join(reversed(a.rsplit(" ", 1))) for a in p.authors]
        authors = "".join(f"{'AF' if k == 0 else '  '} {a}\n" for k, a in enumerate(names))
        records.append(
            f"PT J\n{authors}TI {p.title}\nSO JOURNAL OF TESTS\nAB {p.abstract}\n"
            f"PY {p.year}\nDI {p.doi}\nUT WOS:{p.n:015d}\nER\n"
        )
    head = "FN Clarivate Analytics Web of Science\nVR 1.0\n"
    text, spans = _join(records, head, "\nEF\n", sep="\n")
    return Built("savedrecs.txt", text, spans=spans)


def medline(ps: list[Paper]) -> Built:
    records = [
        f"PMID- {31000000 + p.n}\nDP  - {p.year} Mar 5\nTI  - {p.title}\nAB  - {p.abstract}\n"
        + "".join(f"FAU - {', '.join(reversed(a.rsplit(' ', 1)))}\n" for a in p.authors)
        + f"JT  - Journal of tests\nAID - {p.doi} [doi]\nSO  - J Tests. {p.year};1:1-2.\n"
        for p in ps
    ]
    text, spans = _join(records, "\n", "", sep="\n")
    return Built("pubmed-set.txt", text, spans=spans)


def wos_tab(ps: list[Paper]) -> Built:
    # As Web of Science writes it: no quoting, tabs and line breaks out of the
    # values, and a tab at the end of every row.
    clean = lambda value: re.sub(r"[\t\r\n]", " ", str(value))  # noqa: E731
    rows = [
        "\t".join(
            clean(v)
            for v in ("J", "; ".join(p.authors), p.title, "JOURNAL", p.abstract, p.year, p.doi)
        )
        + f"\tWOS:{p.n:015d}\t\n"
        for p in ps
    ]
    text, spans = _join(rows, "PT\tAU\tTI\tSO\tAB\tPY\tDI\tUT\n", "")
    return Built("savedrecs_tab.txt", text, spans=spans)


def table(delimiter: str, name: str):
    def build(ps: list[Paper]) -> Built:
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(["Title", "Abstract", "Year", "DOI", "Authors", "group"])
        spans = []
        for p in ps:
            start = out.tell()
            writer.writerow([p.title, p.abstract, p.year, p.doi, "; ".join(p.authors), "cs"])
            spans.append((start, out.tell()))
        return Built(name, out.getvalue(), spans=spans)

    return build


def _name_parts(author: str) -> tuple[str, str]:
    first, _, last = author.rpartition(" ")
    return first, last


def pubmed_xml(ps: list[Paper]) -> Built:
    head = (
        '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
        '1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n'
        "<PubmedArticleSet>\n"
    )
    articles = [
        "<PubmedArticle>\n  <MedlineCitation>\n"
        f'    <PMID Version="1">{31000000 + p.n}</PMID>\n    <Article>\n'
        f"      <Journal><JournalIssue><PubDate><Year>{p.year}</Year><Month>Mar</Month>"
        "</PubDate></JournalIssue><Title>Journal of tests</Title></Journal>\n"
        f"      <ArticleTitle>{_xml(p.title)}</ArticleTitle>\n"
        + (
            f'      <Abstract><AbstractText Label="BACKGROUND">{_xml(p.abstract)}</AbstractText>'
            "</Abstract>\n"
            if p.abstract
            else ""
        )
        + "      <AuthorList>\n"
        + "".join(
            f"        <Author><LastName>{_xml(last)}</LastName><ForeName>{_xml(first)}</ForeName>"
            "</Author>\n"
            for first, last in map(_name_parts, p.authors)
        )
        + "      </AuthorList>\n    </Article>\n  </MedlineCitation>\n"
        f'  <PubmedData><ArticleIdList><ArticleId IdType="doi">{p.doi}</ArticleId>'
        "</ArticleIdList></PubmedData>\n</PubmedArticle>\n"
        for p in ps
    ]
    text, spans = _join(articles, head, "</PubmedArticleSet>\n")
    return Built("pubmed.xml", text, spans=spans)


def _crossref_obj(p: Paper) -> dict:
    # As the REST API writes a work: lists of titles, a JATS abstract (escaped text).
    jats = f"<jats:title>Abstract</jats:title><jats:p>{_xml(p.abstract)}</jats:p>"
    return {
        "reference-count": 0, "DOI": p.doi, "type": "journal-article", "title": [p.title],
        **({"abstract": jats} if p.abstract else {}),
        "author": [{"given": f, "family": last} for f, last in map(_name_parts, p.authors)],
        "container-title": ["Journal of tests"], "is-referenced-by-count": 0,
        "issued": {"date-parts": [[p.year, 3]]},
    }  # fmt: skip


def crossref_page(ps: list[Paper]) -> Built:
    items = ["      " + json.dumps(_crossref_obj(p), ensure_ascii=False) for p in ps]
    head = (
        '{\n  "status": "ok",\n  "message-type": "work-list",\n  "message-version": "1.0.0",\n'
        f'  "message": {{\n    "facets": {{}},\n    "total-results": {len(ps)},\n    "items": [\n'
    )
    text, spans = _join(items, head, '\n    ],\n    "items-per-page": 20\n  }\n}\n', sep=",\n")
    return Built("crossref.json", text, spans=spans)


def _csl_obj(p: Paper) -> dict:
    return {
        "id": f"item{p.n}", "type": "article-journal", "title": p.title,
        **({"abstract": p.abstract} if p.abstract else {}),
        "container-title": "Journal of tests", "DOI": p.doi,
        "author": [{"family": last, "given": f} for f, last in map(_name_parts, p.authors)],
        "issued": {"date-parts": [[str(p.year)]]}, "keyword": "alpha, beta",
    }  # fmt: skip


def csl_list(ps: list[Paper]) -> Built:
    # As Zotero writes it: a list, one item a line here (Zotero indents more).
    items = ["\t" + json.dumps(_csl_obj(p), ensure_ascii=False) for p in ps]
    text, spans = _join(items, "[\n", "\n]\n", sep=",\n")
    return Built("zotero.csl.json", text, spans=spans)


def parquet(ps: list[Paper]) -> Built:
    buffer = io.BytesIO()
    columns = {
        "title": [p.title for p in ps], "abstract": [p.abstract for p in ps],
        "year": [p.year for p in ps], "doi": [p.doi for p in ps], "group": ["cs"] * len(ps),
    }  # fmt: skip
    pq.write_table(pa.table(columns), buffer)
    return Built("papers.parquet", data=buffer.getvalue(), line_based=False)


WRITERS = {
    "listing": listing,
    "arxiv_atom": atom,
    "arxiv_jsonl": jsonl(_arxiv_obj, "snapshot.jsonl"),
    "openalex_json": json_page(_openalex_obj, "results", "works.json"),
    "openalex_jsonl": jsonl(_openalex_obj, "works.jsonl", ascii_json=True),
    "semantic_scholar_json": json_page(_s2_obj, "data", "s2.json"),
    "semantic_scholar_jsonl": jsonl(_s2_obj, "s2.jsonl"),
    "bibtex": bibtex,
    "ris": ris,
    "wos": wos,
    "wos_tab": wos_tab,
    "medline": medline,
    "pubmed_xml": pubmed_xml,
    "crossref": crossref_page,
    "csl_json": csl_list,
    "csv": table(",", "papers.csv"),
    "tsv": table("\t", "papers.tsv"),
    "parquet": parquet,
}
TEXT_FORMATS = [name for name in WRITERS if name != "parquet"]


# --- Checks -----------------------------------------------------------------------------

_LOCATOR_RE = re.compile(r"^(line \d+|record \d+( \(line \d+\))?|row \d+|entry .* \(line \d+\))$")


def _line_count(data: bytes) -> int:
    return len(re.split(rb"\r\n|\r|\n", data))


def run_ingest(name: str, data: bytes, options: IngestConfig | None = None):
    """Ingest one file and check the ledger; ``None`` when it raised a LandscapeError."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            result = ingest([path], options)
        except LandscapeError as exc:
            assert name in str(exc)  # the message names the file
            return None
    ledger, corpus = result.ledger, result.corpus
    summary = result.summary()
    status = ledger["status"].value_counts()
    assert set(status.index) <= {"kept", "duplicate", "dropped"}
    assert summary["records_read"] == len(ledger)
    assert summary["records_read"] == summary["kept"] + summary["duplicate"] + summary["dropped"]
    assert summary["kept"] == len(corpus) == corpus["doc_id"].nunique()
    assert ledger["reason"].map(bool).all() and ledger["reason_code"].map(bool).all()
    assert (ledger["source"] == ledger["source"].iloc[0]).all()
    assert ledger["source"].iloc[0].endswith(path.name)
    lines = _line_count(data)
    for row in ledger[ledger["status"] == "dropped"].itertuples():
        assert _LOCATOR_RE.match(row.locator), row.locator
        assert 0 <= row.line <= lines, (row.line, lines, row.reason)
    # Every record that is not dropped is a source of exactly one corpus row.
    assert int(corpus["n_sources"].sum()) == int((ledger["status"] != "dropped").sum())
    with tempfile.TemporaryDirectory() as out:
        written = write_ingest(result, out)
        assert len(pq.read_table(written["ledger"])) == len(ledger)
        assert len(pq.read_table(written["corpus"])) == len(corpus)
    return result


def assert_survive(result, ps: list[Paper], built: Built | None = None):
    """Every paper in ``ps`` is kept; on the line where it starts, if ``built`` is given."""
    if not ps:
        return
    assert result is not None
    kept_tokens = set(re.findall(r"Qz\d+x", " ".join(result.corpus["title"])))
    assert {p.token for p in ps} <= kept_tokens
    if built is None or not built.line_based:
        return
    kept = result.ledger[result.ledger["status"] == "kept"]
    line_of = {
        token: line
        for title, line in zip(kept["raw_title"], kept["line"], strict=True)
        for token in re.findall(r"Qz\d+x", title or "")
    }
    for p in ps:
        start = built.spans[p.n][0]
        assert line_of[p.token] == _line_count(built.text[:start].encode()), p.token


def _byte_spans(built: Built) -> list[tuple[int, int]]:
    assert built.text is not None
    enc = lambda k: len(built.text[:k].encode("utf-8"))  # noqa: E731
    return [(enc(a), enc(b)) for a, b in built.spans]


# --- Properties -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(WRITERS))
@PROFILE
@given(ps=papers())
def test_clean_files_keep_every_paper(fmt, ps):
    built = WRITERS[fmt](ps)
    result = run_ingest(built.name, built.bytes())
    assert_survive(result, ps, built)
    assert result.summary()["dropped"] == 0


ENCODINGS = ["utf-8-sig", "utf-16", "utf-16-be-bom", "latin-1-as-utf-8", "latin-1-declared"]


def _encode(text: str, how: str, fmt: str) -> tuple[bytes, IngestConfig | None]:
    if how == "utf-8-sig":
        return text.encode("utf-8-sig"), None
    if fmt == "arxiv_atom" and how.startswith("utf-16"):
        text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    if how == "utf-16":
        return text.encode("utf-16"), None
    if how == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be"), None
    data = text.encode("latin-1", errors="replace")
    return data, (IngestConfig(encoding="latin-1") if how == "latin-1-declared" else None)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@PROFILE
@given(ps=papers(), how=st.sampled_from(ENCODINGS), newlines=st.randoms(use_true_random=False))
def test_encodings_and_line_endings(fmt, ps, how, newlines):
    built = WRITERS[fmt](ps)
    # Mixed line endings: each line break becomes \n, \r\n or \r (never \r then \n,
    # which would be one break, not two); spans move with the longer breaks.
    text, out, moved_to, pos = built.text, [], [], 0
    for k, ch in enumerate(text):
        moved_to.append(pos)
        end = newlines.choice(["\n", "\r\n", "\r"]) if ch == "\n" else ch
        out.append("\r\n" if end == "\r" and text[k + 1 : k + 2] == "\n" else end)
        pos += len(out[-1])
    moved_to.append(pos)
    mixed = "".join(out)
    moved = Built(built.name, mixed, spans=[(moved_to[a], moved_to[b]) for a, b in built.spans])
    data, options = _encode(mixed, how, fmt)
    result = run_ingest(built.name, data, options)
    if how == "latin-1-as-utf-8":
        # Wrongly declared: papers with non-ASCII text are dropped (invalid
        # encoding), the others are kept.
        assert_survive(result, [p for p in ps if p.ascii_only()])
    else:
        assert_survive(result, ps, moved)


DAMAGE = {
    "insert": lambda data, at, junk: data[:at] + junk + data[at:],
    "overwrite": lambda data, at, junk: data[:at] + junk + data[at + len(junk) :],
    "truncate": lambda data, at, junk: data[:at],
    "nul": lambda data, at, junk: data[:at] + b"\x00" + data[at:],
}


@pytest.mark.parametrize("fmt", list(WRITERS))
@PROFILE
@given(
    ps=papers(),
    kind=st.sampled_from(sorted(DAMAGE)),
    where=st.floats(0, 1),
    junk=st.binary(min_size=1, max_size=24),
)
def test_damaged_files_account_for_every_record(fmt, ps, kind, where, junk):
    built = WRITERS[fmt](ps)
    data = built.bytes()
    at = int(where * len(data))
    damaged = DAMAGE[kind](data, at, junk)
    result = run_ingest(built.name, damaged)
    if built.data is None and damaged:
        # Papers wholly before the damage (and after the file's preamble) survive.
        before = [p for p, (_, end) in zip(ps, _byte_spans(built), strict=True) if end <= at]
        assert_survive(result, before)


# Bytes that spoil text without touching the structure of any format: control
# bytes, bytes that are not UTF-8, NUL, letters and digits.
LOCAL_JUNK = st.binary(min_size=1, max_size=8).map(
    lambda b: bytes(
        c if (c < 0x20 and c not in (0x09, 0x0A, 0x0D)) or c >= 0x80 or chr(c).isalnum() else 0x7A
        for c in b
    )
)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@PROFILE
@given(ps=papers(max_papers=4), pick=st.integers(0, 3), where=st.floats(0, 1), junk=LOCAL_JUNK)
def test_bad_record_spares_its_neighbours(fmt, ps, pick, where, junk):
    built = WRITERS[fmt](ps)
    data = built.text.encode("utf-8")
    spans = _byte_spans(built)
    bad = pick % len(ps)
    start, end = spans[bad]
    at = start + int(where * (end - start - 1))
    damaged = data[:at] + junk + data[at:]
    result = run_ingest(built.name, damaged)
    others = [p for p in ps if p.n != bad]
    if result is None:
        # A file whose only record is damaged may not be recognisable at all (a
        # file error naming it); with a good record beside it, it always is.
        assert not others
        return
    assert_survive(result, others)
    # The damaged paper is kept (the damage was harmless) or dropped with a reason;
    # it is never silently lost.
    assert result.summary()["records_read"] >= len(ps)


@pytest.mark.parametrize("fmt", list(WRITERS))
@PROFILE
@given(ps=papers(max_papers=3), cut=st.floats(0, 1))
def test_gzip_cut_short(fmt, ps, cut):
    built = WRITERS[fmt](ps)
    packed = gzip.compress(built.bytes())
    run_ingest(built.name + ".gz", packed[: int(cut * len(packed))])
    assert_survive(run_ingest(built.name + ".gz", packed), ps)


HUGE = 5_000_000


@functools.cache
def _huge_text() -> str:
    text = " ".join(VOCAB)
    return " ".join([text] * (HUGE // len(text) + 1))


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_huge_field_is_kept_with_its_neighbours(fmt):
    huge = _huge_text()
    ps = [
        Paper(0, "First Small Paper Qz0x", " ".join(VOCAB[:40]) + ".", 2020, ["Ana Smith"]),
        Paper(1, "The Huge One Qz1x", huge, 2021, []),
        Paper(2, "Last Small Paper Qz2x", " ".join(VOCAB[20:60]) + ".", 2022, []),
    ]
    built = WRITERS[fmt](ps)
    result = run_ingest(built.name, built.bytes())
    assert_survive(result, ps, built)
    assert result.corpus["abstract"].str.len().max() >= HUGE * 0.9


# A listing page is title/abstract pairs: a page of titles alone is no listing page.
@pytest.mark.parametrize("fmt", [name for name in WRITERS if name != "listing"])
@settings(PROFILE, max_examples=6)
@given(ps=papers(), without=st.sets(st.integers(0, 3)))
def test_title_only_papers_are_kept_with_keep_title_only(fmt, ps, without):
    # Papers without an abstract are written as the format writes an empty field.
    ps = [Paper(p.n, p.title, "", p.year, p.authors) if p.n in without and p.n else p for p in ps]
    built = WRITERS[fmt](ps)
    result = run_ingest(built.name, built.bytes(), IngestConfig(keep_title_only=True))
    assert_survive(result, ps)
    corpus = result.corpus
    tokens = corpus["title"].str.extract(r"(Qz\d+x)")[0]
    flags = dict(zip(tokens, corpus["has_abstract"], strict=True))
    assert flags == {p.token: bool(p.abstract) for p in ps}
    assert result.summary()["title_only"] == sum(not p.abstract for p in ps)
    # The default drops them, and still accounts for every record.
    default = run_ingest(built.name, built.bytes())
    assert_survive(default, [p for p in ps if p.abstract])
