// Charts of MetricRecord figures with the vendored uPlot (third_party/uplot).
// figuresOf() names every figure a record carries, with the proto field
// names (per-layer arrays as "layer_gaps[0]"...); GROUPS puts them on charts;
// Chart wraps one uPlot and rebuilds it when its series change.
(function () {
  'use strict';
  const PALETTE = ['#0b6bcb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989',
                   '#0a7ea4', '#6e7781', '#fb8f44', '#2da44e'];

  const SCALARS = ['batch_loss', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy'];
  const RELAXED = ['relaxed_objective_start', 'relaxed_objective', 'relaxed_loss_term',
                   'relaxed_proximal_term', 'relaxed_ridge_term', 'loss_weight'];
  const ARRAYS = ['relaxed_gap_terms', 'layer_gaps', 'lambda', 'rho_d'];

  // {figure name: number} for every figure the record carries.
  function figuresOf(record) {
    const out = {};
    for (const name of SCALARS) {
      const x = fln.figure(record[name]);
      if (x !== null) out[name] = x;
    }
    if (record.has_relaxed_objective) {
      for (const name of RELAXED) {
        const x = Number(record[name]);
        if (Number.isFinite(x)) out[name] = x;
      }
      for (const name of ARRAYS) {
        (record[name] || []).forEach((v, l) => {
          const x = Number(v);
          if (Number.isFinite(x)) out[name + '[' + l + ']'] = x;
        });
      }
    }
    return out;
  }

  // Which figures go on which chart of a job's page, in order.
  const GROUPS = [
    {id: 'loss', title: 'Feed-forward loss (training J(W), test, mean batch)',
     match: (n) => n === 'train_loss' || n === 'test_loss' || n === 'batch_loss'},
    {id: 'accuracy', title: 'Accuracy (train, test)',
     match: (n) => n === 'train_accuracy' || n === 'test_accuracy'},
    {id: 'relaxed', title: 'Relaxed objective F and its terms',
     match: (n) => n.startsWith('relaxed_')},
    {id: 'gaps', title: 'Per-layer gaps B_l (unweighted)', match: (n) => n.startsWith('layer_gaps[')},
  ];

  const LABELS = {
    train_loss: 'training loss J(W)', test_loss: 'test loss', batch_loss: 'mean batch loss',
    train_accuracy: 'train accuracy', test_accuracy: 'test accuracy',
    relaxed_objective_start: 'F at warm start', relaxed_objective: 'F after sweeps',
    relaxed_loss_term: 'loss term', relaxed_proximal_term: 'proximal term',
    relaxed_ridge_term: 'ridge term',
  };
  const label = (name) => LABELS[name] ||
      name.replace(/^relaxed_gap_terms\[(\d+)\]$/, 'gap term, layer $1').replace(/^layer_gaps\[(\d+)\]$/, 'gap B, layer $1');

  // Rows -> uPlot's columns: the sorted union of every series' x, each
  // series null where it has no point (spanGaps joins the line over them).
  function align(series) {
    const xs = [...new Set(series.flatMap((s) => s.xs))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const columns = series.map((s) => {
      const ys = new Array(xs.length).fill(null);
      s.xs.forEach((x, i) => { ys[index.get(x)] = s.ys[i]; });
      return ys;
    });
    return [xs, ...columns];
  }

  class Chart {
    // container: an element the chart (title + canvas) is appended to;
    // logY: a log10 y axis (values <= 0 are left out).
    constructor(container, title, xLabel, logY) {
      this.box = fln.el('div', {class: 'chart'}, [fln.el('h3', {text: title})]);
      container.append(this.box);
      this.xLabel = xLabel;
      this.logY = !!logY;
      this.plot = null;
      this.key = '';
    }
    // series: [{name, label, xs, ys}]; draws them, rebuilding the plot only
    // when the set of series changed.
    update(series) {
      const key = series.map((s) => s.name + '=' + s.label).join('|');
      if (this.logY) series = series.map((s) => Object.assign({}, s, {ys: s.ys.map((y) => (y > 0 ? y : null))}));
      const data = align(series);
      if (this.plot && key === this.key) {
        this.plot.setData(data);
        return;
      }
      if (this.plot) this.plot.destroy();
      this.key = key;
      const width = Math.max(320, this.box.clientWidth - 16);
      const many = data[0].length > 60;
      this.plot = new uPlot({
        width, height: 260,
        scales: this.logY ? {x: {time: false}, y: {distr: 3}} : {x: {time: false}},
        axes: [{label: this.xLabel}, {size: 60}],
        series: [{label: this.xLabel}].concat(series.map((s, i) => ({
          label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5,
          spanGaps: true, points: {show: !many},
        }))),
      }, data, this.box);
    }
    // The x values drawn, for tests: every epoch once.
    xs() { return this.plot ? Array.from(this.plot.data[0]) : []; }
    resize() {
      if (this.plot) this.plot.setSize({width: Math.max(320, this.box.clientWidth - 16), height: 260});
    }
    destroy() { if (this.plot) this.plot.destroy(); this.box.remove(); }
  }

  window.flnCharts = {figuresOf, GROUPS, label, align, Chart};
})();
