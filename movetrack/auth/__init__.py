"""Staff sign-in, roles, and the policy of who may see and do what."""
