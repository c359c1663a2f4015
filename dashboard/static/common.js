// Shared helpers of the fln dashboard pages: the JSON API, number formatting
// and the page header. Plain script, no build step; everything hangs off
// window.fln.
(function () {
  'use strict';
  const fln = {};

  // GET (or POST with a JSON body) an API path; resolves to the parsed JSON,
  // rejects with an Error whose message is the server's error message.
  fln.api = async function (path, options) {
    const init = options || {};
    if (init.method === 'POST') {
      // The header a cross-site form cannot send (dashboard/http_api.h).
      init.headers = Object.assign({'X-Fln-Request': '1', 'Content-Type': 'application/json'},
                                   init.headers || {});
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!response.ok) {
      const error = body && body.error ? body.error : {code: String(response.status), message: text};
      const e = new Error(error.code + ': ' + error.message);
      e.code = error.code;
      throw e;
    }
    return body;
  };
  fln.post = (path, body) => fln.api(path, {method: 'POST', body: JSON.stringify(body || {})});

  fln.param = (name) => new URLSearchParams(window.location.search).get(name);

  // A figure of a MetricRecord, or null when the record does not carry it
  // (the wire says -1: no test set; see proto/service.proto).
  fln.figure = function (value) {
    if (value === undefined || value === null || value === 'NaN') return null;
    const x = Number(value);
    return Number.isFinite(x) && x >= 0 ? x : null;
  };

  fln.fmt = function (value, digits) {
    if (value === null || value === undefined) return '–';
    const x = Number(value);
    if (!Number.isFinite(x)) return '–';
    if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(2);
    return x.toFixed(digits === undefined ? 4 : digits);
  };
  fln.pct = (value) => (fln.figure(value) === null ? '–' : (100 * Number(value)).toFixed(2) + '%');
  fln.time = (micros) => (Number(micros) > 0 ? new Date(Number(micros) / 1000).toLocaleString() : '–');

  fln.isTerminal = (state) => state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';

  fln.el = function (tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children || []) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  fln.showError = function (where, error) {
    const box = document.getElementById(where) || document.getElementById('error');
    if (box) {
      box.textContent = error ? String(error.message || error) : '';
      box.hidden = !error;
    }
    if (error) console.error(error);
  };

  fln.cancelJob = async function (id) {
    if (!window.confirm('Cancel job ' + id + '?')) return null;
    return fln.post('/api/jobs/' + encodeURIComponent(id) + '/cancel');
  };

  window.fln = fln;
})();

// Follows a job's events over SSE (GET /api/jobs/ID/events, dashboard/sse.h).
// EventSource reconnects by itself after a dropped connection and sends
// Last-Event-ID, so the server resumes after the last event seen. It gives up
// on an HTTP error (say a 503 while flnd restarts), so then this opens a new
// one from the next sequence, every two seconds, until the job has ended and
// every event arrived. The sequence check drops any event seen before, so
// each stored event reaches onEvent exactly once.
//   handlers: onEvent(kind, event), onEnd(), onError(error), onReconnect()
(function () {
  'use strict';
  const RETRYABLE = new Set(['UNAVAILABLE', 'CANCELLED', 'DEADLINE_EXCEEDED']);
  window.fln.followJob = function (jobId, handlers) {
    const base = '/api/jobs/' + encodeURIComponent(jobId) + '/events';
    const stream = {lastSequence: 0, received: 0, duplicates: 0, reconnects: 0, ended: false,
                    source: null};
    const end = () => {
      if (stream.ended) return;
      stream.ended = true;
      if (stream.source) stream.source.close();
      if (handlers.onEnd) handlers.onEnd();
    };
    stream.close = () => { stream.ended = true; if (stream.source) stream.source.close(); };

    // EventSource gave up: finished (204) or an HTTP error. Ask the job.
    async function afterClose() {
      try {
        const job = await window.fln.api('/api/jobs/' + encodeURIComponent(jobId));
        if (window.fln.isTerminal(job.state) && Number(job.last_sequence) <= stream.lastSequence) {
          end();
          return;
        }
      } catch (e) {
        if (e.code === 'NOT_FOUND') { if (handlers.onError) handlers.onError(e); end(); return; }
      }
      setTimeout(() => { if (!stream.ended) open(base + '?from=' + (stream.lastSequence + 1)); }, 2000);
    }

    function open(url) {
      const source = new EventSource(url);
      stream.source = source;
      const deliver = (kind) => (message) => {
        const sequence = Number(message.lastEventId);
        if (sequence <= stream.lastSequence) { stream.duplicates++; return; }
        stream.lastSequence = sequence;
        stream.received++;
        handlers.onEvent(kind, JSON.parse(message.data));
      };
      for (const kind of ['metrics', 'state', 'checkpoint', 'resumed']) {
        source.addEventListener(kind, deliver(kind));
      }
      source.addEventListener('end', end);
      source.addEventListener('fln-error', (message) => {
        const error = JSON.parse(message.data).error;
        if (handlers.onError) handlers.onError(new Error(error.code + ': ' + error.message));
        if (!RETRYABLE.has(error.code)) {  // else EventSource reconnects
          source.close();
          end();
        }
      });
      source.addEventListener('error', () => {
        if (stream.ended) return;
        stream.reconnects++;
        if (handlers.onReconnect) handlers.onReconnect();
        if (source.readyState === EventSource.CLOSED) afterClose();
      });
    }
    open(base);
    return stream;
  };
})();
