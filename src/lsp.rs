//! `govc lsp`: the language server, on stdio (`lsp-server` and `lsp-types`, as rust-analyzer).
//!
//! It runs the same front end as `govc check` over the workspace's `.gov` files, with open
//! editors' text in place of the files on disk; declarations an edit did not touch are not parsed
//! again (`lsp/parse_cache.rs`). An edit marks the analysis stale; diagnostics are
//! published once no edit has come for a short while (the debounce), and a request that needs
//! the program analyzes it first if it is stale, so answers always match the text. One feature per
//! file: `lsp/{diagnostics, hover, definition, references, rename, completion, symbols,
//! formatting, semantic_tokens, quickfix, signature_help, highlight, range_formatting}.rs`.
//!
//! The wire is govc's own (`lsp/transport.rs`): it bounds what it reads and answers malformed
//! messages with JSON-RPC errors instead of dropping the connection. The lifecycle follows the
//! protocol: requests before `initialize` get `ServerNotInitialized`, a second `initialize` and
//! any request after `shutdown` get `InvalidRequest`, and `exit` without `shutdown` exits with 1.

mod completion;
mod definition;
mod diagnostics;
mod formatting;
mod highlight;
mod hover;
mod index;
mod parse_cache;
pub mod position;
mod quickfix;
mod range_formatting;
mod references;
mod rename;
mod semantic_tokens;
mod signature_help;
mod symbols;
pub mod transport;
mod workspace;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::*;
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use workspace::{Document, Snapshot, Workspace};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long the server waits after an edit before it checks the project and publishes
/// diagnostics, unless the client sets `initializationOptions.debounceMs`.
const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);

