"""From a source file's bytes to the text its records quote: one extraction per format.

Offsets in the record tables are code points into this text, never into the file. Each
extraction is deterministic and documented in ``data/README.md`` in a few lines of
Python, and ``sources.csv`` records the sha256 of its result (``text_sha256``), so anyone
can rebuild the text and check a quote without lowback.

- ``text``: a UTF-8 file as it is (without a byte-order mark).
- ``medquad_xml``: a MedQuAD question-answer document. The text is the character
  content of its ``<Answer>`` elements, in document order, entities decoded and nothing
  else changed (not even white space), joined by one blank line (``"\\n\\n"``). The
  ``<Question>`` elements are the data set's own wording ("What is (are) Back Pain ?"),
  not the publisher's, and are left out.
"""

from __future__ import annotations

import hashlib

from defusedxml import DefusedXmlException, ElementTree

#: The formats a source can have (``sources.csv``, column ``format``).
FORMATS: tuple[str, ...] = ("text", "medquad_xml")

#: What joins the answers of a MedQuAD document in its text.
ANSWER_SEPARATOR = "\n\n"


class FormatError(ValueError):
    """A file that is not what its format says: what was expected, and where.

    Attributes
    ----------
    expected : str
        What the file should have been, in words.
    line : int or None
        The line of the first bad byte, where there is one (1-based).
    value : str or None
        What was found there ("byte 0xe9").
    """

    def __init__(self, expected: str, *, line: int | None = None, value: str | None = None):
        super().__init__(expected)
        self.expected, self.line, self.value = expected, line, value


def decode_utf8(data: bytes) -> str:
    """UTF-8 bytes as text, without a byte-order mark; :class:`FormatError` names the line
    and the byte where they are not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 1].hex()
        line = data.count(b"\n", 0, err.start) + 1
        raise FormatError("UTF-8 text", line=line, value=f"byte 0x{bad}") from None


def extract_text(data: bytes, file_format: str) -> str:
    """The text a source's records quote, extracted from the file's bytes.

    Parameters
    ----------
    data : bytes
        The file's bytes (UTF-8, already checked against its sha256).
    file_format : str
        One of :data:`FORMATS`.

    Raises
    ------
    FormatError
        If the bytes are not well-formed for the format (say which way).
    """
    if file_format == "text":
        return decode_utf8(data)
    if file_format == "medquad_xml":
        return _medquad_answers(data)
    raise FormatError(f"a known format ({', '.join(FORMATS)}), not {file_format!r}")


def _medquad_answers(data: bytes) -> str:
    # defusedxml: no entity expansion bombs or external entities, even from a file
    # whose sha256 matched (the check comes first, the parser second).
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as err:
        raise FormatError(f"well-formed XML ({err})", line=err.position[0]) from None
    except DefusedXmlException as err:
        raise FormatError(f"XML without entity declarations ({err!r})") from None
    answers = ["".join(answer.itertext()) for answer in root.iter("Answer")]
    if not answers:
        raise FormatError("a MedQuAD document with at least one <Answer> element")
    return ANSWER_SEPARATOR.join(answers)


def text_sha256(text: str) -> str:
    """sha256 of the extracted text, encoded as UTF-8 (``sources.csv``, ``text_sha256``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
