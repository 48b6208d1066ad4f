// The emulator's web console: vanilla JavaScript, no framework, nothing loaded from outside this
// origin. Every page reads JSON from /_emulator/console/api/… and the other /_emulator endpoints,
// which serve the same state as the API. Lists refresh by polling, without reloading the page.
'use strict';

(() => {
  const BASE = '/_emulator/console';
  const API = BASE + '/api';
  const ADMIN = '/_emulator';
  const POLL_MS = 1000;
  const SLOW_POLL_MS = 2000;
  const TERMINAL = new Set(['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED']);
  const PHASES = ['PREPARING', 'REPAIRING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'RELEASING', 'CANCELLING'];
  const STATUSES = PHASES.concat(['SUCCESS', 'PARTITION_SUCCESS', 'FAILED', 'TEST_FAILED', 'CANCELLED']);
  const SCOPE_KEY = 'ibe-console-scope';

  // ---------- small DOM helpers ----------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    add(el, children);
    return el;
  }

  function add(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  const $ = (selector) => document.querySelector(selector);
  const pad = (n) => String(n).padStart(2, '0');

  function fmtTime(ms) {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }

  function fmtClock(ms) {
    const d = new Date(ms);
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }

  function fmtDur(ms) {
    const v = Math.max(0, ms);
    if (v < 10000) return (v / 1000).toFixed(1).replace(/\.0$/, '') + ' s';
    const s = Math.round(v / 1000);
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${pad(s % 60)} s`;
    return `${Math.floor(m / 60)} h ${pad(m % 60)} min`;
  }

  function timeEl(ms, text) {
    if (ms === null || ms === undefined) return h('span', { class: 'muted' }, '—');
    const iso = new Date(ms).toISOString();
    return h('time', { datetime: iso, title: iso }, text === undefined ? fmtTime(ms) + 'Z' : text);
  }

  // A date and time on two lines (tables): the date small, the time below it.
  function stampEl(ms) {
    if (ms === null || ms === undefined) return h('span', { class: 'muted' }, '—');
    const iso = new Date(ms).toISOString();
    return h('time', { class: 'stamp', datetime: iso, title: iso }, h('span', { class: 'date' }, fmtTime(ms).slice(0, 10)), ' ',
      h('span', null, fmtClock(ms) + 'Z'));
  }

  function idLink(path, id, extra, target) {
    return h('a', { href: href(path, extra, target), class: 'id-link' }, id);
  }

  function durEl(ms) {
    return h('time', { datetime: `PT${(Math.max(0, ms) / 1000).toFixed(3)}S` }, fmtDur(ms));
  }

  function badge(status) {
    const kind = status === 'SUCCESS' ? 'ok'
      : status === 'PARTITION_SUCCESS' ? 'warn'
        : status === 'FAILED' || status === 'TEST_FAILED' ? 'bad'
          : status === 'CANCELLED' ? 'off' : 'run';
    return h('span', { class: `badge badge-${kind}` }, kind === 'run' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null, status);
  }

  // ErrorCode, with ErrorInfo unless the message already says it.
  function errorLine(b) {
    return b.errorInfo && b.errorInfo !== b.message ? `${b.errorCode}: ${b.errorInfo}` : b.errorCode;
  }

  function chips(values, empty) {
    if (!values || values.length === 0) return h('span', { class: 'muted' }, empty || '—');
    return h('ul', { class: 'chips' }, values.map((v) => h('li', { class: 'chip' }, v)));
  }

  function announce(text) {
    const live = $('#announcer');
    if (!live) return;
    live.append(h('p', null, text));
    while (live.childNodes.length > 5) live.firstChild.remove();
  }

  // With --auth strict the data endpoints need the admin token: open the console once as
  // …/_emulator/console/#token=TOKEN; it is kept for this tab only (sessionStorage) and removed
  // from the address bar.
  const tokenMatch = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (tokenMatch) {
    sessionStorage.setItem('ibe-admin-token', decodeURIComponent(tokenMatch[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }

  async function getJSON(url) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), 8000);
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem('ibe-admin-token');
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      const response = await fetch(url, { signal: ctrl.signal, cache: 'no-store', headers });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.message || `${response.status} ${response.statusText}`);
      return body;
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------- scope: account and region ----------

  const query = new URLSearchParams(location.search);
  const scope = { account: query.get('account') || '', region: query.get('region') || '' };
  let scopeData = { regions: ['cn-hangzhou'], scopes: [], suggested: { account: '', region: 'cn-hangzhou' } };

  function href(path, extra, target) {
    const p = new URLSearchParams({ account: (target || scope).account, region: (target || scope).region });
    for (const [k, v] of Object.entries(extra || {})) if (v !== undefined && v !== null && v !== '') p.set(k, v);
    return `${BASE}${path}?${p}`;
  }

  function link(path, text, extra, target) {
    return h('a', { href: href(path, extra, target) }, text);
  }

  function rememberScope() {
    try { localStorage.setItem(SCOPE_KEY, JSON.stringify(scope)); } catch (_) { /* private mode */ }
    const p = new URLSearchParams(location.search);
    p.set('account', scope.account);
    p.set('region', scope.region);
    history.replaceState(null, '', `${location.pathname}?${p}${location.hash}`);
    for (const a of document.querySelectorAll('.sidenav a[data-page]')) a.href = href('/' + a.dataset.page);
    const brand = $('.brand');
    if (brand) brand.href = href('/templates');
    fillScopeForm();
  }

  function countsOf(account, region) {
    return scopeData.scopes.find((s) => s.account === account && s.region === region);
  }

  function fillScopeForm() {
    const accountInput = $('#scope-account');
    const regionSelect = $('#scope-region');
    const list = $('#scope-accounts');
    if (!accountInput || !regionSelect || !list) return;
    accountInput.value = scope.account;
    const accounts = [...new Set([scopeData.defaultAccount, ...scopeData.scopes.map((s) => s.account)].filter(Boolean))];
    list.replaceChildren(...accounts.map((a) => h('option', { value: a })));
    regionSelect.replaceChildren(...scopeData.regions.map((r) => {
      const c = countsOf(scope.account, r);
      const n = c ? c.templates + c.builds + c.images + c.components : 0;
      const label = n ? `${r} (${n} resource${n === 1 ? '' : 's'}${c.running ? `, ${c.running} running` : ''})` : r;
      return h('option', { value: r, selected: r === scope.region }, label);
    }));
  }

  async function initScope() {
    try {
      scopeData = await getJSON(API + '/scope');
    } catch (_) { /* keep the defaults; pages show their own errors */ }
    if (!scope.account || !scope.region) {
      let saved = null;
      try { saved = JSON.parse(localStorage.getItem(SCOPE_KEY) || 'null'); } catch (_) { saved = null; }
      scope.account = scope.account || (saved && saved.account) || scopeData.suggested.account;
      scope.region = scope.region || (saved && saved.region) || scopeData.suggested.region;
    }
    rememberScope();
    const form = $('#scope');
    if (form) {
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const account = $('#scope-account').value.trim() || scopeData.defaultAccount;
        const region = $('#scope-region').value;
        // A build or request page belongs to one scope: switching goes to the list.
        const page = currentRoute().page;
        const path = page === 'build' ? '/builds' : page === 'request' ? '/requests' : location.pathname.slice(BASE.length) || '/templates';
        location.assign(href(path, null, { account, region }));
      });
    }
  }

  // Adopts the scope of the resource a page shows (a build of another account or region).
  function adoptScope(account, region) {
    if (account === scope.account && region === scope.region) return;
    scope.account = account;
    scope.region = region;
    rememberScope();
  }

  // ---------- the emulator clock in the header ----------

  let clockOffset = null;
  let clockMode = 'real';

  async function syncClock() {
    try {
      const c = await getJSON(ADMIN + '/clock');
      clockMode = c.mode;
      clockOffset = c.nowMs - Date.now();
    } catch (_) { /* keep the last value */ }
  }

  function emulatorNow() {
    return clockOffset === null ? null : Date.now() + clockOffset;
  }

  function startClock() {
    const el = $('#clock-now');
    const paint = () => {
      const now = emulatorNow();
      if (!el || now === null) return;
      el.dateTime = new Date(now).toISOString();
      el.textContent = `${fmtTime(now)}Z${clockMode === 'real' ? '' : ` (${clockMode})`}`;
    };
    syncClock().then(paint);
    setInterval(paint, 1000);
    setInterval(() => syncClock().then(paint), clockMode === 'manual' ? SLOW_POLL_MS : 10000);
  }

  // ---------- page scaffolding ----------

  function every(ms, fn) {
    let stopped = false;
    let timer = null;
    const run = async () => {
      if (stopped) return;
      try {
        const again = await fn();
        clearError();
        if (again === false) stopped = true;
      } catch (err) {
        showError(err);
      } finally {
        if (!stopped) timer = setTimeout(run, document.hidden ? ms * 5 : ms);
      }
    };
    run();
    return () => { stopped = true; clearTimeout(timer); };
  }

  function page(title, intro) {
    document.title = `${title} · Image Builder console`;
    const main = $('#main');
    main.replaceChildren(h('h1', null, title));
    if (intro) main.append(h('p', { class: 'intro' }, intro));
    main.append(h('div', { id: 'page-error' }));
    return main;
  }

  function showError(err) {
    const box = $('#page-error');
    if (!box) return;
    const text = `Could not load data: ${err && err.message ? err.message : err}`;
    if (box.textContent === text) return;
    box.replaceChildren(h('p', { class: 'alert', role: 'alert' }, text));
  }

  function clearError() {
    const box = $('#page-error');
    if (box && box.firstChild) box.replaceChildren();
  }

  function section(id, title, ...children) {
    return h('section', { class: 'card', 'aria-labelledby': id + '-h' }, h('h2', { id: id + '-h' }, title), children);
  }

  // A table in a scrollable, keyboard-focusable region. `columns`: headers; returns the wrapper
  // and the tbody to fill.
  function table(id, caption, columns) {
    const tbody = h('tbody');
    const wrap = h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': id + '-cap', tabindex: '0' },
      h('table', { id },
        h('caption', { id: id + '-cap' }, caption),
        h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
        tbody));
    return { wrap, tbody };
  }

  // Replaces a tbody's rows only when the data changed (keeps focus and selection otherwise).
  const signatures = new WeakMap();
  function fill(tbody, data, rowsOf, emptyText, columns) {
    const sig = JSON.stringify(data);
    if (signatures.get(tbody) === sig) return false;
    signatures.set(tbody, sig);
    const rows = rowsOf(data);
    if (rows.length === 0) {
      tbody.replaceChildren(h('tr', null, h('td', { colspan: columns, class: 'empty' }, emptyText)));
    } else {
      tbody.replaceChildren(...rows);
    }
    return true;
  }

  function updated(el) {
    const d = new Date();
    el.textContent = `Updated ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} (your local time)`;
  }

  // ---------- templates ----------

  function templatesPage() {
    const main = page('Image templates', `Templates of account ${scope.account} in ${scope.region}, as DescribeImagePipelines returns them.`);
    const t = table('templates', 'Image templates', ['Template', 'Base image', 'Target regions', 'Shared with accounts', 'Tags', 'Last build']);
    const stamp = h('p', { class: 'muted small' });
    main.append(t.wrap, stamp);
    every(SLOW_POLL_MS, async () => {
      const data = await getJSON(`${API}/templates?${new URLSearchParams(scope)}`);
      fill(t.tbody, data.templates, (list) => list.map(({ template: tp, lastBuild: lb }) => {
        const tags = ((tp.Tags && tp.Tags.Tag) || []).map((tag) => `${tag.TagKey}=${tag.TagValue}`);
        return h('tr', { 'data-pipeline-id': tp.ImagePipelineId },
          h('th', { scope: 'row' }, link('/builds', tp.Name, { pipeline: tp.ImagePipelineId }), h('div', { class: 'id' }, tp.ImagePipelineId),
            h('div', { class: 'muted small' }, 'created ', tp.CreationTime ? timeEl(Date.parse(tp.CreationTime)) : '—')),
          h('td', { class: 'wrap-any' }, h('div', null, tp.BaseImage || '—'), h('div', { class: 'muted small' }, tp.BaseImageType)),
          h('td', null, chips((tp.ToRegionIds && tp.ToRegionIds.ToRegionId) || [], 'none (stays in ' + scope.region + ')')),
          h('td', null, chips((tp.AddAccounts && tp.AddAccounts.AddAccount) || [], 'none')),
          h('td', null, chips(tags, 'none')),
          h('td', null, lb
            ? [h('div', null, badge(lb.status)), h('div', null, idLink('/builds/' + encodeURIComponent(lb.executionId), lb.executionId)),
              h('div', { class: 'muted small' }, timeEl(lb.modifiedMs), ` · ${lb.builds} build${lb.builds === 1 ? '' : 's'}`)]
            : h('span', { class: 'muted' }, 'never built')));
      }), 'No templates in this account and region. Create one with CreateImagePipeline.', 6);
      updated(stamp);
    });
  }

  // ---------- builds ----------

  function buildsPage() {
    const main = page('Builds', `Build executions of account ${scope.account} in ${scope.region}. The list follows the builds live.`);
    const statusSelect = h('select', { id: 'filter-status', name: 'status' },
      h('option', { value: '' }, 'All statuses'),
      h('option', { value: 'RUNNING' }, 'Running (not finished)'),
      STATUSES.map((s) => h('option', { value: s }, s)));
    statusSelect.value = query.get('status') || '';
    const pipeline = query.get('pipeline') || '';
    const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter builds' },
      h('label', { for: 'filter-status' }, 'Status'), statusSelect,
      pipeline ? h('p', { class: 'chip' }, `Template ${pipeline} `, link('/builds', 'show all templates', { status: statusSelect.value })) : null);
    form.addEventListener('submit', (e) => e.preventDefault());
    const summary = h('p', { class: 'summary', id: 'builds-summary' });
    const t = table('builds', 'Builds, newest first', ['Build', 'Template', 'Status', 'Message', 'Image', 'Started', 'Duration']);
    const stamp = h('p', { class: 'muted small' });
    main.append(form, summary, t.wrap, stamp);
    const seen = new Map();
    let first = true;
    const refresh = async () => {
      const extra = { status: statusSelect.value, pipeline };
      const data = await getJSON(`${API}/builds?${new URLSearchParams({ account: scope.account, region: scope.region, ...extra })}`);
      const running = data.builds.filter((b) => !b.terminal).length;
      summary.textContent = `${data.total} build${data.total === 1 ? '' : 's'} · ${running} running`;
      for (const b of data.builds) {
        const before = seen.get(b.executionId);
        if (!first && before !== b.status) announce(`Build ${b.executionId} ${before ? 'is now' : 'started:'} ${b.status}`);
        seen.set(b.executionId, b.status);
      }
      first = false;
      const view = data.builds.map((b) => ({ ...b, nowMs: b.terminal ? 0 : Math.floor(data.nowMs / 1000) }));
      fill(t.tbody, view, (list) => list.map((b) => h('tr', { 'data-execution-id': b.executionId, 'data-status': b.status },
        h('th', { scope: 'row' }, idLink('/builds/' + encodeURIComponent(b.executionId), b.executionId)),
        h('td', { title: b.imagePipelineId }, b.pipelineName || h('span', { class: 'id' }, b.imagePipelineId)),
        h('td', { class: 'status' }, badge(b.status),
          b.terminal ? null : h('progress', { max: b.stepsTotal, value: b.stepsDone, 'aria-label': `${b.stepsDone} of ${b.stepsTotal} steps` })),
        h('td', { class: 'message' }, b.message, b.errorCode ? h('div', { class: 'error-text' }, errorLine(b)) : null),
        h('td', null, b.imageId ? idLink('/images', b.imageId) : h('span', { class: 'muted' }, '—')),
        h('td', null, stampEl(b.createdMs)),
        h('td', { class: 'nowrap' }, durEl((b.terminal ? b.modifiedMs : data.nowMs) - b.createdMs)))),
      'No builds match. Start one with StartImagePipelineExecution.', 7);
      updated(stamp);
    };
    statusSelect.addEventListener('change', () => {
      const p = new URLSearchParams(location.search);
      if (statusSelect.value) p.set('status', statusSelect.value); else p.delete('status');
      history.replaceState(null, '', `${location.pathname}?${p}`);
      refresh().catch(showError);
    });
    every(POLL_MS, refresh);
  }

  // ---------- one build: the timeline ----------

  function niceStep(spanMs, maxTicks) {
    const steps = [250, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 21600000];
    return steps.find((s) => spanMs / s <= maxTicks) || 43200000;
  }

  function relLabel(ms) {
    if (ms === 0) return '0';
    if (ms < 60000) return `+${ms / 1000} s`;
    if (ms < 3600000) return `+${ms / 60000} min`;
    return `+${ms / 3600000} h`;
  }

  function place(el, left, width) {
    el.style.left = `${left}%`;
    if (width !== undefined) el.style.width = `${Math.max(width, 0.4)}%`;
    return el;
  }

  // [label, sub-label] of a transit resource in the drawing, and its kind as a word.
  function resourceLabel(r) {
    const d = r.detail || {};
    if (r.kind === 'instance') return [`Instance${d.InstanceType ? ' ' + d.InstanceType : ''}`, d.Purpose === 'test' ? 'test instance' : 'transit instance'];
    if (r.kind === 'vpc') return ['VPC', d.temporary ? 'temporary network' : 'network'];
    if (r.kind === 'vswitch') return ['vSwitch', d.temporary ? 'temporary network' : 'network'];
    return [r.kind, ''];
  }

  const KIND_NAMES = { instance: 'Instance', vpc: 'VPC', vswitch: 'vSwitch' };

  // Groups events into runs of one status (the same cut as the server's phases).
  function groupEvents(events) {
    const groups = [];
    let end = null;
    for (const e of events) {
      if (TERMINAL.has(e.status)) { end = e; continue; }
      const last = groups[groups.length - 1];
      if (last && last.status === e.status) last.events.push(e);
      else groups.push({ status: e.status, events: [e] });
    }
    return { groups, end };
  }

  function drawTimeline(b, widthPx) {
    const t0 = b.createdMs;
    const tEnd = b.terminal ? (b.endMs || b.modifiedMs) : Math.max(b.nowMs, b.expectedEndMs || b.nowMs);
    const span = Math.max(tEnd - t0, 1000);
    const x = (ms) => Math.min(100, Math.max(0, ((ms - t0) / span) * 100));
    const liveEnd = b.terminal ? tEnd : b.nowMs;
    const nowLine = () => (b.terminal ? null : place(h('span', { class: 'tl-now', 'aria-hidden': 'true' }), x(b.nowMs)));
    const row = (label, sub, track, cls) => h('div', { class: `tl-row ${cls || ''}` },
      h('div', { class: 'tl-label' }, h('span', null, label), sub ? h('span', { class: 'tl-sub' }, sub) : null),
      add(h('div', { class: 'tl-track' }), [track, nowLine()]));

    // About one labelled tick per 80 px of track (the label column takes 100-200 px).
    const width = widthPx || 1000;
    const step = niceStep(span, Math.max(2, Math.min(8, Math.floor((width - (width < 700 ? 100 : 200)) / 80))));
    const ticks = [];
    for (let t = 0; t <= span + 1; t += step) ticks.push(place(h('span', { class: 'tl-tick' }, h('span', null, relLabel(t))), x(t0 + t)));

    const bands = b.phases.map((p) => {
      const end = p.endMs === null ? liveEnd : p.endMs;
      return place(h('span', { class: `tl-band ph-${p.phase}${p.endMs === null ? ' tl-open' : ''}`, title: `${p.phase}: ${fmtDur(end - p.startMs)}, ${p.steps} step${p.steps === 1 ? '' : 's'}` },
        h('span', null, p.phase)), x(p.startMs), x(end) - x(p.startMs));
    });
    const planned = (b.planned || []).map((p) => place(
      h('span', { class: `tl-band tl-planned ph-${p.phase}`, title: `${p.phase} (planned)` }, h('span', null, p.phase)),
      x(p.startMs), x(p.endMs === null ? tEnd : p.endMs) - x(p.startMs)));

    const markers = b.events.map((e, i) => place(h('span', {
      class: `tl-step ${TERMINAL.has(e.status) ? 'tl-step-end st-' + e.status : 'ph-' + e.status}`,
      title: `#${i + 1} ${fmtTime(e.atMs)}Z (+${fmtDur(e.atMs - t0)}) ${e.status}: ${e.message}`,
    }), x(e.atMs)));

    const resources = b.resources.map((r) => {
      const [label, sub] = resourceLabel(r);
      const end = r.releasedMs === null ? liveEnd : r.releasedMs;
      const life = r.releasedMs === null ? 'not released' : fmtDur(end - r.createdMs);
      const bar = place(h('span', { class: `tl-bar tl-${r.kind}${r.releasedMs === null ? ' tl-open' : ''}`, title: `${label} ${r.id}: ${life}` },
        h('span', null, `${r.id} · ${life}`)), x(r.createdMs), x(end) - x(r.createdMs));
      return row(label, sub, bar, 'tl-resource');
    });

    const images = b.images.map((img) => {
      const shared = img.sharedWith.length ? ` · shared with ${img.sharedWith.length}` : '';
      const bar = place(h('span', { class: `tl-bar tl-image${img.copiedFrom ? ' tl-copy' : ''}`, title: `${img.imageId} in ${img.region}${img.copiedFrom ? ', copy of ' + img.copiedFrom : ''}${shared}` },
        h('span', null, `${img.imageId}${shared}`)), x(img.createdMs), 100 - x(img.createdMs));
      return row(`Image ${img.region}`, img.copiedFrom ? 'copy' : 'built here', bar, 'tl-images');
    });

    const summary = `Timeline of ${b.executionId}: ${b.phases.map((p) => p.phase).join(', ')}` +
      `${b.terminal ? `, ended ${b.status} after ${fmtDur(tEnd - t0)}` : `, running for ${fmtDur(b.nowMs - t0)}`}; ` +
      `${b.resources.length} transit resources, ${b.images.length} images. The same data is listed below.`;
    return h('figure', { class: 'timeline' },
      h('div', { class: 'tl-chart', role: 'img', 'aria-label': summary },
        row('Simulated time', `from ${fmtClock(t0)}Z`, ticks, 'tl-axis'),
        row('Phases', b.planned && b.planned.length ? 'dashed: planned' : null, [bands, planned], 'tl-phases'),
        row('Steps', `${b.events.length} events`, markers, 'tl-steps'),
        resources,
        images.length ? images : row('Images', 'none yet', [], 'tl-images')),
      h('figcaption', null, `Simulated time from ${fmtTime(t0)}Z; `,
        b.terminal ? `the build ended ${b.status} at +${fmtDur(tEnd - t0)}.`
          : `the red line is now (+${fmtDur(b.nowMs - t0)}); ${b.held ? 'held by a scripted outcome.' : 'expected to end at +' + fmtDur((b.expectedEndMs || b.nowMs) - t0) + '.'}`,
        ' Hover a mark for its message; every step is listed below.'));
  }

  function stepList(b) {
    const t0 = b.createdMs;
    const { groups, end } = groupEvents(b.events);
    const planned = (b.planned || []).slice();
    // The rest of the phase going on now is planned too: count it there, not as a new phase.
    const open = b.phases.length && b.phases[b.phases.length - 1].endMs === null ? b.phases[b.phases.length - 1] : null;
    const more = open && planned.length && planned[0].phase === open.phase ? planned.shift().steps : 0;
    const items = groups.map((g, i) => {
      const p = b.phases[i] || { startMs: g.events[0].atMs, endMs: null };
      const stop = p.endMs === null ? null : p.endMs;
      return h('li', { class: `phase ph-${g.status}` },
        h('h3', null, h('span', { class: 'phase-name' }, g.status), ' ',
          h('span', { class: 'muted small' }, `+${fmtDur(p.startMs - t0)} → `, stop === null ? 'now' : `+${fmtDur(stop - t0)}`,
            stop === null ? ` (in progress${more ? `, ${more} more step${more === 1 ? '' : 's'} planned` : ''})` : [' (', durEl(stop - p.startMs), ')'])),
        h('ol', { class: 'steps' }, g.events.map((e) => h('li', null,
          timeEl(e.atMs, fmtClock(e.atMs)), h('span', { class: 'rel' }, `+${fmtDur(e.atMs - t0)}`),
          h('span', { class: 'msg' }, e.message)))));
    });
    if (end) {
      items.push(h('li', { class: `phase phase-end st-${end.status}` },
        h('h3', null, badge(end.status), ' ', h('span', { class: 'muted small' }, `at +${fmtDur(end.atMs - t0)}`)),
        h('ol', { class: 'steps' }, h('li', null, timeEl(end.atMs, fmtClock(end.atMs)), h('span', { class: 'rel' }, `+${fmtDur(end.atMs - t0)}`), h('span', { class: 'msg' }, end.message)))));
    }
    for (const p of planned) {
      items.push(h('li', { class: `phase phase-planned ph-${p.phase}` },
        h('h3', null, h('span', { class: 'phase-name' }, p.phase), ' ', h('span', { class: 'muted small' }, `planned from +${fmtDur(p.startMs - t0)}, ${p.steps} step${p.steps === 1 ? '' : 's'}`))));
    }
    return h('ol', { class: 'phase-list' }, items);
  }

  function detailText(detail) {
    return Object.entries(detail || {}).filter(([k]) => k !== 'temporary')
      .map(([k, v]) => `${k}: ${v}`).join(' · ');
  }

  // Re-renders `el` from `data` only when the data changed (keeps focus on links inside).
  function refill(el, data, render) {
    const sig = JSON.stringify(data);
    if (signatures.get(el) === sig) return;
    signatures.set(el, sig);
    el.replaceChildren(...[render(data)].flat());
  }

  function buildPage(id) {
    const main = page(`Build ${id}`);
    const head = h('div', { id: 'build-summary' });
    const running = h('dd', { id: 'build-duration' });
    const drawing = h('div', { id: 'timeline-drawing' });
    const steps = h('div', { id: 'step-list' });
    const res = table('resources', 'Transit instance and network', ['Resource', 'Kind', 'Details', 'Created', 'Released', 'Lifetime']);
    const imgs = table('build-images', 'Images and copies this build made', ['Image', 'Region', 'Name', 'Copy of', 'Shared with', 'Created']);
    main.append(head, section('timeline', 'Timeline', drawing), section('steps', 'Phases and steps', steps),
      section('resources-s', 'Transit resources', res.wrap), section('images-s', 'Images', imgs.wrap));
    let lastStatus = null;
    every(POLL_MS, async () => {
      const b = await getJSON(`${API}/builds/${encodeURIComponent(id)}`);
      adoptScope(b.account, b.region);
      document.title = `${b.executionId} (${b.status}) · Image Builder console`;
      if (lastStatus !== null && lastStatus !== b.status) announce(`Build ${b.executionId} is now ${b.status}`);
      lastStatus = b.status;
      const t0 = b.createdMs;
      const endMs = b.terminal ? (b.endMs || b.modifiedMs) : b.nowMs;
      const facts = { ...b, events: b.events.length, phases: null, planned: null, resources: null, images: null, nowMs: null };
      refill(head, facts, () => h('dl', { class: 'facts' },
        h('div', null, h('dt', null, 'Status'), h('dd', { id: 'build-status' }, badge(b.status), b.held ? ' held' : null)),
        h('div', null, h('dt', null, b.terminal ? 'Duration' : 'Running for'), running),
        h('div', null, h('dt', null, 'Steps'), h('dd', null, `${b.stepsDone} of ${b.stepsTotal}`)),
        h('div', null, h('dt', null, 'Started'), h('dd', null, timeEl(t0))),
        h('div', { class: 'span2' }, h('dt', null, 'Template'), h('dd', null, link('/builds', b.pipelineName || b.imagePipelineId, { pipeline: b.imagePipelineId }), ' ', h('span', { class: 'id' }, b.imagePipelineId))),
        h('div', null, h('dt', null, 'Account'), h('dd', null, b.account)),
        h('div', null, h('dt', null, 'Region'), h('dd', null, b.region)),
        h('div', { class: 'span2' }, h('dt', null, 'Image'), h('dd', null, b.imageId ? idLink('/images', b.imageId) : '—')),
        h('div', { class: 'wide' }, h('dt', null, 'Message'), h('dd', null, b.message)),
        b.errorCode ? h('div', { class: 'wide' }, h('dt', null, 'Error'), h('dd', { class: 'error-text' }, `${b.errorCode}: ${b.errorInfo || ''}`)) : null));
      running.replaceChildren(durEl(endMs - t0));
      drawing.replaceChildren(drawTimeline(b, drawing.clientWidth));
      refill(steps, { events: b.events, phases: b.phases, planned: (b.planned || []).map((p) => [p.phase, p.steps]) }, () => stepList(b));
      fill(res.tbody, { r: b.resources, live: b.terminal ? 0 : Math.floor(b.nowMs / 1000) }, ({ r }) => r.map((r) => h('tr', null,
        h('th', { scope: 'row', class: 'id' }, r.id), h('td', null, KIND_NAMES[r.kind] || r.kind),
        h('td', { class: 'small' }, detailText(r.detail)),
        h('td', { class: 'nowrap' }, timeEl(r.createdMs, fmtClock(r.createdMs)), h('div', { class: 'muted small' }, `+${fmtDur(r.createdMs - t0)}`)),
        h('td', { class: 'nowrap' }, r.releasedMs === null ? h('span', { class: 'muted' }, 'not released')
          : [timeEl(r.releasedMs, fmtClock(r.releasedMs)), h('div', { class: 'muted small' }, `+${fmtDur(r.releasedMs - t0)}`)]),
        h('td', { class: 'nowrap' }, durEl((r.releasedMs === null ? endMs : r.releasedMs) - r.createdMs)))), 'No transit resources yet.', 6);
      fill(imgs.tbody, b.images, (list) => list.map((img) => h('tr', { 'data-image-id': img.imageId },
        h('th', { scope: 'row' }, idLink('/images', img.imageId, null, { account: b.account, region: img.region })),
        h('td', { class: 'nowrap' }, img.region), h('td', null, img.imageName), h('td', null, img.copiedFrom ? h('span', { class: 'id' }, img.copiedFrom) : '—'),
        h('td', null, chips(img.sharedWith, 'not shared')), h('td', null, stampEl(img.createdMs)))), 'No image yet.', 6);
      // A finished build does not change any more: stop polling.
      return b.terminal ? false : undefined;
    });
  }

  // ---------- images ----------

  function imagesPage() {
    const main = page('Images', `Custom images account ${scope.account} owns or is shared in ${scope.region}, with whom they are shared and the build that made them.`);
    const others = h('nav', { class: 'regions', 'aria-label': 'Regions with images' });
    const t = table('images', `Custom images in ${scope.region}`, ['Image', 'Owner', 'Status', 'Made by build', 'Copy of', 'Shared with', 'OS', 'Created']);
    const stamp = h('p', { class: 'muted small' });
    main.append(others, t.wrap, stamp);
    const regions = scopeData.scopes.filter((s) => s.account === scope.account && s.images > 0);
    if (regions.length) {
      others.append(h('span', null, 'Regions with images: '), h('ul', { class: 'inline' }, regions.map((s) => h('li', null,
        s.region === scope.region ? h('strong', { 'aria-current': 'true' }, `${s.region} (${s.images})`)
          : link('/images', `${s.region} (${s.images})`, null, { account: scope.account, region: s.region })))));
    }
    every(SLOW_POLL_MS, async () => {
      const data = await getJSON(`${API}/images?${new URLSearchParams(scope)}`);
      fill(t.tbody, data.images, (list) => list.map((img) => h('tr', { 'data-image-id': img.imageId },
        h('th', { scope: 'row' }, h('div', { class: 'id' }, img.imageId), h('div', { class: 'small' }, img.imageName)),
        h('td', null, img.account === scope.account ? 'this account' : `shared by ${img.account}`),
        h('td', null, img.status),
        h('td', null, img.executionId
          ? [idLink('/builds/' + encodeURIComponent(img.executionId), img.executionId, null, img.account === scope.account ? null : { account: img.account, region: img.region }),
            img.pipelineName ? h('div', { class: 'muted small' }, `template ${img.pipelineName}`) : null]
          : '—'),
        h('td', null, img.copiedFrom ? h('span', { class: 'id' }, img.copiedFrom) : '—'),
        h('td', null, img.account === scope.account ? chips(img.sharedWith, 'not shared') : h('span', { class: 'muted' }, 'you')),
        h('td', { class: 'small' }, `${img.osName} · ${img.architecture} · ${img.sizeGiB} GiB`),
        h('td', null, stampEl(img.createdMs)))),
      `No custom images in ${scope.region} for this account. Builds create them; DistributeImage copies them to the target regions.`, 8);
      updated(stamp);
    });
  }

  // ---------- components ----------

  function componentsPage() {
    const main = page('Image components', `Custom and system components visible to account ${scope.account} in ${scope.region}, grouped by name with their versions.`);
    const t = table('components', 'Components', ['Component', 'Owner', 'Type', 'System', 'Versions (newest first)', 'Description']);
    main.append(t.wrap);
    every(SLOW_POLL_MS * 2, async () => {
      const data = await getJSON(`${API}/components?${new URLSearchParams(scope)}`);
      const groups = new Map();
      for (const c of data.components) {
        const key = `${c.Owner}/${c.Name}`;
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(c);
      }
      const semver = (v) => v.split('.').map(Number);
      const cmp = (a, b) => { const x = semver(a.ComponentVersion); const y = semver(b.ComponentVersion); return (y[0] - x[0]) || (y[1] - x[1]) || (y[2] - x[2]); };
      const list = [...groups.values()].map((g) => g.sort(cmp));
      list.sort((a, b) => (a[0].Owner === b[0].Owner ? a[0].Name.localeCompare(b[0].Name) : a[0].Owner === 'SELF' ? -1 : 1));
      fill(t.tbody, list, (l) => l.map((versions) => {
        const c = versions[0];
        return h('tr', null,
          h('th', { scope: 'row' }, c.Name),
          h('td', null, c.Owner === 'SELF' ? 'custom' : 'system'),
          h('td', null, c.ComponentType), h('td', null, c.SystemType),
          h('td', null, h('ul', { class: 'versions' }, versions.map((v) => h('li', null,
            h('details', null, h('summary', null, h('strong', null, v.ComponentVersion), ' ', h('span', { class: 'id' }, v.ImageComponentId)),
              h('p', { class: 'small' }, 'Created ', timeEl(Date.parse(v.CreationTime))),
              h('pre', null, v.Content)))))),
          h('td', { class: 'small' }, c.Description || '—'));
      }), 'No components.', 6);
    });
  }

  // ---------- request journal ----------

  function requestsPage() {
    const main = page('Request journal', 'The last API calls the emulator answered (newest first). Failed calls link to their error. The console itself reads state without calling the API, so it never shows up here.');
    const field = (id, label, value, attrs) => [h('label', { for: id }, label), h('input', { id, name: id, value: value || '', autocomplete: 'off', ...(attrs || {}) })];
    const onlyErrors = h('input', { type: 'checkbox', id: 'f-errors', name: 'errors', checked: query.get('errors') === 'true' });
    const limit = h('select', { id: 'f-limit', name: 'limit' }, ['50', '100', '500', '2000'].map((n) => h('option', { value: n, selected: (query.get('limit') || '100') === n }, n)));
    const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the journal' },
      field('f-action', 'Action', query.get('action'), { list: 'actions', size: 22 }),
      h('datalist', { id: 'actions' }),
      field('f-account', 'Account', query.get('caller'), { size: 17, inputmode: 'numeric' }),
      field('f-region', 'Region', query.get('where'), { size: 12 }),
      field('f-code', 'Code', query.get('code'), { size: 18 }),
      h('span', { class: 'check' }, onlyErrors, h('label', { for: 'f-errors' }, 'Only failed calls')),
      h('label', { for: 'f-limit' }, 'Show'), limit,
      h('button', { type: 'submit' }, 'Filter'),
      h('button', { type: 'button', onclick: () => { for (const el of form.querySelectorAll('input')) { if (el.type === 'checkbox') el.checked = false; else el.value = ''; } form.requestSubmit(); } }, 'Clear'));
    const summary = h('p', { class: 'summary' });
    const t = table('journal', 'Requests, newest first', ['Time', 'Action and RequestId', 'Account', 'Region', 'Result', 'Latency']);
    main.append(form, summary, t.wrap);
    const filters = () => {
      const f = {};
      const get = (id) => form.querySelector('#' + id).value.trim();
      if (get('f-action')) f.action = get('f-action');
      if (get('f-account')) f.account = get('f-account');
      if (get('f-region')) f.region = get('f-region');
      if (get('f-code')) f.code = get('f-code');
      if (onlyErrors.checked) f.errors = 'true';
      f.limit = limit.value;
      return f;
    };
    let applied = filters();
    const refresh = async () => {
      const data = await getJSON(`${ADMIN}/requests?${new URLSearchParams(applied)}`);
      const list = data.requests.slice().reverse();
      summary.textContent = `${data.count} call${data.count === 1 ? '' : 's'} shown, ${list.filter((r) => r.status >= 400).length} failed`;
      const actions = [...new Set(list.map((r) => r.action).filter(Boolean))].sort();
      form.querySelector('#actions').replaceChildren(...actions.map((a) => h('option', { value: a })));
      fill(t.tbody, list, (rows) => rows.map((r) => h('tr', { class: r.status >= 400 ? 'failed' : null, 'data-request-id': r.requestId },
        h('td', null, stampEl(r.atMs)),
        h('th', { scope: 'row' }, h('div', null, r.action || h('span', { class: 'muted' }, '(no action)')), h('div', { class: 'id small' }, r.requestId)),
        h('td', null, r.account), h('td', { class: 'nowrap' }, r.region),
        h('td', null, r.status >= 400
          ? link('/requests/' + encodeURIComponent(r.requestId), `${r.code} (${r.status})`, null)
          : h('span', { class: 'ok-text' }, `OK (${r.status})`)),
        h('td', { class: 'nowrap' }, `${r.latencyMs.toFixed(1)} ms`))), 'No calls match.', 6);
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const f = filters();
      applied = f;
      const p = new URLSearchParams(scope);
      if (f.action) p.set('action', f.action);
      if (f.account) p.set('caller', f.account);
      if (f.region) p.set('where', f.region);
      if (f.code) p.set('code', f.code);
      if (f.errors) p.set('errors', 'true');
      p.set('limit', f.limit);
      history.replaceState(null, '', `${location.pathname}?${p}`);
      refresh().catch(showError);
    });
    every(SLOW_POLL_MS, refresh);
  }

  function requestPage(id) {
    const main = page(`Request ${id}`);
    getJSON(`${API}/requests/${encodeURIComponent(id)}`).then(({ request: r, error }) => {
      document.title = `${r.action} ${r.code} · Image Builder console`;
      main.append(h('p', null, link('/requests', '← Back to the journal')));
      if (error) {
        main.append(section('error', `Error ${r.code}`,
          h('p', { class: 'alert alert-static' }, h('strong', null, r.code), ` — HTTP ${r.status}`),
          error.documented
            ? h('dl', { class: 'facts' },
              h('div', null, h('dt', null, 'Documented HTTP status'), h('dd', null, String(error.httpStatus))),
              h('div', { class: 'wide' }, h('dt', null, 'What it means'), h('dd', { id: 'error-message' }, error.message)))
            : h('p', null, 'This code is not in the emulator\'s error table.'),
          r.message
            ? h('dl', { class: 'facts' }, h('div', { class: 'wide' }, h('dt', null, 'Message the client received'), h('dd', { id: 'received-message' }, r.message)))
            : null,
          h('p', { class: 'muted small' }, 'The client received this code and message in the {RequestId, HostId, Code, Message, Recommend} error body.')));
      }
      main.append(section('call', 'The call', h('dl', { class: 'facts' },
        h('div', null, h('dt', null, 'Action'), h('dd', null, r.action || '(none)')),
        h('div', null, h('dt', null, 'Time'), h('dd', null, timeEl(r.atMs))),
        h('div', null, h('dt', null, 'Method'), h('dd', null, r.method)),
        h('div', null, h('dt', null, 'Account'), h('dd', null, r.account)),
        h('div', null, h('dt', null, 'Region'), h('dd', null, r.region)),
        h('div', null, h('dt', null, 'Result'), h('dd', null, `${r.code} (HTTP ${r.status})`)),
        h('div', null, h('dt', null, 'Latency'), h('dd', null, `${r.latencyMs.toFixed(1)} ms`)),
        h('div', { class: 'wide' }, h('dt', null, 'RequestId'), h('dd', { class: 'id' }, r.requestId)))));
      const t = table('params', 'Parameters (secrets removed)', ['Name', 'Value']);
      for (const [k, v] of Object.entries(r.params)) t.tbody.append(h('tr', null, h('th', { scope: 'row' }, k), h('td', { class: 'value' }, v)));
      main.append(section('params-s', 'Parameters', t.wrap));
    }).catch(showError);
  }

  // ---------- clock, outcomes, faults ----------

  function emulatorPage() {
    const main = page('Clock, outcomes and fault rules', 'What the emulator is doing to simulated time, builds and API calls right now. Change them with the /_emulator endpoints (see the README).');
    const clock = section('clock-s', 'Clock and modes', h('div', { id: 'modes' }));
    const o = table('outcomes', 'Scripted build outcomes (matched oldest first)', ['Rule', 'Outcome', 'Applies to', 'Message / code', 'Remaining']);
    const f = table('faults', 'Fault rules (tried in the order added)', ['Rule', 'Matches', 'Effect', 'When', 'Matched', 'Fired']);
    main.append(clock, section('outcomes-s', 'Scripted outcomes', o.wrap), section('faults-s', 'Fault injection', f.wrap));
    every(SLOW_POLL_MS, async () => {
      const [health, clk, outcomes, faults] = await Promise.all([
        getJSON(ADMIN + '/health'), getJSON(ADMIN + '/clock'), getJSON(ADMIN + '/outcomes'), getJSON(ADMIN + '/faults')]);
      clock.querySelector('#modes').replaceChildren(h('dl', { class: 'facts' },
        h('div', null, h('dt', null, 'Clock'), h('dd', null, clk.mode)),
        h('div', null, h('dt', null, 'Emulator time'), h('dd', { id: 'emulator-now' }, timeEl(clk.nowMs))),
        h('div', null, h('dt', null, 'Phase duration'), h('dd', null, health.phaseDuration)),
        h('div', null, h('dt', null, 'Signatures'), h('dd', null, health.auth)),
        h('div', null, h('dt', null, 'ID seed'), h('dd', null, health.idSeed === null ? 'random' : String(health.idSeed))),
        h('div', null, h('dt', null, 'Version'), h('dd', null, `${health.version} (API ${health.apiVersion})`)),
        h('div', { class: 'wide' }, h('dt', null, 'Database'), h('dd', { class: 'id' }, health.db))));
      const who = (r) => [r.account && `account ${r.account}`, r.pipeline && `template ${r.pipeline}`,
        r.regions && r.regions.length && `regions ${r.regions.join(', ')}`, r.accounts && r.accounts.length && `accounts ${r.accounts.join(', ')}`].filter(Boolean).join('; ') || 'every build';
      fill(o.tbody, outcomes.outcomes, (l) => l.map((r) => h('tr', null, h('th', { scope: 'row', class: 'id' }, r.id),
        h('td', null, h('code', null, r.outcome)), h('td', null, who(r)),
        h('td', null, [r.message, r.errorCode].filter(Boolean).join(' · ') || '—'),
        h('td', null, r.remaining === null ? 'until deleted' : String(r.remaining)))), 'No scripted outcomes: builds follow the simulation rules.', 5);
      fill(f.tbody, faults.faults, (l) => l.map((r) => {
        const when = [r.probability !== null && `probability ${r.probability}`, r.nth !== null && `call #${r.nth}`,
          r.count !== null && `at most ${r.count}×`, r.afterSeconds !== null && `after ${r.afterSeconds} s`, r.forSeconds !== null && `for ${r.forSeconds} s`].filter(Boolean).join(', ') || 'always';
        return h('tr', null, h('th', { scope: 'row', class: 'id' }, r.id),
          h('td', null, [r.action || 'any action', r.account && `account ${r.account}`, r.region && `region ${r.region}`].filter(Boolean).join(' · ')),
          h('td', null, [r.error && `error ${r.error}`, r.message, r.latencyMs && `+${r.latencyMs} ms`].filter(Boolean).join(' · ')),
          h('td', null, when), h('td', null, String(r.matched)), h('td', null, String(r.fired)));
      }), 'No fault rules: every call is answered normally.', 6);
    });
  }

  function notFoundPage() {
    const main = page('Page not found');
    main.append(h('p', null, 'This console has no such page. ', link('/templates', 'Go to the templates.')));
  }

  // ---------- routing ----------

  function currentRoute() {
    const path = location.pathname.slice(BASE.length).replace(/\/+$/, '') || '/';
    let m;
    if (path === '/' || path === '/templates') return { page: 'templates', nav: 'templates' };
    if (path === '/builds') return { page: 'builds', nav: 'builds' };
    if ((m = path.match(/^\/builds\/([^/]+)$/))) return { page: 'build', nav: 'builds', id: decodeURIComponent(m[1]) };
    if (path === '/images') return { page: 'images', nav: 'images' };
    if (path === '/components') return { page: 'components', nav: 'components' };
    if (path === '/requests') return { page: 'requests', nav: 'requests' };
    if ((m = path.match(/^\/requests\/([^/]+)$/))) return { page: 'request', nav: 'requests', id: decodeURIComponent(m[1]) };
    if (path === '/emulator') return { page: 'emulator', nav: 'emulator' };
    return { page: 'notfound' };
  }

  async function start() {
    await initScope();
    startClock();
    const route = currentRoute();
    for (const a of document.querySelectorAll('.sidenav a[data-page]')) {
      if (a.dataset.page === route.nav) a.setAttribute('aria-current', 'page');
    }
    const pages = {
      templates: templatesPage, builds: buildsPage, build: () => buildPage(route.id), images: imagesPage,
      components: componentsPage, requests: requestsPage, request: () => requestPage(route.id),
      emulator: emulatorPage, notfound: notFoundPage,
    };
    pages[route.page]();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
