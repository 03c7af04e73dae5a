//! The front end (parse, resolve, type-check, dependency graph) on any text: no panic, and every
//! diagnostic's spans point inside its file on character boundaries.

#![no_main]

use libfuzzer_sys::fuzz_target;

fn run(data: &[u8]) {
    if let Some(text) = govc_fuzz::gov_text(data) {
        govc_fuzz::analyze(text);
    }
}

fuzz_target!(|data: &[u8]| govc_fuzz::on_big_stack(data, run));
