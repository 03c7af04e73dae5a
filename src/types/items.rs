//! Signatures of types, enums and resources; `@` constraints; `key = value` settings.

use super::builtins::literal_pattern;
use super::expr::list_names;
use super::{given_twice, Checker};
use crate::checked::*;
use crate::diagnostic::suggest::closest;
use crate::diagnostic::{Code, Diagnostic};
use crate::kube_names::{is_dns_label, is_dns_subdomain};
use crate::resolve::{DeclRef, LookupError, Named};
use crate::span::{FileId, Span};
use crate::syntax::ast::{Constraint, DeclKind, Ident, Literal, Setting};

impl Checker<'_> {
    pub(crate) fn enum_signature(&mut self, id: EnumId, module: ModuleId, r: DeclRef) {
        let (_, decl) = self.decl(r);
        let DeclKind::Enum(e) = &decl.kind else { return };
        let mut variants: Vec<String> = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        for v in &e.variants {
            if let Some(i) = variants.iter().position(|x| *x == v.name.name) {
                self.error(
                    Diagnostic::error(
                        Code::DuplicateItem,
                        v.name.span,
                        format!("enum value `{}` is listed twice", v.name.name),
                    )
                    .with_label("listed again here")
                    .with_secondary(spans[i], "first listed here"),
                );
                continue;
            }
            variants.push(v.name.name.clone());
            spans.push(v.name.span);
        }
        self.program_mut().enums[id.index()] = EnumDef {
            module,
            name: e.name.name.clone(),
            doc: decl.doc.as_ref().map(|d| d.text.clone()),
            variants,
            span: e.name.span,
        };
    }

    /// The signature of the record declared at `r` in `module`.
    pub(crate) fn type_signature(&mut self, module: ModuleId, r: DeclRef) -> Option<TypeDef> {
        let (file, decl) = self.decl(r);
        let DeclKind::Type(t) = &decl.kind else { return None };
        let fields = self.field_defs(file.file, &t.fields);
        Some(TypeDef {
            module,
            name: t.name.name.clone(),
            doc: decl.doc.as_ref().map(|d| d.text.clone()),
            fields,
            span: t.name.span,
        })
    }

    /// The fields of a type, or of an external resource: resolved, constraints checked, each
    /// name declared once.
    fn field_defs(&mut self, file: FileId, written: &[crate::syntax::ast::Field]) -> Vec<FieldDef> {
        let mut fields: Vec<FieldDef> = Vec::new();
        for f in written {
            if let Some(first) = fields.iter().find(|x| x.name == f.name.name) {
                let first = first.span;
                self.error(
                    Diagnostic::error(
                        Code::DuplicateItem,
                        f.name.span,
                        format!("field `{}` is declared twice", f.name.name),
                    )
                    .with_label("declared again here")
                    .with_secondary(first, "first declared here"),
                );
                continue;
            }
            let ty = self.resolve_type(file, &f.ty);
            let constraints = self.constraints(&ty, &f.constraints);
            fields.push(FieldDef {
                name: f.name.name.clone(),
                ty,
                optional: f.optional,
                constraints,
                doc: f.doc.as_ref().map(|d| d.text.clone()),
                span: f.name.span,
            });
        }
        fields
    }

    /// Checks `@` constraints against the type they constrain.
    pub(crate) fn constraints(&mut self, ty: &Ty, written: &[Constraint]) -> Vec<FieldConstraint> {
        const KNOWN: &[&str] = &["pattern", "min", "max", "min_items", "sensitive"];
        let mut out = Vec::new();
        for c in written {
            let tyname = self.display(ty);
            let mismatch = |what: &str| {
                Diagnostic::error(
                    Code::ConstraintType,
                    c.span,
                    format!("`@{}` cannot constrain a value of type `{tyname}`", c.name.name),
                )
                .with_label(format!("`@{}` constrains {what}", c.name.name))
            };
            let number = match &c.arg {
                Some(Literal::Number(n)) => Some(n),
                _ => None,
            };
            let checked = match c.name.name.as_str() {
                // Taken out of a parameter's constraints before (`ParamDef::key`): here, on a field.
                "key" => Err(Diagnostic::error(
                    Code::ConstraintType,
                    c.span,
                    "`@key` names a policy parameter, not a field",
                )
                .with_label("not on a field")
                .with_help("a field is read under its own name; `@key(\"...\")` gives a `param` another key in a Constraint's `parameters`")),
                "sensitive" => match &c.arg {
                    None => Ok(FieldConstraint::Sensitive),
                    Some(_) => Err(
                        Diagnostic::error(Code::ConstraintType, c.span, "`@sensitive` takes no argument")
                            .with_label("write just `@sensitive`"),
                    ),
                },
                "pattern" => match &c.arg {
                    Some(Literal::String(s)) if *ty == Ty::String || *ty == Ty::Unknown => {
                        literal_pattern(s).map(FieldConstraint::Pattern)
                    }
                    Some(Literal::String(_)) => Err(mismatch("strings")),
                    _ => Err(
                        Diagnostic::error(Code::ConstraintType, c.span, "`@pattern` takes a string")
                            .with_label("expected a string, e.g. `@pattern(\"^[a-z]+$\")`"),
                    ),
                },
                "min" | "max" => match number {
                    Some(n) if ty.is_numeric() => Ok(if c.name.name == "min" {
                        FieldConstraint::Min(n.value)
                    } else {
                        FieldConstraint::Max(n.value)
                    }),
                    Some(_) => Err(mismatch("numbers").with_help(if matches!(ty, Ty::List(_)) {
                        "for the length of a list use `@min_items(n)`"
                    } else {
                        "`@min` and `@max` bound an `int` or a `float`"
                    })),
                    None => Err(Diagnostic::error(
                        Code::ConstraintType,
                        c.span,
                        format!("`@{}` takes a number", c.name.name),
                    )
                    .with_label("expected a number")),
                },
                "min_items" => match number {
                    Some(n) if matches!(ty, Ty::List(_) | Ty::Unknown) && n.is_int && n.value >= 0.0 => {
                        Ok(FieldConstraint::MinItems(n.value as u64))
                    }
                    Some(_) if matches!(ty, Ty::List(_) | Ty::Unknown) => Err(Diagnostic::error(
                        Code::ConstraintType,
                        c.span,
                        "`@min_items` takes a whole number, 0 or more",
                    )
                    .with_label("expected a count")),
                    Some(_) => Err(mismatch("lists")),
                    None => Err(
                        Diagnostic::error(Code::ConstraintType, c.span, "`@min_items` takes a number")
                            .with_label("expected a count"),
                    ),
                },
                other => {
                    let mut d = Diagnostic::error(
                        Code::ConstraintType,
                        c.name.span,
                        format!("unknown constraint `@{other}`"),
                    )
                    .with_label("not a constraint");
                    d = match closest(other, KNOWN.iter().copied()) {
                        Some(s) => d.with_did_you_mean(s),
                        None => {
                            d.with_help("the constraints are `@pattern`, `@min`, `@max`, `@min_items` and `@sensitive`")
                        }
                    };
                    Err(d)
                }
            };
            match checked {
                Ok(c) => out.push(c),
                Err(d) => self.error(d),
            }
        }
        out
    }

    pub(crate) fn resource_signature(&mut self, id: ResourceId, module: ModuleId, r: DeclRef) {
        let (file, decl) = self.decl(r);
        let DeclKind::Resource(res) = &decl.kind else { return };
        let name = &res.name;
        let mut s = Settings::new(&res.settings, settings::RESOURCE, Code::InvalidResource);
        s.report_unknown(self, "resource");
        let external = s.boolean(self, "external").unwrap_or(false);
        let pod_template = s.string(self, "pod_template").map(|path| {
            if path == "." {
                Vec::new()
            } else {
                path.split('.').map(str::to_string).collect::<Vec<_>>()
            }
        });
        if let (Some(setting), Some(path)) = (s.get("pod_template"), &pod_template) {
            if path
                .iter()
                .any(|seg| !seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || seg.is_empty())
            {
                self.error(
                    Diagnostic::error(
                        Code::InvalidResource,
                        setting.value_span,
                        "`pod_template` is not a path of fields",
                    )
                    .with_label("expected e.g. `spec.template`, or `.` for a Pod itself"),
                );
            }
        }
        let group = s.string(self, "group").unwrap_or_default();
        let version = s.string(self, "version").unwrap_or_default();
        let scope = s
            .ident(self, "scope", &Scope::words())
            .and_then(|w| Scope::from_word(&w))
            .unwrap_or(Scope::Namespaced);
        let plural = s
            .string(self, "plural")
            .unwrap_or_else(|| crate::english::plural(&name.name.to_lowercase()));
        for key in ["group", "version"] {
            if s.get(key).is_none() {
                self.error(
                    Diagnostic::error(
                        Code::InvalidResource,
                        name.span,
                        format!("resource `{}` has no `{key}`", name.name),
                    )
                    .with_label(format!("`{key}` is required"))
                    .with_help("a resource needs `group = \"example.com\"` and `version = \"v1\"`"),
                );
            }
        }
        if let Some(setting) = s.get("group") {
            // govc's own resources need a group of their own (a DNS name with a dot); an external
            // one has the group it has: the core group `""`, `apps`, `batch`, a vendor's.
            let valid = if external {
                group.is_empty() || group.split('.').all(is_dns_label)
            } else {
                !group.is_empty() && is_dns_subdomain(&group)
            };
            if !valid {
                let mut d = Diagnostic::error(
                    Code::InvalidResource,
                    setting.value_span,
                    if group.is_empty() {
                        "the core group `\"\"` is not a group govc can own".to_string()
                    } else {
                        format!("`{group}` is not a valid API group")
                    },
                );
                d = if external {
                    d.with_label("expected `\"\"` (the core group) or a DNS name like `apps` or `cert-manager.io`")
                } else {
                    d.with_label("expected a DNS name like `ai.acme.com`").with_help(
                        "a group is lowercase letters, digits, `-` and `.`, and must contain a `.`; \
                         for a resource govc does not own (`apps`, the core group `\"\"`), add `external = true`",
                    )
                };
                self.error(d);
            }
        }
        if let Some(setting) = s.get("version") {
            if !version.is_empty() && !is_k8s_version(&version) {
                self.error(
                    Diagnostic::error(
                        Code::InvalidResource,
                        setting.value_span,
                        format!("`{version}` is not a Kubernetes API version"),
                    )
                    .with_label("expected e.g. `v1`, `v1beta1` or `v2alpha1`"),
                );
            }
        }
        if let Some(setting) = s.get("plural") {
            if !is_dns_label(&plural) {
                self.error(
                    Diagnostic::error(
                        Code::InvalidResource,
                        setting.value_span,
                        format!("`{plural}` is not a valid plural name"),
                    )
                    .with_label("expected lowercase letters, digits and `-`"),
                );
            }
        }
        if !name.name.starts_with(|c: char| c.is_ascii_uppercase())
            || !name.name.chars().all(|c| c.is_ascii_alphanumeric())
        {
            self.error(
                Diagnostic::error(
                    Code::InvalidResource,
                    name.span,
                    format!("`{}` is not a valid Kubernetes kind", name.name),
                )
                .with_label("kinds are UpperCamelCase letters and digits")
                .with_help("rename it, e.g. `ModelDeployment`"),
            );
        }
        let metadata = self.object_meta();
        let provided = |n: &str, ty: Ty, doc: &str| FieldDef {
            name: n.to_string(),
            ty,
            optional: false,
            constraints: Vec::new(),
            doc: Some(doc.to_string()),
            span: name.span,
        };
        let mut fields = vec![
            provided("apiVersion", Ty::String, "the object's API group and version"),
            provided("kind", Ty::String, "the object's kind"),
            provided("metadata", metadata, "standard object metadata"),
        ];
        let declared: Vec<&crate::syntax::ast::Field> = res
            .fields
            .iter()
            .filter(|field| {
                let reserved = ["apiVersion", "kind", "metadata"].contains(&field.name.name.as_str());
                let foreign = !external && field.name.name != "spec";
                if reserved || foreign {
                    let help = if reserved {
                        "`apiVersion`, `kind` and `metadata` are provided"
                    } else {
                        "`apiVersion`, `kind` and `metadata` are provided; put your fields in the `spec` type"
                    };
                    self.error(
                        Diagnostic::error(
                            Code::InvalidResource,
                            field.name.span,
                            format!("a resource has no field `{}`", field.name.name),
                        )
                        .with_label(if reserved {
                            "provided for every resource"
                        } else {
                            "only `spec: Type` is declared in a resource"
                        })
                        .with_help(help),
                    );
                }
                !reserved && !foreign
            })
            .collect();
        let declared: Vec<crate::syntax::ast::Field> = declared.into_iter().cloned().collect();
        let own = self.field_defs(file.file, &declared);
        let spec = own
            .iter()
            .find(|f| f.name == "spec")
            .map_or(Ty::Unknown, |f| f.ty.clone());
        if !external {
            match res.fields.iter().find(|f| f.name.name == "spec") {
                None => self.error(
                    Diagnostic::error(
                        Code::InvalidResource,
                        name.span,
                        format!("resource `{}` has no `spec`", name.name),
                    )
                    .with_label("`spec: Type` is required")
                    .with_help("add the type of the object's spec, e.g. `spec: Model`"),
                ),
                Some(f) if f.optional || !f.constraints.is_empty() => self.error(
                    Diagnostic::error(
                        Code::InvalidResource,
                        f.name.span,
                        format!("the `spec` of resource `{}` is required and unconstrained", name.name),
                    )
                    .with_label("write `spec: Type`")
                    .with_help("constrain the fields of the spec's type instead"),
                ),
                Some(_) => {}
            }
        }
        fields.extend(own);
        let columns = self.printer_columns(&mut s, &fields);
        self.program_mut().resources[id.index()] = ResourceDef {
            module,
            name: name.name.clone(),
            doc: decl.doc.as_ref().map(|d| d.text.clone()),
            group,
            version,
            scope,
            plural,
            external,
            pod_template,
            spec,
            fields,
            columns,
            span: name.span,
        };
    }

    /// The `columns` setting: each entry a dotted path to a printable field of the object.
    fn printer_columns(&mut self, s: &mut Settings<'_>, root: &[FieldDef]) -> Vec<PrinterColumn> {
        let mut columns: Vec<PrinterColumn> = Vec::new();
        for (text, span) in s.string_items(self, "columns").unwrap_or_default() {
            let Some(column) = self.printer_column(root, &text, span) else {
                continue;
            };
            let name = column.name();
            if name == PrinterColumn::AGE || columns.iter().any(|c| c.name() == name) {
                self.error(
                    Diagnostic::error(Code::InvalidResource, span, format!("two columns are named `{name}`"))
                        .with_label("a column of this name is already shown")
                        .with_help("a column is named after its field; `Age` (the object's age) is always shown last"),
                );
                continue;
            }
            columns.push(column);
        }
        columns
    }

    /// One entry of `columns`, e.g. `"spec.owner"`, walked from the object's fields.
    fn printer_column(&mut self, root: &[FieldDef], text: &str, span: Span) -> Option<PrinterColumn> {
        let mut fields: Vec<FieldDef> = root.to_vec();
        let mut path: Vec<String> = Vec::new();
        let mut found: Option<FieldDef> = None;
        for segment in text.split('.') {
            if let Some(f) = &found {
                let Some(next) = self.program.fields_of(&f.ty) else {
                    let shown = self.display(&f.ty);
                    self.error(
                        Diagnostic::error(
                            Code::InvalidResource,
                            span,
                            format!("`{}` is a `{shown}`, which has no fields", path.join(".")),
                        )
                        .with_label("cannot read a field of it")
                        .with_help("a column shows one scalar field, e.g. `\"spec.owner\"`"),
                    );
                    return None;
                };
                fields = next.to_vec();
            }
            let Some(f) = fields.iter().find(|f| f.name == segment) else {
                let mut d = Diagnostic::error(
                    Code::InvalidResource,
                    span,
                    format!("the column `{text}` names no field: there is no `{segment}` here"),
                )
                .with_label("unknown field");
                d = match closest(segment, fields.iter().map(|f| f.name.as_str())) {
                    Some(near) => d.with_help(format!("did you mean `{near}`?")),
                    None => {
                        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                        d.with_help(format!("the fields here are {}", list_names(&names)))
                    }
                };
                self.error(d);
                return None;
            };
            found = Some(f.clone());
            path.push(segment.to_string());
        }
        let field = found?;
        if field.ty == Ty::Unknown {
            return None;
        }
        if !PrinterColumn::printable(&field.ty) {
            let shown = self.display(&field.ty);
            self.error(
                Diagnostic::error(
                    Code::InvalidResource,
                    span,
                    format!("`{text}` is a `{shown}`, which `kubectl` cannot print as a column"),
                )
                .with_label("not a printable field")
                .with_help("columns show strings, numbers, booleans, timestamps and enum values"),
            );
            return None;
        }
        Some(PrinterColumn {
            path,
            ty: field.ty.clone(),
            doc: field.doc.clone(),
        })
    }

    /// `std.k8s.ObjectMeta`, the type of every resource's `metadata`.
    fn object_meta(&self) -> Ty {
        let found = self
            .names
            .module_by_name
            .get("std.k8s")
            .and_then(|m| self.names.items[m.index()].get("ObjectMeta"));
        match found {
            Some((Item::Type(id), _)) => Ty::Record(*id),
            _ => Ty::Unknown,
        }
    }

    /// Resolves a `Named` to a policy for `enforce` and tests.
    pub(crate) fn policy_ref(&mut self, file: FileId, path: &crate::syntax::ast::Path) -> Option<PolicyId> {
        match self.names.lookup_path(file, &path.segments) {
            Ok(Item::Policy(id)) => Some(id),
            Ok(_) => {
                self.error(
                    Diagnostic::error(
                        Code::UnknownPolicy,
                        path.span,
                        format!("`{}` is not a policy", path.dotted()),
                    )
                    .with_label("expected a policy name"),
                );
                None
            }
            Err(LookupError::Reported) => None,
            Err(LookupError::Error(mut d)) => {
                d.code = Code::UnknownPolicy;
                if path.segments.len() == 1 {
                    d.message = format!("unknown policy `{}`", path.dotted());
                    let policies: Vec<&str> = self
                        .names
                        .visible_names(file)
                        .into_iter()
                        .filter(|n| matches!(self.names.lookup(file, n), Some(Named::Item(Item::Policy(_)))))
                        .collect();
                    d.help = None;
                    d.suggestion = None;
                    d = match closest(&path.segments[0].name, policies) {
                        Some(s) => d.with_did_you_mean(s),
                        None => d.with_help("name a policy of this package, or import it: `import a.b.{policy_name}`"),
                    };
                }
                self.error(d);
                None
            }
        }
    }
}

