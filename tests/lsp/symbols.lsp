# The outline of a file and the symbols of the workspace.

symbols governance/shared.gov

symbols governance/models.gov

symbols governance/enforce.gov

workspace-symbols bias

workspace-symbols Dataset
