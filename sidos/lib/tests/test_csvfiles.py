import codecs
import io

import pytest

from sidos.lib.csvfiles import Record, RecordError, UnreadableFile, read_records

ALIASES = {"email": "email", "sähköposti": "email", "customer id": "customer_id", "etunimi": "first_name"}


def read(data: bytes, required=None):
    columns, records = read_records(io.BytesIO(data), ALIASES, required_any=required)
    return columns, list(records)


def test_it_reads_semicolons_bom_and_crlf():
    data = codecs.BOM_UTF8 + "Etunimi;Sähköposti\r\nMatti;m@example.fi\r\n".encode()
    columns, records = read(data)
    assert columns == ["first_name", "email"]
    assert records == [Record(2, {"first_name": "Matti", "email": "m@example.fi"})]


def test_it_keeps_unknown_headers_as_they_are():
    columns, _records = read(b"email,Favourite Colour\n")
    assert columns == ["email", "Favourite Colour"]


def test_it_reports_the_starting_line_of_each_record_across_multiline_fields():
    data = b'email,note\na@x.fi,"two\nlines"\nb@x.fi,short\n'
    _columns, records = read(data)
    assert [record.line for record in records] == [2, 4]
    assert records[0].values["note"] == "two\nlines"


def test_it_skips_blank_lines_and_rejects_wrong_column_counts():
    _columns, records = read(b"email,note\n\na@x.fi,1\nb@x.fi\n,,\n")
    assert records[0] == Record(3, {"email": "a@x.fi", "note": "1"})
    assert records[1] == RecordError(4, "expected 2 columns, found 1")
    assert len(records) == 2


def test_it_falls_back_to_windows_1252():
    columns, records = read("Etunimi,email\nJyrki,j@x.fi\nÄäkkönen,a@x.fi\n".encode("cp1252"))
    assert records[1].values["first_name"] == "Ääkkönen"


def test_it_refuses_a_file_without_a_header():
    with pytest.raises(UnreadableFile, match="no header"):
        read(b"")


def test_it_refuses_a_header_without_any_identity_column():
    with pytest.raises(UnreadableFile, match="none of the columns"):
        read(b"colour,size\nred,1\n", required={"email", "customer_id"})


def test_it_refuses_a_header_naming_a_column_twice():
    with pytest.raises(UnreadableFile, match="twice"):
        read(b"email,sahkoposti,E-mail\n".replace(b"sahkoposti", "sähköposti".encode()))