/// `key = value` items, checked by key.
/// A name that becomes paths in the output: a policy `a.b.p` is the file `a/b/p.rego`; a package
/// `a.b` is the file `a/b.rego` (its functions) and the directory `a/b/` (its policies); each
/// shorter prefix is a directory.
struct OutputName {
    segments: Vec<String>,
    span: Span,
    what: &'static str,
    is_stdlib: bool,
}

impl OutputName {
    /// The paths this name is written to: whether each is a file, and its dotted spelling.
    fn paths(&self) -> Vec<(bool, String)> {
        let n = self.segments.len();
        let mut out: Vec<(bool, String)> = (1..n).map(|len| (false, self.segments[..len].join("."))).collect();
        out.push((true, self.segments.join(".")));
        if self.what == "package" {
            out.push((false, self.segments.join(".")));
        }
        out
    }
}

impl Checker<'_> {
    /// Reports packages and policies whose output paths differ only in case (`a.Foo` and `a.foo`,
    /// `T.X` and `t.x`): on a case-insensitive file system (macOS, Windows) one would overwrite
    /// the other, or two packages would share a directory. Each name is compared with the first
    /// one, in source order, that is written to the same path ignoring case.
    pub(crate) fn case_collisions(&mut self) {
        let mut names: Vec<OutputName> = self
            .program
            .modules
            .iter()
            .map(|m| OutputName {
                segments: m.name.split('.').map(str::to_string).collect(),
                span: m.span,
                what: "package",
                is_stdlib: m.is_stdlib,
            })
            .collect();
        for &(item, module, r) in &self.names.decls {
            let (Item::Policy(_), (_, decl)) = (item, self.decl(r)) else {
                continue;
            };
            let DeclKind::Policy(p) = &decl.kind else { continue };
            let m = &self.program.modules[module.index()];
            let mut segments: Vec<String> = m.name.split('.').map(str::to_string).collect();
            segments.push(p.name.name.clone());
            names.push(OutputName {
                segments,
                span: p.name.span,
                what: "policy",
                is_stdlib: m.is_stdlib,
            });
        }
        names.sort_by_key(|n| (!n.is_stdlib, n.span.file, n.span.start));
        // Each output path, folded to lower case: its first spelling and the name that wrote it.
        let mut first: std::collections::HashMap<(bool, String), (String, usize)> = std::collections::HashMap::new();
        for (i, name) in names.iter().enumerate() {
            for (is_file, spelled) in name.paths() {
                let (earlier, j) = first
                    .entry((is_file, spelled.to_lowercase()))
                    .or_insert((spelled.clone(), i))
                    .clone();
                if earlier == spelled {
                    continue;
                }
                if !name.is_stdlib {
                    let other = &names[j];
                    let (suffix, one) = if is_file {
                        (".rego", "one file")
                    } else {
                        ("/", "one directory")
                    };
                    let path = |s: &str| format!("`{}{suffix}`", s.replace('.', "/"));
                    let other_name = other.segments.join(".");
                    let d = Diagnostic::error(
                        Code::CaseCollision,
                        name.span,
                        format!(
                            "{} `{}` and {} `{other_name}` differ only in case",
                            name.what,
                            name.segments.join("."),
                            other.what,
                        ),
                    )
                    .with_label(format!("written to {}", path(&spelled)))
                    .with_secondary(
                        other.span,
                        format!(
                            "{} `{other_name}` declared here, written to {}",
                            other.what,
                            path(&earlier)
                        ),
                    )
                    .with_help(format!(
                        "rename one of them: on a case-insensitive file system (macOS, Windows) those are {one}"
                    ));
                    self.error(d);
                }
                break;
            }
        }
    }
}

