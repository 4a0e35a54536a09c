"""Scale: the synthetic data generator and the benchmark with its budgets (docs/performance.md)."""
