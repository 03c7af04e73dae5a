//! `enforce` declarations and `test` blocks.

use super::env::Env;
use super::items::Settings;
use super::{given_twice, Checker};
use crate::checked::*;
use crate::diagnostic::suggest::closest;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::DeclRef;
use crate::span::{FileId, Span};
use crate::syntax::ast::{EnforceDecl, ExpectKind, Expectation, Expr, ExprKind, TestDecl, TestItem};

/// What is wrong with an admission namespace entry, if anything. Gatekeeper's match schema takes a
/// namespace name (an RFC 1123 label) with at most one `*` or `*-` before it, or one `*` or `-*`
/// after it, not both: `^(\*|\*-)?NAME$|^NAME(\*|-\*)?$`.
fn namespace_problem(ns: &str) -> Option<&'static str> {
    if ns.is_empty() {
        return Some("an empty name matches no namespace");
    }
    let name = ns
        .strip_prefix("*-")
        .or_else(|| ns.strip_prefix('*'))
        .or_else(|| ns.strip_suffix("-*"))
        .or_else(|| ns.strip_suffix('*'))
        .unwrap_or(ns);
    if name.is_empty() {
        return Some("`*` needs a name beside it; leave `namespaces` out to match every namespace");
    }
    if name.contains('*') {
        return Some("one `*`, at the start or the end of a name");
    }
    crate::kube_names::dns_label_problem(name)
}

