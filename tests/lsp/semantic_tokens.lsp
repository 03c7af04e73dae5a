# Semantic tokens color names by what they are.

semantic-tokens governance/resources.gov

semantic-tokens governance/access.gov
