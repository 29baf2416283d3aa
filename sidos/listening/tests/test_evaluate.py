"""`sidos listening-evaluate`: the JSON summary, per-language figures, bad lines and exit codes."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sidos.listening import evaluation
from sidos.listening.classifiers.base import Example

LINES = [
    {"text": "Surkeaa palvelua pankissa, jonotin tunnin", "label": "negative", "lang": "fi"},
    {"text": "Kiitos pankille nopeasta avusta", "label": "positive", "lang": "fi"},
    {"text": "Verkkopankki ei toimi taaskaan", "label": "negative", "lang": "fi"},
    {"text": "Worst bank ever, the app is useless", "label": "negative", "lang": "en"},
    {"text": "Great service at the branch today", "label": "positive", "lang": "en"},
    # No language: detected (Swedish), both for the classifier and for by_lang.
    {"text": "Helt värdelös kundtjänst på banken idag", "label": "negative"},
]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("listening-evaluate", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, lines, name="eval.jsonl"):
    path = tmp_path / name
    path.write_text(
        "".join(line if isinstance(line, str) else json.dumps(line) + "\n" for line in lines), "utf-8"
    )
    return path


def test_it_prints_the_issue_summary_as_the_last_line(tmp_path):
    code, out, err = run(str(write(tmp_path, LINES)), "--classifier", "keyword", "--json")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert set(result) == {"n", "classifier", "negative", "by_lang", "posts_per_second"}
    assert result["n"] == 6 and result["classifier"] == "keyword"
    # keyword finds the two fi/en posts with an emotion word and a bank word, and the Swedish one;
    # "Verkkopankki ei toimi" has no emotion word: one of four negatives missed, no false alarm.
    assert result["negative"] == {"precision": 1.0, "recall": 0.75, "f1": 0.8571}
    assert result["by_lang"] == {
        "en": {"n": 2, "negative": {"precision": 1.0, "recall": 1.0, "f1": 1.0}},
        "fi": {"n": 3, "negative": {"precision": 1.0, "recall": 0.5, "f1": 0.6667}},
        "sv": {"n": 1, "negative": {"precision": 1.0, "recall": 1.0, "f1": 1.0}},
    }
    assert result["posts_per_second"] > 0


def test_without_json_it_prints_a_table(tmp_path):
    code, out, _ = run(str(write(tmp_path, LINES)), "--classifier", "keyword")
    assert code == 0
    assert "classifier keyword" in out and "\nfi " in out and "0.857" in out


def test_bad_lines_are_reported_by_number_and_the_rest_evaluated(tmp_path):
    lines = [
        LINES[0],
        "{not json\n",
        {"text": "", "label": "negative"},
        {"text": "ok", "label": "angry"},
        "\n",  # blank lines are skipped, not errors
        ["a", "list"],
        {"text": "x" * (evaluation.MAX_TEXT_CHARS + 1), "label": "neutral"},
        LINES[3],
    ]
    code, out, err = run(str(write(tmp_path, lines)), "--classifier", "keyword", "--json")
    assert code == 1
    assert "line 2: not JSON" in err
    assert "line 3: 'text' must be a non-empty string" in err
    assert "line 4: 'label' must be one of negative, neutral, positive, not 'angry'" in err
    assert "line 6: expected a JSON object" in err
    assert "line 7: 'text' is longer than" in err
    assert "line 5" not in err and "line 8" not in err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["n"] == 2 and result["rejected"] == 5


@pytest.mark.parametrize(
    ("lines", "message"),
    [([], "no evaluable lines"), (["garbage\n", {"label": "negative"}], "no evaluable lines")],
)
def test_nothing_evaluable_exits_2(tmp_path, lines, message):
    code, _, err = run(str(write(tmp_path, lines)), "--classifier", "keyword", "--json")
    assert code == 2 and message in err


def test_an_unreadable_file_exits_2(tmp_path):
    code, _, err = run(str(tmp_path / "missing.jsonl"), "--json")
    assert code == 2 and "cannot read" in err
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"text": "pankki ärsyttää", "label": "negative"}\n'.encode("latin-1"))
    code, _, err = run(str(latin1), "--classifier", "keyword")
    assert code == 2 and "cannot read" in err


def test_an_unknown_classifier_exits_2(tmp_path):
    code, _, err = run(str(write(tmp_path, LINES)), "--classifier", "nope")
    assert code == 2 and "no classifier named 'nope'" in err


def test_a_bom_at_the_start_is_accepted(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_text("\ufeff" + json.dumps(LINES[0]) + "\n", encoding="utf-8")
    code, out, _ = run(str(path), "--classifier", "keyword", "--json")
    assert code == 0 and json.loads(out.splitlines()[-1])["n"] == 1


def test_scores_are_zero_where_undefined():
    assert evaluation.negative_scores(["positive"], ["positive"]) == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
    }


def test_the_shipped_development_set_is_valid_and_covers_every_language():
    from sidos.listening.training import devset

    examples = devset()
    for lang in ("fi", "sv", "nb", "ru", "en"):
        rows = [ex for ex in examples if ex.lang == lang]
        assert len(rows) >= 60, lang
        assert {ex.label for ex in rows} == {"negative", "neutral", "positive"}, lang
    assert all(isinstance(ex, Example) for ex in examples)
