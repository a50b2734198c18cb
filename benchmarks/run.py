"""Run every benchmark (benchmarks/bench_*.py); each replaces its own section of RESULTS.md.

Each script takes ``--write PATH`` and rewrites only the part of the file between its
markers ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` (see ``results.py``).
"""

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", default=str(HERE / "RESULTS.md"))
    parser.add_argument("only", nargs="*", help="names of benchmarks to run (default: all)")
    args = parser.parse_args()
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        rc = subprocess.call([sys.executable, str(script), "--write", args.write])
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
