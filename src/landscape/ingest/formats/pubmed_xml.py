"""Parser for PubMed XML (``efetch`` answers and XML exports: ``PubmedArticleSet``).

A file is a ``<PubmedArticleSet>`` of ``<PubmedArticle>`` (journal articles) and
``<PubmedBookArticle>`` (books and chapters, such as GeneReviews) elements, read
one at a time (see :mod:`.xmldoc`), so a file of any size is read with memory
bounded by its largest record. Inline markup in titles and abstracts (``<i>``,
``<sup>``, MathML) is flattened to its text and entities are decoded.

Fields read from a ``PubmedArticle`` (``MedlineCitation/Article``): ``ArticleTitle``
(else ``VernacularTitle``; the brackets of a translated title
``[Title in English].`` removed); ``Abstract/AbstractText`` sections joined in
order, each after its ``Label`` (``"BACKGROUND: ..."``; else an English
``OtherAbstract``); ``Journal/JournalIssue/PubDate`` year and date (``Year``,
``Month``, ``Day``, or ``MedlineDate`` such as ``"2019 Jan-Feb"``; else
``ArticleDate``); ``Journal/Title`` venue; ``AuthorList`` authors (``ForeName
LastName``, or ``CollectiveName``); the DOI from ``PubmedData/ArticleIdList``
(``IdType="doi"``) or ``ELocationID`` (``EIdType="doi"``), never from the
reference list; ``MeshHeadingList`` descriptors and ``KeywordList`` keywords as
keywords; ``PMID`` as the PubMed ``url`` and in the locator. A
``PubmedBookArticle`` (``BookDocument``) gives the same fields, its
``ArticleTitle`` (else the ``BookTitle``) as title and the book's title as venue.
A ``DeleteCitation`` (PubMed update files) lists PMIDs to delete, not papers: it
is reported as a warning.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, BinaryIO

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport, RawRecord, parse_whole
from landscape.ingest.formats.medline import unbracket_title
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import compact, normalise_doi, to_year
from landscape.ingest.formats.xmldoc import XmlItem, iter_elements, text, value

NAME = "pubmed_xml"
_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
_MARKER_RE = re.compile(rb"<(?:PubmedArticleSet|PubmedArticle|PubmedBookArticle)[\s>/]")
_DOCTYPE_RE = re.compile(rb"<!DOCTYPE\s+PubmedArticleSet\b")
_MONTHS = {
    m: k
    for k, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like PubMed XML.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; with ``.xml`` a head that does not start with ``<``
            (damaged) is accepted when it holds PubMed elements.

    Returns:
        True for XML holding a ``PubmedArticleSet``, ``PubmedArticle`` or
        ``PubmedBookArticle`` element, or a ``PubmedArticleSet`` document type.
    """
    head = data[:20000]
    if not (_MARKER_RE.search(head) or _DOCTYPE_RE.search(head)):
        return False
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return True
    return name.lower().removesuffix(".gz").endswith(".xml")


def _abstract(node: ET.Element | None) -> str | None:
    """``AbstractText`` sections in order, each after its ``Label``."""
    if node is None:
        return None
    sections = []
    for part in node.findall("AbstractText"):
        body, label = text(part), part.get("Label", "").strip()
        if body:
            sections.append(f"{label}: {body}" if label else body)
    return " ".join(sections) or None


def _other_abstract(parent: ET.Element) -> ET.Element | None:
    """An ``OtherAbstract`` in English (or of no stated language)."""
    return next(
        (n for n in parent.findall("OtherAbstract") if n.get("Language", "eng") == "eng"), None
    )


def _date(node: ET.Element | None) -> tuple[int | None, str | None]:
    """``(year, iso)`` of a ``PubDate`` or ``ArticleDate``.

    ``Year``, ``Month`` (``"Mar"`` or ``"03"``) and ``Day``; else the year of a
    ``MedlineDate`` (``"2019 Jan-Feb"``, ``"1998 Dec-1999 Jan"``, ``"2000 Spring"``).
    """
    if node is None:
        return None, None
    year = to_year(value(node, "Year"))
    if year is None:
        return to_year(value(node, "MedlineDate")), None
    raw_month = (value(node, "Month") or "").lower()
    month = _MONTHS.get(raw_month[:3]) or (int(raw_month) if raw_month.isdigit() else None)
    day = value(node, "Day") or ""
    try:
        if month and day.isdigit():
            return year, dt.date(year, month, int(day)).isoformat()
        if month:
            return year, dt.date(year, month, 1).isoformat()[:7]
    except ValueError:  # a month or day out of range: the year stands
        pass
    return year, None


def _authors(node: ET.Element | None) -> list[str]:
    names = []
    for author in node.findall("Author") if node is not None else []:
        if author.get("ValidYN") == "N":
            continue
        first = value(author, "ForeName") or value(author, "Initials")
        last = value(author, "LastName")
        name = " ".join(p for p in (first, last) if p) if last else value(author, "CollectiveName")
        if name:
            names.append(name)
    return names


def _ids(*lists: ET.Element | None) -> dict[str, str]:
    """``{IdType: value}`` of ``ArticleIdList`` elements, the first of each type."""
    ids: dict[str, str] = {}
    for node in lists:
        for article_id in node.findall("ArticleId") if node is not None else []:
            found = text(article_id)
            if found:
                ids.setdefault(article_id.get("IdType", "pubmed"), found)
    return ids


