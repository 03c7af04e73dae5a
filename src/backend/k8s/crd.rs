//! A `resource` as an `apiextensions.k8s.io/v1` CustomResourceDefinition.

use super::managed_labels;
use super::names::is_dns_label;
use super::openapi::structural;
use crate::backend::{Origin, ProblemKind, TargetProblem};
use crate::ir::{PrinterColumn, Resource};
use serde_json::{json, Value};

/// The CRD's `metadata.name`, which the API server requires to be `<plural>.<group>`; also the
/// file name.
pub fn crd_name(resource: &Resource) -> String {
    format!("{}.{}", resource.plural, resource.group)
}

/// Checks what the API server would reject in the names of a resource's CRD.
pub fn check_names(resource: &Resource) -> Result<(), TargetProblem> {
    let singular = resource.kind.to_lowercase();
    for (what, name) in [("plural", &resource.plural), ("singular", &singular)] {
        if !is_dns_label(name) {
            return Err(TargetProblem::new(
                ProblemKind::Name,
                format!(
                    "the {what} name `{name}` of resource `{}` is not a valid Kubernetes name: it must be lowercase \
                     letters, digits and `-`, at most 63 characters",
                    resource.kind
                ),
                vec![origin(resource)],
            )
            .with_help("set `plural` or rename the resource"));
        }
    }
    Ok(())
}

/// Where a resource is declared, for a problem about it.
pub fn origin(resource: &Resource) -> Origin {
    Origin::Resource {
        group: resource.group.clone(),
        kind: resource.kind.clone(),
    }
}

/// The CustomResourceDefinition of a resource: one served and stored version, whose schema
/// requires `spec` and describes it from the `.gov` types. `apiVersion`, `kind` and `metadata`
/// are the API server's: they are declared, as Kubernetes' own tools do, but not constrained.
pub fn emit_crd(resource: &Resource) -> Value {
    let mut root = json!({
        "type": "object",
        "required": ["spec"],
        "properties": {
            "apiVersion": {
                "type": "string",
                "description": "The API group and version of the object.",
            },
            "kind": {
                "type": "string",
                "description": "The kind of the object.",
            },
            "metadata": {"type": "object"},
            "spec": structural(&resource.spec, None),
        },
    });
    if let Some(doc) = &resource.doc {
        root["description"] = json!(doc);
    }
    let mut version = json!({
        "name": resource.version,
        "served": true,
        "storage": true,
        "schema": {"openAPIV3Schema": root},
    });
    if !resource.columns.is_empty() {
        version["additionalPrinterColumns"] = printer_columns(resource);
    }
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": crd_name(resource),
            "labels": managed_labels(),
        },
        "spec": {
            "group": resource.group,
            "names": {
                "kind": resource.kind,
                "listKind": format!("{}List", resource.kind),
                "plural": resource.plural,
                "singular": resource.kind.to_lowercase(),
            },
            "scope": if resource.namespaced { "Namespaced" } else { "Cluster" },
            "versions": [version],
        },
    })
}

/// The resource's columns, then `Age`: declaring columns replaces the ones `kubectl get` shows
/// by default, and operators expect the age of an object last, as for every built-in kind.
fn printer_columns(resource: &Resource) -> Value {
    let mut columns: Vec<Value> = resource
        .columns
        .iter()
        .map(|c| {
            let mut column = json!({"name": c.name, "type": c.column_type, "jsonPath": c.json_path});
            if let Some(doc) = &c.description {
                column["description"] = json!(doc);
            }
            column
        })
        .collect();
    columns.push(json!({
        "name": PrinterColumn::AGE,
        "type": "date",
        "jsonPath": ".metadata.creationTimestamp",
        "description": "How long ago the object was created.",
    }));
    Value::Array(columns)
}
