//! `govc fmt [DIR|FILE…|-] [--check]`: rewrites `.gov` files in the canonical layout, or with
//! `--check` lists the files that would change and exits 1. `-` formats standard input to
//! standard output (how editors format a buffer).
//!
//! Directories are searched like a project (hidden directories, `dist`, `target` and
//! `node_modules` are skipped). Paths listed in a `.govfmtignore` file (one per line, relative to
//! the file's directory, `#` comments) of a searched directory or of any directory above it are
//! skipped too — deliberately broken test inputs, say. Files named on the command line are always
//! formatted.

use crate::diagnostic::human;
use crate::fmt::{format_text, FormatError};
use crate::source::SourceMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Files or directories to format, or `-` for standard input; defaults to the current
    /// directory.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Write nothing; list the files that are not formatted and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// The name diagnostics give standard input (with `-`).
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_filename: String,
}

/// The name of the file that lists paths `govc fmt` leaves alone.
pub const IGNORE_FILE: &str = ".govfmtignore";

pub fn run(args: FmtArgs, ctx: &super::Ctx) -> ExitCode {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        if args.paths.len() > 1 {
            eprintln!("error: `-` (standard input) cannot be formatted together with files");
            return ExitCode::from(super::EXIT_USAGE);
        }
        return format_stdin(&args);
    }
    let mut files = Vec::new();
    for path in &args.paths {
        if !path.exists() {
            eprintln!("error: `{}` does not exist", path.display());
            return ExitCode::from(super::EXIT_USAGE);
        }
        if path.is_file() {
            files.push(path.clone());
        } else {
            // The files of the project, as the compiler reads them (symbolic links followed),
            // less those `.govfmtignore` excludes.
            let ignored = ignored_paths(path);
            match crate::driver::project::gov_files(path) {
                Ok(found) => files.extend(found.into_iter().filter(|file| {
                    let real = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
                    !ignored.iter().any(|i| real.starts_with(i))
                })),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(super::EXIT_USAGE);
                }
            }
        }
    }
    files.sort();
    files.dedup();

    let (mut changed, mut failed) = (0usize, 0usize);
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", file.display());
                failed += 1;
                continue;
            }
        };
        match format_text(&text) {
            Ok(formatted) if formatted == text => ctx.detail(format!("unchanged {}", file.display())),
            Ok(formatted) => {
                changed += 1;
                if args.check {
                    println!("{}", file.display());
                } else if let Err(e) = std::fs::write(file, formatted) {
                    eprintln!("error: cannot write `{}`: {e}", file.display());
                    failed += 1;
                } else if ctx.verbosity > super::Verbosity::Quiet {
                    println!("formatted {}", file.display());
                }
            }
            Err(FormatError::Syntax(diags)) => {
                failed += 1;
                print_syntax_errors(&file.display().to_string(), Some(file.clone()), text, &diags);
            }
            Err(e @ FormatError::Unsafe(_)) => {
                failed += 1;
                eprintln!("error: `{}`: {e}", file.display());
            }
        }
    }
    if args.check && changed > 0 {
        eprintln!(
            "{changed} of {} files {} formatting; run `govc fmt` to format them",
            files.len(),
            if changed == 1 { "needs" } else { "need" }
        );
    }
    if failed > 0 || (args.check && changed > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Formats standard input to standard output; with `--check`, prints nothing and exits 1 when the
/// input is not formatted.
fn format_stdin(args: &FmtArgs) -> ExitCode {
    use std::io::{Read, Write};
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read standard input: {e}");
        return ExitCode::from(super::EXIT_USAGE);
    }
    match format_text(&text) {
        Ok(formatted) if args.check => {
            if formatted == text {
                ExitCode::SUCCESS
            } else {
                println!("{}", args.stdin_filename);
                ExitCode::FAILURE
            }
        }
        Ok(formatted) => match std::io::stdout().write_all(formatted.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(super::EXIT_USAGE),
        },
        Err(FormatError::Syntax(diags)) => {
            print_syntax_errors(&args.stdin_filename, None, text, &diags);
            ExitCode::FAILURE
        }
        Err(e @ FormatError::Unsafe(_)) => {
            eprintln!("error: `{}`: {e}", args.stdin_filename);
            ExitCode::FAILURE
        }
    }
}

/// The syntax errors that keep a file from being formatted, then a line saying so.
fn print_syntax_errors(name: &str, path: Option<PathBuf>, text: String, diags: &[crate::diagnostic::Diagnostic]) {
    let mut sources = SourceMap::new();
    sources.add(name, path, text, false);
    eprint!("{}", human::render(diags, &sources, human::use_color()));
    eprintln!("error: `{name}` was not formatted: fix its syntax errors first");
}

/// The paths that `.govfmtignore` files in `dir` and above it exclude.
fn ignored_paths(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let absolute = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    for ancestor in absolute.ancestors() {
        let Ok(list) = std::fs::read_to_string(ancestor.join(IGNORE_FILE)) else {
            continue;
        };
        for line in list.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            out.push(ancestor.join(line.trim_start_matches("./").trim_end_matches('/')));
        }
    }
    out
}
