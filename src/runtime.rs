//! The runtime: what evaluates compiled policies inside govc. [`engine`] loads a built bundle
//! into the embedded Rego engine (regorus), [`test_runner`] runs a project's `test`s on it
//! (`govc test`), and [`documents`] reads the JSON and YAML documents `govc eval` judges.

pub mod documents;
pub mod engine;
pub mod inventory;
pub mod test_runner;
