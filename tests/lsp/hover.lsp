# Hover shows what a name is, as declared, with its documentation.

# A field read through a resource's spec.
hover governance/data.gov
  not d.spec.encryption.<|>at_rest

# A policy's subject.
hover governance/access.gov
  subject <|>r: AccessRequest

# A parameter with its default and documentation.
hover governance/models.gov
  not shared.within_gap(t, <|>max_gap)

# A function from another package, through a module import.
hover governance/models.gov
  not shared.<|>within_gap(t, max_gap)

# A variable bound by `some`.
hover governance/models.gov
  some <|>t in m.spec.bias_tests

# An enum value of the stdlib.
hover governance/models.gov
  m.spec.risk == RiskTier.<|>high
      some metric in required_metrics

# A type imported from the stdlib.
hover governance/shared.gov
  import std.ai.{<|>BiasTest, RiskTier}

# A built-in function.
hover governance/access.gov
  <|>count(r.reason) < min_reason_length

# A policy named in an expectation.
hover tests/models_test.gov
  expect passes <|>bias_tested(m, max_gap = 0.01)

# A resource.
hover governance/models.gov
  import acme.resources.{<|>ModelDeployment}

# A variable bound by a comprehension, where the element reads it.
hover governance/change_tickets.gov
  let approving = [<|>t for t in tickets

# A regular-expression built-in with results.
hover governance/change_tickets.gov
  then <|>find_all(r.reason
