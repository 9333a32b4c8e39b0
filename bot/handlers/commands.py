"""Recognising residents' commands in free text, forgivingly (full-width, spaces, punctuation)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.intake.numbers import is_case_number

GREETINGS = frozenset(
    {"你好", "您好", "在吗", "在么", "有人吗", "hi", "hello", "嗨", "喂", "哈喽",
     "谢谢", "好的", "收到", "ok", "嗯", "?", "？"}
)
HELP_WORDS = frozenset({"帮助", "help", "菜单", "怎么用", "使用说明", "说明"})
NUMBER = re.compile(r"\d{8}-\d{4,}")


@dataclass(frozen=True)
class Command:
    name: str  # query | cancel | help | my_info | delete_me | confirm_delete
    number: str | None = None


def normalise(text: str) -> str:
    """NFKC folds full-width letters, digits and spaces; we also drop surrounding punctuation."""
    folded = unicodedata.normalize("NFKC", text)
    return " ".join(folded.split()).strip(" 。.!！,，")


PRIVACY = {"我的信息": "my_info", "删除我的信息": "delete_me", "确认删除": "confirm_delete"}


def parse_command(text: str) -> Command | None:
    """``查询``, ``查询 <编号>``, ``撤销 <编号>``, privacy words, help words and greetings; None for a report."""
    clean = normalise(text)
    lowered = clean.lower()
    if lowered in HELP_WORDS or lowered in GREETINGS:
        return Command("help")
    if clean in PRIVACY:
        return Command(PRIVACY[clean])
    for word, name in (("查询", "query"), ("撤销", "cancel"), ("取消", "cancel")):
        if clean.startswith(word):
            match = NUMBER.search(clean)
            number = match.group(0) if match and is_case_number(match.group(0)) else None
            return Command(name, number)
    if NUMBER.fullmatch(clean):  # a bare case number reads as a query
        return Command("query", clean)
    return None
