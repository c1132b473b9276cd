"""Business rules. The only layer that commits: each call is one unit of work."""
