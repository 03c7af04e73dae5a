//! Back ends: each reads the IR and produces files. `rego` is the OPA bundle's Rego; the
//! Kubernetes and GitHub Actions targets build on it.

pub mod rego;
