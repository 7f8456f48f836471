"""Benchmarks: `python -m bench` runs them all, `python -m bench NAME [args]` runs one.

Each module here with a `main(argv: list[str]) -> int` function is a benchmark; its name
is the module name. Benchmarks cache what they generate under `bench-cache/` (gitignored).
"""
