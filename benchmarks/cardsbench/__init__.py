"""Pieces of benchmarks/bench_cards.py: data loading, the server and load runner, the report."""
