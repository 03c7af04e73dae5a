//! The formatter's round trip on any text that parses: the output parses to the same syntax tree
//! (spans aside), formatting it again changes nothing, and the formatter never reports that it
//! would change a file's meaning (that is a formatter bug caught by its own re-parse check).

#![no_main]

use govc::fmt::{format_text, shape, FormatError};
use govc::span::FileId;
use libfuzzer_sys::fuzz_target;

fn run(data: &[u8]) {
    let Some(text) = govc_fuzz::gov_text(data) else { return };
    match format_text(text) {
        Ok(formatted) => {
            let (before, _) = govc::syntax::parse_file(FileId(0), text);
            let (after, diags) = govc::syntax::parse_file(FileId(0), &formatted);
            assert!(diags.is_empty(), "the formatted text does not parse:\n{formatted}");
            assert_eq!(
                shape(&before),
                shape(&after),
                "formatting changed the syntax tree:\n{formatted}"
            );
            match format_text(&formatted) {
                Ok(again) => assert_eq!(again, formatted, "formatting is not idempotent"),
                Err(e) => panic!("the formatted text does not format again: {e}\n{formatted}"),
            }
        }
        Err(FormatError::Syntax(_)) => {}
        Err(FormatError::Unsafe(why)) => panic!("the formatter would change the meaning: {why}"),
    }
}

fuzz_target!(|data: &[u8]| govc_fuzz::on_big_stack(data, run));
