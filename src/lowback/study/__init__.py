"""The study layer: the article's rules, the simulated cohort, the tree, the red-flag gate.

It imports the data layer below it, never the figures or publishing above it.
"""
