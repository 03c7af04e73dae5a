//! Everything the workflow downloads, pinned: each action to the full commit SHA of a release (the
//! release in a comment beside it), and the OPA CLI to one release and the SHA-256 of its binary.
//!
//! GitHub's hardening guide asks for full-length SHAs because a tag can be moved to other code; a
//! SHA cannot. Every action here runs on Node.js 24: Node.js 20 actions are deprecated on GitHub's
//! runners (forced onto Node 24 since June 2026, removed in September 2026).
//!
//! To move a pin: resolve the release's commit with `git ls-remote --tags
//! https://github.com/OWNER/REPO`, check `runs.using` in its `action.yml`, update the row and its
//! source, and rebuild (the workflow snapshot test shows the change).

/// An action the workflow uses, pinned to the commit of one release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionPin {
    /// `owner/repo` or `owner/repo/path`, as written before `@` in `uses:`.
    pub action: &'static str,
    /// The full 40-hex commit SHA of the release.
    pub sha: &'static str,
    /// The release the SHA belongs to, written as a comment after it.
    pub release: &'static str,
    /// The runtime its `action.yml` declares.
    pub runtime: &'static str,
    /// Where the SHA was taken from and how it was checked.
    pub source: &'static str,
}

impl ActionPin {
    /// `owner/repo@sha # release`, the value of `uses:`.
    pub fn uses(&self) -> String {
        format!("{}@{} # {}", self.action, self.sha, self.release)
    }
}

pub const CHECKOUT: ActionPin = ActionPin {
    action: "actions/checkout",
    sha: "de0fac2e4500dabe0009e67214ff5f5447ce83dd",
    release: "v6.0.2",
    runtime: "node24",
    source: "pinned as `actions/checkout@de0fac2e… # v6.0.2` in the workflows of many unrelated public \
             repositories (ten agreeing occurrences found); node24 since v5 (actions/checkout release notes)",
};

pub const SETUP_OPA: ActionPin = ActionPin {
    action: "open-policy-agent/setup-opa",
    sha: "b2b258e089860efaadaaf71bf6e3aecb4a3eeff1",
    release: "v2.4.0",
    runtime: "node24",
    source: "pinned as `open-policy-agent/setup-opa@b2b258e0… # v2.4.0` in three unrelated public \
             repositories; node24 since open-policy-agent/setup-opa#40 (merged 2025-09-22, before v2.3.0). \
             Not confirmed against the tag itself: the index holds no copy of v2.4.0's action.yml",
};

pub const UPLOAD_ARTIFACT: ActionPin = ActionPin {
    action: "actions/upload-artifact",
    sha: "b7c566a772e6b6bfb58ed0dc250532a479d7789f",
    release: "v6.0.0",
    runtime: "node24",
    source: "pinned as `actions/upload-artifact@b7c566a7… # v6.0.0` in ten unrelated public repositories; \
             v6.0.0 is the first release declaring `runs.using: node24` (actions/upload-artifact#745)",
};

pub const DOWNLOAD_ARTIFACT: ActionPin = ActionPin {
    action: "actions/download-artifact",
    sha: "37930b1c2abaa49bbe596cd826c3c89aef350131",
    release: "v7.0.0",
    runtime: "node24",
    source: "pinned beside upload-artifact v6.0.0 as `actions/download-artifact@37930b1c… # v7.0.0` in \
             several unrelated public repositories; v7.0.0 is the first release declaring `runs.using: node24` \
             (its release notes)",
};

pub const UPLOAD_SARIF: ActionPin = ActionPin {
    action: "github/codeql-action/upload-sarif",
    sha: "5d4e8d1aca955e8d8589aabd499c5cae939e33c7",
    release: "v4.31.9",
    runtime: "node24",
    source: "pinned as `github/codeql-action/upload-sarif@5d4e8d1a… # v4.31.9` in ten public files, among \
             them pinact's documentation (pinact resolves tags to SHAs); CodeQL Action v4 runs on Node.js 24 \
             (github/codeql-action#3271)",
};

/// Every pinned action, in the order the workflow uses them.
pub const ACTIONS: [ActionPin; 5] = [CHECKOUT, SETUP_OPA, UPLOAD_ARTIFACT, DOWNLOAD_ARTIFACT, UPLOAD_SARIF];

/// The OPA release the workflow installs: the one the test suite runs (opa-golib-python-bindings
/// 0.4.4 embeds OPA v1.20.2, released 2026-09-03), so what is tested is what CI runs.
pub const OPA_VERSION: &str = "1.20.2";

/// SHA-256 of `opa_linux_amd64_static` of [`OPA_VERSION`], as published in the release's
/// `opa_linux_amd64_static.sha256` (quoted identically by two unrelated public projects that
/// checked it against the release). The workflow refuses any other binary.
pub const OPA_LINUX_AMD64_STATIC_SHA256: &str = "69da5179ee403d10fa11bab6cfb4ffb0d23dba5f9b682fa977db772a1da5670f";

/// The runner image: pinned rather than `ubuntu-latest`, so the tools the scripts use (bash 5,
/// awk, jq 1.7, coreutils) do not change under them.
pub const RUNNER: &str = "ubuntu-24.04";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_is_a_full_sha_with_its_release() {
        for pin in ACTIONS {
            assert_eq!(pin.sha.len(), 40, "{}", pin.action);
            assert!(pin
                .sha
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert!(pin.release.starts_with('v'), "{}", pin.action);
            assert_eq!(pin.runtime, "node24", "{} runs on a deprecated runtime", pin.action);
            assert!(!pin.source.is_empty());
        }
        assert_eq!(OPA_LINUX_AMD64_STATIC_SHA256.len(), 64);
    }
}
