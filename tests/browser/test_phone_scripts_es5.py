"""Our scripts stay plain ES5 (old WeChat browsers): no arrow functions, let/const, classes
or template strings, checked by parsing them as ECMAScript 5 with acorn (npm): each part of
common.js (js/common/) and the common.js the build step joins from them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from browserkit import SITE

from service.config import ROOT

ACORN = ROOT / "node_modules" / "acorn"
PARSE = """
const acorn = require(process.argv[1]);
const sources = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const problems = [];
for (const [name, text] of Object.entries(sources)) {
  try { acorn.parse(text, {ecmaVersion: 5}); }
  catch (e) { problems.push(name + ': ' + e.message); }
}
console.log(JSON.stringify(problems));
"""


def test_our_scripts_parse_as_es5():
    node = shutil.which("node")
    if not node or not ACORN.is_dir():
        pytest.skip("needs node and acorn: run `npm ci`")
    sources = {str(p.relative_to(ROOT)): p.read_text("utf-8")
               for p in [*sorted((ROOT / "site" / "assets" / "jy").glob("*.js")), ROOT / "site" / "sw.js",
                         *sorted((ROOT / "js" / "common").glob("*.js"))]}
    if (SITE / "assets" / "jy" / "common.js").is_file():
        sources["build/site/assets/jy/common.js"] = (SITE / "assets" / "jy" / "common.js").read_text("utf-8")
    if (SITE / "index.html").is_file():   # the script site/main.html puts in <head>
        html = (SITE / "index.html").read_text("utf-8")
        ours = [b for b in re.findall(r"<script>(.*?)</script>", html, re.S) if "jy.kiosk" in b]
        assert len(ours) == 1
        sources["site/main.html <head> script"] = ours[0]
    assert len(sources) >= 10
    out = subprocess.run([node, "-e", PARSE, str(ACORN)], input=json.dumps(sources),
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
