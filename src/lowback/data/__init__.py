"""The records layer: the material's tables, read from disk and validated on every load.

It imports nothing else of lowback but :mod:`lowback.config` and :mod:`lowback.errors`.
"""