pub(crate) struct Settings<'s> {
    items: &'s [Setting],
    known: &'s [&'s str],
    /// The code of every problem with these settings (invalid resource, metadata, enforcement).
    code: Code,
}

impl<'s> Settings<'s> {
    pub fn new(items: &'s [Setting], known: &'s [&'s str], code: Code) -> Self {
        Settings { items, known, code }
    }

    pub fn get(&self, key: &str) -> Option<&'s Setting> {
        self.items.iter().find(|s| s.key.name == key)
    }

    /// Reports unknown keys and keys given twice.
    pub fn report_unknown(&mut self, c: &mut Checker<'_>, what: &str) {
        let code = self.code;
        for (i, s) in self.items.iter().enumerate() {
            if let Some(first) = self.items[..i].iter().find(|x| x.key.name == s.key.name) {
                c.error(given_twice(
                    format!("`{}`", s.key.name),
                    s.key.span,
                    Some(first.key.span),
                ));
            }
            if !self.known.contains(&s.key.name.as_str()) {
                c.error(unknown_setting(code, &s.key, what, self.known));
            }
        }
    }

    pub fn string(&self, c: &mut Checker<'_>, key: &str) -> Option<String> {
        let s = self.get(key)?;
        match &s.value {
            Literal::String(lit) => match lit.as_plain() {
                Some(text) => Some(text),
                None => {
                    c.error(wrong_value(self.code, s, "a plain string (no `{...}` interpolation)"));
                    None
                }
            },
            _ => {
                c.error(wrong_value(self.code, s, "a string"));
                None
            }
        }
    }

