"""Record elements of an XML export, read one at a time."""

import io

import pytest

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport
from landscape.ingest.formats.xmldoc import iter_elements, parse_element, text, value


def read(data: bytes, encoding: str = "utf-8", tags=("rec",)):
    report = FileReport("x.xml", "test")
    items = list(iter_elements(io.BytesIO(data), "x.xml", encoding, tags, report))
    return items, report


def test_text_and_value():
    data = (
        b'<rec id="7">\n  <t>An <i>inline</i>\n   x<sup>2</sup> term</t>\n'
        b"  <k>a</k><k>b</k><e> </e>\n</rec>"
    )
    item = parse_element(data, 10, "utf-8", "rec")
    node = item.node
    assert item.problem is None and item.line == 10 and node.get("id") == "7"
    assert value(node, "t") == "An inline x2 term"  # inline tags flattened, spaces collapsed
    assert [text(k) for k in node.findall("k")] == ["a", "b"]
    assert value(node, "missing/deeper") is None and value(node, "e") is None
    assert value(None, "t") is None


def test_xml_error_names_its_line():
    item = parse_element(b"<rec>\n<a>\n</b></rec>", 7, "utf-8", "rec")
    assert item.node is None and item.code == "malformed-record"
    assert item.problem == "record at line 7: XML error at line 9 (mismatched tag)"


def test_records_in_order_with_their_lines():
    data = (
        b'<?xml version="1.0"?>\n<set>\n<rec>a</rec><rec>b</rec>\n<other/>\n<rec\n>c</rec>\n</set>'
    )
    items, report = read(data)
    assert [(i.line, text(i.node)) for i in items] == [(3, "a"), (3, "b"), (5, "c")]
    assert not report.skipped and not report.warnings


def test_several_record_names():
    items, _ = read(b"<set><a>1</a><b>2</b></set>", tags=("a", "b"))
    assert [(i.tag, text(i.node)) for i in items] == [("a", "1"), ("b", "2")]


@pytest.mark.parametrize("codec", ["utf-16", "utf-8-sig"])
def test_byte_order_marks(codec):
    items, _ = read(
        '<?xml version="1.0" encoding="UTF-16"?>\n<set><rec>é</rec></set>'.encode(codec)
    )
    assert text(items[0].node) == "é" and items[0].problem is None


def test_unknown_declared_encoding_is_an_error():
    with pytest.raises(InputError, match="unknown encoding 'nope'"):
        read(b'<?xml version="1.0" encoding="nope"?>\n<set><rec>x</rec></set>')


def test_control_character_flags_its_record():
    items, _ = read(b"<set>\n<rec>a\x01b</rec>\n<rec>ok</rec></set>")
    assert items[0].code == "invalid-encoding" and text(items[0].node) == "a\ufffdb"
    assert items[0].problem == "record at line 2 holds characters XML does not allow (line 2)"
    assert items[1].problem is None
