# Completion offers what may stand at the cursor.

# Fields after `.`, while the line does not parse yet.
replace governance/data.gov
  - not d.spec.encryption.at_rest
  + not d.spec.
completion governance/data.gov
  not d.spec.<|>
    }

# Fields of a nested record.
replace governance/data.gov
  - not d.spec.
  -   }
  + not d.spec.encryption.
  +   }
completion governance/data.gov
  not d.spec.encryption.<|>
    }

# Enum values after `E.`.
replace governance/models.gov
  - m.spec.risk == RiskTier.high
  -     some metric
  + m.spec.risk == RiskTier.
  +     some metric
completion governance/models.gov
  m.spec.risk == RiskTier.<|>
      some metric

replace governance/models.gov
  - m.spec.risk == RiskTier.
  -     some metric
  + m.spec.risk == RiskTier.high
  +     some metric

# Names of a module after `alias.`.
replace governance/models.gov
  - not shared.within_gap(t, max_gap)
  + not shared.
completion governance/models.gov
  not shared.<|>
    }

replace governance/models.gov
  - not shared.
  -   }
  + not shared.within_gap(t, max_gap)
  +   }

# Names in scope in an expression (locals first).
replace governance/models.gov
  - not shared.reports_metric(m.spec.bias_tests, metric)
  + not me
completion governance/models.gov
  not me<|>

# Keywords of a policy body.
replace governance/access.gov
  - subject r: AccessRequest
  + subject r: AccessRequest
  + 
completion governance/access.gov
  subject r: AccessRequest
  <|>

# Types in a type position.
replace governance/shared.gov
  - reviewed_at?: timestamp
  + reviewed_at?: Ri
completion governance/shared.gov
  reviewed_at?: Ri<|>

# The fields a record literal still needs.
replace tests/access_test.gov
  -     action: "predict",
  -   }
  -   expect denied model_access(r) with "dana.kim
  +     ac
  +   }
  +   expect denied model_access(r) with "dana.kim
completion tests/access_test.gov
      ac<|>
    }
    expect denied model_access(r) with "dana.kim

# Policies after `expect <kind>`.
replace tests/models_test.gov
  - expect passes accountable_owner(m)
  + expect passes acc
completion tests/models_test.gov
  expect passes acc<|>

# Values of `severity`.
replace governance/access.gov
  - severity = high
  + severity = 
completion governance/access.gov
  severity = <|>

# Modules in an import.
replace governance/access.gov
  - import std.ai.{AccessRequest}
  + import std.ai.{AccessRequest}
  + import std.
completion governance/access.gov
  import std.ai.{AccessRequest}
  import std.<|>

# A `let` is in scope only below it, as the checker sees it: the default of a parameter above
# `let name` cannot use it, a condition below it can.
replace governance/models.gov
  - param max_gap: float = 0.0
  + param max_gap: float = na
completion governance/models.gov
  param max_gap: float = na<|>
replace governance/models.gov
  - deny "model {name} has no bias tests" when count(m.spec.bias_tests) == 0
  + deny "model {name} has no bias tests" when na
completion governance/models.gov
  deny "model {name} has no bias tests" when na<|>
