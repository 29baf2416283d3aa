import json

import pytest

from sidos.campaigns.sms import SmsError, get_provider


def test_the_file_provider_appends_one_json_line_per_message(tmp_path):
    path = tmp_path / "sms.jsonl"
    provider = get_provider(f"file://{path}")
    first = provider.send("+358401234567", "Hei Aino, tilauksesi on noudettavissa.")
    provider.send("+46701234567", "Hej!")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["to"] for line in lines] == ["+358401234567", "+46701234567"]
    assert lines[0]["id"] == first and lines[0]["text"].startswith("Hei Aino")


def test_a_number_that_is_not_e164_or_an_empty_text_is_refused(tmp_path):
    provider = get_provider(f"file://{tmp_path / 'sms.jsonl'}")
    with pytest.raises(SmsError, match="E.164"):
        provider.send("040 123 4567", "Hei")
    with pytest.raises(SmsError, match="empty"):
        provider.send("+358401234567", "  ")
    assert not (tmp_path / "sms.jsonl").exists()


def test_an_unknown_provider_is_named_in_the_error():
    with pytest.raises(SmsError, match="'carrier-pigeon'"):
        get_provider("carrier-pigeon://x")
    assert get_provider("console://").send("+358401234567", "Hei")
