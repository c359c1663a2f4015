// Compare: two or more jobs overlaid, one chart per chosen figure with one
// series per job (FLN against backprop on the same data). Each job follows
// its own event stream, so running jobs keep drawing.
(function () {
  'use strict';
  const ids = (fln.param('ids') || '').split(',').map((s) => s.trim()).filter(Boolean);
  const DEFAULT_FIGURES = ['train_loss', 'test_accuracy', 'train_accuracy', 'test_loss', 'relaxed_objective'];
  const D = window.flnCompareData = {ids, jobs: {}, figures: new Set(DEFAULT_FIGURES), charts: {}};
  let xAxis = 'epoch';
  let logY = false;
  let renderQueued = false;

  function jobLabel(id) {
    const j = D.jobs[id].job;
    const method = j && j.schedule ? j.schedule.method : '';
    return (j && j.name ? j.name : id) + (method ? ' (' + method + ')' : '');
  }

  function render() {
    renderQueued = false;
    // Every figure any job carries, offered as a checkbox.
    const available = new Set();
    for (const id of ids) {
      for (const r of D.jobs[id].epochs.values()) {
        for (const name of Object.keys(flnCharts.figuresOf(r))) available.add(name);
      }
    }
    const picker = document.getElementById('figure-picker');
    const shown = new Set([...picker.querySelectorAll('input')].map((i) => i.value));
    for (const name of [...available].sort()) {
      if (shown.has(name)) continue;
      const box = fln.el('input', {type: 'checkbox', value: name});
      box.checked = D.figures.has(name);
      box.addEventListener('change', () => {
        if (box.checked) D.figures.add(name); else D.figures.delete(name);
        if (!box.checked && D.charts[name]) { D.charts[name].destroy(); delete D.charts[name]; }
        scheduleRender();
      });
      picker.append(fln.el('label', {}, [box, ' ' + flnCharts.label(name)]));
    }
    for (const name of [...D.figures].filter((n) => available.has(n))) {
      const series = ids.map((id) => {
        const records = [...D.jobs[id].epochs.values()].sort((a, b) => a.epoch - b.epoch);
        const xs = [];
        const ys = [];
        for (const r of records) {
          const v = flnCharts.figuresOf(r)[name];
          if (v === undefined) continue;
          xs.push(xAxis === 'seconds' ? Number(r.elapsed_seconds) : r.epoch);
          ys.push(v);
        }
        return {name: id, label: jobLabel(id), xs, ys};
      });
      if (!D.charts[name]) {
        D.charts[name] = new flnCharts.Chart(document.getElementById('charts'), flnCharts.label(name),
                                             xAxis === 'seconds' ? 'seconds' : 'epoch',
                                             logY && !name.endsWith('accuracy'));
      }
      D.charts[name].update(series);
    }
  }
  function scheduleRender() {
    if (!renderQueued) { renderQueued = true; requestAnimationFrame(render); }
  }

  async function fillPicker() {
    try {
      const body = await fln.api('/api/jobs');
      const picker = document.getElementById('job-picker');
      for (const job of (body && body.jobs) || []) {
        const option = fln.el('option', {value: job.id, text: job.id + '  ' + (job.name || '') + '  ' +
                                         ((job.schedule && job.schedule.method) || '') + '  ' + job.state});
        option.selected = ids.includes(job.id);
        picker.append(option);
      }
    } catch (e) { fln.showError('error', e); }
  }

  async function start() {
    fillPicker();
    if (ids.length < 2) {
      fln.showError('error', new Error('pick two or more jobs (or open /compare.html?ids=JOB1,JOB2)'));
    }
    for (const id of ids) {
      D.jobs[id] = {job: null, epochs: new Map(), stream: null};
      fln.api('/api/jobs/' + encodeURIComponent(id))
          .then((job) => { D.jobs[id].job = job; scheduleRender(); })
          .catch((e) => fln.showError('error', e));
      D.jobs[id].stream = fln.followJob(id, {
        onEvent: (kind, event) => {
          if (kind === 'metrics' && event.metrics.end_of_epoch) {
            D.jobs[id].epochs.set(event.metrics.epoch, event.metrics);
            scheduleRender();
          }
        },
        onError: (e) => fln.showError('error', e),
      });
    }
  }

  document.getElementById('apply').addEventListener('click', () => {
    const chosen = [...document.getElementById('job-picker').selectedOptions].map((o) => o.value);
    window.location.href = '/compare.html?ids=' + chosen.map(encodeURIComponent).join(',');
  });
  function rebuild() {
    for (const name of Object.keys(D.charts)) { D.charts[name].destroy(); delete D.charts[name]; }
    render();
  }
  for (const radio of document.querySelectorAll('input[name=x]')) {
    radio.addEventListener('change', () => { xAxis = radio.value; rebuild(); });
  }
  document.getElementById('log-y').addEventListener('change', (e) => { logY = e.target.checked; rebuild(); });
  start();
})();
