"""Browser test of fln_dashboard against a real flnd, in headless Chromium:
  - the jobs page lists the jobs and filters them by state;
  - the job page's charts gain points while the job runs, hold every epoch
    exactly once after a reload mid-job, and after the dashboard restarts
    under the page (EventSource resumes with Last-Event-ID), to the end;
  - the compare page overlays two jobs;
  - the confusion matrix covers the test set;
  - the predict box, fed by strokes drawn on its canvas, answers what the
    engine's feed-forward gives (`fln predict` on the same 784 inputs).
Run by browser_test.sh (bazel test //dashboard/testing:browser_test)."""

import operator
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

FLN_EPOCHS = 40
# The FLN job holds after this epoch while the hold file exists, so the reload
# and the dashboard restart happen mid-job however fast the machine is.
HOLD_EPOCH = 6


class DashboardBrowserTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        cls.started = time.time()
        cls.hold_file = os.path.join(cls.work, "hold")
        open(cls.hold_file, "w").close()
        # One OpenMP thread per job leaves a core for Chromium on a 2-core machine;
        # batch reports give the charts many live points.
        cls.flnd = fixture.start_flnd(cls.work, "--threads_per_job=1", "--report_batches",
                                      "--pause_after_epoch=%d" % HOLD_EPOCH,
                                      "--pause_release_file=" + cls.hold_file,
                                      binary="server/testing/flnd_for_testing")
        cls.fln = fixture.Fln(cls.flnd.address)
        cls.train, cls.test = fixture.upload_synthetic(cls.fln, cls.work)
        # The backprop job first, to the end (flnd runs one job at a time).
        cls.backprop = cls.fln.submit(cls.work, "bp", cls.train, cls.test, 32,
                                      "method: BACKPROP\nepochs: 4\nbatch_size: 100\nseed: 1\n"
                                      "backprop { optimizer: ADAM learning_rate: 0.003 }\n")
        fixture.wait_for("the backprop job to succeed",
                         lambda: cls.fln.job(cls.backprop)["state"] == "SUCCEEDED", timeout=60,
                         interval=0.3)
        cls.dashboard = fixture.start_dashboard(cls.work, cls.flnd.address)
        cls.url = cls.dashboard.address
        cls.driver = fixture.chromium(cls.work)
        # About 0.7 s an epoch here, held after HOLD_EPOCH until test 2 lets it go.
        cls.job = cls.fln.submit(cls.work, "fln", cls.train, cls.test, 32,
                                 "method: FLN\nepochs: %d\nbatch_size: 100\nseed: 1\n" % FLN_EPOCHS)

    @classmethod
    def tearDownClass(cls):
        for stop in (lambda: cls.driver.quit(), lambda: cls.dashboard.stop(), lambda: cls.flnd.stop()):
            try:
                stop()
            except Exception as e:  # keep stopping the others
                print("teardown:", e)
        print("browser test took %.1f s" % (time.time() - cls.started))

    def js(self, script):
        return self.driver.execute_script(script)

    def epochs_and_chart(self):
        """(epochs the page holds, epochs on the loss chart's x axis)."""
        return self.js("return [flnJobData.epochNumbers(),"
                       " flnJobCharts.loss ? flnJobCharts.loss.xs() : []];")

    def assert_each_epoch_once(self):
        # The chart redraws once per animation frame, so it may trail the data
        # by an event: wait for a moment where both agree (a duplicate or a gap
        # never agrees, and the assertions below then say what differs).
        try:
            fixture.wait_for("the chart to catch up with the page's data",
                             lambda: operator.eq(*self.epochs_and_chart()),
                             timeout=10, interval=0.05)
        except AssertionError:
            pass
        epochs, xs = self.epochs_and_chart()
        self.assertEqual(epochs, list(range(1, len(epochs) + 1)), "epochs held: %s" % epochs)
        self.assertEqual(xs, epochs, "loss chart x values")
        return epochs

    def test_1_jobs_page_lists_and_filters(self):
        d = self.driver
        d.get(self.url + "/")
        fixture.wait_for("both jobs listed", lambda: {self.job, self.backprop} <= {
            r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#jobs tbody tr")})
        Select(d.find_element(By.ID, "state")).select_by_value("SUCCEEDED")
        fixture.wait_for("the filter to keep only the backprop job", lambda: [
            r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#jobs tbody tr")
        ] == [self.backprop])

    def test_2_job_page_live_reload_and_resume(self):
        d = self.driver
        d.get(self.url + "/job.html?id=" + self.job)
        fixture.wait_for("a first epoch on the chart",
                         lambda: len(self.epochs_and_chart()[1]) >= 1, timeout=40)
        batches = self.js("return flnJobCharts.batch ? flnJobCharts.batch.xs().length : 0;")
        self.assertGreater(batches, 0, "batch records drawn")
        fixture.wait_for("the job to reach the held epoch on the chart",
                         lambda: len(self.epochs_and_chart()[1]) >= HOLD_EPOCH, timeout=40)
        self.assertEqual(self.fln.job(self.job)["state"], "RUNNING", "reload must happen mid-job")

        d.refresh()
        fixture.wait_for("the replay after the reload",
                         lambda: self.js("return flnJobData.replayedAtMs !== null;"))
        self.assertEqual(self.assert_each_epoch_once(), list(range(1, HOLD_EPOCH + 1)))

        # Restart the dashboard on the same port under the open page: the
        # EventSource reconnects with Last-Event-ID and must resume, not replay.
        port = self.url.rsplit(":", 1)[1]
        self.dashboard.stop()
        type(self).dashboard = fixture.start_dashboard(self.work, self.flnd.address,
                                                       listen="127.0.0.1:" + port)
        fixture.wait_for("the page to reconnect",
                         lambda: self.js("return flnJobData.stream.reconnects;") >= 1)
        # Let the job go on: the charts must gain its remaining epochs live.
        os.remove(self.hold_file)
        fixture.wait_for("the chart to gain an epoch while the job runs",
                         lambda: len(self.epochs_and_chart()[1]) > HOLD_EPOCH, timeout=20)
        fixture.wait_for("the job to end", lambda: self.js(
            "return flnJobData.stream.ended && flnJobData.epochs.size === %d;" % FLN_EPOCHS),
            timeout=60, interval=0.3)
        self.assertEqual(self.assert_each_epoch_once(), list(range(1, FLN_EPOCHS + 1)))
        stream = self.js("return {r: flnJobData.stream.reconnects, d: flnJobData.stream.duplicates};")
        self.assertGreaterEqual(stream["r"], 1, "the page should have reconnected")
        self.assertEqual(stream["d"], 0, "the resumed stream repeated events")
        self.assertIn("SUCCEEDED", self.js("return flnJobData.states;"))

    def test_3_compare_overlays_two_jobs(self):
        d = self.driver
        d.get("%s/compare.html?ids=%s,%s" % (self.url, self.job, self.backprop))
        counts = ("const c = flnCompareData.charts.train_loss;"
                  "if (!c || !c.plot) return null;"
                  "return c.plot.data.slice(1).map(ys => ys.filter(y => y !== null).length);")
        # Both finished jobs replay over their streams; wait until the replay
        # is complete (or stalls short), then check every epoch is there once.
        fixture.wait_for("the train_loss chart with both jobs, fully replayed",
                         lambda: self.js(counts) == [FLN_EPOCHS, 4], timeout=30, interval=0.2)
        series = self.js(counts)
        self.assertEqual(len(series), 2, "one series per job")
        self.assertEqual(series, [FLN_EPOCHS, 4], "every epoch of each job")

    def test_4_model_page_confusion_and_predict(self):
        d = self.driver
        d.get(self.url + "/model.html?id=" + self.job)
        fixture.wait_for("the spec", lambda: "input 784" in d.find_element(By.ID, "spec-line").text)
        Select(d.find_element(By.ID, "dataset")).select_by_value(self.test)
        d.find_element(By.ID, "evaluate").click()
        confusion = fixture.wait_for("the confusion matrix", lambda: self.js("return window.flnConfusion;"))
        self.assertEqual(sum(int(c) for c in confusion["confusion"]), 100)
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "#confusion tr")), 11)

        # Draw a filled square stroke where class 5 has its bright square.
        pad = d.find_element(By.ID, "pad")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'});", pad)
        # Offsets from the pad's centre; class 5's square is at -40..40 both ways.
        chain = ActionChains(d).move_to_element_with_offset(pad, -35, -35).click_and_hold()
        for dx, dy in [(70, 0), (0, 14), (-70, 0), (0, 14), (70, 0), (0, 14), (-70, 0), (0, 14),
                       (70, 0)]:
            chain = chain.move_by_offset(dx, dy)
        chain.release().perform()
        d.find_element(By.ID, "predict").click()
        result = fixture.wait_for("a prediction", lambda: self.js("return window.flnPredictResult;"))
        inputs = result["inputs"]
        self.assertEqual(len(inputs), 784)
        self.assertGreater(sum(1 for v in inputs if v > 100), 20, "the strokes reached the inputs")

        csv = os.path.join(self.work, "drawn.csv")
        with open(csv, "w") as f:
            f.write("0," + ",".join(str(v) for v in inputs) + "\n")
        engine = self.fln.run("predict", "--model=" + self.job, "--csv=" + csv)[0]
        self.assertEqual(result["label"], engine["label"])
        self.assertEqual(len(result["probabilities"]), 10)
        for shown, expected in zip(result["probabilities"], engine["probabilities"]):
            self.assertAlmostEqual(shown, expected, places=6)
        top = d.find_element(By.CSS_SELECTOR, "#probabilities tr.top").text
        self.assertIn("class %d" % engine["label"], top)


if __name__ == "__main__":
    unittest.main(verbosity=2)