    pub fn strings(&self, c: &mut Checker<'_>, key: &str) -> Option<Vec<String>> {
        let items = self.string_items(c, key)?;
        Some(items.into_iter().map(|(text, _)| text).collect())
    }

    /// A list of plain strings, each with the span of its literal.
    pub fn string_items(&self, c: &mut Checker<'_>, key: &str) -> Option<Vec<(String, Span)>> {
        let s = self.get(key)?;
        match &s.value {
            Literal::StringList(items) => {
                let mut out = Vec::new();
                for lit in items {
                    match lit.as_plain() {
                        Some(text) => out.push((text, lit.span)),
                        None => c.error(
                            Diagnostic::error(self.code, lit.span, "this list takes plain strings")
                                .with_label("no `{...}` interpolation here"),
                        ),
                    }
                }
                Some(out)
            }
            _ => {
                c.error(wrong_value(self.code, s, "a list of strings, e.g. `[\"a\", \"b\"]`"));
                None
            }
        }
    }

    pub fn boolean(&self, c: &mut Checker<'_>, key: &str) -> Option<bool> {
        let s = self.get(key)?;
        match &s.value {
            Literal::Bool(b) => Some(*b),
            _ => {
                c.error(wrong_value(self.code, s, "`true` or `false`"));
                None
            }
        }
    }

