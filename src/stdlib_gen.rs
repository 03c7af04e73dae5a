//! Generators of standard-library sources from published schemas (run by hand, checked by tests):
//! `std.k8s`'s Kubernetes kinds from Kubernetes' OpenAPI definitions.

pub mod k8s_api;
