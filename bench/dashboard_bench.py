#!/usr/bin/python3
"""Dashboard latency and page load, in headless Chromium against a real flnd.

  /usr/bin/python3 bench/dashboard_bench.py [--bin_dir=bazel-bin] [--work=DIR]

1. Latency: a job reporting every batch (Schedule.report_batches, as flnd
   --report_batches) runs while its page is open; for every metric event that
   arrives live, the page records the wall time the next frame starts after the
   point was handed to uPlot (window.flnJobData.latency); latency = that time -
   MetricRecord.produced_at_micros. Browser and flnd share the machine's clock.
2. Page load: a finished job of 200 epochs; time from navigation start to the
   last of its epochs drawn (flnJobData.replayedAtMs), five loads.
Build first: bazel build -c opt //server:flnd //client:fln //dashboard:fln_dashboard
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dashboard",
                                "testing"))
import fixture  # noqa: E402


def percentile(values, p):
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100.0 * (len(ordered) - 1)))))
    return ordered[k]


def sse_latencies(url):
    """Reads an SSE stream to its end; for each metric event, arrival wall
    time (ms) - produced_at_micros / 1000."""
    out = []
    with urllib.request.urlopen(url, timeout=600) as stream:
        for raw in stream:
            line = raw.decode()
            if line.startswith("data: ") and '"metrics"' in line:
                arrived = time.time() * 1000
                event = json.loads(line[6:])
                out.append(arrived - int(event["metrics"]["produced_at_micros"]) / 1000)
    return out


def summary(rows):
    return "%d live metric events, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms" % (
        len(rows), statistics.median(rows), percentile(rows, 90), percentile(rows, 99), max(rows))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin_dir", default="bazel-bin")
    parser.add_argument("--work", default="")
    parser.add_argument("--latency_epochs", type=int, default=4)
    parser.add_argument("--latency_batch", type=int, default=20)
    args = parser.parse_args()
    os.environ["FLN_BIN_DIR"] = os.path.abspath(args.bin_dir)
    print("load average (1, 5, 15 min) at the start: %.2f %.2f %.2f" % os.getloadavg(), flush=True)
    work = args.work or tempfile.mkdtemp(prefix="dashboard_bench.")
    os.makedirs(work, exist_ok=True)
    flnd = fixture.start_flnd(work, "--threads_per_job=1")
    dashboard = None
    driver = None
    try:
        fln = fixture.Fln(flnd.address)
        train, test = fixture.upload_synthetic(fln, work, train_rows=2000, test_rows=200)
        dashboard = fixture.start_dashboard(work, flnd.address)
        driver = fixture.chromium(work)

        # 1. Latency, live.
        job = fln.submit(work, "latency", train, test, 32,
                         "method: FLN\nepochs: %d\nbatch_size: %d\nseed: 1\nreport_batches: true\n"
                         % (args.latency_epochs, args.latency_batch))
        driver.get("%s/job.html?id=%s" % (dashboard.address, job))
        fixture.wait_for("the latency job to end", lambda: driver.execute_script(
            "return flnJobData.stream && flnJobData.stream.ended;"), timeout=600, interval=0.5)
        time.sleep(0.5)
        rows = driver.execute_script(
            "const t = flnJobData.replayTarget;"
            "return flnJobData.latency.filter(p => p.sequence > t)"
            "  .map(p => p.shown_ms - p.produced_us / 1000);")
        print("latency to the browser's chart: " + summary(rows), flush=True)

        # 1b. The same without a browser: to the dashboard's SSE output, read
        # by a Python client (flnd + dashboard, no rendering).
        job = fln.submit(work, "latency-sse", train, test, 32,
                         "method: FLN\nepochs: %d\nbatch_size: %d\nseed: 1\nreport_batches: true\n"
                         % (args.latency_epochs, args.latency_batch))
        driver.get("about:blank")
        print("latency to an SSE reader (no browser): "
              + summary(sse_latencies("%s/api/jobs/%s/events" % (dashboard.address, job))))

        # 2. Page load with a finished 200-epoch job.
        job200 = fln.submit(work, "epochs200", train, test, 16,
                            "method: FLN\nepochs: 200\nbatch_size: 1000\nseed: 1\nlimit_train: 1000\n")
        fixture.wait_for("the 200-epoch job to end", lambda: fln.job(job200)["state"] == "SUCCEEDED",
                         timeout=900, interval=1)
        events = int(fln.job(job200)["last_sequence"])
        loads = []
        for _ in range(5):
            driver.get("%s/job.html?id=%s" % (dashboard.address, job200))
            fixture.wait_for("the replay", lambda: driver.execute_script(
                "return flnJobData.replayedAtMs !== null && flnJobData.epochs.size === 200;"),
                timeout=60, interval=0.05)
            loads.append(driver.execute_script(
                "return flnJobData.replayedAtMs - performance.timeOrigin;"))
            marks = driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0];"
                "return Object.assign({dom_content_loaded: n.domContentLoadedEventEnd},"
                "                     flnJobData.marks);")
            print("  load %.0f ms; %s" % (loads[-1], ", ".join(
                "%s %.0f" % (k, v) for k, v in sorted(marks.items(), key=lambda kv: kv[1]))),
                flush=True)
            drawn = driver.execute_script("return flnJobCharts.loss.xs().length;")
            assert drawn == 200, drawn
        print("page load, 200 epochs (%d events): median %.0f ms, runs %s"
              % (events, statistics.median(loads), ", ".join("%.0f" % x for x in loads)))
        # The same replay read by a Python SSE client: flnd + dashboard's share.
        replays = []
        for _ in range(5):
            start = time.time()
            with urllib.request.urlopen("%s/api/jobs/%s/events" % (dashboard.address, job200)) as r:
                r.read()
            replays.append(1000 * (time.time() - start))
        print("the same %d events to an SSE reader (no browser): median %.0f ms, runs %s"
              % (events, statistics.median(replays), ", ".join("%.0f" % x for x in replays)))
        print("load average (1, 5, 15 min) at the end: %.2f %.2f %.2f" % os.getloadavg())
        print("machine: %s cores, %s" % (
            subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
            [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]))
    finally:
        for stop in (lambda: driver and driver.quit(), lambda: dashboard and dashboard.stop(),
                     flnd.stop):
            try:
                stop()
            except Exception as e:
                print("cleanup:", e)


if __name__ == "__main__":
    main()
