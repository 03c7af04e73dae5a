# Formatting returns `govc fmt`'s layout; a formatted file needs no edits.

formatting governance/shared.gov

replace governance/shared.gov
  - fn within_gap(t: BiasTest, gap: float) -> bool = t.value <= t.threshold + gap
  + fn within_gap(t:BiasTest,gap:float)->bool=t.value<=(t.threshold+gap)
formatting governance/shared.gov
