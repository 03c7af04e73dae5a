//! `govc test --format junit`: the results as a JUnit XML report, the format CI test reporters
//! read (GitHub test-reporter actions, GitLab, Jenkins). One `<testsuite>` per test package, one
//! `<testcase>` per test; a failed test has one `<failure>` per failed expectation. No timings, so
//! the report is the same on every run.

use crate::runtime::test_runner::TestResult;

/// The report of `results` (in run order), ending in a newline.
pub fn render(results: &[TestResult]) -> String {
    let mut suites: Vec<(&str, Vec<&TestResult>)> = Vec::new();
    for r in results {
        match suites.iter_mut().find(|(name, _)| *name == r.suite) {
            Some((_, tests)) => tests.push(r),
            None => suites.push((&r.suite, vec![r])),
        }
    }
    let failed = |tests: &[&TestResult]| tests.iter().filter(|t| !t.passed()).count();
    let all: Vec<&TestResult> = results.iter().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"govc test\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
        all.len(),
        failed(&all)
    ));
    for (name, tests) in &suites {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
            escape(name),
            tests.len(),
            failed(tests)
        ));
        for t in tests {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\"",
                escape(&t.name),
                escape(&t.suite)
            );
            if t.passed() {
                out.push_str(&format!("{open}/>\n"));
                continue;
            }
            out.push_str(&format!("{open}>\n"));
            for f in &t.failures {
                let summary = f.lines().next().unwrap_or_default().trim_end().trim_end_matches(':');
                out.push_str(&format!(
                    "      <failure type=\"expectation\" message=\"{}\">{}</failure>\n",
                    escape(summary),
                    escape_text(f, false)
                ));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text safe in a double-quoted XML attribute.
fn escape(s: &str) -> String {
    escape_text(s, true)
}

/// Text safe in XML content, or with `attribute` in a double-quoted attribute (where a raw
/// newline or tab would be read as a space). Characters XML 1.0 cannot carry at all (control
/// characters other than tab, newline and carriage return) become U+FFFD.
fn escape_text(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(suite: &str, name: &str, failures: &[&str]) -> TestResult {
        TestResult {
            suite: suite.into(),
            name: name.into(),
            failures: failures.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn suites_in_run_order_with_failures_escaped() {
        let results = [
            result("a_test", "passes <ok> & \"fine\"", &[]),
            result(
                "a_test",
                "fails",
                &["line 3: expect denied a.p:\n    expected a denial"],
            ),
            result("b_test", "bell \u{7}", &[]),
        ];
        let xml = render(&results);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuites name=\"govc test\" tests=\"3\" failures=\"1\" errors=\"0\">\n  \
             <testsuite name=\"a_test\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\">\n    \
             <testcase name=\"passes &lt;ok&gt; &amp; &quot;fine&quot;\" classname=\"a_test\"/>\n    \
             <testcase name=\"fails\" classname=\"a_test\">\n      \
             <failure type=\"expectation\" message=\"line 3: expect denied a.p\">line 3: expect denied a.p:\n    \
             expected a denial</failure>\n    \
             </testcase>\n  \
             </testsuite>\n  \
             <testsuite name=\"b_test\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n    \
             <testcase name=\"bell \u{FFFD}\" classname=\"b_test\"/>\n  \
             </testsuite>\n\
             </testsuites>\n"
        );
    }
}
