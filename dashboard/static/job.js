// One job, live: every streamed figure against epoch or seconds, fed by the
// job's SSE stream. Epoch records are keyed by epoch (a job resumed after a
// crash re-runs epochs past its last checkpoint: the newer record replaces
// the older), so each epoch is drawn once, on a fresh load and after any
// reconnect. window.flnJobData holds what is drawn, for tests and the bench.
(function () {
  'use strict';
  const jobId = fln.param('id');
  const D = window.flnJobData = {
    jobId, job: null,
    epochs: new Map(),   // epoch -> end-of-epoch MetricRecord
    batches: new Map(),  // "epoch/batch" -> batch MetricRecord
    states: [],
    replayTarget: null,  // the job's last_sequence when the page loaded
    replayedAtMs: null,  // wall time the replay up to it was drawn
    latency: [],         // {sequence, produced_us, shown_ms} per metric event drawn
    marks: {},           // ms since navigation start: job, first_event, replay_received
    stream: null,
    epochList() { return [...this.epochs.values()].sort((a, b) => a.epoch - b.epoch); },
    epochNumbers() { return this.epochList().map((r) => r.epoch); },
  };
  const charts = window.flnJobCharts = {};
  let xAxis = 'epoch';
  let logY = false;
  let pending = [];
  let renderQueued = false;

  function xOf(record, perBatch) {
    if (xAxis === 'seconds') return Number(record.elapsed_seconds);
    if (!perBatch) return record.epoch;
    const n = Math.max(1, record.num_batches);
    return record.epoch - 1 + record.batch / n;  // batches count from 1
  }

  // One chart per group that has figures, series in first-seen order.
  function drawGroup(containerId, id, title, records, match, perBatch) {
    const series = new Map();
    for (const r of records) {
      const x = xOf(r, perBatch);
      for (const [name, value] of Object.entries(flnCharts.figuresOf(r))) {
        if (!match(name)) continue;
        if (!series.has(name)) series.set(name, {name, label: flnCharts.label(name), xs: [], ys: []});
        const s = series.get(name);
        s.xs.push(x);
        s.ys.push(value);
      }
    }
    if (series.size === 0) return;
    if (!charts[id]) {
      charts[id] = new flnCharts.Chart(document.getElementById(containerId), title,
                                       xAxis === 'seconds' ? 'seconds' : 'epoch',
                                       logY && id !== 'accuracy');
    }
    charts[id].update([...series.values()]);
  }

  function render() {
    renderQueued = false;
    const epochs = D.epochList();
    for (const g of flnCharts.GROUPS) drawGroup('epoch-charts', g.id, g.title, epochs, g.match, false);
    const batches = [...D.batches.values()].sort((a, b) => a.epoch - b.epoch || a.batch - b.batch);
    drawGroup('batch-charts', 'batch', 'Per batch: loss and relaxed objective', batches,
              (n) => n === 'batch_loss' || n === 'relaxed_objective' || n === 'relaxed_objective_start', true);
    const drawn = pending;
    pending = [];
    // uPlot paints on a microtask after setData; the next frame is when the
    // new points are on screen.
    requestAnimationFrame(() => {
      const now = performance.timeOrigin + performance.now();
      for (const p of drawn) D.latency.push({sequence: p.sequence, produced_us: p.produced_us, shown_ms: now});
      if (D.replayedAtMs === null && D.replayTarget !== null && D.stream &&
          D.stream.lastSequence >= D.replayTarget) {
        D.replayedAtMs = now;
      }
    });
    showLatest(epochs[epochs.length - 1]);
  }

  // At most one render per frame, however many events arrived in it.
  function scheduleRender() {
    if (!renderQueued) { renderQueued = true; requestAnimationFrame(render); }
  }

  function showLatest(record) {
    const job = D.job;
    if (!job) return;
    const total = Number(job.schedule && job.schedule.epochs) || 0;
    const done = Math.max(Number(job.epochs_completed) || 0, record ? record.epoch : 0);
    document.getElementById('progress').textContent = 'epoch ' + done + (total ? ' / ' + total : '');
    const rows = [
      ['name', job.name || '–'], ['method', (job.schedule && job.schedule.method) || '–'],
      ['train / test data', job.train_dataset_id + ' / ' + (job.test_dataset_id || (job.holdout_fraction ? 'holdout ' + job.holdout_fraction : '–'))],
      ['created', fln.time(job.created_at_micros)],
    ];
    if (record) {
      rows.push(['latest epoch', record.epoch + ' (' + fln.fmt(record.elapsed_seconds, 1) + ' s)'],
                ['training loss J(W)', fln.fmt(fln.figure(record.train_loss))],
                ['train / test accuracy', fln.pct(record.train_accuracy) + ' / ' + fln.pct(record.test_accuracy)]);
      if (record.has_relaxed_objective) {
        rows.push(['relaxed objective F', fln.fmt(record.relaxed_objective)],
                  ['layer gaps', (record.layer_gaps || []).map((g) => fln.fmt(g)).join(', ')]);
      }
    }
    if (job.error_message) rows.push(['error', job.error_message]);
    document.getElementById('details').replaceChildren(
        ...rows.flatMap(([k, v]) => [fln.el('dt', {text: k}), fln.el('dd', {text: v})]));
  }

  function showState(state) {
    const el = document.getElementById('job-state');
    el.textContent = state;
    el.className = 'state ' + state;
    document.getElementById('cancel').hidden = fln.isTerminal(state);
  }

  async function refreshJob() {
    try {
      D.job = await fln.api('/api/jobs/' + encodeURIComponent(jobId));
      showState(D.job.state);
      showLatest(D.epochList().slice(-1)[0]);
      return D.job;
    } catch (e) {
      fln.showError('error', e);
      return null;
    }
  }

  function mark(name) { if (!(name in D.marks)) D.marks[name] = performance.now(); }

  function onEvent(kind, event) {
    mark('first_event');
    if (D.replayTarget !== null && Number(event.sequence) >= D.replayTarget) mark('replay_received');
    if (kind === 'metrics') {
      const r = event.metrics;
      if (r.end_of_epoch) D.epochs.set(r.epoch, r);
      else D.batches.set(r.epoch + '/' + r.batch, r);
      pending.push({sequence: Number(event.sequence), produced_us: Number(r.produced_at_micros)});
    } else if (kind === 'state') {
      D.states.push(event.state.state);
      if (D.job) { D.job.state = event.state.state; showState(event.state.state); }
    }
    scheduleRender();
  }

  function setStatus(text) { document.getElementById('stream-status').textContent = text; }

  async function start() {
    document.getElementById('job-id').textContent = jobId || '?';
    if (!jobId) { fln.showError('error', new Error('no job id: open /job.html?id=JOB')); return; }
    document.getElementById('model-link').href = '/model.html?id=' + encodeURIComponent(jobId);
    const job = await refreshJob();
    if (!job) return;
    mark('job');
    D.replayTarget = Number(job.last_sequence) || 0;
    setStatus('live');
    D.stream = fln.followJob(jobId, {
      onEvent,
      onEnd: () => { setStatus('job ended'); refreshJob(); scheduleRender(); },
      onError: (e) => fln.showError('error', e),
      onReconnect: () => setStatus('reconnecting…'),
    });
    scheduleRender();
    const timer = setInterval(async () => {
      const j = await refreshJob();
      if (j && fln.isTerminal(j.state) && D.stream.ended) clearInterval(timer);
    }, 3000);
  }

  function rebuild() {
    for (const id of Object.keys(charts)) { charts[id].destroy(); delete charts[id]; }
    render();
  }
  for (const radio of document.querySelectorAll('input[name=x]')) {
    radio.addEventListener('change', () => { xAxis = radio.value; rebuild(); });
  }
  document.getElementById('log-y').addEventListener('change', (e) => { logY = e.target.checked; rebuild(); });
  document.getElementById('cancel').addEventListener('click', async () => {
    try { if (await fln.cancelJob(jobId)) refreshJob(); } catch (e) { fln.showError('error', e); }
  });
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
  start();
})();
