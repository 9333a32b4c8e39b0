"""Reading what residents type: commands and ratings, after the one normaliser (``bot.core.text``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.text import normalise
from bot.dispatch.numbers import CASE_NUMBER, PATTERN, is_case_number

GREETINGS = frozenset({"你好", "您好", "在吗", "在么", "有人吗", "hi", "hello", "嗨", "喂", "哈喽", "?", "？"})
THANKS = frozenset({"谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "好的", "收到", "ok", "嗯", "好", "辛苦了"})
HELP_WORDS = frozenset({"帮助", "help", "菜单", "怎么用", "使用说明", "说明"})
PRIVACY = {"我的信息": "my_info", "删除我的信息": "delete_me", "确认删除": "confirm_delete"}
NOT_SAME = frozenset({"不是同一问题", "不是同一个问题", "不是一个问题", "不是同一件事"})  # after a merge reply
TRAILING = " 。.!！,，"


@dataclass(frozen=True)
class Command:
    name: str  # query | cancel | help | thanks | my_info | delete_me | confirm_delete | not_same
    number: str | None = None


def parse_command(text: str) -> Command | None:
    """``查询``, ``查询 <编号>``, ``撤销 <编号>``, privacy words, help words and greetings; None for a report."""
    clean = normalise(text).strip(TRAILING)
    lowered = clean.lower()
    if lowered in HELP_WORDS or lowered in GREETINGS:
        return Command("help")
    if lowered in THANKS:
        return Command("thanks")
    if clean in NOT_SAME:
        return Command("not_same")
    if clean in PRIVACY:
        return Command(PRIVACY[clean])
    for word, name in (("查询", "query"), ("撤销", "cancel"), ("取消", "cancel")):
        if clean.startswith(word):
            match = CASE_NUMBER.search(clean)
            return Command(name, match.group(0) if match else None)
    if is_case_number(clean):  # a bare case number reads as a query
        return Command("query", clean)
    return None


YES = frozenset({"是", "是的", "对", "对的", "确认", "提交", "要", "嗯是的"})
NO = frozenset({"不是", "否", "不用", "不用了", "算了", "没有", "不要"})


def parse_answer(text: str) -> bool | None:
    """是 / 不是 (to "您是要反映新问题吗？"); None for anything else."""
    clean = normalise(text).strip(TRAILING)
    return True if clean in YES else False if clean in NO else None


# Ratings: 1 满意, 2 基本满意, 3 不满意 — the digit (optionally with a case number) or the words.
RATING_WORDS = {"满意": 1, "非常满意": 1, "很满意": 1, "基本满意": 2, "还行": 2, "一般": 2, "不满意": 3, "很不满意": 3,
                "非常不满意": 3}
# Said while a rating is awaited, these mean "not fixed" whatever else the message says.
NOT_FIXED = re.compile(r"没修好|没有修好|还是老样子|没解决|没有解决|问题还在|根本没处理|没处理|又来了|还没弄|还没修|没人来")
RATING = re.compile(rf"^([123])(?:\s*({PATTERN}))?$")


@dataclass(frozen=True)
class ParsedRating:
    value: int
    number: str | None
    words: str


def parse_rating(text: str, awaiting: bool) -> ParsedRating | None:
    """``1``/``2``/``3`` (full-width too, optionally with a case number) or the words; "没修好" only while awaited."""
    clean = normalise(text).strip(TRAILING)
    match = RATING.match(clean)
    if match:
        return ParsedRating(int(match.group(1)), match.group(2), clean)
    if clean in RATING_WORDS:
        return ParsedRating(RATING_WORDS[clean], None, clean)
    if awaiting and NOT_FIXED.search(clean):
        return ParsedRating(3, None, clean)
    return None
