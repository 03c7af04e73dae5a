//! Back ends: each reads the IR and produces files. `rego` is the OPA bundle's Rego; the
//! Kubernetes and GitHub Actions targets build on it.

pub mod actions;
pub mod audit_policy;
pub mod k8s;
pub mod mask;
pub mod opa_config;
pub mod rego;