def _doi(ids: dict[str, str], parent: ET.Element) -> str | None:
    """The DOI of the ``ArticleIdList`` s, else of a valid ``ELocationID``."""
    doi = normalise_doi(ids.get("doi"))
    for loc in parent.findall("ELocationID") if not doi else []:
        if loc.get("EIdType") == "doi" and loc.get("ValidYN") != "N":
            doi = normalise_doi(text(loc))
            if doi:
                break
    return doi


def _keywords(parent: ET.Element) -> list[str]:
    """MeSH descriptors, then keywords, each once (case aside)."""
    terms = [value(h, "DescriptorName") for h in parent.findall("MeshHeadingList/MeshHeading")]
    terms += [text(k) for k in parent.findall("KeywordList/Keyword")]
    seen: set[str] = set()
    out = []
    for term in terms:
        if term and term.lower() not in seen:
            seen.add(term.lower())
            out.append(term)
    return out


def _child(node: ET.Element, path: str) -> ET.Element:
    """The element at ``path``, or an empty one (so that lookups in it find nothing)."""
    found = node.find(path)
    return found if found is not None else ET.Element(path)


def _fields(node: ET.Element) -> dict[str, Any]:
    """The fields of a ``PubmedArticle`` or ``PubmedBookArticle``, by schema name."""
    if node.tag == "PubmedBookArticle":
        doc = _child(node, "BookDocument")
        book = _child(doc, "Book")
        ids = _ids(doc.find("ArticleIdList"), node.find("PubmedBookData/ArticleIdList"))
        chapter = value(doc, "ArticleTitle")
        return {
            "pmid": value(doc, "PMID"),
            "title": chapter or value(book, "BookTitle"),
            "abstract": _abstract(doc.find("Abstract")),
            "date": _date(book.find("PubDate")),
            "venue": value(book, "BookTitle") if chapter else None,
            "authors": _authors(doc.find("AuthorList")) or _authors(book.find("AuthorList")),
            "doi": _doi(ids, doc),
            "keywords": _keywords(doc),
            "ids": ids,
        }
    citation = _child(node, "MedlineCitation")
    article = _child(citation, "Article")
    ids = _ids(node.find("PubmedData/ArticleIdList"))
    year, date = _date(article.find("Journal/JournalIssue/PubDate"))
    abstract = article.find("Abstract")
    return {
        "pmid": value(citation, "PMID"),
        "title": value(article, "ArticleTitle") or value(article, "VernacularTitle"),
        "abstract": _abstract(abstract if abstract is not None else _other_abstract(citation)),
        "date": (year, date) if year else _date(article.find("ArticleDate")),
        "venue": value(article, "Journal/Title") or value(article, "Journal/ISOAbbreviation"),
        "authors": _authors(article.find("AuthorList")),
        "doi": _doi(ids, article),
        "keywords": _keywords(citation),
        "ids": ids,
    }


def record_from(item: XmlItem, source: str) -> RawRecord:
    """Build the record of one ``PubmedArticle`` or ``PubmedBookArticle``.

    Args:
        item: The element as read (or why it could not be read).
        source: The file's path.

    Returns:
        The raw record; ``problem`` is set when the element could not be read.
    """
    node = item.node
    if node is None:
        where = f"line {item.line}"
        return RawRecord(source, item.line, None, None, {}, item.problem, item.code, [], where)
    f = _fields(node)
    pmid = f["pmid"] if f["pmid"] and f["pmid"].isdigit() else None
    year, date = f["date"]
    title = unbracket_title(f["title"]) if f["title"] else None
    original = {
        "element": node.tag,
        "PMID": f["pmid"],
        "title": f["title"],
        "abstract": f["abstract"],
        "ArticleIds": f["ids"],
    }
    meta = compact(
        {
            "authors": f["authors"],
            "year": year,
            "date": date,
            "venue": f["venue"],
            "doi": f["doi"],
            "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
            "keywords": f["keywords"],
            "original": compact(original),
        }
    )
    where = f"entry PMID {pmid} (line {item.line})" if pmid else f"line {item.line}"
    return RawRecord(
        source, item.line, title, f["abstract"], meta, item.problem, item.code, [], where
    )


def parse_stream(
    stream: BinaryIO,
    source: str,
    options: FormatOptions | None = None,
    report: FileReport | None = None,
) -> Iterator[RawRecord]:
    """Read the records of a PubMed XML file from a binary stream, in file order.

    Args:
        stream: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used (a BOM or the XML declaration decides
            while it is UTF-8).
        report: Receives warnings (``DeleteCitation``) and lines of text outside
            any record.

    Yields:
        One record per ``PubmedArticle``/``PubmedBookArticle``, and one with
        ``problem`` per broken part (see :func:`.xmldoc.iter_elements`).

    Raises:
        InputError: The file holds no PubMed record (before any record).
    """
    opts = options or FormatOptions()
    report = report if report is not None else FileReport(source, NAME)
    found = False
    for item in iter_elements(stream, source, opts.encoding, _TAGS, report):
        if item.tag == "DeleteCitation":
            n = len(item.node.findall("PMID")) if item.node is not None else 0
            report.warnings.append(
                f"{source}: line {item.line}: a DeleteCitation lists {n} PMIDs deleted from "
                "PubMed; they are not papers and were not read"
            )
            continue
        found = True
        yield record_from(item, source)
    if not found:
        raise InputError(f"{source}: no PubMed record (<PubmedArticle>) found")


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a PubMed XML file.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.

    Returns:
        ``(records, report)``: one record per article, in file order.

    Raises:
        InputError: The file holds no PubMed record.
    """
    return parse_whole(parse_stream, NAME, data, source, options)
