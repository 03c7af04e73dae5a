//! Semantic tokens: every name colored by what it is (type, enum value, field, function,
//! policy, parameter, local, package), declarations and standard-library names marked. Keywords,
//! strings and comments are left to the TextMate grammar.

use super::index::{body_locals, Symbol};
use super::workspace::Snapshot;
use crate::checked::{Item, LocalKind};
use crate::span::FileId;
use lsp_types::{SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend};

const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::TYPE,
    SemanticTokenType::ENUM,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::CLASS,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PROPERTY,
];

const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DEFAULT_LIBRARY,
];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

fn type_index(t: SemanticTokenType) -> u32 {
    TYPES.iter().position(|x| *x == t).unwrap_or(0) as u32
}

pub fn tokens(snapshot: &Snapshot, file: FileId) -> Vec<SemanticToken> {
    let index = snapshot.index();
    let text = snapshot.text(file);
    let lines = snapshot.lines(file);
    let p = &snapshot.analysis.program;
    let mut out = Vec::new();
    let (mut last_line, mut last_start) = (0u32, 0u32);
    let mut last_span = None;
    for o in index.in_file(file) {
        if last_span == Some(o.span) {
            continue;
        }
        let token_type = match &o.symbol {
            Symbol::Module(_) => SemanticTokenType::NAMESPACE,
            Symbol::Item(Item::Type(_)) => SemanticTokenType::TYPE,
            Symbol::Item(Item::Enum(_)) => SemanticTokenType::ENUM,
            Symbol::Item(Item::Resource(_)) => SemanticTokenType::CLASS,
            Symbol::Item(Item::Fn(_) | Item::Policy(_)) | Symbol::Builtin(_) => SemanticTokenType::FUNCTION,
            Symbol::Field(..) => SemanticTokenType::PROPERTY,
            Symbol::Variant(..) => SemanticTokenType::ENUM_MEMBER,
            Symbol::Local(body, id) => match body_locals(p, *body).get(id.index()).map(|l| l.kind) {
                Some(LocalKind::Let | LocalKind::Bound) => SemanticTokenType::VARIABLE,
                _ => SemanticTokenType::PARAMETER,
            },
        };
        let mut modifiers = 0u32;
        if o.is_def {
            modifiers |= 1;
        }
        let in_stdlib = matches!(o.symbol, Symbol::Builtin(_))
            || index
                .definition(&snapshot.analysis, &o.symbol)
                .is_some_and(|d| snapshot.is_stdlib(d.file));
        if in_stdlib {
            modifiers |= 2;
        }
        let start = lines.position(text, o.span.start as usize);
        let end = lines.position(text, o.span.end as usize);
        if start.line != end.line || end.character <= start.character {
            continue;
        }
        let delta_line = start.line - last_line;
        let delta_start = if delta_line == 0 {
            start.character - last_start
        } else {
            start.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: type_index(token_type),
            token_modifiers_bitset: modifiers,
        });
        last_line = start.line;
        last_start = start.character;
        last_span = Some(o.span);
    }
    out
}
