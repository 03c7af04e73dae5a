# Signature help: inside a call's parentheses, the signature of what is called with the argument
# under the cursor in «». Built-ins, functions (also through a module alias) and, in a test's
# `expect`, policies with their parameters (passed by name after the subject).

signature-help governance/shared.gov
  any prefix in prefixes: startswith(<|>source, prefix)

signature-help governance/shared.gov
  any prefix in prefixes: startswith(source, <|>prefix)

# A call through a module alias, its second argument.
signature-help governance/data.gov
  not shared.from_trusted_source(source, <|>allowed_source_prefixes)

# While the call is being typed: it does not parse yet.
replace governance/data.gov
  - deny "dataset {name} records no sources" when count(d.spec.sources) == 0
  + deny "dataset {name} records no sources" when count(d.spec.sources) == 0 or endswith(lower(d.metadata.name), 
signature-help governance/data.gov
  or endswith(lower(d.metadata.name), <|>

# In a nested call, the innermost call; in a list argument, the call around it.
signature-help governance/data.gov
  or endswith(lower(<|>d.metadata.name),

replace governance/shared.gov
  - fn within_gap(t: BiasTest, gap: float) -> bool = t.value <= t.threshold + gap
  + fn within_gap(t: BiasTest, gap: float) -> bool = reports_metric([t, 
signature-help governance/shared.gov
  reports_metric([t, <|>

# A policy in `expect`: the subject, then a parameter by name.
signature-help tests/access_test.gov
  expect allowed model_access(r, min_reason_length = <|>5)

signature-help tests/access_test.gov
  expect allowed model_access(<|>r, min_reason_length = 5)

# Outside a call's parentheses: nothing.
signature-help governance/shared.gov
  fn is_acme_email(address: string) -> bool = <|>matches(

# After the call's closing parenthesis: nothing.
signature-help governance/shared.gov
  any prefix in prefixes: startswith(source, prefix)<|>