impl Checker<'_> {
    pub(crate) fn enforcement(&mut self, module: ModuleId, file: FileId, e: &EnforceDecl, span: Span) {
        let policies: Vec<(PolicyId, Span)> = e
            .policies
            .iter()
            .filter_map(|p| self.policy_ref(file, p).map(|id| (id, p.span)))
            .collect();
        let mut ci = None;
        let mut admission = None;
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for target in &e.targets {
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == target.name.name) {
                self.error(given_twice(
                    format!("`{}`", target.name.name),
                    target.name.span,
                    Some(*first),
                ));
                continue;
            }
            seen.push((&target.name.name, target.name.span));
            match target.name.name.as_str() {
                "ci" => {
                    let mut s = Settings::new(&target.settings, settings::CI, Code::InvalidEnforcement);
                    s.report_unknown(self, "ci");
                    let files = s.strings(self, "files").unwrap_or_default();
                    if s.get("files").is_none() {
                        self.error(
                            Diagnostic::error(Code::InvalidEnforcement, target.span, "`ci` needs `files`")
                                .with_label("which files should CI check?")
                                .with_help("add the globs of the documents, e.g. `files = [\"datasets/**/*.yaml\"]`"),
                        );
                    }
                    for glob in &files {
                        if glob.is_empty() || glob.starts_with('/') || glob.split('/').any(|p| p == "..") {
                            let at = s.get("files").map_or(target.span, |x| x.value_span);
                            self.error(
                                Diagnostic::error(
                                    Code::InvalidEnforcement,
                                    at,
                                    format!("`{glob}` is not a relative glob"),
                                )
                                .with_label("globs are relative to the repository root")
                                .with_help("write globs like `datasets/**/*.yaml`"),
                            );
                        }
                    }
                    let sarif = s.boolean(self, "sarif").unwrap_or(false);
                    ci = Some(CiTarget { files, sarif });
                }
                "admission" => {
                    let mut s = Settings::new(&target.settings, settings::ADMISSION, Code::InvalidEnforcement);
                    s.report_unknown(self, "admission");
                    let kinds = s.strings(self, "kinds").unwrap_or_default();
                    if kinds.is_empty() {
                        self.error(
                            Diagnostic::error(Code::InvalidEnforcement, target.span, "`admission` needs `kinds`")
                                .with_label("which objects should be admitted?")
                                .with_help("add e.g. `kinds = [\"ai.acme.com/ModelDeployment\"]`"),
                        );
                    }
                    for kind in &kinds {
                        let ok = kind.split_once('/').is_some_and(|(g, k)| {
                            !g.is_empty()
                                && !k.is_empty()
                                && !k.contains('/')
                                && k.starts_with(|c: char| c.is_ascii_uppercase())
                        });
                        if !ok {
                            let at = s.get("kinds").map_or(target.span, |x| x.value_span);
                            self.error(
                                Diagnostic::error(
                                    Code::InvalidEnforcement,
                                    at,
                                    format!("`{kind}` is not a `group/Kind`"),
                                )
                                .with_label("expected `group/Kind`")
                                .with_help("write kinds as `ai.acme.com/ModelDeployment`; the core group as `v1/Pod`"),
                            );
                        }
                    }
                    let action = s
                        .ident(self, "action", &AdmissionAction::words())
                        .and_then(|w| AdmissionAction::from_word(&w))
                        .unwrap_or(AdmissionAction::Deny);
                    let engine = s
                        .ident(self, "engine", &AdmissionEngine::words())
                        .and_then(|w| AdmissionEngine::from_word(&w))
                        .unwrap_or_default();
                    let namespaces = self.namespaces(&s, "namespaces");
                    let excluded_namespaces = self.namespaces(&s, "excluded_namespaces");
                    let kind_spans = s.get("kinds").map(string_spans).unwrap_or_default();
                    self.admitted_kinds_match_subjects(&policies, &kinds, &kind_spans);
                    for &(id, pspan) in &policies {
                        let policy = &self.program.policies[id.index()];
                        if engine.cel() && !policy.inventories.is_empty() {
                            let (name, at) = (
                                policy.name.clone(),
                                s.get("engine").map_or(target.span, |x| x.value_span),
                            );
                            let inventory = policy.locals[policy.inventories[0].index()].span;
                            self.error(
                                Diagnostic::error(
                                    Code::InvalidInventory,
                                    at,
                                    format!(
                                        "`{name}` reads an inventory: a ValidatingAdmissionPolicy cannot enforce it"
                                    ),
                                )
                                .with_label("a ValidatingAdmissionPolicy reads only the object and its request")
                                .with_secondary(inventory, "the inventory, read from Gatekeeper's synced data")
                                .with_help("enforce it with `engine = gatekeeper`"),
                            );
                            continue;
                        }
                        let policy = &self.program.policies[id.index()];
                        let subject = policy.subject_ty().cloned();
                        let workload = subject
                            .as_ref()
                            .is_some_and(|t| self.program.is_workload(t) || self.program.is_any_object(t));
                        if !workload && !matches!(subject, Some(Ty::Resource(_)) | Some(Ty::Unknown) | None) {
                            let shown = subject.as_ref().map(|t| self.display(t)).unwrap_or_default();
                            let name = policy.name.clone();
                            let policy_span = policy.span;
                            self.error(
                                Diagnostic::error(
                                    Code::AdmissionNeedsResource,
                                    pspan,
                                    format!("`{name}` cannot be enforced at admission: its subject is `{shown}`, not a resource"),
                                )
                                .with_label("enforced at admission here")
                                .with_secondary(target.name.span, "admission enforcement")
                                .with_secondary(policy_span, "policy declared here")
                                .with_help("admission judges Kubernetes objects: give the policy a `resource` subject, e.g. `subject m: ModelDeployment`, or a type with `apiVersion: string`, `kind: string` and `metadata: std.k8s.ObjectMeta` to judge several kinds"),
                            );
                        }
                    }
                    admission = Some(AdmissionTarget {
                        kinds,
                        action,
                        namespaces,
                        excluded_namespaces,
                        engine,
                    });
                }
                other => {
                    let mut d = Diagnostic::error(
                        Code::InvalidEnforcement,
                        target.name.span,
                        format!("unknown enforcement target `{other}`"),
                    )
                    .with_label("not a target");
                    d = match closest(other, settings::TARGETS.iter().copied()) {
                        Some(s) => d.with_did_you_mean(s),
                        None => d.with_help("the targets are `ci { ... }` and `admission { ... }`; every policy is in the runtime bundle"),
                    };
                    self.error(d);
                }
            }
        }
        self.program_mut().enforcements.push(Enforcement {
            module,
            policies: policies.into_iter().map(|(id, _)| id).collect(),
            ci,
            admission,
            span,
        });
    }

    /// An admission block must match only the kind of its policies' resource subject: any other
    /// object would reach the policy and be denied as malformed, which is never what was meant.
    fn admitted_kinds_match_subjects(
        &mut self,
        policies: &[(PolicyId, Span)],
        kinds: &[String],
        spans: &[(String, Span)],
    ) {
        for &(id, _) in policies {
            let policy = &self.program.policies[id.index()];
            if policy.subject_ty().is_some_and(|t| self.program.is_workload(t)) {
                let makers: Vec<(String, String)> = self
                    .program
                    .pod_makers()
                    .map(|(r, _)| (r.group.clone(), r.name.clone()))
                    .collect();
                let (name, policy_span) = (policy.name.clone(), policy.span);
                for written in kinds {
                    let Some((g, k)) = written.split_once('/') else {
                        continue; // not `group/Kind`: reported above
                    };
                    let g = if g == "v1" { "" } else { g };
                    if makers.iter().any(|(group, kind)| group == g && kind == k) {
                        continue;
                    }
                    let at = spans
                        .iter()
                        .find(|(text, _)| text == written)
                        .map_or(policy_span, |(_, span)| *span);
                    let listed: Vec<String> = makers
                        .iter()
                        .map(|(g, k)| format!("`{}/{k}`", if g.is_empty() { "v1" } else { g }))
                        .collect();
                    self.error(
                        Diagnostic::error(
                            Code::InvalidEnforcement,
                            at,
                            format!("`{name}` judges workloads, but `{written}` makes no Pods"),
                        )
                        .with_label("not a kind with a pod template")
                        .with_secondary(policy_span, format!("`{name}` judges `std.k8s.Workload`"))
                        .with_help(format!("the kinds that make Pods are {}", listed.join(", "))),
                    );
                }
                continue;
            }
            let Some(Ty::Resource(resource)) = policy.subject_ty() else {
                continue;
            };
            let resource = &self.program.resources[resource.index()];
            let (group, kind) = (resource.group.clone(), resource.name.clone());
            let (name, policy_span) = (policy.name.clone(), policy.span);
            for written in kinds {
                let Some((g, k)) = written.split_once('/') else {
                    continue; // not `group/Kind`: reported above
                };
                // The core group is written `v1`.
                let g = if g == "v1" { "" } else { g };
                if g == group && k == kind {
                    continue;
                }
                let at = spans
                    .iter()
                    .find(|(text, _)| text == written)
                    .map_or(policy_span, |(_, span)| *span);
                self.error(
                    Diagnostic::error(
                        Code::InvalidEnforcement,
                        at,
                        format!(
                            "`{name}` judges `{kind}` objects, but its admission enforcement also matches `{written}`"
                        ),
                    )
                    .with_label(format!("not `{group}/{kind}`"))
                    .with_secondary(policy_span, format!("`{name}` judges `{kind}` objects"))
                    .with_note("every object of another kind would be denied as malformed")
                    .with_help(format!(
                        "list only `{group}/{kind}` here, or enforce policies for other kinds in another `enforce`"
                    )),
                );
            }
        }
    }

    /// Reports tests of one package with the same name: `govc test` and the reports name a test
    /// by its package and name, so each must be unique.
    pub(crate) fn duplicate_test_names(&mut self) {
        let mut seen: std::collections::HashMap<(ModuleId, String), Span> = std::collections::HashMap::new();
        let mut found = Vec::new();
        for file in self.files {
            let Some(module) = self.names.module_of(file.file) else {
                continue;
            };
            for decl in &file.decls {
                let crate::syntax::ast::DeclKind::Test(t) = &decl.kind else {
                    continue;
                };
                let Some(name) = t.name.as_plain() else {
                    continue;
                };
                if let Some(first) = seen.get(&(module, name.clone())) {
                    found.push(
                        Diagnostic::error(
                            Code::DuplicateItem,
                            t.name.span,
                            format!("a second test is named \"{name}\""),
                        )
                        .with_label("named again here")
                        .with_secondary(*first, "first test of this name")
                        .with_help(
                            "test names are unique in a package (`govc test` reports `package › name`): rename one",
                        ),
                    );
                } else {
                    seen.insert((module, name), t.name.span);
                }
            }
        }
        for d in found {
            self.error(d);
        }
    }

    /// An admission namespace list: each entry a Kubernetes namespace name or a pattern that
    /// Gatekeeper accepts (`kube-*`, `*-system`).
    fn namespaces(&mut self, s: &Settings<'_>, key: &str) -> Vec<String> {
        let items = s.string_items(self, key).unwrap_or_default();
        for (ns, span) in &items {
            let Some(problem) = namespace_problem(ns) else {
                continue;
            };
            let shown = ns.escape_debug().to_string();
            let mut d = Diagnostic::error(
                Code::InvalidEnforcement,
                *span,
                format!("`{shown}` is not a namespace name or pattern"),
            )
            .with_label(problem);
            let lower = ns.to_lowercase();
            d = if lower != *ns && namespace_problem(&lower).is_none() {
                d.with_did_you_mean(&format!("\"{lower}\""))
            } else {
                d.with_help("write a namespace like `kube-system`, or a pattern with `*` at its start or end: `kube-*`, `*-system`")
            };
            self.error(d);
        }
        items.into_iter().map(|(ns, _)| ns).collect()
    }

    /// The checked test `t`, declared at `span` in `module`.
    pub(crate) fn test(&mut self, module: ModuleId, r: DeclRef, t: &TestDecl, span: Span) -> TestDef {
        let (file, _) = self.decl(r);
        let mut env = Env::new(file.file);
        let name = t.name.as_plain().unwrap_or_default();
        if t.name.as_plain().is_none() {
            self.error(
                Diagnostic::error(Code::TypeMismatch, t.name.span, "a test name cannot interpolate")
                    .with_label("write the name as plain text"),
            );
        }
        let mut lets = Vec::new();
        let mut expectations = Vec::new();
        for item in &t.items {
            match item {
                TestItem::Let(l) => {
                    env.untyped_records = true;
                    let value = self.expr(&mut env, &l.value, None);
                    env.untyped_records = false;
                    let local = env.bind(&l.name.name, value.ty.clone(), LocalKind::Let, l.name.span);
                    lets.push((local, value));
                }
                TestItem::Expect(x) => {
                    if let Some(e) = self.expectation(&mut env, x) {
                        expectations.push(e);
                    }
                }
            }
        }
        if expectations.is_empty() && t.items.iter().all(|i| matches!(i, TestItem::Let(_))) {
            self.error(
                Diagnostic::error(
                    Code::BadExpectation,
                    t.name.span,
                    format!("test `{name}` expects nothing"),
                )
                .with_label("no `expect` in this test")
                .with_help("add an expectation, e.g. `expect passes policy(value)`"),
            );
        }
        TestDef {
            module,
            name,
            expectations,
            locals: env.locals,
            lets,
            span,
        }
    }

    fn expectation(&mut self, env: &mut Env, x: &Expectation) -> Option<TExpectation> {
        let policy_id = self.policy_ref(env.file, &x.policy);
        let Some(policy_id) = policy_id else {
            env.untyped_records = true;
            self.expr(env, &x.subject, None);
            env.untyped_records = false;
            return None;
        };
        // Only what an expectation needs: cloning the whole checked policy costs more than the test.
        let policy = {
            let p = &self.program.policies[policy_id.index()];
            ExpectedPolicy {
                name: p.name.clone(),
                params: p
                    .params
                    .iter()
                    .map(|q| ExpectedParam {
                        name: q.name.clone(),
                        ty: q.ty.clone(),
                    })
                    .collect(),
                inventories: p
                    .inventories
                    .iter()
                    .map(|l| ExpectedParam {
                        name: p.locals[l.index()].name.clone(),
                        ty: p.locals[l.index()].ty.clone(),
                    })
                    .collect(),
                clause_kinds: p.clauses.iter().map(|c| c.kind).collect(),
                broken: p.subject.is_none(),
                span: p.span,
            }
        };
        let subject_ty = self.program.policies[policy_id.index()]
            .subject_ty()
            .cloned()
            .unwrap_or(Ty::Unknown);
        let subject = if x.kind == ExpectKind::Rejected || policy.broken {
            // A malformed document may be written as a plain literal: only names are checked.
            // (So is any document of a policy whose subject is unknown, an error already reported.)
            let is_plain = matches!(&x.subject.kind, ExprKind::Record { ty: None, .. });
            env.untyped_records = true;
            let t = if is_plain {
                self.expr(env, &x.subject, None)
            } else {
                self.expect_type(env, &x.subject, &subject_ty, Code::BadExpectation, "the subject")
            };
            env.untyped_records = false;
            t
        } else if self.program.is_workload(&subject_ty) && !matches!(&x.subject.kind, ExprKind::Record { ty: None, .. })
        {
            // A policy on `std.k8s.Workload` judges the objects that make Pods, as at admission: a
            // test gives it a Pod, a Deployment, ... (the view is built from the object).
            self.pod_maker(env, &x.subject, &format!("the subject of `{}`", policy.name))
        } else {
            self.expect_type(
                env,
                &x.subject,
                &subject_ty,
                Code::BadExpectation,
                &format!("the subject of `{}`", policy.name),
            )
        };
        let mut args = Vec::new();
        let mut inventory: Vec<(String, TExpr)> = Vec::new();
        for a in &x.args {
            if let Some(inv) = policy.inventories.iter().find(|p| p.name == a.name.name) {
                let v = self.expect_type(
                    env,
                    &a.value,
                    &inv.ty,
                    Code::BadExpectation,
                    &format!("inventory `{}`", inv.name),
                );
                if inventory.iter().any(|(n, _)| n == &a.name.name) {
                    self.error(given_twice(format!("`{}`", a.name.name), a.name.span, None));
                }
                inventory.push((a.name.name.clone(), v));
                continue;
            }
            match policy.params.iter().find(|p| p.name == a.name.name) {
                Some(p) => {
                    let v = self.expect_type(
                        env,
                        &a.value,
                        &p.ty,
                        Code::BadExpectation,
                        &format!("parameter `{}`", p.name),
                    );
                    if args.iter().any(|(n, _)| n == &a.name.name) {
                        self.error(given_twice(format!("`{}`", a.name.name), a.name.span, None));
                    }
                    args.push((a.name.name.clone(), v));
                }
                None if policy.broken => {
                    self.expr(env, &a.value, None);
                }
                None => {
                    let mut d = Diagnostic::error(
                        Code::BadExpectation,
                        a.name.span,
                        format!("policy `{}` has no parameter `{}`", policy.name, a.name.name),
                    )
                    .with_label("unknown parameter");
                    d = match closest(&a.name.name, policy.params.iter().map(|p| p.name.as_str())) {
                        Some(s) => d.with_did_you_mean(s),
                        None if policy.params.is_empty() => d.with_help(format!("`{}` has no parameters", policy.name)),
                        None => {
                            let names: Vec<String> = policy.params.iter().map(|p| p.name.clone()).collect();
                            d.with_help(format!("its parameters are {}", super::expr::list_names(&names)))
                        }
                    };
                    self.error(d);
                }
            }
        }
        let message = match &x.message {
            None => None,
            Some(m) => {
                if !matches!(x.kind, ExpectKind::Denied | ExpectKind::Warned) {
                    self.error(
                        Diagnostic::error(
                            Code::BadExpectation,
                            m.span,
                            format!("`expect {}` takes no message", x.kind.as_str()),
                        )
                        .with_label("no message to compare")
                        .with_help("only `expect denied` and `expect warned` name a message with `with`"),
                    );
                }
                match m.as_plain() {
                    Some(text) => Some(text),
                    None => {
                        self.error(
                            Diagnostic::error(Code::BadExpectation, m.span, "an expected message cannot interpolate")
                                .with_label("write the exact message the policy produces"),
                        );
                        None
                    }
                }
            }
        };
        let has = |k: crate::syntax::ast::ClauseKind| policy.clause_kinds.contains(&k);
        let missing_clause = match x.kind {
            _ if policy.broken => None,
            ExpectKind::Allowed if !has(crate::syntax::ast::ClauseKind::Allow) => Some("`allow`"),
            ExpectKind::Warned if !has(crate::syntax::ast::ClauseKind::Warn) => Some("`warn`"),
            ExpectKind::Denied
                if !has(crate::syntax::ast::ClauseKind::Deny) && !has(crate::syntax::ast::ClauseKind::Allow) =>
            {
                Some("`deny` or `allow`")
            }
            _ => None,
        };
        if let Some(clause) = missing_clause {
            self.error(
                Diagnostic::error(
                    Code::BadExpectation,
                    x.span,
                    format!(
                        "`expect {}` can never hold: `{}` has no {clause} clause",
                        x.kind.as_str(),
                        policy.name
                    ),
                )
                .with_label("this expectation")
                .with_secondary(policy.span, "policy declared here"),
            );
        }
        let at =
            x.at.as_ref()
                .map(|t| self.expect_type(env, t, &Ty::Timestamp, Code::TypeMismatch, "the time after `at`"));
        let request_ty = self.program.policies[policy_id.index()].request_ty().cloned();
        let request = x.request.as_ref().map(|r| match &request_ty {
            None => {
                self.error(
                    Diagnostic::error(
                        Code::BadExpectation,
                        r.span,
                        format!("policy `{}` does not read the admission request", policy.name),
                    )
                    .with_label("the policy reads no request")
                    .with_secondary(policy.span, "policy declared here")
                    .with_help("declare `request r: AdmissionRequest` in the policy, or remove `with request`"),
                );
                env.untyped_records = true;
                let t = self.expr(env, r, None);
                env.untyped_records = false;
                t
            }
            // A malformed request may be written as a plain literal, as a malformed subject.
            Some(_) if x.kind == ExpectKind::Rejected && matches!(&r.kind, ExprKind::Record { ty: None, .. }) => {
                env.untyped_records = true;
                let t = self.expr(env, r, None);
                env.untyped_records = false;
                t
            }
            Some(ty) => {
                // `AdmissionRequest { ... }` written apart from the policy has no `oldObject`:
                // it stands for the policy's request all the same.
                let t = self.request_literal(env, r, ty, &subject_ty);
                if !self.program.is_admission_request(&t.ty) && !Self::assignable(&t.ty, ty) {
                    let (want, got) = (self.display(ty), self.display(&t.ty));
                    let code = if t.ty == Ty::Untyped {
                        Code::UntypedRecord
                    } else {
                        Code::BadExpectation
                    };
                    self.error(
                        Diagnostic::error(code, r.span, format!("the request must be `{want}`, found `{got}`"))
                            .with_label(format!("expected `{want}`")),
                    );
                }
                t
            }
        });
        Some(TExpectation {
            kind: x.kind,
            policy: policy_id,
            subject,
            args,
            message,
            at,
            request,
            inventory,
            span: x.span,
        })
    }
}

