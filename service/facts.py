"""The public vocabulary of facts the self-check knows about a person.

Guides' conditions, the eligibility engine, the API and the pages all use these ids; a fact id
is a public name, like a program slug, and never changes meaning once published. Each fact
carries its question in plain Chinese, its type, its options and the phrase used to say the
answer back in a reason ("你2025年毕业").

Types:
  bool   true / false
  int    a whole number within [min, max]
  enum   one of the option values
  multi  a list of option values (possibly empty: "none of these")
  year   a calendar year within [min, max]; max is relative to the current year

A long multi fact is asked in ``parts``: each part is one phone screen with its own question
and some of the options; the page sends one answer, with what was ticked in every part.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    """What a person can still do to meet a condition they do not meet yet.

    A status such as 失业登记 or 就业困难人员认定 is something one applies for, not something
    one is: a person without it yet is told the step ("先申请就业困难人员认定"), never a
    plain 不符合. ``via`` names the program whose guide explains the step; when that program's
    own conditions rule the person out, the step is not open to them and the condition fails.
    """

    text: str
    via: str | None = None
    name: str = ""  # the status, for "你现在的情况，办不了就业困难人员认定"


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    said: str = ""  # the answer said back in a reason, e.g. "你是枣庄户口"
    said_not: str = ""  # for a multi option not chosen, e.g. "你没有残疾人证"
    short: str = ""  # a few words, for "你没有选……" lists
    obtain: Step | None = None  # a person with this answer (or without this option) can change it


@dataclass(frozen=True)
class Part:
    """One screen of a multi fact asked a part at a time: its question and its options."""

    text: str
    options: tuple[str, ...]  # option values, in the fact's order
    help: str = ""


@dataclass(frozen=True)
class Fact:
    id: str
    type: str
    question: str
    help: str = ""
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    # How to say the answer back. "{v}" is the answer, or its option label for enum/multi.
    phrase: str = "你的回答是{v}"
    phrase_true: str = ""
    phrase_false: str = ""
    obtain: Step | None = None  # bool facts: a "no" that a step can turn into a "yes"
    parts: tuple[Part, ...] = ()  # multi facts: the screens it is asked in (all options, once)
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    by_value: dict[str, Option] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", {o.value: o.label for o in self.options})
        object.__setattr__(self, "by_value", {o.value: o for o in self.options})
        if self.parts and [v for p in self.parts for v in p.options] != list(self.labels):
            raise ValueError(f"{self.id}: its parts must hold every option once, in order")

    def say(self, value: Any) -> str:
        """The answer in words, for a reason line."""
        if self.type == "bool":
            return self.phrase_true if value else self.phrase_false
        if self.type == "enum":
            option = self.by_value.get(value)
            if option is not None and option.said:
                return option.said
            return self.phrase.format(v=self.labels.get(value, value))
        if self.type == "multi":
            if not value:
                return self.phrase_false
            return "，".join(self.say_option(x, True) for x in value)
        return self.phrase.format(v=value)

    def say_option(self, value: str, chosen: bool) -> str:
        """One option of a multi fact said back: "你有残疾人证" / "你没有残疾人证"."""
        o = self.by_value[value]
        if chosen:
            return o.said or self.phrase.format(v=o.label)
        return o.said_not or f"你没有选“{o.label}”"

    def say_none_of(self, values: Iterable[str]) -> str:
        """None of these options was chosen."""
        values = list(values)
        if len(values) == 1:
            return self.say_option(values[0], False)
        shorts = "、".join(self.by_value[v].short or self.by_value[v].label for v in values)
        return f"你没有选{shorts}中的任何一项"


def _opts(*items: tuple[str, ...]) -> tuple[Option, ...]:
    """Options from (value, label[, said[, said_not[, short]]]) rows."""
    return tuple(Option(*item) for item in items)  # type: ignore[arg-type]  # text fields only


DISTRICTS = _opts(
    ("shizhong", "市中区"),
    ("xuecheng", "薛城区"),
    ("yicheng", "峄城区"),
    ("taierzhuang", "台儿庄区"),
    ("shanting", "山亭区"),
    ("tengzhou", "滕州市"),
    ("gaoxin", "高新区"),
)
DISTRICT_LABELS = {o.value: o.label for o in DISTRICTS}  # id -> name, for forms and figures

# Steps that change an answer, each modelled once here rather than as prose in every guide.
HARD_TO_EMPLOY = Step("先申请就业困难人员认定", "hard-to-employ-assistance", "就业困难人员认定")
REGISTER = Step("先办失业登记，网上也能办", "unemployment-insurance", "失业登记")
CERTIFICATE = Step("先参加职业技能等级认定，拿到证书", "skill-level-certification",
                   "职业技能等级认定")
COME_TO_ZAOZHUANG = Step("这是枣庄的政策：来枣庄住、上班或创业后可以办；在外地的，请打12333问当地政策")

# The order is the tie-break when two questions would settle equally many programs: broad,
# easy questions first.
FACTS: tuple[Fact, ...] = (
    Fact(
        "is_employer", "bool",
        "你是替单位（公司、工厂、个体户老板）来问政策的吗？",
        help="给自己找政策选“不是”。替公司招人、稳岗、领补贴选“是”。",
        phrase_true="你是替单位来问的", phrase_false="你是给自己问的",
    ),
    Fact(
        "residence", "enum",
        "你和枣庄是什么关系？",
        help="户籍就是户口本上的地址。",
        options=(
            Option("hukou", "我是枣庄户口", "你是枣庄户口"),
            Option("resident", "不是枣庄户口，但在枣庄住或上班", "你在枣庄住或上班"),
            Option("outside", "不在枣庄住，也不在枣庄上班", "你现在不在枣庄住或上班",
                   obtain=COME_TO_ZAOZHUANG),
        ),
        phrase="你选的是“{v}”",
    ),
    Fact(
        "work_status", "enum",
        "你现在的工作情况是？",
        options=_opts(
            ("employed", "在单位上班", "你在单位上班"),
            ("platform", "平台接单（外卖快递网约车）", "你在平台上接单"),
            ("flexible", "打零工、灵活就业（家政等）", "你是打零工、灵活就业"),
            ("self_employed", "自己干，开了个体户", "你开了个体户"),
            ("business_owner", "开了公司，是老板", "你开了公司"),
            ("unemployed", "现在没有工作", "你现在没有工作"),
            ("student", "还在上学", "你还在上学"),
            ("retired", "已经退休", "你已经退休"),
        ),
    ),
    Fact(
        "age", "int", "你今年多少岁？", min=14, max=100, phrase="你今年{v}岁",
    ),
    Fact(
        "groups", "multi",
        "下面哪些说的是你？可以多选",
        options=(
            Option("graduate", "高校毕业生（含大专）", "你是高校毕业生",
                   "你不是高校毕业生", "高校毕业生"),
            Option("student", "在校大学生", "你是在校大学生", "你不是在校大学生", "在校大学生"),
            Option("overseas_returnee", "留学回国人员", "你是留学回国人员",
                   "你不是留学回国人员", "留学回国"),
            Option("veteran", "退役军人", "你是退役军人", "你不是退役军人", "退役军人"),
            Option("rural_worker", "农村户口，外出或本地打工", "你是农村户口、在打工",
                   "你没有选“农村户口打工”", "农村户口打工"),
            Option("returning_home", "从外地回到家乡（返乡）", "你是从外地回乡的",
                   "你没有选“返乡”", "返乡"),
            Option("poverty_alleviated", "脱贫户或防返贫监测户", "你家是脱贫户或监测户",
                   "你家不是脱贫户或监测户", "脱贫户"),
            Option("disabled", "有残疾人证", "你有残疾人证", "你没有残疾人证", "残疾人证"),
            Option("hard_to_employ", "已被认定为就业困难人员", "你已被认定为就业困难人员",
                   "你还没被认定为就业困难人员", "就业困难人员", obtain=HARD_TO_EMPLOY),
            Option("zero_employment_family", "零就业家庭：没人有工作",
                   "你家没有一个人有工作", "你没有选“零就业家庭”", "零就业家庭"),
        ),
        phrase="你是{v}", phrase_false="你选了“都不是”",
        parts=(
            Part("哪些说的是你？可以多选",
                 ("graduate", "student", "overseas_returnee", "veteran", "rural_worker")),
            Part("这些呢？哪些说的是你？",
                 ("returning_home", "poverty_alleviated", "disabled", "hard_to_employ",
                  "zero_employment_family")),
        ),
    ),
    Fact(
        "graduation_year", "year", "你哪一年毕业（还没毕业就填要毕业的年份）？",
        min=1970, max=6, phrase="你{v}年毕业",
    ),
    Fact(
        "starting_business", "bool", "你正在创业，或者打算近期创业吗？",
        phrase_true="你在创业或想创业", phrase_false="你没有创业打算",
    ),
    Fact(
        "ui_years", "int",
        "你一共交了几年失业保险？",
        help="失业保险是社保（社会保险）的一种，单位上班一般都交。"
             "不清楚可以打12333查。不满1年填0。",
        min=0, max=50, phrase="你交了{v}年失业保险",
    ),
    Fact(
        "job_loss_involuntary", "bool",
        "你没了工作，是不是因为下面这些原因：合同到期单位不续、被辞退或裁员、单位倒闭，"
        "或者单位欠工资、不交社保，你才辞职？",
        help="只是自己想换工作、主动辞职的，选“不是”。说不清就选“不知道”，窗口会帮你认定。",
        phrase_true="你是因为单位的原因没了工作", phrase_false="你是自己主动辞职的",
    ),
    Fact(
        "unemployment_registered", "bool",
        "你办过失业登记吗？",
        help="失业登记：没有工作、想找工作的人，到人社部门或在网上登记一下，"
             "以后才能领失业保险金、享受帮扶。",
        phrase_true="你办过失业登记", phrase_false="你还没办失业登记",
        obtain=REGISTER,
    ),
    Fact(
        "skill_certificate", "enum",
        "你有职业技能证书吗？有的话最高是哪一级？",
        help="职业资格证书或职业技能等级证书。五级最低，一级最高。",
        options=tuple(Option(v, label, said, obtain=CERTIFICATE) for v, label, said in (
            ("none", "没有", "你还没有职业技能证书"),
            ("level5", "五级（初级工）", "你有五级（初级工）证书"),
            ("level4", "四级（中级工）", "你有四级（中级工）证书"),
            ("level3", "三级（高级工）", "你有三级（高级工）证书"),
            ("level2", "二级（技师）", "你有二级（技师）证书"),
            ("level1", "一级（高级技师）", "你有一级（高级技师）证书"),
        )),
        phrase="你的证书：{v}",
    ),
    Fact(
        "work_problems", "multi",
        "你在工作上遇到下面的麻烦了吗？可以多选",
        options=(
            Option("wages_owed", "老板或单位欠我工资", "老板或单位欠你工资",
                   "你没有被欠工资", "欠工资"),
            Option("dispute", "和单位有纠纷（辞退、加班费、工伤、合同）",
                   "你和单位有纠纷", "你没有和单位的纠纷", "劳动纠纷"),
            Option("discrimination", "因为性别、年龄、户口等被区别对待",
                   "你遇到了就业歧视", "你没有遇到就业歧视", "就业歧视"),
        ),
        phrase="你遇到的麻烦：{v}", phrase_false="你没有遇到这些麻烦",
    ),
    Fact(
        "gender", "enum", "你的性别？",
        options=_opts(("female", "女", "你是女性"), ("male", "男", "你是男性")),
    ),
    Fact(
        "employer_sme", "bool",
        "你的单位是中小微企业吗？",
        help="一般来说，员工不到几百人、营业额不大的企业都是中小微企业。不确定就选“不知道”。",
        phrase_true="你的单位是中小微企业", phrase_false="你的单位不是中小微企业",
    ),
)

FACTS_BY_ID: dict[str, Fact] = {f.id: f for f in FACTS}
FACT_ORDER: dict[str, int] = {f.id: i for i, f in enumerate(FACTS)}


def year_bounds(fact: Fact, this_year: int) -> tuple[int, int]:
    """The accepted range of a year fact: max is an offset from the current year."""
    return fact.min or 1900, this_year + (fact.max or 0)


def validate_answers(raw: Any, this_year: int) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Check answers against the vocabulary.

    Returns (clean answers, errors); each error names its field and says in Chinese how to fix it.
    ``None`` means "not answered yet" and is dropped, so a person can skip a question.
    """
    if not isinstance(raw, dict):
        return {}, [{"field": "answers", "message": "回答的格式不对，应该是一组“问题: 回答”。"}]
    clean: dict[str, Any] = {}
    errors: list[dict[str, str]] = []

    def bad(fid: str, message: str) -> None:
        errors.append({"field": f"answers.{fid}", "message": message})

    for fid, value in raw.items():
        fact = FACTS_BY_ID.get(fid)
        if fact is None:
            bad(fid, "没有这个问题。")
            continue
        if value is None:
            continue
        if fact.type == "bool":
            if not isinstance(value, bool):
                bad(fid, "请回答“是”或“不是”。")
                continue
        elif fact.type in ("int", "year"):
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # 60.0 is 60 in JSON
            if isinstance(value, bool) or not isinstance(value, int):
                bad(fid, "请填一个整数。")
                continue
            lo, hi = (year_bounds(fact, this_year) if fact.type == "year"
                      else (fact.min, fact.max))
            if lo is not None and value < lo or hi is not None and value > hi:
                bad(fid, f"请填{lo}到{hi}之间的数。")
                continue
        elif fact.type == "enum":
            if not isinstance(value, str) or value not in fact.labels:
                bad(fid, "请从给出的选项里选一个。")
                continue
        elif fact.type == "multi":
            if not isinstance(value, list) or not all(
                isinstance(x, str) and x in fact.labels for x in value
            ):
                bad(fid, "请从给出的选项里选，可以选多个。")
                continue
            value = sorted(set(value), key=list(fact.labels).index)
        clean[fid] = value
    return clean, errors


def question_json(fact: Fact, this_year: int) -> dict[str, Any]:
    """The public description of one question, for GET /api/questions and the page."""
    out: dict[str, Any] = {"id": fact.id, "type": fact.type, "text": fact.question}
    if fact.help:
        out["help"] = fact.help
    if fact.options:
        out["options"] = [{"value": o.value, "label": o.label} for o in fact.options]
    if fact.parts:
        out["parts"] = [{"text": p.text, **({"help": p.help} if p.help else {}),
                         "options": list(p.options)} for p in fact.parts]
    if fact.type == "year":
        out["min"], out["max"] = year_bounds(fact, this_year)
    elif fact.type == "int":
        out["min"], out["max"] = fact.min, fact.max
    return out
