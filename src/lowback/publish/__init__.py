"""The publishing layer: executed notebooks turned into offline pages, an index and decks.

It imports the layers below it; only the CLI and the app sit above it.
"""