    /// A bare word from a closed set, e.g. `scope = cluster`.
    pub fn ident(&self, c: &mut Checker<'_>, key: &str, allowed: &[&str]) -> Option<String> {
        let s = self.get(key)?;
        let word = match &s.value {
            Literal::Ident(i) => Some(i.name.clone()),
            Literal::String(lit) => lit.as_plain(),
            _ => None,
        };
        match word {
            Some(w) if allowed.contains(&w.as_str()) => Some(w),
            Some(w) => {
                let mut d = Diagnostic::error(self.code, s.value_span, format!("`{w}` is not a valid `{key}`"))
                    .with_label(format!(
                        "expected one of {}",
                        list_names(&allowed.iter().map(|a| a.to_string()).collect::<Vec<_>>())
                    ));
                if let Some(sugg) = closest(&w, allowed.iter().copied()) {
                    d = d.with_did_you_mean(sugg);
                }
                c.error(d);
                None
            }
            None => {
                c.error(wrong_value(self.code, s, &format!("one of {}", allowed.join(", "))));
                None
            }
        }
    }
}

fn unknown_setting(code: Code, key: &Ident, what: &str, known: &[&str]) -> Diagnostic {
    let mut d = Diagnostic::error(code, key.span, format!("unknown {what} setting `{}`", key.name))
        .with_label("not a setting here");
    match closest(&key.name, known.iter().copied()) {
        Some(s) => d = d.with_did_you_mean(s),
        None => {
            let names: Vec<String> = known.iter().map(|k| k.to_string()).collect();
            d = d.with_help(format!("the settings are {}", list_names(&names)));
        }
    }
    d
}

fn wrong_value(code: Code, s: &Setting, want: &str) -> Diagnostic {
    let found = match &s.value {
        Literal::Number(_) => "a number".to_string(),
        Literal::String(_) => "a string".to_string(),
        Literal::Bool(_) => "a boolean".to_string(),
        Literal::StringList(_) => "a list of strings".to_string(),
        Literal::Ident(i) => format!("the name `{}`", i.name),
    };
    Diagnostic::error(code, s.value_span, format!("`{}` takes {want}", s.key.name))
        .with_label(format!("this is {found}"))
}

fn is_k8s_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else { return false };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || rest.starts_with('0') {
        return false;
    }
    let tail = &rest[digits..];
    tail.is_empty()
        || ["alpha", "beta"].iter().any(|p| {
            tail.strip_prefix(p)
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && !n.starts_with('0'))
        })
}

impl Constraint {
    /// The span of the constraint's argument (the whole constraint when unknown).
    pub fn arg_span(&self, fallback: Span) -> Span {
        match &self.arg {
            Some(Literal::String(s)) => s.span,
            _ => fallback,
        }
    }
}