/// Runs the server on stdin/stdout until the client exits. The exit code is 0 after `shutdown`
/// then `exit`, and 1 when the client exits (or goes away) without `shutdown`, as the protocol
/// asks.
pub fn run() -> ExitCode {
    let (connection, transport) = transport::stdio();
    let result = serve(connection);
    // The connection is gone: the writer sends what is left and stops.
    let joined = transport.join();
    match (result, joined) {
        (Ok(()), Ok(())) => ExitCode::SUCCESS,
        (Err(e), _) => {
            eprintln!("govc lsp: {e}");
            ExitCode::FAILURE
        }
        (_, Err(e)) => {
            eprintln!("govc lsp: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What the server can do, as announced to the client.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "{".into(), "=".into(), " ".into()]),
            ..CompletionOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_range_formatting_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            retrigger_characters: None,
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: semantic_tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        ..ServerCapabilities::default()
    }
}

/// Serves one client over a connection: the initialize handshake, then requests and
/// notifications until `exit`.
pub fn serve(connection: Connection) -> Result<(), Error> {
    let Some((id, params)) = initialize_request(&connection)? else {
        return Err(EXIT_WITHOUT_SHUTDOWN.into());
    };
    let root = workspace_root(&params);
    let options = params.initialization_options.unwrap_or_default();
    let debounce = options
        .get("debounceMs")
        .and_then(serde_json::Value::as_u64)
        .map_or(DEFAULT_DEBOUNCE, Duration::from_millis);
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "govc".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    connection
        .sender
        .send(Message::Response(Response::new_ok(id, result)))?;
    let stdlib_dir = workspace::write_stdlib(&workspace::cache_dir());
    let mut server = Server {
        ws: Workspace::new(root, stdlib_dir),
        connection,
        snapshot: None,
        stale: true,
        deadline: None,
        debounce,
        published: HashSet::new(),
        shutting_down: false,
    };
    server.main_loop()
}

/// Why the server stops with exit code 1.
const EXIT_WITHOUT_SHUTDOWN: &str = "the client exited without asking the server to shut down";

/// Waits for the `initialize` request, answering other requests with `ServerNotInitialized` and
/// an `initialize` whose parameters do not parse with `InvalidParams`; `None` when the client
/// exits or goes away first.
fn initialize_request(connection: &Connection) -> Result<Option<(lsp_server::RequestId, InitializeParams)>, Error> {
    for message in &connection.receiver {
        match message {
            Message::Request(r) if r.method == req::Initialize::METHOD => {
                match serde_json::from_value::<InitializeParams>(r.params) {
                    Ok(params) => return Ok(Some((r.id, params))),
                    Err(e) => {
                        let message = format!("invalid `initialize` parameters: {e}");
                        let response = Response::new_err(r.id, ErrorCode::InvalidParams as i32, message);
                        connection.sender.send(Message::Response(response))?;
                    }
                }
            }
            Message::Request(r) => {
                let message = format!("`{}` before `initialize`", r.method);
                let response = Response::new_err(r.id, ErrorCode::ServerNotInitialized as i32, message);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(n) if n.method == notif::Exit::METHOD => return Ok(None),
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
    Ok(None)
}

fn workspace_root(params: &InitializeParams) -> Option<PathBuf> {
    if let Some(folder) = params.workspace_folders.as_ref().and_then(|f| f.first()) {
        return folder.uri.to_file_path().ok();
    }
    #[allow(deprecated)] // `root_uri` is how older clients name the workspace.
    params.root_uri.as_ref().and_then(|u| u.to_file_path().ok())
}

struct Server {
    connection: Connection,
    ws: Workspace,
    /// The latest analysis; stale after an edit until the next one.
    snapshot: Option<Snapshot>,
    stale: bool,
    /// When to check the project and publish diagnostics, after the last edit.
    deadline: Option<Instant>,
    debounce: Duration,
    /// Files whose last published diagnostics were not empty.
    published: HashSet<Url>,
    /// After `shutdown`: only `exit` is accepted.
    shutting_down: bool,
}

impl Server {
    fn main_loop(&mut self) -> Result<(), Error> {
        loop {
            let message = match self.deadline {
                Some(deadline) => match self.connection.receiver.recv_deadline(deadline) {
                    Ok(m) => Some(m),
                    Err(crossbeam_timeout) if crossbeam_timeout.is_timeout() => None,
                    Err(_) => return self.exit(),
                },
                None => match self.connection.receiver.recv() {
                    Ok(m) => Some(m),
                    Err(_) => return self.exit(),
                },
            };
            match message {
                None => match catch_unwind(AssertUnwindSafe(|| self.refresh())) {
                    Ok(sent) => sent?,
                    Err(_) => {
                        // Not again for the same text: the next edit schedules the next check.
                        self.deadline = None;
                        eprintln!("govc lsp: checking the project failed (a bug in govc); the server goes on");
                    }
                },
                Some(Message::Request(request)) => {
                    let response = self.lifecycle_request(request);
                    self.connection.sender.send(Message::Response(response))?;
                }
                Some(Message::Notification(n)) if n.method == notif::Exit::METHOD => return self.exit(),
                // After `shutdown`, notifications are dropped.
                Some(Message::Notification(_)) if self.shutting_down => {}
                Some(Message::Notification(n)) => {
                    let method = n.method.clone();
                    match catch_unwind(AssertUnwindSafe(|| self.notification(n))) {
                        Ok(Ok(())) => {}
                        // A notification has no answer: a bad one is reported on stderr and dropped.
                        Ok(Err(e)) => eprintln!("govc lsp: ignored `{method}`: {e}"),
                        Err(_) => eprintln!("govc lsp: `{method}` failed (a bug in govc); the server goes on"),
                    }
                }
                Some(Message::Response(_)) => {}
            }
        }
    }

    /// How the server stops, on `exit` or when the client goes away.
    fn exit(&self) -> Result<(), Error> {
        if self.shutting_down {
            Ok(())
        } else {
            Err(EXIT_WITHOUT_SHUTDOWN.into())
        }
    }

    /// Answers a request, minding the lifecycle: `initialize` only once, nothing after
    /// `shutdown`. A request whose handler panics gets an internal error; the server goes on.
    fn lifecycle_request(&mut self, request: Request) -> Response {
        let refuse = |id, message: &str| Response::new_err(id, ErrorCode::InvalidRequest as i32, message.into());
        if self.shutting_down {
            return refuse(request.id, "the server is shutting down: only `exit` is accepted");
        }
        match request.method.as_str() {
            req::Initialize::METHOD => refuse(request.id, "the server is already initialized"),
            req::Shutdown::METHOD => {
                self.shutting_down = true;
                Response::new_ok(request.id, ())
            }
            _ => {
                let id = request.id.clone();
                let method = request.method.clone();
                catch_unwind(AssertUnwindSafe(|| self.request(request))).unwrap_or_else(|_| {
                    Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("`{method}` failed (a bug in govc); the server goes on"),
                    )
                })
            }
        }
    }

    /// Marks the analysis stale and (re)starts the debounce.
    fn edited(&mut self) {
        self.stale = true;
        self.deadline = Some(Instant::now() + self.debounce);
    }

    /// Analyzes the project and publishes its diagnostics.
    fn refresh(&mut self) -> Result<(), Error> {
        let snapshot = self.ws.analyze();
        self.stale = false;
        self.deadline = None;
        for (file, diags) in diagnostics::by_file(&snapshot) {
            let Some(uri) = snapshot.uri(file).cloned() else {
                continue;
            };
            let path = snapshot.analysis.sources.get(file).path.clone();
            let open = path.as_ref().and_then(|p| self.ws.open.get(p));
            if diags.is_empty() && open.is_none() && !self.published.contains(&uri) {
                continue;
            }
            if diags.is_empty() {
                self.published.remove(&uri);
            } else {
                self.published.insert(uri.clone());
            }
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics: diags,
                version: open.map(|d| d.version),
            };
            self.connection.sender.send(Message::Notification(Notification::new(
                notif::PublishDiagnostics::METHOD.into(),
                params,
            )))?;
        }
        self.snapshot = Some(snapshot);
        Ok(())
    }

    /// The analysis of the current text.
    fn current(&mut self) -> Result<&Snapshot, Error> {
        if self.stale || self.snapshot.is_none() {
            self.refresh()?;
        }
        self.snapshot.as_ref().ok_or_else(|| "no analysis".into())
    }

    fn notification(&mut self, n: Notification) -> Result<(), Error> {
        match n.method.as_str() {
            notif::Initialized::METHOD => self.refresh()?,
            notif::DidOpenTextDocument::METHOD => {
                let p: DidOpenTextDocumentParams = serde_json::from_value(n.params)?;
                if let Ok(path) = p.text_document.uri.to_file_path() {
                    let doc = Document {
                        text: p.text_document.text,
                        version: p.text_document.version,
                    };
                    self.ws.open.insert(path, doc);
                    self.edited();
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                let p: DidChangeTextDocumentParams = serde_json::from_value(n.params)?;
                let Ok(path) = p.text_document.uri.to_file_path() else {
                    return Ok(());
                };
                let Some(doc) = self.ws.open.get_mut(&path) else {
                    return Ok(());
                };
                for change in p.content_changes {
                    match change.range {
                        Some(range) => {
                            let lines = position::LineIndex::new(&doc.text);
                            let start = lines.offset(&doc.text, range.start);
                            let end = lines.offset(&doc.text, range.end).max(start);
                            doc.text.replace_range(start..end, &change.text);
                        }
                        None => doc.text = change.text,
                    }
                }
                doc.version = p.text_document.version;
                self.edited();
            }
            notif::DidCloseTextDocument::METHOD => {
                let p: DidCloseTextDocumentParams = serde_json::from_value(n.params)?;
                if let Ok(path) = p.text_document.uri.to_file_path() {
                    self.ws.open.remove(&path);
                    self.ws.rescan();
                    self.edited();
                }
            }
            notif::DidSaveTextDocument::METHOD | notif::DidChangeWatchedFiles::METHOD => {
                self.ws.rescan();
                self.edited();
            }
            _ => {}
        }
        Ok(())
    }

    fn request(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        match self.dispatch(r) {
            Ok(value) => Response::new_ok(id, value),
            Err(e) => Response::new_err(id, e.code as i32, e.message),
        }
    }

    fn dispatch(&mut self, r: Request) -> Result<serde_json::Value, ResponseError> {
        let method = r.method.clone();
        match method.as_str() {
            req::HoverRequest::METHOD => {
                let p: HoverParams = params(r)?;
                let (s, file, offset) = self.at(&p.text_document_position_params)?;
                to_value(hover::hover(s, file, offset))
            }
            req::GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = params(r)?;
                let (s, file, offset) = self.at(&p.text_document_position_params)?;
                to_value(definition::definition(s, file, offset).map(GotoDefinitionResponse::Scalar))
            }
            req::References::METHOD => {
                let p: ReferenceParams = params(r)?;
                let (s, file, offset) = self.at(&p.text_document_position)?;
                to_value(references::references(s, file, offset, p.context.include_declaration))
            }
            req::PrepareRenameRequest::METHOD => {
                let p: TextDocumentPositionParams = params(r)?;
                let (s, file, offset) = self.at(&p)?;
                let range = rename::prepare(s, file, offset).map_err(invalid)?;
                to_value(PrepareRenameResponse::Range(range))
            }
            req::Rename::METHOD => {
                let p: RenameParams = params(r)?;
                let (s, file, offset) = self.at(&p.text_document_position)?;
                to_value(rename::rename(s, file, offset, &p.new_name).map_err(invalid)?)
            }
            req::Completion::METHOD => {
                let p: CompletionParams = params(r)?;
                let uri = &p.text_document_position.text_document.uri;
                let path = uri.to_file_path().map_err(|()| invalid(format!("not a file: {uri}")))?;
                let text = match self.ws.open.get(&path) {
                    Some(doc) => doc.text.clone(),
                    None => std::fs::read_to_string(&path).map_err(|e| invalid(e.to_string()))?,
                };
                let offset = position::LineIndex::new(&text).offset(&text, p.text_document_position.position);
                let items = completion::completion(&mut self.ws, &path, &text, offset);
                to_value(CompletionResponse::Array(items))
            }
            req::DocumentSymbolRequest::METHOD => {
                let p: DocumentSymbolParams = params(r)?;
                let (s, file) = self.document(&p.text_document.uri)?;
                to_value(DocumentSymbolResponse::Nested(symbols::document_symbols(s, file)))
            }
            req::WorkspaceSymbolRequest::METHOD => {
                let p: WorkspaceSymbolParams = params(r)?;
                let s = self.current().map_err(internal)?;
                to_value(symbols::workspace_symbols(s, &p.query))
            }
            req::Formatting::METHOD => {
                let p: DocumentFormattingParams = params(r)?;
                let (s, file) = self.document(&p.text_document.uri)?;
                to_value(formatting::format(s.text(file)))
            }
            req::RangeFormatting::METHOD => {
                let p: DocumentRangeFormattingParams = params(r)?;
                let (s, file) = self.document(&p.text_document.uri)?;
                let range = s.offset(file, p.range.start)..s.offset(file, p.range.end);
                to_value(range_formatting::format_range(s.text(file), range))
            }
            req::SignatureHelpRequest::METHOD => {
                let p: SignatureHelpParams = params(r)?;
                let (s, file, offset) = self.at(&p.text_document_position_params)?;
                to_value(signature_help::signature_help(s, file, offset))
            }
            req::DocumentHighlightRequest::METHOD => {
                let p: DocumentHighlightParams = params(r)?;
                let (s, file, offset) = self.at(&p.text_document_position_params)?;
                to_value(highlight::highlights(s, file, offset))
            }
            req::CodeActionRequest::METHOD => {
                let p: CodeActionParams = params(r)?;
                let (s, file) = self.document(&p.text_document.uri)?;
                let start = s.offset(file, p.range.start);
                let end = s.offset(file, p.range.end);
                let actions: Vec<CodeActionOrCommand> = quickfix::code_actions(s, file, start, end)
                    .into_iter()
                    .map(CodeActionOrCommand::CodeAction)
                    .collect();
                to_value(actions)
            }
            req::SemanticTokensFullRequest::METHOD => {
                let p: SemanticTokensParams = params(r)?;
                let (s, file) = self.document(&p.text_document.uri)?;
                to_value(SemanticTokensResult::Tokens(SemanticTokens {
                    result_id: None,
                    data: semantic_tokens::tokens(s, file),
                }))
            }
            _ => Err(ResponseError {
                code: ErrorCode::MethodNotFound,
                message: format!("govc lsp does not handle `{method}`"),
            }),
        }
    }

    /// The current analysis and the file of a document.
    fn document(&mut self, uri: &Url) -> Result<(&Snapshot, crate::span::FileId), ResponseError> {
        let s = self.current().map_err(internal)?;
        let file = s
            .file(uri)
            .ok_or_else(|| invalid(format!("`{uri}` is not a .gov file of the workspace")))?;
        Ok((s, file))
    }

    /// The current analysis, and the file and byte offset of a position.
    fn at(&mut self, p: &TextDocumentPositionParams) -> Result<(&Snapshot, crate::span::FileId, usize), ResponseError> {
        let (s, file) = self.document(&p.text_document.uri)?;
        let offset = s.offset(file, p.position);
        Ok((s, file, offset))
    }
}

/// A failed request.
struct ResponseError {
    code: ErrorCode,
    message: String,
}

fn invalid(message: impl Into<String>) -> ResponseError {
    ResponseError {
        code: ErrorCode::InvalidParams,
        message: message.into(),
    }
}

fn internal(e: Error) -> ResponseError {
    ResponseError {
        code: ErrorCode::InternalError,
        message: e.to_string(),
    }
}

fn params<P: serde::de::DeserializeOwned>(r: Request) -> Result<P, ResponseError> {
    serde_json::from_value(r.params).map_err(|e| invalid(e.to_string()))
}

fn to_value(v: impl serde::Serialize) -> Result<serde_json::Value, ResponseError> {
    serde_json::to_value(v).map_err(|e| ResponseError {
        code: ErrorCode::InternalError,
        message: e.to_string(),
    })
}
