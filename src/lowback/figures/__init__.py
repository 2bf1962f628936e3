"""The figures layer: plotly figures and computed captions, from records and study results.

It imports the study and data layers below it, never publishing or the app above it.
"""
