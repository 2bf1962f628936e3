"""lowback's benchmarks (``make bench``): outside the package, not part of the wheel."""
