"""Browser tests: headless Debian Chromium driven by playwright (see conftest.py)."""
