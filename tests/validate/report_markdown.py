#!/usr/bin/env python3
"""Renders the controls report of a hostile project with GitHub's Markdown engine (cmark-gfm).

The project's titles, controls, owners, descriptions and CI globs hold HTML (`<script>`,
`<img onerror>`), table syntax (`|`), newlines and Markdown. `govc report --format md` is
rendered by cmark-gfm with raw HTML allowed (so escaping is what keeps it inert, not GitHub's
sanitizer) and `--format html` is parsed as is; in both, no element or attribute may come from
the project's text, every table must keep its shape, and the text must read as written.

    pip install cmarkgfm==2025.10.22
    python3 tests/validate/report_markdown.py --govc target/debug/govc

Exits non-zero on any failure.
"""

import json
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import harness  # noqa: E402  (tests/common/harness.py)

cmarkgfm = harness.require("cmarkgfm")
Options = harness.require("cmarkgfm.cmark").Options

HOSTILE = r"""package hostile

import std.ai.{Dataset}

/// Described with <img src=x onerror=alert(1)> and [a link](javascript:alert(1)).
policy pii {
  title    = "PII <script>alert(1)</script> | stays *encrypted*"
  severity = high
  controls = ["SOC 2 | <img src=x onerror=alert(2)>", "line one\nline two", "@everyone `code` #1"]
  owner    = "<b>mallory</b>@example.com"
  subject d: Dataset
  deny "dataset {d.name} has PII" when d.contains_pii
}

test "pii is denied" {
  expect denied pii(Dataset { name: "x", contains_pii: true, encryption: { at_rest: true, in_transit: true }, sources: [] })
}

enforce pii {
  ci { files = ["data/*.yaml\n| injected | row |", "<script>x</script>/*.json"] }
}
"""

# What the project says, as the reader must see it.
TEXTS = [
    "PII <script>alert(1)</script> | stays *encrypted*",
    "SOC 2 | <img src=x onerror=alert(2)>",
    "@everyone `code` #1",
    "<b>mallory</b>@example.com",
    "<script>x</script>/*.json",
]

# Elements the report itself writes; anything else came from the project's text.
MARKDOWN_TAGS = {"h1", "h2", "h3", "p", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "code", "br"}
HTML_TAGS = MARKDOWN_TAGS | {"html", "head", "meta", "title", "style", "body", "section", "span", "div"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.attributes = []
        self.text = []
        self.tables = []  # per table: list of rows, each the number of cells

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append(0)
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self.tables[-1][-1] += 1

    def handle_data(self, data):
        self.text.append(data)


def govc_report(govc: Path, project: Path, fmt: str) -> str:
    run = subprocess.run([str(govc), "report", "--format", fmt, str(project)], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"govc report --format {fmt} failed ({run.returncode}):\n{run.stderr}")
    return run.stdout


def check(name: str, html: str, allowed: set, controls: int, failures: list):
    page = Page()
    page.feed(html)
    stray = sorted(set(page.tags) - allowed)
    if stray:
        failures.append(f"{name}: elements from the project's text: {stray}")
    events = [a for a in page.attributes if a.startswith("on")]
    if events:
        failures.append(f"{name}: event handler attributes: {events}")
    text = " ".join(" ".join(page.text).split())
    for expected in TEXTS:
        if " ".join(expected.split()) not in text:
            failures.append(f"{name}: the text {expected!r} does not read as written")
    # The controls table: a header and one row per control, three cells each; then the policy's
    # table: seven rows of two cells.
    if len(page.tables) != 2:
        failures.append(f"{name}: {len(page.tables)} tables, expected 2")
        return
    if page.tables[0] != [3] * (controls + 1):
        failures.append(f"{name}: the controls table has rows of {page.tables[0]} cells")
    if page.tables[1] != [2] * 7 and page.tables[1] != [2] * 8:
        failures.append(f"{name}: the policy table has rows of {page.tables[1]} cells")


def main() -> int:
    govc = harness.govc_argument(__doc__)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "hostile.gov").write_text(HOSTILE)
        report = json.loads(govc_report(govc, Path(tmp), "json"))
        controls = len(report["controls"])
        markdown = govc_report(govc, Path(tmp), "md")
        rendered = cmarkgfm.markdown_to_html_with_extensions(
            markdown, options=Options.CMARK_OPT_UNSAFE, extensions=["table", "strikethrough", "autolink"]
        )
        check("report --format md (cmark-gfm)", rendered, MARKDOWN_TAGS, controls, failures)
        check("report --format html", govc_report(govc, Path(tmp), "html"), HTML_TAGS, controls, failures)
    return harness.conclude(
        failures, "the Markdown (rendered by cmark-gfm) and HTML reports of a hostile project are inert and well-formed"
    )


if __name__ == "__main__":
    sys.exit(main())
