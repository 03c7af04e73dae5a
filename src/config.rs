//! `govc.toml`: a project's deployment settings (where OPA fetches the bundle, where decision logs
//! go). Optional; every setting has a working default. docs/deploy.md describes every key.

use serde::Deserialize;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The file name, in the project directory.
pub const FILE_NAME: &str = "govc.toml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub bundle: BundleService,
    #[serde(default)]
    pub decision_logs: DecisionLogs,
}

/// Where OPA downloads the bundle from.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BundleService {
    /// The bundle server's URL. The default is the environment variable `GOVC_BUNDLE_SERVICE_URL`,
    /// which OPA substitutes when it reads its configuration.
    #[serde(default = "default_service_url")]
    pub service_url: String,
    /// The bundle's path on the server.
    #[serde(default = "default_resource")]
    pub resource: String,
    #[serde(default = "default_min_delay")]
    pub polling_min_delay_seconds: u64,
    #[serde(default = "default_max_delay")]
    pub polling_max_delay_seconds: u64,
}

impl Default for BundleService {
    fn default() -> Self {
        BundleService {
            service_url: default_service_url(),
            resource: default_resource(),
            polling_min_delay_seconds: default_min_delay(),
            polling_max_delay_seconds: default_max_delay(),
        }
    }
}

/// Where decision logs go: the console unless a log service is named.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DecisionLogs {
    /// A decision-log service URL; when set, logs are uploaded there.
    pub service_url: Option<String>,
    /// Also print decisions to the console (the default when no service is set).
    pub console: Option<bool>,
}

fn default_service_url() -> String {
    "${GOVC_BUNDLE_SERVICE_URL}".to_string()
}

fn default_resource() -> String {
    "bundle.tar.gz".to_string()
}

fn default_min_delay() -> u64 {
    60
}

fn default_max_delay() -> u64 {
    120
}

/// Why `govc.toml` could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// The file's text, when it could be read, and where in it the problem is.
    pub located: Option<(String, Range<usize>)>,
    /// Lowercase, no final period.
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.path.display(), self.message)
    }
}

/// The path of a project's `govc.toml` (`DIR` may also be one `.gov` file).
pub fn path(project_dir: &Path) -> PathBuf {
    let dir = if project_dir.is_file() {
        project_dir.parent().unwrap_or(project_dir)
    } else {
        project_dir
    };
    dir.join(FILE_NAME)
}

/// Reads `DIR/govc.toml`; the defaults when there is none.
pub fn load(project_dir: &Path) -> Result<Config, ConfigError> {
    let path = path(project_dir);
    if !path.exists() {
        return Ok(Config::default());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
        path: path.clone(),
        located: None,
        message: format!("cannot read it: {e}"),
    })?;
    parse(&text).map_err(|(message, span)| ConfigError {
        path,
        located: Some((text, span)),
        message,
    })
}

/// Parses the text of a `govc.toml`: the settings, or the problem and where it is.
pub fn parse(text: &str) -> Result<Config, (String, Range<usize>)> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let message = e.message().trim_end().trim_end_matches('.').to_string();
        (message, e.span().unwrap_or(0..0))
    })?;
    if config.bundle.polling_min_delay_seconds > config.bundle.polling_max_delay_seconds {
        let key = "polling_min_delay_seconds";
        let span = text.find(key).map_or(0..0, |at| at..at + key.len());
        return Err((
            format!(
                "`bundle.polling_min_delay_seconds` ({}) is greater than `bundle.polling_max_delay_seconds` ({})",
                config.bundle.polling_min_delay_seconds, config.bundle.polling_max_delay_seconds
            ),
            span,
        ));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let c: Config = toml::from_str("").expect("empty is fine");
        assert_eq!(c, Config::default());
        assert_eq!(c.bundle.service_url, "${GOVC_BUNDLE_SERVICE_URL}");
        let c: Config = toml::from_str(
            "[bundle]\nservice_url = \"https://b.example\"\n[decision_logs]\nservice_url = \"https://l.example\"\n",
        )
        .expect("parses");
        assert_eq!(c.decision_logs.service_url.as_deref(), Some("https://l.example"));
        let (message, span) = parse("[bundle]\nurl = \"x\"\n").expect_err("unknown keys are errors");
        assert!(message.contains("unknown field `url`"), "{message}");
        assert_eq!(span, 9..12);
        let text = "[bundle]\npolling_min_delay_seconds = 500\n";
        let (message, span) = parse(text).expect_err("min above max");
        assert!(message.contains("(500) is greater than"), "{message}");
        assert_eq!(&text[span], "polling_min_delay_seconds");
    }
}
