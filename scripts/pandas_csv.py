"""Times pandas' read_csv + to_csv on the CSV files the engine benchmark wrote (the earlier
system's tool for the same job), and prints rows/s beside ours with the ratio.

usage: pandas_csv.py DIR ROWS:OURS_ROWS_PER_S ...
"""
import os
import sys
import time

import pandas as pd


def main() -> None:
    directory = sys.argv[1]
    print("| candidates | pandas read_csv + to_csv rows/s | COMAtching export rows/s | ratio |")
    print("|---:|---:|---:|---:|")
    for pair in sys.argv[2:]:
        rows, ours = pair.split(":")
        source = os.path.join(directory, f"candidates-{rows}.csv")
        target = os.path.join(directory, f"candidates-{rows}.pandas.csv")
        start = time.perf_counter()
        frame = pd.read_csv(source)
        frame.to_csv(target, index=False)
        rate = len(frame) / (time.perf_counter() - start)
        print(f"| {rows} | {rate:,.0f} | {float(ours):,.0f} | {float(ours) / rate:.1f}x |")


if __name__ == "__main__":
    main()
