"""Benchmarks, run with ``python -m bench`` (``make bench``); results as ratios."""
