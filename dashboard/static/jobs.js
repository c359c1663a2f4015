// The jobs page: every job with its state, progress and latest figures,
// filtered by state, refreshed every two seconds; cancel; pick jobs to compare.
(function () {
  'use strict';
  const selected = new Set();
  const stateSelect = document.getElementById('state');
  const compareButton = document.getElementById('compare');
  stateSelect.value = fln.param('state') || '';
  window.flnJobs = [];  // the last list shown, for tests and the console

  function row(job) {
    const m = job.latest_metrics || {};
    const epochs = Number(job.schedule && job.schedule.epochs) || 0;
    const done = Number(job.epochs_completed) || 0;
    const fraction = epochs > 0 ? Math.min(1, done / epochs) : 0;
    const check = fln.el('input', {type: 'checkbox', 'data-id': job.id});
    check.checked = selected.has(job.id);
    check.addEventListener('change', () => {
      if (check.checked) selected.add(job.id); else selected.delete(job.id);
      compareButton.disabled = selected.size < 2;
    });
    const actions = [fln.el('a', {href: '/model.html?id=' + encodeURIComponent(job.id), text: 'model'})];
    if (!fln.isTerminal(job.state)) {
      actions.push(' ', fln.el('button', {
        class: 'cancel', 'data-id': job.id, text: job.cancel_requested ? 'cancelling…' : 'cancel',
        onclick: async () => {
          try { await fln.cancelJob(job.id); fln.showError('error', null); refresh(); }
          catch (e) { fln.showError('error', e); }
        },
      }));
    }
    const relaxed = m.has_relaxed_objective ? m.relaxed_objective : null;
    return fln.el('tr', {'data-id': job.id, 'data-state': job.state}, [
      fln.el('td', {}, [check]),
      fln.el('td', {}, [fln.el('a', {href: '/job.html?id=' + encodeURIComponent(job.id), text: job.id})]),
      fln.el('td', {text: job.name || ''}),
      fln.el('td', {text: (job.schedule && job.schedule.method) || ''}),
      fln.el('td', {}, [fln.el('span', {class: 'state ' + job.state, text: job.state}),
                        job.error_message ? fln.el('div', {class: 'error', text: job.error_message}) : '']),
      fln.el('td', {}, [fln.el('span', {class: 'progress'}, [fln.el('div', {style: 'width:' + (100 * fraction) + '%'})]),
                        ' ' + done + '/' + epochs]),
      fln.el('td', {class: 'num', text: fln.fmt(fln.figure(m.train_loss))}),
      fln.el('td', {class: 'num', text: fln.pct(m.train_accuracy)}),
      fln.el('td', {class: 'num', text: fln.pct(m.test_accuracy)}),
      fln.el('td', {class: 'num', text: fln.fmt(relaxed)}),
      fln.el('td', {text: fln.time(job.created_at_micros)}),
      fln.el('td', {}, actions),
    ]);
  }

  async function refresh() {
    try {
      const state = stateSelect.value;
      const body = await fln.api('/api/jobs' + (state ? '?state=' + state : ''));
      const jobs = (body && body.jobs) || [];
      window.flnJobs = jobs;
      const tbody = document.querySelector('#jobs tbody');
      tbody.replaceChildren(...jobs.map(row));
      if (jobs.length === 0) {
        tbody.append(fln.el('tr', {}, [fln.el('td', {colspan: 12, class: 'muted', text: 'no jobs'})]));
      }
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      fln.showError('error', null);
    } catch (e) {
      fln.showError('error', e);
    }
  }

  stateSelect.addEventListener('change', () => {
    const url = new URL(window.location.href);
    if (stateSelect.value) url.searchParams.set('state', stateSelect.value); else url.searchParams.delete('state');
    window.history.replaceState(null, '', url);
    refresh();
  });
  compareButton.addEventListener('click', () => {
    window.location.href = '/compare.html?ids=' + [...selected].map(encodeURIComponent).join(',');
  });
  refresh();
  setInterval(refresh, 2000);
})();
