"""Synthetic demo data and the seed_demo command that loads it. The domain apps never import
this package: it builds on them."""
