"""Korean names written in Hangul: which word is the family name, and how it is romanised.

Korean writes a name family-first, most often as one word ("김민준"), and a Western form makes
some write it given-first ("민준 김"). The family names are a short closed list, so the script and
the list decide: the word that is one, at either end, is the family name. Transliterated letter by
letter, a family name is no spelling its holder uses (김 "gim", 이 "i", 박 "bag"): it is read as
the romanisation passports write most ("Kim", "Lee", "Park"), so "김민준" and "Kim Min-jun" compare.
"""

from __future__ import annotations

import re

from mdm.standardise.text import fold

# The commonest Korean family names (together nearly every Korean) and the commonest romanisation
# of each; the two-syllable ones first, so "남궁민" is 남궁 (Namgung) Min, not 남 (Nam) Gungmin.
_COMPOUND_FAMILIES = {
    "남궁": "namgung", "황보": "hwangbo", "제갈": "jegal", "선우": "sunwoo", "독고": "dokgo", "사공": "sagong",
    "서문": "seomun",
}
_FAMILIES = _COMPOUND_FAMILIES | dict(
    pair.split(":") for pair in (
        "김:kim 이:lee 리:lee 박:park 최:choi 정:jung 강:kang 조:cho 윤:yoon 장:jang 임:lim 림:lim 한:han"
        " 오:oh 서:seo 신:shin 권:kwon 황:hwang 안:ahn 송:song 전:jeon 홍:hong 유:yoo 고:ko 문:moon 양:yang"
        " 손:son 배:bae 백:baek 허:heo 남:nam 심:shim 노:noh 로:roh 하:ha 곽:kwak 성:sung 차:cha 주:joo"
        " 우:woo 구:koo 민:min 류:ryu 나:na 진:jin 지:ji 엄:eom 채:chae 원:won 천:cheon 방:bang 공:kong"
        " 현:hyun 함:ham 변:byun 염:yeom 여:yeo 추:choo 도:do 소:so 석:seok 선:sun 설:seol 마:ma 길:gil"
        " 연:yeon 위:wi 표:pyo 명:myung 기:ki 반:ban 라:ra 왕:wang 금:keum 옥:ok 육:yuk 인:in 맹:maeng"
        " 제:je 모:mo 탁:tak 국:kook 은:eun 편:pyeon 용:yong 예:ye 경:kyung 봉:bong 사:sa 부:boo 태:tae"
        " 목:mok 형:hyung 피:pi 두:doo 감:kam 동:dong 호:ho 승:seung 상:sang 시:si 당:dang"
    ).split()
)
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")


def hangul_name(text: str) -> tuple[str, str] | None:
    """(family, given), romanised and folded, of a name written in Hangul: family-first ("김 민준",
    "김민준") or given-first ("민준 김"). None for any other text, and for Hangul with no family name
    at either end, or a word of two syllables alone ("민준" may be a given name alone)."""
    words = text.split()
    if not words or not all(_HANGUL_WORD.fullmatch(word) for word in words):
        return None
    if len(words) == 1:
        words = _family_apart(words[0])
    if not words:
        return None
    if words[0] in _FAMILIES:
        family, given = words[0], words[1:]
    elif words[-1] in _FAMILIES:
        family, given = words[-1], words[:-1]
    else:
        return None
    return _FAMILIES[family], fold("".join(given)) or ""


def _family_apart(word: str) -> list[str]:
    """A whole name written as one word, as Korean writes it ("김민준"), as its family name and
    given name: a name of three syllables or, after a two-syllable family name, of four."""
    for head in (word[:2], word[:1]):
        if head in _FAMILIES and len(word) >= 3 and 1 <= len(word) - len(head) <= 2:
            return [head, word[len(head):]]
    return []
