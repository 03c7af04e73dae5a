# Document highlight: the occurrences in the file of the name under the cursor, with the kind an
# editor colours them by: a local is written where it is bound and read elsewhere; a field is
# written in a record literal and read by `x.field`; other names are text.

highlight governance/data.gov
  deny "dataset {name} uses untrusted source {<|>source}" when {

highlight governance/data.gov
  not shared.from_trusted_source(source, <|>allowed_source_prefixes)

highlight governance/shared.gov
  fn within_gap(t: BiasTest, gap: float) -> bool = t.<|>value <= t.threshold + gap

highlight tests/access_test.gov
  expect allowed model_access(r, <|>min_reason_length = 5)

highlight tests/access_test.gov
  <|>roles: ["marketing"],

highlight governance/shared.gov
  bias_tests: [<|>BiasTest]

# Not on a name: nothing.
highlight governance/shared.gov
  fn is_acme_email(address: string) -> bool <|>= matches(
