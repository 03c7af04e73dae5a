//! The statements of the fast path (`_well_formed`, see [`super::schema::WellFormed`]), each
//! with what it reads, so that an `is_object` test that another statement of the same body
//! implies is not written.
//!
//! A plain reference `t.f` is undefined where `t` is not an object (JSON documents have no sets),
//! on OPA and on regorus alike: a body with a statement reading `t.f` fails unless `t` is an
//! object, so `is_object(t)` adds nothing, provided no statement evaluated before that reference
//! passes a non-object `t` to a built-in that regorus would raise an error on (`object.get`),
//! where OPA only makes the statement undefined.

use super::syntax::{field_suffix, string_literal};

/// A value the fast path tests, with what evaluating it needs.
#[derive(Clone)]
pub struct Term {
    pub text: String,
    /// The terms it dereferences with a plain reference (`t` of `t.f`): it is undefined unless
    /// each is an object.
    derefs: Vec<String>,
    /// The terms it passes to `object.get`.
    calls: Vec<String>,
    /// Whether it may do anything else: a computed value given from outside.
    opaque: bool,
    /// For a variable, the reference it was bound to (the same value).
    bound_to: Option<String>,
}

impl Term {
    /// A local variable.
    pub fn var(name: &str) -> Term {
        Term {
            text: name.to_string(),
            derefs: Vec::new(),
            calls: Vec::new(),
            opaque: false,
            bound_to: None,
        }
    }

    /// A variable bound to this term, with the statement binding it.
    pub fn bind(&self, name: &str) -> (Test, Term) {
        let var = Term {
            bound_to: Some(self.text.clone()),
            ..Term::var(name)
        };
        (self.test(format!("{name} := {}", self.text)), var)
    }

