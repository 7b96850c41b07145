"""Admin API: keys, policies, budgets, usage and audit over HTTP."""
