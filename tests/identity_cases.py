"""What the application form accepts and refuses, with the exact words a person is shown.

One table for both checks: service/identity.py's, the ones that count (tests/test_identity.py,
and through the API in tests/test_applications.py), and the page's own, as the person types
(site/assets/jy/apply.js, tests/browser/test_phone_identity.py). The two cannot disagree
without a test failing.

``problem`` is the message, or None when the value is accepted; ``clean`` is then what the
server keeps. 身份证号 are made here from their first 17 digits (GB 11643), independently of
the service; a date makes the cases that depend on the day (ages, births in the future).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from people import with_check

ID_EMPTY = "请填写身份证号。"
ID_DIGITS = "身份证号前17位都是数字，最后一位是数字或字母X。"
ID_REGION = "身份证号开头两位不对，请对着身份证再核对一下。"
ID_BORN = "身份证号里的出生日期（第7到14位）不对，请再核对一下。"
ID_MINOR = "按身份证号，申请人还不满16岁。请用本人的身份证号申请。"
ID_CHECK = "身份证号有一位不对（最后一位对不上），请对着身份证逐位核对。"
PHONE_EMPTY = "请填写手机号，查进度要用。"
PHONE_DIGITS = "手机号只填数字，一共11位。"
PHONE_MOBILE = "手机号应该以13到19开头。请填手机号，不要填座机。"
NAME_EMPTY = "请填写姓名。"
NAME_BAD = "请填身份证上的姓名：汉字或字母，至少两个字，不要有数字或符号。"
NAME_LONG = "姓名太长了，请只填身份证上的姓名。"


def id_length(n: int) -> str:
    return f"身份证号应该是18位，你填了{n}位。请对着身份证再核对一下。"


def phone_length(n: int) -> str:
    return f"手机号应该是11位，你填了{n}位。"


@dataclass(frozen=True)
class Case:
    typed: str
    problem: str | None
    clean: str | None = None
    why: str = ""

    @property
    def id(self) -> str:
        return self.why or self.typed


def _born(on: dt.date, years: int, days: int = 0) -> str:
    """YYYYMMDD of someone ``years`` old on ``on`` (a 29 February birthday falls on the 28th
    in other years), moved by ``days``."""
    try:
        day = on.replace(year=on.year - years)
    except ValueError:
        day = on.replace(year=on.year - years, day=28)
    return (day + dt.timedelta(days=days)).strftime("%Y%m%d")


def _wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def id_cases(today: dt.date) -> list[Case]:
    sample = "11010519491231002X"               # printed in GB 11643, check character X
    fair = with_check("37048119740312246")
    turned16 = with_check(f"370402{_born(today, 16)}123")
    almost16 = with_check(f"370402{_born(today, 16, days=1)}123")
    oldest = with_check(f"370402{_born(today, 121, days=1)}123")
    return [
        Case(sample, None, sample, "the GB 11643 sample"),
        Case(fair, None, fair, "Tengzhou"),
        Case("11010519491231002x", None, sample, "a small x"),
        Case("110105 1949 1231 002X", None, sample, "spaces"),
        Case("110105-19491231-002X", None, sample, "hyphens"),
        Case("１１０１０５１９４９１２３１００２Ｘ", None, sample, "full-width, from an IME"),
        Case(turned16, None, turned16, "16 today"),
        Case(oldest, None, oldest, "120 years old"),
        Case("", ID_EMPTY, why="empty"),
        Case("   ", ID_EMPTY, why="only spaces"),
        Case("11010519491231002", id_length(17), why="17 characters"),
        Case("110105194912310020X", id_length(19), why="19 characters"),
        Case("1101051949123100XX", ID_DIGITS, why="X before the end"),
        Case("11010519491231002Y", ID_DIGITS, why="a letter other than X"),
        # other scripts' digits: int() reads them, but no 身份证 carries them
        Case("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", ID_DIGITS, why="Arabic-Indic digits"),
        Case("990105194912310028", ID_REGION, why="no province 99"),
        Case("110105199902300016", ID_BORN, why="30 February"),
        Case("110105194913010013", ID_BORN, why="month 13"),
        Case("440524188001010014", ID_BORN, why="146 years old"),
        Case(with_check(f"370402{_born(today, 121)}123"), ID_BORN, why="121 years old"),
        Case(with_check(f"370402{today.year + 1}0101123"), ID_BORN, why="born next year"),
        Case(with_check(f"370402{_born(today, 0, days=1)}123"), ID_BORN, why="born tomorrow"),
        Case(with_check(f"370402{today.year - 10}0101123"), ID_MINOR, why="a child of 10"),
        Case(almost16, ID_MINOR, why="16 tomorrow"),
        Case("110105194912310021", ID_CHECK, why="wrong check character"),
        Case(_wrong_check(fair), ID_CHECK, why="one digit off"),
    ]


PHONE_CASES = [
    Case("13800138000", None, "13800138000"),
    Case("138 0013 8000", None, "13800138000", "spaces"),
    Case("138-0013-8000", None, "13800138000", "hyphens"),
    Case("+86 13800138000", None, "13800138000", "+86"),
    Case("+8613905630001", None, "13905630001", "+86 without a space"),
    Case("0086 139 0563 0001", None, "13905630001", "0086"),
    Case("１３９０５６３０００１", None, "13905630001", "full-width, from an IME"),
    Case("19912345678", None, "19912345678", "19x"),
    Case("", PHONE_EMPTY, why="empty"),
    Case("  ", PHONE_EMPTY, why="only spaces"),
    Case("138ab138000", PHONE_DIGITS, why="letters"),
    Case("13٨٠٠١٣٨٠٠٠", PHONE_DIGITS, why="Arabic-Indic digits"),
    Case("+86", PHONE_DIGITS, why="only the country code"),
    Case("1380013800", phone_length(10), why="10 digits"),
    Case("138001380001", phone_length(12), why="12 digits"),
    Case("12800138000", PHONE_MOBILE, why="12x is no mobile"),
    Case("0632-1234567", PHONE_MOBILE, why="a landline in Zaozhuang"),
]

NAME_CASES = [
    Case("李桂兰", None, "李桂兰"),
    Case("张三", None, "张三", "two characters"),
    Case("  王  秀英 ", None, "王 秀英", "spaces around and inside"),
    Case("Li Guilan", None, "Li Guilan", "letters"),
    Case("阿卜杜·热合曼", None, "阿卜杜·热合曼", "a middle dot"),
    Case("", NAME_EMPTY, why="empty"),
    Case("   ", NAME_EMPTY, why="only spaces"),
    Case("张", NAME_BAD, why="one character"),
    Case("张3", NAME_BAD, why="a digit"),
    Case("<script>", NAME_BAD, why="markup"),
    Case("张三·", NAME_BAD, why="ends in a dot"),
    Case("王" * 30, None, "王" * 30, "30 characters"),
    Case("王" * 31, NAME_LONG, why="31 characters"),
]
