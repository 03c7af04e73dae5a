//! The language server's message reader on any byte stream: no panic, memory bounded by the bytes
//! actually sent (run with a small `-malloc_limit_mb`), and every malformed message answered with
//! a JSON-RPC parse error (-32700) or invalid request (-32600).

#![no_main]

use govc::lsp::transport::{Incoming, MessageReader, INVALID_REQUEST, PARSE_ERROR};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = MessageReader::new(data);
    let mut reads = 0;
    while let Some(incoming) = reader.next_message().expect("reading from memory cannot fail") {
        reads += 1;
        assert!(reads <= data.len() + 1, "more messages than bytes");
        if let Incoming::Invalid(Some(answer)) = incoming {
            let code = answer["error"]["code"].as_i64();
            assert!(
                code == Some(PARSE_ERROR.into()) || code == Some(INVALID_REQUEST.into()),
                "{answer}"
            );
            assert_eq!(answer["jsonrpc"], "2.0");
        }
    }
});