impl Checker<'_> {
    /// A test's document for a policy on `std.k8s.Workload`: an object that makes Pods (a Pod, a
    /// Deployment, ...), as admission sends it; the view is built from it. `what` names it in
    /// the error.
    fn pod_maker(&mut self, env: &mut Env, e: &Expr, what: &str) -> TExpr {
        let t = self.expr(env, e, None);
        let makes_pods = match &t.ty {
            Ty::Resource(r) => self.program.resources[r.index()].pod_template.is_some(),
            Ty::Unknown => true,
            other => self.program.is_workload(other),
        };
        if !makes_pods {
            let shown = self.display(&t.ty);
            let kinds: Vec<&str> = self.program.pod_makers().map(|(r, _)| r.name.as_str()).collect();
            self.error(
                Diagnostic::error(
                    Code::BadExpectation,
                    e.span,
                    format!("{what} must make Pods, found `{shown}`"),
                )
                .with_label("not a kind that makes Pods")
                .with_help(format!("a policy on `Workload` judges {}", kinds.join(", "))),
            );
        }
        t
    }

    /// The request of `expect ... with request { ... }`, of the policy's request type `ty`. For a
    /// policy on `std.k8s.Workload`, its `oldObject` is the object before the update as
    /// admission sends it (a Deployment, ...), like the test's subject: the view is built from it.
    fn request_literal(&mut self, env: &mut Env, r: &Expr, ty: &Ty, subject_ty: &Ty) -> TExpr {
        let ExprKind::Record { ty: None, fields } = &r.kind else {
            return self.expr(env, r, Some(ty));
        };
        let Some(old) = fields.iter().find(|f| f.name.name == "oldObject") else {
            return self.expr(env, r, Some(ty));
        };
        if !self.program.is_workload(subject_ty) {
            return self.expr(env, r, Some(ty));
        }
        let rest = Expr {
            kind: ExprKind::Record {
                ty: None,
                fields: fields.iter().filter(|f| f.name.name != "oldObject").cloned().collect(),
            },
            span: r.span,
        };
        let mut t = self.expr(env, &rest, Some(ty));
        let old_object = self.pod_maker(env, &old.value, "the request's `oldObject`");
        if let TExprKind::Record { fields } = &mut t.kind {
            fields.push(("oldObject".to_string(), old_object));
        }
        t
    }
}

