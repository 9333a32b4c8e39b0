"""The bureau's categories (taxonomy.yaml: codes, names, limits, handlers, keywords) and lexicon."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_TAXONOMY = DATA / "taxonomy.yaml"
DEFAULT_LEXICON = DATA / "lexicon.yaml"


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    limit: str  # "4h" working hours, "5d" working days, "2n" clock hours
    handler: str  # "squad" or a department's code
    keywords: tuple[str, ...]
    photo_required: bool = True  # 办结 needs an after-photo (false for consultations and the like)


@dataclass(frozen=True)
class Taxonomy:
    categories: dict[str, Category]
    lexicon: dict[str, tuple[str, ...]]  # code -> colloquial words and phrases
    duplicate_groups: tuple[frozenset[str], ...] = ()  # categories one problem may be reported as
    big_classes: dict[str, str] = field(default_factory=dict)  # "E05" -> 街面秩序 (the statistics' filters)

    def same_problem(self, code: str) -> frozenset[str]:
        """The categories a report of ``code`` may duplicate: its duplicate group, or itself alone."""
        for group in self.duplicate_groups:
            if code in group:
                return group
        return frozenset({code})

    def __getitem__(self, code: str) -> Category:
        return self.categories[code]

    def __contains__(self, code: object) -> bool:
        return code in self.categories

    def phrases(self) -> dict[str, str]:
        """Every keyword and lexicon phrase → its category (first category wins on a clash)."""
        found: dict[str, str] = {}
        for code, category in self.categories.items():
            for phrase in (*category.keywords, *self.lexicon.get(code, ())):
                found.setdefault(phrase, code)
        return found


def load_taxonomy(path: Path = DEFAULT_TAXONOMY, lexicon_path: Path | None = DEFAULT_LEXICON) -> Taxonomy:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    categories = {
        item["code"]: Category(item["code"], item["name"], str(item["limit"]), item["handler"],
                               tuple(str(k) for k in item.get("keywords") or ()),
                               bool(item.get("photo_required", not item["code"].startswith("Z"))))
        for item in data["categories"]
    }
    groups = tuple(frozenset(str(c) for c in codes) for codes in (data.get("duplicate_groups") or {}).values())
    for group in groups:
        unknown = group - categories.keys()
        if unknown:
            raise ValueError(f"duplicate_groups name unknown categories: {', '.join(sorted(unknown))}")
    lexicon: dict[str, tuple[str, ...]] = {}
    if lexicon_path is not None and Path(lexicon_path).exists():
        raw = yaml.safe_load(Path(lexicon_path).read_text(encoding="utf-8")) or {}
        lexicon = {code: tuple(str(w) for w in words or ()) for code, words in raw.items() if code in categories}
    big_classes = {str(code): str(name) for code, name in (data.get("big_classes") or {}).items()}
    return Taxonomy(categories, lexicon, groups, big_classes)
