"""Checking what a person types into the application form: name, 身份证号, mobile number.

Pure functions. Each returns ``(clean value, None)`` or ``(None, a Chinese message that says
how to fix it)``. The page runs the same checks as the person types (site/assets/jy/apply.js);
these are the ones that count.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from operator import mul

# GB 11643-1999: weights of the first 17 digits, and the check character for sum mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# The first two digits: provinces, autonomous regions and municipalities (GB/T 2260).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83".split())
# 0-9 only: str.isdigit() and int() also take other scripts' digits (٨, ৮ ...), which NFKC
# leaves as they are, and a number stored in them would match no one's.
_ID_FORM = re.compile(r"^[0-9]{17}[0-9X]$")
_DIGITS = re.compile(r"^[0-9]+$")
_SPACES = re.compile(r"[\s\-－—_]+")
_MOBILE = re.compile(r"^1[3-9]")
_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z·•. ]{0,28}[\u3400-\u9fffA-Za-z]$")
MIN_AGE = 16  # the legal minimum working age (劳动法第十五条)


def compact(raw: str) -> str:
    """What was typed, in NFKC (full-width ＡＢ１ as AB1) without the spaces, dashes and
    underscores people put in to read it back: for ID numbers, phones and codes."""
    if raw.isascii() and raw.isalnum():  # as typed on a phone's keypad: already compact
        return raw
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw))


def id_check_char(first17: str) -> str:
    if len(first17) != len(_WEIGHTS):
        raise ValueError("the first 17 characters of an ID number")
    # map rather than a generator: 1.8 µs instead of 4 (it runs on every submission)
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def clean_id_number(raw: object, today: dt.date) -> tuple[str | None, str | None]:
    if not isinstance(raw, str) or not raw.strip():
        return None, "请填写身份证号。"
    value = compact(raw).upper()
    if len(value) != 18:
        return None, f"身份证号应该是18位，你填了{len(value)}位。请对着身份证再核对一下。"
    if not _ID_FORM.match(value):
        return None, "身份证号前17位都是数字，最后一位是数字或字母X。"
    if value[:2] not in _PROVINCES:
        return None, "身份证号开头两位不对，请对着身份证再核对一下。"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None, "身份证号里的出生日期（第7到14位）不对，请再核对一下。"
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if born > today or age > 120:
        return None, "身份证号里的出生日期（第7到14位）不对，请再核对一下。"
    if age < MIN_AGE:
        return None, f"按身份证号，申请人还不满{MIN_AGE}岁。请用本人的身份证号申请。"
    if id_check_char(value[:17]) != value[17]:
        return None, "身份证号有一位不对（最后一位对不上），请对着身份证逐位核对。"
    return value, None


def clean_phone(raw: object) -> tuple[str | None, str | None]:
    if not isinstance(raw, str) or not raw.strip():
        return None, "请填写手机号，查进度要用。"
    value = compact(raw)
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if not _DIGITS.match(value):
        return None, "手机号只填数字，一共11位。"
    if len(value) != 11:
        return None, f"手机号应该是11位，你填了{len(value)}位。"
    if not _MOBILE.match(value):
        return None, "手机号应该以13到19开头。请填手机号，不要填座机。"
    return value, None


def clean_name(raw: object) -> tuple[str | None, str | None]:
    if not isinstance(raw, str) or not raw.strip():
        return None, "请填写姓名。"
    value = " ".join(unicodedata.normalize("NFKC", raw).split())
    if len(value) > 30:
        return None, "姓名太长了，请只填身份证上的姓名。"
    if not _NAME.match(value):
        return None, "请填身份证上的姓名：汉字或字母，至少两个字，不要有数字或符号。"
    return value, None


_CALL_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z·•. ]{0,19}$")


def clean_call_name(raw: object) -> tuple[str | None, str | None]:
    """How a person asking to be phoned back wants to be called: 王女士, 老李, 张三. Not
    the name on the ID card (one character is enough), but no digits or symbols: a phone
    number typed into the wrong box must not end up where staff read a name."""
    if not isinstance(raw, str) or not raw.strip():
        return None, "请填写怎么称呼你，比如“王女士”。"
    value = " ".join(unicodedata.normalize("NFKC", raw).split())
    if len(value) > 20:
        return None, "称呼最多20个字，比如“王女士”。"
    if not _CALL_NAME.match(value):
        return None, "称呼只填汉字或字母，比如“王女士”，不要有数字或符号。"
    return value, None


def mask_id(id_number: str) -> str:
    """What staff see by default: the region and the last digit, e.g. 370402**********1X."""
    return id_number[:6] + "*" * 10 + id_number[-2:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def plain_text(raw: str) -> str:
    """Free text a person typed (an applicant's note, a reviewer's message): NFKC, without
    control or format characters (U+202E would turn the text around on the other side's
    screen), line breaks kept, trimmed."""
    return "".join(c for c in unicodedata.normalize("NFKC", raw)
                   if c == "\n" or unicodedata.category(c)[0] != "C").strip()
