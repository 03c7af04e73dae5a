//! The objects of a cluster as Gatekeeper syncs them into `data.inventory`, built from a list of
//! objects (`govc eval --inventory FILE`): what a policy's `inventory` members read.

use crate::ir::InventoryKind;
use serde_json::{Map, Value};

/// `data.inventory` holding `objects`: `namespace[ns][apiVersion][kind][name]` for namespaced
/// kinds, `cluster[apiVersion][kind][name]` for cluster-scoped ones. A kind in `kinds` (those the
/// policies read) is placed by its scope, a namespaced object without a namespace in `default`
/// as the API server does; any other kind by whether the object names a namespace. An object
/// without `apiVersion`, `kind` or `metadata.name`, or one given twice, is an error.
pub fn document(objects: &[Value], kinds: &[InventoryKind]) -> Result<Value, String> {
    let mut root = Map::new();
    for (i, object) in objects.iter().enumerate() {
        let text = |path: &[&str]| {
            path.iter()
                .try_fold(object, |v, k| v.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (Some(api_version), Some(kind), Some(name)) =
            (text(&["apiVersion"]), text(&["kind"]), text(&["metadata", "name"]))
        else {
            return Err(format!(
                "inventory object {}: needs `apiVersion`, `kind` and `metadata.name` (strings)",
                i + 1
            ));
        };
        let namespace = text(&["metadata", "namespace"]);
        let namespaced = kinds
            .iter()
            .find(|k| k.api_version() == api_version && k.kind == kind)
            .map_or(namespace.is_some(), |k| k.namespaced);
        let mut path: Vec<String> = match namespaced {
            true => vec!["namespace".into(), namespace.unwrap_or_else(|| "default".into())],
            false => vec!["cluster".into()],
        };
        path.extend([api_version, kind]);
        let mut at = &mut root;
        for key in &path {
            let next = at.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
            at = next.as_object_mut().expect("built as objects");
        }
        if at.insert(name.clone(), object.clone()).is_some() {
            let (api_version, kind) = (&path[path.len() - 2], &path[path.len() - 1]);
            let id = match namespaced {
                true => format!("{}/{name}", path[1]),
                false => name,
            };
            return Err(format!(
                "inventory object {}: the {kind} `{id}` ({api_version}) is given twice",
                i + 1
            ));
        }
    }
    Ok(Value::Object(root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ingress() -> InventoryKind {
        InventoryKind {
            group: "networking.k8s.io".into(),
            version: "v1".into(),
            kind: "Ingress".into(),
            namespaced: true,
        }
    }

    #[test]
    fn objects_are_keyed_as_gatekeeper_keeps_them() {
        let objects = [
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "a", "namespace": "shop"}}),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "b"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        ];
        let doc = document(&objects, &[ingress()]).unwrap();
        assert_eq!(
            doc["namespace"]["shop"]["networking.k8s.io/v1"]["Ingress"]["a"],
            objects[0]
        );
        assert_eq!(
            doc["namespace"]["default"]["networking.k8s.io/v1"]["Ingress"]["b"],
            objects[1]
        );
        assert_eq!(doc["cluster"]["v1"]["Namespace"]["shop"], objects[2]);
    }

    #[test]
    fn an_object_without_a_name_or_given_twice_is_refused() {
        let nameless = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {}});
        assert!(document(&[nameless], &[]).unwrap_err().contains("metadata.name"));
        let a = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "a"}});
        let twice = document(&[a.clone(), a], &[ingress()]).unwrap_err();
        assert!(twice.contains("given twice"), "{twice}");
    }
}
