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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    said: str = ""  # the answer said back in a reason, e.g. "你是枣庄户口"


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
    labels: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", {o.value: o.label for o in self.options})

    def say(self, value: Any) -> str:
        """The answer in words, for a reason line."""
        if self.type == "bool":
            return self.phrase_true if value else self.phrase_false
        if self.type == "enum":
            option = next((o for o in self.options if o.value == value), None)
            if option is not None and option.said:
                return option.said
            return self.phrase.format(v=self.labels.get(value, value))
        if self.type == "multi":
            if not value:
                return self.phrase_false
            return self.phrase.format(v="、".join(self.labels.get(x, x) for x in value))
        return self.phrase.format(v=value)


def _opts(*items: tuple[str, ...]) -> tuple[Option, ...]:
    return tuple(Option(*item) for item in items)


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
        options=_opts(("hukou", "我是枣庄户口", "你是枣庄户口"),
                      ("resident", "不是枣庄户口，但在枣庄住或上班", "你在枣庄住或上班"),
                      ("outside", "不在枣庄住，也不在枣庄上班", "你不在枣庄住或上班")),
        phrase="你选的是“{v}”",
    ),
    Fact(
        "work_status", "enum",
        "你现在的工作情况是？",
        options=_opts(
            ("employed", "在单位上班", "你在单位上班"),
            ("flexible", "打零工、灵活就业（骑手、家政、网约车等）", "你是灵活就业"),
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
        "下面哪些说的是你？可以选多个，都不是就选“都不是”。",
        help="就业困难人员：是人社部门认定过的，手里有认定的凭证。",
        options=_opts(
            ("graduate", "高校毕业生（大专、本科、研究生）"),
            ("student", "在校大学生"),
            ("overseas_returnee", "留学回国人员"),
            ("veteran", "退役军人"),
            ("rural_worker", "农村户口，外出或在本地打工"),
            ("returning_home", "从外地回到家乡（返乡）"),
            ("poverty_alleviated", "脱贫户或防返贫监测户"),
            ("disabled", "有残疾人证"),
            ("hard_to_employ", "已被认定为就业困难人员"),
            ("zero_employment_family", "家里没有一个人有工作（零就业家庭）"),
        ),
        phrase="你是{v}", phrase_false="你选了“都不是”",
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
        "你没了工作，是不是因为被辞退、合同到期单位不续、单位倒闭这类原因？",
        help="自己主动辞职选“不是”。",
        phrase_true="你不是自己要走的", phrase_false="你是自己辞职的",
    ),
    Fact(
        "unemployment_registered", "bool",
        "你办过失业登记吗？",
        help="失业登记：没有工作、想找工作的人，到人社部门或在网上登记一下，"
             "以后才能领失业保险金、享受帮扶。",
        phrase_true="你办过失业登记", phrase_false="你还没办失业登记",
    ),
    Fact(
        "skill_certificate", "enum",
        "你有职业技能证书吗？有的话最高是哪一级？",
        help="职业资格证书或职业技能等级证书。五级最低，一级最高。",
        options=_opts(
            ("none", "没有"),
            ("level5", "五级（初级工）"),
            ("level4", "四级（中级工）"),
            ("level3", "三级（高级工）"),
            ("level2", "二级（技师）"),
            ("level1", "一级（高级技师）"),
        ),
        phrase="你的证书：{v}",
    ),
    Fact(
        "work_problems", "multi",
        "你在工作上遇到下面的麻烦了吗？可以选多个，没有就选“都不是”。",
        options=_opts(
            ("wages_owed", "老板或单位欠我工资"),
            ("dispute", "和单位有谈不拢的纠纷（辞退、加班费、工伤、合同）"),
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
    if fact.type == "year":
        out["min"], out["max"] = year_bounds(fact, this_year)
    elif fact.type == "int":
        out["min"], out["max"] = fact.min, fact.max
    return out
