// The model page: spec and figures, the confusion matrix on a chosen
// dataset (Models.Evaluate returns it), and a predict box that turns a
// drawing or an uploaded image into 28x28 grayscale inputs for Models.Predict.
// window.flnPredictResult holds the last inputs and answer, for tests.
(function () {
  'use strict';
  const modelId = fln.param('id');
  const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
                   'Sneaker', 'Bag', 'Ankle boot'];
  let classNames = null;  // Fashion-MNIST names when the job trained on it
  let model = null;
  window.flnPredictResult = null;

  function layerText(layer) {
    if (layer.dense) return 'dense ' + layer.dense.units;
    if (layer.conv2d) {
      const c = layer.conv2d;
      return 'conv ' + c.filters + '×' + c.kernel_size + '×' + c.kernel_size +
          (c.stride > 1 ? ' /' + c.stride : '') + (c.padding === 'SAME' ? ' same' : '');
    }
    if (layer.avg_pool) return 'avg-pool 2×2';
    return '?';
  }

  function showModel(m, job, datasets) {
    const spec = m.spec || {};
    const shape = spec.input_height ? ' (' + spec.input_height + '×' + spec.input_width + '×' +
        (spec.input_channels || 1) + ')' : '';
    document.getElementById('spec-line').textContent =
        'input ' + spec.input_size + shape + ' → ' + (spec.layers || []).map(layerText).join(' → ') +
        ' (softmax)';
    document.getElementById('spec-json').textContent = JSON.stringify(spec, null, 2);
    const r = m.metrics || {};
    const rows = [
      ['epoch', m.epoch + (m.final ? ' (final)' : ' (job still running: latest checkpoint)')],
      ['method', (job && job.schedule && job.schedule.method) || '–'],
      ['training loss J(W)', fln.fmt(fln.figure(r.train_loss))],
      ['train / test accuracy', fln.pct(r.train_accuracy) + ' / ' + fln.pct(r.test_accuracy)],
      ['saved', fln.time(m.created_at_micros)],
    ];
    document.getElementById('summary').replaceChildren(
        ...rows.flatMap(([k, v]) => [fln.el('dt', {text: k}), fln.el('dd', {text: v})]));
    const select = document.getElementById('dataset');
    for (const d of datasets) {
      const option = fln.el('option', {value: d.id, text: d.id + '  ' + d.name + '  (' + d.num_samples + ' samples)'});
      if (d.num_features !== spec.input_size) option.disabled = true;
      if (job && d.id === job.test_dataset_id) option.selected = true;
      select.append(option);
    }
    const train = datasets.find((d) => job && d.id === job.train_dataset_id);
    if (train && String(train.source).includes('fashion-mnist')) classNames = FASHION;
    if (Number(spec.input_size) !== 784) {
      document.getElementById('predict-note').textContent =
          'The predict box sends 28×28 images; this model takes ' + spec.input_size + ' inputs.';
      document.getElementById('predict').disabled = true;
    }
  }

  async function evaluate() {
    const dataset = document.getElementById('dataset').value;
    const status = document.getElementById('evaluate-status');
    status.textContent = 'evaluating…';
    fln.showError('confusion-error', null);
    try {
      const e = await fln.api('/api/models/' + encodeURIComponent(modelId) + '/confusion?dataset=' +
                              encodeURIComponent(dataset));
      status.textContent = 'accuracy ' + fln.pct(e.accuracy) + ', loss ' + fln.fmt(e.loss) + ' on ' +
          e.samples + ' samples';
      const k = e.num_classes;
      const counts = (e.confusion || []).map(Number);
      const max = Math.max(1, ...counts);
      const name = (c) => (classNames ? c + ' ' + classNames[c] : String(c));
      const head = fln.el('tr', {}, [fln.el('th', {text: 'true \\ predicted'}),
                                      ...[...Array(k).keys()].map((c) => fln.el('th', {text: name(c)}))]);
      const rows = [...Array(k).keys()].map((t) => fln.el('tr', {}, [
        fln.el('th', {text: name(t)}),
        ...[...Array(k).keys()].map((p) => {
          const n = counts[t * k + p] || 0;
          const alpha = (0.08 + 0.8 * n / max).toFixed(3);
          const color = t === p ? '26,127,55' : '209,36,47';
          return fln.el('td', {text: n, style: n ? 'background: rgba(' + color + ',' + alpha + ')' : ''});
        }),
      ]));
      const table = fln.el('table', {class: 'confusion'}, [head, ...rows]);
      document.getElementById('confusion').replaceChildren(table);
      window.flnConfusion = e;
    } catch (err) {
      status.textContent = '';
      fln.showError('confusion-error', err);
    }
  }

  // ---- the predict box
  const pad = document.getElementById('pad');
  const ctx = pad.getContext('2d');
  const preview = document.getElementById('preview');
  function clearPad() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
    updatePreview();
  }
  // 28x28 grayscale of the pad, 0 (black) .. 255 (white), row-major.
  function inputs() {
    const small = document.createElement('canvas');
    small.width = 28; small.height = 28;
    const s = small.getContext('2d');
    s.imageSmoothingEnabled = true;
    s.imageSmoothingQuality = 'high';
    s.drawImage(pad, 0, 0, 28, 28);
    const rgba = s.getImageData(0, 0, 28, 28).data;
    const out = new Array(784);
    for (let i = 0; i < 784; i++) {
      out[i] = Math.round(0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
    }
    return out;
  }
  function updatePreview() {
    const values = inputs();
    const p = preview.getContext('2d');
    const image = p.createImageData(28, 28);
    values.forEach((v, i) => { image.data.set([v, v, v, 255], 4 * i); });
    p.putImageData(image, 0, 0);
  }

  let drawing = false;
  let last = null;
  function point(e) {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  }
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    last = point(e);
    pad.setPointerCapture(e.pointerId);
    ctx.fillStyle = '#fff';
    ctx.beginPath(); ctx.arc(last[0], last[1], 11, 0, 2 * Math.PI); ctx.fill();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = point(e);
    ctx.strokeStyle = '#fff'; ctx.lineWidth = 22; ctx.lineCap = 'round';
    ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
    last = p;
  });
  const stop = () => { if (drawing) { drawing = false; updatePreview(); } };
  pad.addEventListener('pointerup', stop);
  pad.addEventListener('pointercancel', stop);

  document.getElementById('upload').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const image = new Image();
    image.onload = () => {
      clearPad();
      // Fit inside the pad, keeping the aspect ratio.
      const scale = Math.min(pad.width / image.width, pad.height / image.height);
      const w = image.width * scale;
      const h = image.height * scale;
      ctx.filter = document.getElementById('invert').checked ? 'grayscale(1) invert(1)' : 'grayscale(1)';
      ctx.drawImage(image, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
      ctx.filter = 'none';
      URL.revokeObjectURL(image.src);
      updatePreview();
      predict();
    };
    image.src = URL.createObjectURL(file);
  });

  async function predict() {
    const values = inputs();
    fln.showError('predict-error', null);
    try {
      const response = await fln.post('/api/models/' + encodeURIComponent(modelId) + '/predict',
                                       {inputs: values});
      const p = response.predictions[0];
      const probabilities = (p.probabilities || []).map(Number);
      window.flnPredictResult = {inputs: values, label: p.label, probabilities};
      const rows = probabilities.map((q, c) => fln.el('tr', {class: c === p.label ? 'top' : ''}, [
        fln.el('td', {text: classNames ? c + ' ' + classNames[c] : 'class ' + c}),
        fln.el('td', {class: 'bar'}, [fln.el('div', {class: 'fill', style: 'width:' + (100 * q).toFixed(1) + '%'})]),
        fln.el('td', {class: 'num', text: (100 * q).toFixed(2) + '%'}),
      ]));
      document.getElementById('probabilities').replaceChildren(...rows);
    } catch (err) {
      fln.showError('predict-error', err);
    }
  }

  async function start() {
    document.getElementById('model-id').textContent = modelId || '?';
    clearPad();
    if (!modelId) { fln.showError('error', new Error('no model id: open /model.html?id=JOB')); return; }
    document.getElementById('job-link').href = '/job.html?id=' + encodeURIComponent(modelId);
    try {
      const [m, job, datasets] = await Promise.all([
        fln.api('/api/models/' + encodeURIComponent(modelId)),
        fln.api('/api/jobs/' + encodeURIComponent(modelId)).catch(() => null),
        fln.api('/api/datasets').then((b) => (b && b.datasets) || []),
      ]);
      model = m;
      showModel(m, job, datasets);
      window.flnModel = model;
    } catch (e) {
      fln.showError('error', e);
    }
  }

  document.getElementById('evaluate').addEventListener('click', evaluate);
  document.getElementById('predict').addEventListener('click', predict);
  document.getElementById('clear').addEventListener('click', () => {
    clearPad();
    document.getElementById('probabilities').replaceChildren();
    window.flnPredictResult = null;
  });
  start();
})();
