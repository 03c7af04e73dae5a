# Range formatting: only the declarations the selection touches are formatted, as `govc fmt`
# would format them; the rest of the file stays as it is.

replace governance/shared.gov
  - fn within_gap(t: BiasTest, gap: float) -> bool = t.value <= t.threshold + gap
  + fn within_gap(t:BiasTest,gap:float)->bool=t.value<=(t.threshold+gap)
replace governance/shared.gov
  - fn reports_metric(tests: [BiasTest], metric: string) -> bool = any t in tests: t.metric == metric
  + fn reports_metric(tests:[BiasTest],metric:string)->bool=any t in tests:t.metric==metric

# A cursor in one declaration formats that one only.
range-formatting governance/shared.gov
  fn within_gap(t:BiasTest,gap:float)-><|>bool

# A selection over two declarations formats both.
replace governance/shared.gov
  - fn is_acme_email(address: string) -> bool = matches(address, r"^[a-z0-9][a-z0-9._-]*@acme\.com$")
  + fn   is_acme_email(address: string) -> bool = matches(address, r"^[a-z0-9][a-z0-9._-]*@acme\.com$")
range-formatting governance/shared.gov
  fn   is_acme_email(<|>address: string)
  fn reports_metric(tests:[<|>BiasTest]

# Another declaration has a syntax error: the touched one is still formatted, on its own, and
# the blank lines after it are kept.
replace governance/shared.gov
  - fn within_gap(t: BiasTest, gap: float) -> bool = t.value <= t.threshold + gap
  + fn within_gap(t:BiasTest,gap:float)->bool=t.value<=(t.threshold+gap)
replace governance/shared.gov
  - fn is_acme_email(address: string) -> bool = matches(address, r"^[a-z0-9][a-z0-9._-]*@acme\.com$")
  + fn is_acme_email(address: string) -> bool = matches(address,
range-formatting governance/shared.gov
  fn within_gap(t:BiasTest,gap:float)-><|>bool

# The declaration with the error is left as it is.
range-formatting governance/shared.gov
  fn is_acme_email(address: string) -> bool = <|>matches(address,
