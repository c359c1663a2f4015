#!/usr/bin/env python3
"""The table of a bench/compare_pytorch.sh run, from its output directory.

    /usr/bin/python3 bench/compare_summary.py /tmp/fln_compare_...

Per model and trainer, over the rounds: the median epoch (each run's median
epoch, then the median over rounds), the training seconds to the target test
accuracy (first crossing, and from when every later evaluation stays at or
above it) and the last test accuracy. Then, per round, fln backprop's median
epoch over PyTorch's: the two ran back to back, so a slow spell of a shared
host moves both.
"""
import glob
import json
import os
import re
import statistics
import sys

TRAINERS = [("fln_fln", "fln FLN"), ("fln_backprop", "fln backprop"), ("pytorch", "PyTorch")]


def read_run(path):
    """(median epoch seconds, summary dict) of one run's JSON lines."""
    epochs, summary = [], None
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if record.get("summary"):
                summary = record
            elif "epoch_seconds" in record:  # fln_bench
                epochs.append(record["epoch_seconds"])
            elif "batch" not in record and "seconds" in record:  # pytorch_bench
                epochs.append(record["seconds"])
    if summary is None or not epochs:
        raise ValueError(f"{path}: no summary or no epochs (run cut short?)")
    return statistics.median(epochs), summary


def spread(values, fmt):
    """'median (min-max)' of the values that are not None; '-' if none."""
    present = [v for v in values if v is not None]
    if not present:
        return "not reached"
    text = fmt.format(statistics.median(present))
    if len(present) > 1:
        text += " (" + fmt.format(min(present)) + "-" + fmt.format(max(present)) + ")"
    if len(present) < len(values):
        text += f", {len(values) - len(present)} of {len(values)} runs not reached"
    return text


def main(out):
    runs = {}  # (model tag, trainer) -> {round: (epoch, summary)}
    for path in glob.glob(os.path.join(out, "*.jsonl")):
        match = re.fullmatch(r"(fln_fln|fln_backprop|pytorch)_(.+)_r(\d+)\.jsonl",
                             os.path.basename(path))
        if match:
            trainer, model, round_ = match.group(1), match.group(2), int(match.group(3))
            runs.setdefault((model, trainer), {})[round_] = read_run(path)
    models = sorted({model for model, _ in runs})
    if not models:
        sys.exit(f"no runs of the form <trainer>_<model>_r<round>.jsonl in {out}")
    print("| model | trainer | rounds | s / epoch | s to target | s to stay at target |"
          " last test acc. |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for model in models:
        for trainer, label in TRAINERS:
            by_round = runs.get((model, trainer), {})
            if not by_round:
                continue
            results = [by_round[r] for r in sorted(by_round)]
            print(f"| {model} | {label} | {len(results)} | "
                  f"{spread([e for e, _ in results], '{:.3f}')} | "
                  f"{spread([s.get('seconds_to_target') for _, s in results], '{:.1f}')} | "
                  f"{spread([s.get('seconds_to_stay_at_target') for _, s in results], '{:.1f}')} | "
                  f"{spread([s['final_test_accuracy'] * 100 for _, s in results], '{:.2f}%')} |")
    print()
    for model in models:
        fln = runs.get((model, "fln_backprop"), {})
        torch = runs.get((model, "pytorch"), {})
        ratios = [fln[r][0] / torch[r][0] for r in sorted(fln) if r in torch]
        if ratios:
            print(f"{model}: fln backprop epoch / PyTorch epoch, per round: "
                  + ", ".join(f"{x:.2f}" for x in ratios)
                  + f" (median {statistics.median(ratios):.2f})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
