r"""From bytes to text: byte-order marks, UTF-16, line breaks, bad bytes, streaming.

Every text format reads its file through these helpers, so that they all agree on
what a line is (``\r\n``, ``\r`` or ``\n`` ends one, nothing else) and on how a
file with a byte-order mark is read: a UTF-16 BOM makes the file UTF-16 whatever
the configured encoding, a UTF-8 BOM is dropped. Bytes that are not valid in the
encoding never stop a file: the line (or record) holding them is reported.

The streaming helpers read a binary stream in chunks, so a file of any size is
read with memory bounded by its longest line.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from landscape.errors import InputError

BOM_UTF8 = b"\xef\xbb\xbf"
_BOM_UTF16 = (b"\xff\xfe", b"\xfe\xff")
LINE_BREAK_RE = re.compile(rb"\r\n|\r|\n")
TEXT_BREAK_RE = re.compile(r"\r\n|\r|\n")
_CHUNK = 1 << 20


def check_codec(source: str, encoding: str) -> None:
    """Raise :class:`InputError` when ``encoding`` is not a known codec."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"{source}: unknown text encoding {encoding!r}") from None


def utf8_head(data: bytes) -> bytes:
    """The head of a file as UTF-8 bytes for format detection.

    A UTF-16 head (recognised by its BOM) is transcoded and a UTF-8 BOM dropped, so
    that content sniffers see the same bytes whatever the file's encoding.
    """
    if data[:2] in _BOM_UTF16:
        return data.decode("utf-16", errors="replace").encode("utf-8")
    return data[3:] if data.startswith(BOM_UTF8) else data


def _utf16_to_utf8(data: bytes, encoding: str) -> tuple[bytes, str]:
    # Line splitting works on bytes, which only makes sense for ASCII-compatible
    # encodings; a UTF-16 file (BOM) is transcoded first.
    if data[:2] in _BOM_UTF16:
        return data.decode("utf-16", errors="replace").encode("utf-8"), "utf-8"
    return (data[3:] if data.startswith(BOM_UTF8) else data), encoding


def line_starts(text: str) -> list[int]:
    """Offsets in ``text`` where each line after the first starts (for line numbers)."""
    return [m.end() for m in TEXT_BREAK_RE.finditer(text)]


def _read_some(stream: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes from one read of the source (``read1``).

    When the source fails midway (a cut gzip stream), what came before it is
    returned first instead of being lost with a larger read.
    """
    return getattr(stream, "read1", stream.read)(n)


class Chain(io.RawIOBase):
    """``head`` followed by the rest of ``stream``: puts back bytes read to sniff.

    Not seekable, whatever ``stream`` is (a gzip stream seeks by decompressing again).
    """

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the head, then from the stream."""
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = _read_some(self._stream, len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Transcode(io.RawIOBase):
    """A stream in ``encoding`` read as UTF-8 bytes (undecodable bytes become U+FFFD)."""

    def __init__(self, stream: BinaryIO, encoding: str) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._out = b""
        self._done = False

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._out and not self._done:
            chunk = _read_some(self._stream, _CHUNK)
            self._done = not chunk
            self._out = self._decoder.decode(chunk, final=self._done).encode("utf-8")
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n


def read_exactly(stream: BinaryIO, n: int) -> bytes:
    """Read ``n`` bytes (fewer only at the end of the stream)."""
    out = b""
    while len(out) < n:
        more = stream.read(n - len(out))
        if not more:
            break
        out += more
    return out


def open_utf8(stream: BinaryIO, source: str, encoding: str) -> tuple[BinaryIO, str]:
    """Wrap a binary stream so that its byte-order mark is handled.

    Args:
        stream: The file's (decompressed) bytes, positioned at the start.
        source: The file's path, for messages.
        encoding: The configured text encoding.

    Returns:
        ``(stream, encoding)``: a UTF-16 file (BOM) comes back transcoded to UTF-8
        with ``encoding`` ``"utf-8"``; a UTF-8 BOM is skipped.

    Raises:
        InputError: ``encoding`` is not a known codec.
    """
    head = read_exactly(stream, 4)
    if head[:2] in _BOM_UTF16:
        raw: io.RawIOBase = _Transcode(io.BufferedReader(Chain(head, stream)), "utf-16")
        return io.BufferedReader(raw, _CHUNK), "utf-8"
    check_codec(source, encoding)
    if head.startswith(BOM_UTF8):
        head = head[3:]
    return io.BufferedReader(Chain(head, stream), _CHUNK), encoding


def open_text(stream: BinaryIO, source: str, encoding: str) -> io.TextIOWrapper:
    """A text stream over ``stream``; undecodable bytes become lone surrogates.

    Lines keep their ends (``newline=""``), as the ``csv`` module wants; see
    :func:`open_utf8` for byte-order marks.
    """
    binary, encoding = open_utf8(stream, source, encoding)
    return io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")


def iter_raw_lines(stream: BinaryIO) -> Iterator[bytes]:
    """Lines of a binary stream without their line breaks, read chunk by chunk.

    Splits exactly like ``LINE_BREAK_RE.split(whole_file)``: the same lines, and a
    last empty one when the file ends with a line break.
    """
    pending = b""
    while chunk := _read_some(stream, _CHUNK):
        data = pending + chunk
        # A final \r may be the first half of \r\n: keep it for the next chunk.
        hold = b"\r" if data.endswith(b"\r") else b""
        parts = LINE_BREAK_RE.split(data[: len(data) - len(hold)])
        pending = parts.pop() + hold
        yield from parts
    yield from LINE_BREAK_RE.split(pending)


def iter_decoded_lines(
    stream: BinaryIO, source: str, encoding: str
) -> Iterator[tuple[int, str, str | None]]:
    """Numbered lines of a stream, each decoded on its own.

    Decoding line by line keeps every good line when a few bytes are wrong, and
    lets a problem name the exact line and byte.

    Yields:
        ``(line_no, text, problem)``; ``problem`` names the bad byte of a line that
        is not valid ``encoding`` (its text then holds U+FFFD).

    Raises:
        InputError: ``encoding`` is not a known codec.
    """
    binary, encoding = open_utf8(stream, source, encoding)
    for no, raw in enumerate(iter_raw_lines(binary), start=1):
        try:
            yield no, raw.decode(encoding), None
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex().upper()
            why = f"line {no} is not valid {encoding} (byte 0x{bad} at column {exc.start + 1})"
            yield no, raw.decode(encoding, errors="replace"), why


def decode_lines(data: bytes, source: str, encoding: str) -> list[tuple[int, str, str | None]]:
    """All of :func:`iter_decoded_lines` for bytes in memory."""
    return list(iter_decoded_lines(io.BytesIO(data), source, encoding))


def decode_document(data: bytes, source: str, encoding: str) -> tuple[str, str | None]:
    """Decode a whole file; undecodable bytes become lone surrogates (see ``scrub``).

    Returns:
        ``(text, problem)``: ``problem`` names the line of the first bad byte.

    Raises:
        InputError: ``encoding`` is not a known codec.
    """
    data, encoding = _utf16_to_utf8(data, encoding)
    check_codec(source, encoding)
    try:
        return data.decode(encoding), None
    except UnicodeDecodeError as exc:
        line = len(LINE_BREAK_RE.findall(data, 0, exc.start)) + 1
        why = f"line {line} is not valid {encoding} (byte 0x{data[exc.start]:02X})"
        return data.decode(encoding, errors="surrogateescape"), why
