# Go to definition and find references, across files and into the stdlib.

definition governance/models.gov
  not shared.<|>within_gap(t, max_gap)

definition governance/models.gov
  import acme.resources.{<|>ModelDeployment}

definition governance/data.gov
  not d.spec.<|>encryption.at_rest

definition governance/models.gov
  m.spec.risk == <|>RiskTier.high
      some metric in required_metrics

definition governance/models.gov
  m.spec.risk == RiskTier.<|>high
      some metric in required_metrics

definition tests/models_test.gov
  expect passes bias_tested(m, <|>max_gap = 0.01)

definition governance/enforce.gov
  enforce <|>bias_tested, high_risk_approval, accountable_owner {

# A keyword has no definition.
definition governance/data.gov
  <|>not d.spec.encryption.in_transit

references governance/shared.gov
  fn <|>within_gap(t: BiasTest, gap: float) -> bool

references governance/models.gov
  param <|>max_gap: float = 0.0

references governance/shared.gov
  <|>approved_by?: string

# An applied policy: the policy it applies (into the stdlib), the type and the field of its path,
# and the parameter it gives a value.
definition governance/data.gov
  policy retention_limit = ai.<|>retention_limit on DatasetRegistration.spec {

definition governance/data.gov
  policy retention_limit = ai.retention_limit on <|>DatasetRegistration.spec {

definition governance/data.gov
  policy retention_limit = ai.retention_limit on DatasetRegistration.<|>spec {

definition governance/data.gov
  param <|>max_retention_days = 730
