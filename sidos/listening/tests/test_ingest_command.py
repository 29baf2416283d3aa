"""`sidos listening-ingest` end to end, with the shipped classifier, language detection and topics."""

import json

import pytest

from sidos.listening.models import Post, Sentiment, Source
from sidos.listening.tests.helpers import run_command

pytestmark = pytest.mark.django_db

COMPLAINT_FI = "Verkkopankki on taas kaatunut enkä pääse maksamaan laskuja. Todella huonoa palvelua!"
PRAISE_EN = "Thank you for the quick help at the branch today, great service!"


def jsonl(tmp_path, rows, name="posts.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows) + "\n")
    return path


def test_a_jsonl_file_is_ingested_with_languages_labels_and_topics(tmp_path):
    path = jsonl(
        tmp_path,
        [
            {
                "id": "1",
                "text": COMPLAINT_FI,
                "created_at": "2026-11-30T10:00:00Z",
                "author_handle": "@maija",
            },
            {"id": "2", "text": PRAISE_EN, "created_at": "2026-11-30T11:00:00+02:00", "likes": 3},
        ],
    )
    status, summary, _err = run_command("listening-ingest", str(path), "--source", "tweets")
    assert status == 0
    assert (summary["records"], summary["created"], summary["rejected"]) == (2, 2, 0)
    complaint = Post.objects.get(external_id="1")
    assert complaint.source == Source.objects.get(name="tweets")
    assert complaint.lang == "fi"
    assert complaint.sentiment == Sentiment.NEGATIVE
    assert "online_and_mobile_bank" in complaint.topics
    praise = Post.objects.get(external_id="2")
    assert (praise.lang, praise.like_count) == ("en", 3)
    assert praise.sentiment != Sentiment.NEGATIVE


def test_a_csv_file_with_bom_semicolons_and_finnish_dates_is_ingested(tmp_path):
    path = tmp_path / "export.csv"
    text = (
        "id;author_handle;author_name;text;language;created_at;url;like_count;reshare_count\r\n"
        f'a1;@matti;Matti;"{COMPLAINT_FI}";fi;30.11.2026 10:15;https://example.org/a1;2;1\r\n'
        f"a2;@liisa;Liisa;{PRAISE_EN};;1.12.2026;;0;0\r\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    status, summary, _err = run_command("listening-ingest", str(path))
    assert (status, summary["created"]) == (0, 2)
    post = Post.objects.get(external_id="a1")
    assert post.source.name == "export"  # the file's name when no --source is given
    assert (post.author_name, post.url, post.reshare_count) == ("Matti", "https://example.org/a1", 1)
    assert post.posted_at.isoformat() == "2026-11-30T08:15:00+00:00"  # Helsinki time read as local
    assert Post.objects.get(external_id="a2").lang == "en"  # detected


def test_bad_lines_are_named_the_rest_is_stored_and_the_exit_status_is_1(tmp_path):
    path = jsonl(
        tmp_path,
        [
            {"id": "1", "text": COMPLAINT_FI, "created_at": "2026-11-30T10:00:00Z"},
            "{not json",
            {"id": "3", "text": "x", "created_at": "yesterday"},
            {"id": "4", "text": "y", "created_at": "2026-11-30T10:00:00Z", "likes": "many"},
            {"id": "5", "text": PRAISE_EN, "created_at": "2026-11-30T10:00:00Z"},
        ],
    )
    status, summary, err = run_command("listening-ingest", str(path))
    assert status == 1
    assert (summary["created"], summary["rejected"]) == (2, 3)
    assert summary["problems"][0].startswith("line 2: line: not JSON")
    assert summary["problems"][1].startswith("line 3: created_at: invalid date/time")
    assert summary["problems"][2] == "line 4: like_count: not a whole number: 'many'"
    assert "line 2" in err


def test_running_the_file_again_changes_nothing(tmp_path):
    path = jsonl(
        tmp_path,
        [{"id": str(n), "text": f"{COMPLAINT_FI} {n}", "created_at": "2026-11-30"} for n in range(5)],
    )
    run_command("listening-ingest", str(path))
    status, summary, _err = run_command("listening-ingest", str(path))
    assert (status, summary["created"], summary["unchanged"]) == (0, 0, 5)
    assert Post.objects.count() == 5


def test_an_unreadable_file_does_nothing_and_exits_2(tmp_path):
    status, summary, _err = run_command("listening-ingest", str(tmp_path / "missing.jsonl"))
    assert status == 2
    assert "cannot read" in summary["error"]
    path = tmp_path / "nohead.csv"
    path.write_text("foo,bar\n1,2\n")
    status, summary, _err = run_command("listening-ingest", str(path))
    assert status == 2
    assert "text" in summary["error"]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    status, summary, _err = run_command("listening-ingest", str(empty))
    assert status == 2
    assert "no records" in summary["error"]
    assert Post.objects.count() == 0
