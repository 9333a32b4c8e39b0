"""Classification: accuracy on the held-out sets (chat messages, letters), the issues' examples, training,
the batch CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from bot.understanding.classify import SENTENCE_END, Classifier, normalise
from bot.understanding.taxonomy import load_taxonomy
from bot.understanding.training import (
    EVAL_FILE,
    LETTERS_EVAL_FILE,
    TRAIN_FILES,
    evaluate,
    read_examples,
    read_training,
    train,
)


def test_held_out_accuracy_is_at_least_90_percent(classifier):
    result = evaluate(classifier, read_examples(EVAL_FILE), min_confidence=0.3)
    assert result.total >= 300
    assert result.accuracy >= 0.90, result.accuracy


def test_letters_are_understood_like_chat_messages(classifier):
    """Letters to the bureau: a formal opening, months of history, a suggestion at the end (issue 16)."""
    result = evaluate(classifier, read_examples(LETTERS_EVAL_FILE), min_confidence=0.3)
    assert result.total >= 300
    assert result.accuracy >= 0.90, result.accuracy
    assert result.routed_accuracy >= 0.95, result.routed_accuracy  # the 0.3 threshold still routes correctly


def test_evaluation_sets_are_separate_from_training():
    train_texts = {example.text for example in read_training()}
    for path in (EVAL_FILE, LETTERS_EVAL_FILE):
        assert path not in TRAIN_FILES
        assert not train_texts & {example.text for example in read_examples(path)}


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
    retrained = train(load_taxonomy(), read_training())
    retrained.save(tmp_path / "model.npz")
    reloaded = Classifier.load(load_taxonomy(), tmp_path / "model.npz")
    texts = [example.text for path in (EVAL_FILE, LETTERS_EVAL_FILE) for example in read_examples(path)]
    assert [reloaded.classify(t).code for t in texts] == [classifier.classify(t).code for t in texts]


# Written for these tests, apart from both evaluation sets.
LETTER_SHOP = ("尊敬的领导：您好！我是和顺街的居民，有个问题想反映一下。街口那家家电维修店两年来一直把旧冰箱、"
               "洗衣机和维修台摆在店门外的人行道上，师傅就在外面修，路过的人只能绕到车道上走。之前也跟社区提过，"
               "没有改变。建议城管部门加强管理，督促商户规范经营。谢谢！")
LETTER_TWO = ("各位领导好：我住在文庙路，写信反映两件事。一是小区对面的工地每天晚上十一点以后还在浇筑混凝土，"
              "振捣棒和泵车的声音吵得整栋楼的人都睡不着。二是小区北门外的几盏路灯坏了两个多月，一直不亮，"
              "晚上回家黑漆漆的。希望有关部门尽快处理，谢谢！")


def test_a_formal_letter_about_a_shop_trading_outside_is_not_a_suggestion(classifier):
    result = classifier.classify(LETTER_SHOP)
    assert (result.code, result.also) == ("E0504", ())
    assert result.confidence >= 0.3  # routed to the squad without the dispatcher


def test_a_letter_about_two_problems_names_both(classifier):
    result = classifier.classify(LETTER_TWO)
    assert {result.code, *result.also} == {"E0301", "C0110"}


def test_a_letter_with_no_field_problem_keeps_its_consultation_class(classifier):
    text = ("尊敬的领导：您好！我是和顺街的居民，打算在自家店门口装一块新的灯箱招牌，想咨询一下需要到哪个部门办理"
            "审批手续，需要准备哪些材料，大概多长时间能办好。希望能得到答复，谢谢！")
    assert classifier.classify(text).code == "Z0001"



def test_sentences_normalised_one_by_one_make_the_normalised_text():
    """``classify`` normalises a text sentence by sentence only: their sentence ends are punctuation, so joined
    they give normalise(text), whatever is around the ends (combining marks, full-width forms, digits, Σ)."""
    texts = [example.text for example in read_examples(LETTERS_EVAL_FILE)]
    texts += ["路灯。\u0301坏了", "か。\u3099が", "１２。３４", "ΑΣ;Β", "﹗街口｡有垃圾﹖", "⑴ 路灯！！ ™ ；\n", "。", ""]
    for text in texts:
        sentences = [normalise(sentence) for sentence in SENTENCE_END.split(text)]
        assert " ".join(sentence for sentence in sentences if sentence) == normalise(text)


def test_a_letter_is_scored_in_one_pass_as_clause_by_clause(classifier):
    """The clauses' rows and the whole text's row of one pass are what scoring each alone gives."""
    runs = [run for sentence in SENTENCE_END.split(LETTER_TWO) for run in normalise(sentence).split()]
    clauses = classifier.featuriser.clause_streams(runs)
    assert clauses == [classifier.featuriser.streams(run) for run in runs]
    scored = classifier._probabilities(clauses)
    assert scored.shape == (len(runs) + 1, len(classifier.classes))
    for row, streams in zip(scored[:-1], clauses, strict=True):
        assert row == pytest.approx(classifier._probabilities([streams])[0], abs=1e-6)
    assert scored[-1] == pytest.approx(classifier.probabilities(LETTER_TWO), abs=1e-6)

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


def test_cli_classify_needs_no_database_or_redis(tmp_path):
    """A batch tool: the command runs with neither reachable, and answers every line in order."""
    lines = [json.dumps({"text": t}, ensure_ascii=False) for t in ("路灯不亮好几天了", LETTER_SHOP)] + ["oops"]
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "REDIS_URL": "redis://127.0.0.1:1/0",
           "CITYBOT_INSTANCE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "classify"], input="\n".join(lines) + "\n", env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("code") for o in out] == ["C0110", "E0504", None] and "error" in out[2]
    assert out[1] == {"code": "E0504", "name": "店外经营", "confidence": out[1]["confidence"]}
