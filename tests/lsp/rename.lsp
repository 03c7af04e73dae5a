# Rename edits every occurrence in every file of the project.

rename governance/models.gov allowed_gap
  param <|>max_gap: float = 0.0

rename governance/shared.gov approver
  <|>approved_by?: string

rename governance/access.gov ask
  subject <|>r: AccessRequest

# Names of the standard library and built-ins stay as they are.
rename governance/models.gov Tier
  m.spec.risk == <|>RiskTier.high
      some metric in required_metrics

rename governance/access.gov size
  <|>count(r.reason) < min_reason_length

rename governance/models.gov not
  param <|>max_gap: float = 0.0
