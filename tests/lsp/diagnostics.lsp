# Diagnostics come with the error code, the help text and related locations; they follow edits.

diagnostics governance/data.gov

replace governance/data.gov
  - not d.spec.encryption.at_rest
  + not d.spec.encryption.at_rset
diagnostics governance/data.gov

code-actions governance/data.gov
  not d.spec.encryption.<|>at_rset

# A broken declaration is reported; the rest of the file is still checked.
replace governance/data.gov
  - not d.spec.encryption.at_rset
  + not d.spec.encryption.

replace governance/data.gov
  - when count(d.spec.sources) == 0
  + when count(d.spec.sources) == "none"
diagnostics governance/data.gov

# While a declaration does not parse, its last version stands in for it: the files that use it
# (enforce.gov names the broken policy) see no error; only the file being edited shows one.
diagnostics governance/enforce.gov

hover governance/enforce.gov
  enforce <|>no_unencrypted_pii, trusted_sources

# Hover and completion still work in the declarations that parse.
hover governance/data.gov
  param <|>allowed_source_prefixes: [string]

# Unused imports are warnings with a quick fix.
replace governance/models.gov
  - import std.ai.{RiskTier}
  + import std.ai.{RiskTier, Dataset}
diagnostics governance/models.gov

code-actions governance/models.gov
  import std.ai.{RiskTier, <|>Dataset}

# A habit from another language gets a targeted hint and a quick fix.
replace governance/models.gov
  - m.spec.approved_by == m.spec.owner
  + m.spec.approved_by == m.spec.owner && m.spec.risk == RiskTier.high
code-actions governance/models.gov
  m.spec.approved_by == m.spec.owner <|>&& m.spec.risk
