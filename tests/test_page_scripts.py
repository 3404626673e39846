"""The scripts the pages load: common.js is joined by the build step from its parts in
js/common/, one concern each, so that a phone still makes one request for all of them."""

from __future__ import annotations

import shutil

import pytest

from service.pages import SCRIPT_PARTS, SCRIPT_PARTS_DIR, _code_lines, common_script, site_data


def test_every_part_is_joined_once_and_start_comes_last():
    assert sorted(SCRIPT_PARTS) == sorted(p.name for p in SCRIPT_PARTS_DIR.glob("*.js"))
    assert len(set(SCRIPT_PARTS)) == len(SCRIPT_PARTS) and SCRIPT_PARTS[-1] == "start.js"
    joined = common_script(site_data())
    at = [joined.index(f"/* ---- {name} ---- */") for name in SCRIPT_PARTS]
    assert at == sorted(at)
    for name in SCRIPT_PARTS:
        for line in _code_lines((SCRIPT_PARTS_DIR / name).read_text("utf-8"), name):
            assert line in joined, (name, line)
    assert joined.count('"use strict"') == 1 and joined.rstrip().endswith("})();")


def test_a_part_missing_from_the_list_stops_the_build(tmp_path):
    parts = tmp_path / "common"
    shutil.copytree(SCRIPT_PARTS_DIR, parts)
    (parts / "new-tool.js").write_text("function wireNewTool() {}\n")
    with pytest.raises(RuntimeError, match="new-tool.js"):
        common_script(site_data(), parts)


def test_whole_line_comments_are_left_out_and_the_code_is_kept():
    source = "\n".join([
        "/* A comment",
        " * on two lines. */",
        "var a = 1;   /* after code: kept */",
        "// a line comment",
        "  /* indented */",
        'var b = "/* not a comment */";',
        "var c = /\\/\\*/;",
    ])
    assert _code_lines(source, "x.js") == [
        "var a = 1;   /* after code: kept */", 'var b = "/* not a comment */";',
        "var c = /\\/\\*/;"]


@pytest.mark.parametrize("source", ["/* a */ var a = 1;", "/* a\n * b */ var a = 1;"])
def test_code_after_a_comment_on_the_same_line_is_refused_not_guessed(source):
    with pytest.raises(RuntimeError, match="x.js:"):
        _code_lines(source, "x.js")
