"""Classification: accuracy on the held-out set, the issue's examples, training, the batch CLI."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.understanding.classify import Classifier
from bot.understanding.taxonomy import load_taxonomy
from bot.understanding.training import EVAL_FILE, TRAIN_FILE, evaluate, read_examples, train


def test_held_out_accuracy_is_at_least_90_percent(classifier):
    result = evaluate(classifier, read_examples(EVAL_FILE), min_confidence=0.3)
    assert result.total >= 300
    assert result.accuracy >= 0.90, result.accuracy


def test_evaluation_set_is_separate_from_training():
    train_texts = {text for text, _ in read_examples(TRAIN_FILE)}
    assert not train_texts & {text for text, _ in read_examples(EVAL_FILE)}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("楼下天天晚上有人在路边烤串，烟全飘我家", "E0510"),
        ("南山大街有人占道烧烤", "E0510"),
        ("小区门口井盖没了，很危险", "C0101"),
        ("路灯不亮好几天了", "C0110"),
        ("广场舞音响太吵了", "E0508"),
        ("ｂ区门口垃圾桶满了都溢出来了！！", "C0301"),  # full-width letters, punctuation
    ],
)
def test_everyday_phrasings(classifier, text, code):
    assert classifier.classify(text).code == code


def test_a_hole_in_the_road_is_not_standing_water(classifier):
    assert classifier.classify("马路中间有个洞，轮子都卡进去了").code in {"C0201", "E0401"}


def test_a_lexicon_phrase_counts_without_retraining(classifier):
    text = "楼下有个火龙罩，天天冒烟"
    before = classifier.probabilities(text)[classifier.classes.index("E0510")]
    taxonomy = load_taxonomy()
    lexicon = dict(taxonomy.lexicon, E0510=(*taxonomy.lexicon["E0510"], "火龙罩"))
    extended = Classifier.load(dataclasses.replace(taxonomy, lexicon=lexicon))
    assert extended.probabilities(text)[extended.classes.index("E0510")] > before


def test_training_is_reproducible(classifier, tmp_path):
    """`citybot train-classifier` from the repo's data gives the shipped model's answers."""
    retrained = train(load_taxonomy(), read_examples(TRAIN_FILE))
    retrained.save(tmp_path / "model.npz")
    reloaded = Classifier.load(load_taxonomy(), tmp_path / "model.npz")
    texts = [text for text, _ in read_examples(EVAL_FILE)]
    assert [reloaded.classify(t).code for t in texts] == [classifier.classify(t).code for t in texts]


def test_cli_classify_keeps_order_and_reports_bad_lines(app):
    lines = ['{"text": "楼下有人烤串"}', "not json", '{"text": ""}', "[1, 2]", '{"other": 1}',
             '{"text": "垃圾桶满了"}']
    result = app.test_cli_runner().invoke(args=["classify"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 6
    assert out[0]["code"] == "E0510" and out[0]["name"] == "露天烧烤" and 0 < out[0]["confidence"] <= 1
    assert all("error" in o for o in out[1:5])
    assert out[5]["code"] == "C0301"


def test_cli_geotag(app):
    lines = ['{"lat": 29.609943, "lng": 119.053925, "crs": "gcj02"}', '{"lat": 29.6, "lng": 119.04, "crs": "wgs84"}',
             '{"lat": 30.27, "lng": 120.15, "crs": "gcj02"}', '{"text": "明珠菜市场门口"}', '{"lat": "x", "lng": 1}',
             '{"lat": 29.6, "lng": 119.04, "crs": "bd09"}', "oops"]
    result = app.test_cli_runner().invoke(args=["geotag"], input="\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.output.splitlines()]
    assert out[0]["grid_code"] == "330127001002001" and out[0]["squad_code"] == "SQ02"
    assert out[1]["lat"] != 29.6 and out[1]["grid_code"]  # converted to GCJ-02 before the lookup
    assert out[2] == {"grid_code": None, "reason": "outside", "lat": 30.27, "lng": 120.15}
    assert out[3]["grid_code"] == "330127001002001" and out[3]["source"] == "text"
    assert "error" in out[4] and "error" in out[5] and "error" in out[6]
