"""Entry point: `python -m benchmarks [--quick] [--only NAME...] [--json] [--plot]` (see benchmarks/run.py)."""
from benchmarks.run import main

main()
