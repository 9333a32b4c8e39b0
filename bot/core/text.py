"""The one normaliser for what residents and squads type, before any command, rating or number is read.

Chinese keyboards often produce full-width digits, letters, hyphens and spaces (``３``, ``２０２６１１２１－００４２``,
``签收　...``). ``normalise`` folds them with NFKC, except the full-width punctuation people write prose with
(``，``、``：``、``！`` …), which is kept so a member's note reads as they wrote it; runs of white space become one
space and the ends are trimmed.
"""

from __future__ import annotations

import unicodedata

PROSE_PUNCTUATION = frozenset("，。！？；：（）、“”‘’")


def normalise(text: str) -> str:
    folded = "".join(ch if ch in PROSE_PUNCTUATION else unicodedata.normalize("NFKC", ch) for ch in text)
    return " ".join(folded.split())
