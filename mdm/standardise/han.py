"""Chinese names written in Han characters: which characters are the family name.

Chinese writes a name family-first as one word ("王小明", "張偉"): the family name is its first
character, or its first two for the few compound ones ("欧阳娜娜"), and the given name the rest,
which pinyin writes as one word ("Wang Xiaoming"). Transliterated character by character, the name
was three words, the family name read as a given name and the given name as two ("ming", "xiao").
A Japanese name in kanji is family-first too, but its family name is mostly two characters and not
told apart from a Chinese one by its script: a name of four characters without a compound family
name is left as it was.
"""

from __future__ import annotations

import re

from mdm.standardise.text import fold

# The compound family names still in use, simplified and traditional.
_COMPOUND_FAMILIES = frozenset(
    "欧阳 歐陽 司马 司馬 诸葛 諸葛 上官 司徒 东方 東方 皇甫 夏侯 慕容 尉迟 尉遲 公孙 公孫 令狐 长孙 長孫 宇文 轩辕 軒轅"
    " 端木 西门 西門 南宫 南宮 独孤 獨孤 申屠 澹台 澹臺 呼延 万俟 萬俟".split()
)
# CJK unified ideographs and their first extension: the characters Chinese names are written in.
_HAN_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def han_name(text: str) -> tuple[str, str] | None:
    """(family, given), transliterated and folded, of a name written in Han characters: one word of
    two to four characters ("王小明"), or its family name apart ("王 小明"). None for any other text."""
    words = text.split()
    if not words or len(words) > 2 or not all(_HAN_WORD.fullmatch(word) for word in words):
        return None
    if len(words) == 1:
        name = words[0]
        head = 2 if name[:2] in _COMPOUND_FAMILIES else 1
        if not 2 <= len(name) <= 4 or len(name) - head not in (1, 2):
            return None
        words = [name[:head], name[head:]]
    family, given = ("".join((fold(word) or "").split()) for word in words)
    return family, given