/// The parts of a checked policy that an expectation is checked against.
struct ExpectedPolicy {
    name: String,
    params: Vec<ExpectedParam>,
    /// Its `inventory` members, given in a test like parameters.
    inventories: Vec<ExpectedParam>,
    clause_kinds: Vec<crate::syntax::ast::ClauseKind>,
    /// It has no subject, an error already reported (or an applied policy that could not be
    /// applied): nothing more is known of its clauses and parameters.
    broken: bool,
    span: Span,
}

struct ExpectedParam {
    name: String,
    ty: Ty,
}

/// The plain strings of a list setting with their spans, to point at one element.
fn string_spans(setting: &crate::syntax::ast::Setting) -> Vec<(String, Span)> {
    match &setting.value {
        crate::syntax::ast::Literal::StringList(items) => items
            .iter()
            .filter_map(|lit| lit.as_plain().map(|text| (text, lit.span)))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::namespace_problem;

    #[test]
    fn namespaces_are_names_or_gatekeeper_patterns() {
        for ok in [
            "kube-system",
            "a",
            "ns1",
            "kube-*",
            "kube*",
            "*-system",
            "*system",
            &"a".repeat(63),
        ] {
            assert_eq!(namespace_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "*",
            "*-",
            "-*",
            "*-*",
            "*kube*",
            "k*-system",
            "a b",
            "Kube",
            "kube_system",
            "kube-",
            "-kube",
            "a\nb",
            "kube.system",
            &"a".repeat(64),
            "ünicode",
        ] {
            assert!(namespace_problem(bad).is_some(), "{bad:?}");
        }
    }
}