    /// A term given from outside (the document `input.review.object`, a parameter `_p.max`, a
    /// view `_pod_source.spec`): a chain of names dereferences each of its prefixes; anything
    /// else is taken as computed, reading nothing known.
    pub fn external(text: &str) -> Term {
        let names: Vec<&str> = text.split('.').collect();
        let chain = names.iter().all(|n| {
            n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        let derefs = match chain {
            true => (1..names.len()).map(|i| names[..i].join(".")).collect(),
            false => Vec::new(),
        };
        Term {
            text: text.to_string(),
            derefs,
            calls: Vec::new(),
            opaque: text.contains('('),
            bound_to: None,
        }
    }

    /// The field `name` of this (record) term, read with a plain reference.
    pub fn field(&self, name: &str) -> Term {
        let mut derefs = self.derefs.clone();
        derefs.push(self.text.clone());
        Term {
            text: format!("{}{}", self.text, field_suffix(name)),
            derefs,
            bound_to: None,
            ..self.clone()
        }
    }

    /// The field `name` of this term read with `object.get` and a `default`.
    pub fn get(&self, name: &str, default: &str) -> Term {
        let mut calls = self.calls.clone();
        calls.push(self.text.clone());
        Term {
            text: format!("object.get({}, {}, {default})", self.text, string_literal(name)),
            calls,
            bound_to: None,
            ..self.clone()
        }
    }

    /// Whether it is a variable (or a root document): a use of it evaluates nothing.
    pub fn is_var(&self) -> bool {
        self.derefs.is_empty() && !self.is_computed()
    }

    /// Whether it is more than a variable or a reference (worth binding once).
    pub fn is_computed(&self) -> bool {
        self.opaque || !self.calls.is_empty()
    }

    /// A statement `text` that reads this term (and nothing else not known to be defined).
    pub fn test(&self, text: String) -> Test {
        Test {
            text,
            derefs: self.derefs.clone(),
            calls: self.calls.clone(),
            object: Vec::new(),
            opaque: self.opaque,
        }
    }

    /// `is_object(<term>)`, which [`prune`] may find implied.
    pub fn is_object(&self) -> Test {
        let object = std::iter::once(&self.text).chain(&self.bound_to).cloned().collect();
        Test {
            object,
            ..self.test(format!("is_object({})", self.text))
        }
    }
}

/// A statement of a body of the fast path.
pub struct Test {
    pub text: String,
    derefs: Vec<String>,
    calls: Vec<String>,
    /// The term of an `is_object` test, and the reference a variable tested was bound to.
    object: Vec<String>,
    opaque: bool,
}

impl Test {
    /// Whether it fails unless `term` is an object.
    pub fn dereferences(&self, term: &str) -> bool {
        self.derefs.iter().any(|t| t == term)
    }

    /// A statement that is not analysed: it implies nothing and may call anything.
    pub fn opaque(text: String) -> Test {
        Test {
            text,
            derefs: Vec::new(),
            calls: Vec::new(),
            object: Vec::new(),
            opaque: true,
        }
    }
}

/// The statements of one body, without the `is_object(t)` tests it implies: where another
/// statement kept dereferences `t` (or the reference the variable `t` was bound to), either
/// before the test (`t` is an object by then) or after it with no statement in between that
/// passes `t` to a built-in or is not analysed.
pub fn prune(tests: Vec<Test>) -> Vec<String> {
    let mut keep = vec![true; tests.len()];
    // A test of `t.f` can imply that of `t`, never the reverse: the longer references first, so
    // that each test is implied only by statements that stay. A test of a variable implies
    // nothing (it dereferences nothing): last.
    let mut candidates: Vec<usize> = (0..tests.len()).filter(|&i| !tests[i].object.is_empty()).collect();
    candidates.sort_by_key(|&i| {
        let test = &tests[i];
        std::cmp::Reverse(if test.derefs.is_empty() {
            0
        } else {
            test.object[0].len()
        })
    });
    for i in candidates {
        let same = &tests[i].object;
        let implied = (0..tests.len()).any(|j| {
            j != i
                && keep[j]
                && same.iter().any(|t| tests[j].derefs.contains(t))
                && (j < i
                    || tests[i + 1..j]
                        .iter()
                        .all(|k| !k.opaque && !same.iter().any(|t| k.calls.contains(t))))
        });
        keep[i] = !implied;
    }
    tests
        .into_iter()
        .zip(keep)
        .filter(|(_, keep)| *keep)
        .map(|(test, _)| test.text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(tests: Vec<Test>) -> Vec<String> {
        prune(tests)
    }

    #[test]
    fn a_later_reference_implies_its_parents_are_objects() {
        let doc = Term::external("input.review.object");
        let meta = doc.field("metadata");
        let name = meta.field("name");
        let out = texts(vec![
            doc.is_object(),
            meta.is_object(),
            name.test(format!("is_string({})", name.text)),
        ]);
        assert_eq!(out, ["is_string(input.review.object.metadata.name)"]);
    }

    #[test]
    fn an_earlier_reference_implies_it_too() {
        let review = Term::external("input.review");
        let kind = Term::external("input.review.object.kind");
        let op = review.get("operation", "null");
        let out = texts(vec![
            kind.test(format!("{} == \"Pod\"", kind.text)),
            review.is_object(),
            op.test(format!("{} in {{\"CREATE\", null}}", op.text)),
        ]);
        assert_eq!(
            out,
            [
                "input.review.object.kind == \"Pod\"",
                "object.get(input.review, \"operation\", null) in {\"CREATE\", null}"
            ]
        );
    }

    #[test]
    fn a_call_before_the_reference_keeps_the_test() {
        let x = Term::var("_x");
        let image = x.get("image", "\"\"");
        let name = x.field("name");
        let out = texts(vec![
            x.is_object(),
            image.test(format!("is_string({})", image.text)),
            name.test(format!("is_string({})", name.text)),
        ]);
        assert_eq!(out.len(), 3);
        // Nor does an opaque statement let it go.
        let out = texts(vec![
            x.is_object(),
            Test::opaque("f(_x)".to_string()),
            name.test(format!("is_string({})", name.text)),
        ]);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn a_test_kept_implies_its_parent() {
        let x = Term::var("_x");
        let spec = x.field("spec");
        let net = spec.get("hostNetwork", "false");
        let out = texts(vec![
            x.is_object(),
            spec.is_object(),
            net.test(format!("is_boolean({})", net.text)),
        ]);
        assert_eq!(
            out,
            [
                "is_object(_x.spec)",
                "is_boolean(object.get(_x.spec, \"hostNetwork\", false))"
            ]
        );
    }

    #[test]
    fn a_variable_is_the_reference_it_was_bound_to() {
        let doc = Term::external("input.review.object");
        let review = Term::external("input.review");
        let (binding, var) = review.bind("_v1");
        let op = var.get("operation", "null");
        let out = texts(vec![
            doc.test("is_string(input.review.object.name)".to_string()),
            binding,
            var.is_object(),
            op.test(format!("{} != 1", op.text)),
        ]);
        assert_eq!(out.len(), 3);
        assert_eq!(out[1], "_v1 := input.review");
    }

    #[test]
    fn only_names_are_chains() {
        assert_eq!(Term::external("_p[\"a.b\"]").derefs, Vec::<String>::new());
        assert!(Term::external("f(x)").opaque);
        assert_eq!(Term::external("a.b.c").derefs, ["a", "a.b"]);
    }
}
