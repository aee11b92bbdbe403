"""Deterministic sample raw exports, modelled on a SmartCoop-like cooperative.

`write_sample(out_dir, scale)` writes every export the pipeline reads; at scale 1 the pipeline
publishes exactly the 2024 values of the annex the sample imitates (tests/golden/golden-2024.csv).
"""
