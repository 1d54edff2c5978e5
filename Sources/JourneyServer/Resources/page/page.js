// The journey map page: reads the server's API (GET /v1/model, /v1/map, /v1/customers/at-risk,
// /v1/customers/{id}, …/journey, …/identities, /v1/projections) and draws the map as SVG.
// Nothing is fetched from anywhere but this server.
'use strict';

const state = {
  token: sessionStorage.getItem('journey-token') || '',
  model: null,
  checkpoint: null,
  maps: [],
  riskNext: null,
  refreshing: false,
};
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';

class AuthError extends Error {}

// MARK: API

async function api(path) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  const response = await fetch(path, { headers });
  if (response.status === 401) {
    throw new AuthError(state.token ? 'That token was refused: enter a valid one.' : 'This server needs a token to read.');
  }
  if (response.status === 403) throw new AuthError('That token may not read: it needs the read scope.');
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) {
    const error = new Error((body && body.detail) || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function setStatus(text, isError) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', !!isError);
}

function askForToken(message) {
  $('app').hidden = true;
  $('auth').hidden = false;
  $('auth-message').textContent = message;
  setStatus(message, true);
  $('token').focus();
}

// MARK: Formatting

const number = new Intl.NumberFormat('en');
const fmt = (n) => (n === null || n === undefined ? '–' : number.format(n));
const pct = (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
const signed = (x) => (x === null || x === undefined ? '–' : (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(2));
function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}
const touchName = (t) => [t.type, t.touchpoint, t.channel].filter((x) => x).join(' · ');
const day = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '–');
function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + '…' : text; }

// The theme's colours, read once per drawing (reading computed styles is slow).
let palette = new Map();
function colour(name) {
  if (!palette.has(name)) palette.set(name, getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888');
  return palette.get(name);
}
// Sentiment as a colour and a symbol: blue ▲ for positive, orange ▼ for negative, grey ● near zero.
function mood(v) {
  if (v === null || v === undefined) return { fill: colour('--neutral'), mark: '○', word: 'no sentiment' };
  if (v > 0.1) return { fill: colour('--good'), mark: '▲', word: 'positive' };
  if (v < -0.1) return { fill: colour('--bad'), mark: '▼', word: 'negative' };
  return { fill: colour('--neutral'), mark: '●', word: 'neutral' };
}

// MARK: Drawing

function node(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// The map of one segment as an SVG: stages as columns; bars of reached and now; conversion and
// time to next between the columns; the emotion curve across them; touchpoints, pain points,
// moments of truth and KPIs below.
function drawMap(map) {
  palette = new Map();
  const stages = map.stages;
  const cw = 200, left = 10, width = left * 2 + cw * stages.length;
  const fg = colour('--fg'), muted = colour('--muted'), line = colour('--line');
  const y = { head: 22, bars: 40, barH: 90, curve: 238, curveH: 40, touch: 322, pain: 474, moments: 560, kpis: 652, end: 724 };
  const svg = node('svg', {
    xmlns: SVG, viewBox: `0 0 ${width} ${y.end}`, role: 'img', 'font-family': 'system-ui, sans-serif', 'font-size': 12,
    'aria-label': `Journey map of ${map.segmentName}, ${map.customers} customers`,
  });
  svg.appendChild(node('title', {}, `Journey map: ${map.segmentName} (${fmt(map.customers)} customers)`));
  svg.appendChild(node('desc', {}, 'Stages as columns with customers reached and now in each, conversion and time to the next stage, the mean sentiment per stage, top touchpoints, pain points, moments of truth and KPIs. The table view below has the same figures.'));
  svg.appendChild(node('rect', { x: 0, y: 0, width, height: y.end, fill: colour('--bg') }));
  const maxReached = Math.max(1, ...stages.map((s) => s.reached));
  const text = (x, yy, t, attrs) => svg.appendChild(node('text', Object.assign({ x, y: yy, fill: fg }, attrs || {}), t));
  // Row labels down the left of each block are the stage headers' job; guides:
  svg.appendChild(node('line', { x1: left, x2: width - left, y1: y.curve, y2: y.curve, stroke: line, 'stroke-dasharray': '4 4' }));
  text(width - left, y.curve - 4, 'sentiment 0', { 'text-anchor': 'end', fill: muted, 'font-size': 10 });
  const points = [];
  stages.forEach((s, i) => {
    const x0 = left + i * cw, cx = x0 + cw / 2;
    const g = node('g', { 'data-stage': s.stage });
    svg.appendChild(g);
    const t = (xx, yy, v, attrs) => g.appendChild(node('text', Object.assign({ x: xx, y: yy, fill: fg }, attrs || {}), v));
    t(cx, y.head, s.stage, { 'text-anchor': 'middle', 'font-weight': 700, 'font-size': 14 });
    // Bars: reached (light) and now in the stage (dark), on one scale.
    const bw = 44, rh = (s.reached / maxReached) * y.barH, ch = (s.current / maxReached) * y.barH;
    g.appendChild(node('rect', { x: cx - bw - 4, y: y.bars + y.barH - rh, width: bw, height: rh, fill: colour('--reached') }));
    g.appendChild(node('rect', { x: cx + 4, y: y.bars + y.barH - ch, width: bw, height: ch, fill: colour('--current') }));
    t(cx - bw / 2 - 4, y.bars + y.barH + 14, fmt(s.reached), { 'text-anchor': 'middle', 'data-field': 'reached' });
    t(cx + bw / 2 + 4, y.bars + y.barH + 14, fmt(s.current), { 'text-anchor': 'middle', 'data-field': 'current' });
    t(cx - bw / 2 - 4, y.bars + y.barH + 27, 'reached', { 'text-anchor': 'middle', fill: muted, 'font-size': 10 });
    t(cx + bw / 2 + 4, y.bars + y.barH + 27, 'now', { 'text-anchor': 'middle', fill: muted, 'font-size': 10 });
    if (s.current > 0) {
      t(cx, y.bars + y.barH + 40, `${fmt(s.inProgress)} in progress · ${fmt(s.stalled)} stalled`, { 'text-anchor': 'middle', fill: muted, 'font-size': 10 });
    }
    // Between this column and the next: conversion and time to next.
    if (i + 1 < stages.length) {
      const xb = x0 + cw;
      g.appendChild(node('path', { d: `M${xb - 14} ${y.bars + 30} l14 8 l-14 8`, fill: 'none', stroke: muted }));
      t(xb, y.bars + 10, pct(s.conversionToNext), { 'text-anchor': 'middle', 'font-weight': 600, 'data-field': 'conversionToNext' });
      t(xb, y.bars + 22, `of ${fmt(s.reached)}`, { 'text-anchor': 'middle', fill: muted, 'font-size': 10 });
      if (s.timeToNext && s.timeToNext.customers > 0) {
        t(xb, y.bars + 62, `p50 ${duration(s.timeToNext.p50Seconds)}`, { 'text-anchor': 'middle', 'font-size': 10 });
        t(xb, y.bars + 74, `p90 ${duration(s.timeToNext.p90Seconds)}`, { 'text-anchor': 'middle', 'font-size': 10 });
        t(xb, y.bars + 86, `n=${fmt(s.timeToNext.customers)}`, { 'text-anchor': 'middle', fill: muted, 'font-size': 10 });
      }
    }
    // The emotion curve's point for this stage.
    if (s.sentiment.mean !== null && s.sentiment.mean !== undefined) {
      const py = y.curve - s.sentiment.mean * y.curveH;
      points.push([cx, py]);
      const m = mood(s.sentiment.mean);
      g.appendChild(node('circle', { cx, cy: py, r: 5, fill: m.fill }));
      t(cx, py - 10, `${m.mark} ${signed(s.sentiment.mean)}`, { 'text-anchor': 'middle', 'font-weight': 600, 'data-field': 'sentiment' });
      t(cx, y.curve + y.curveH + 14, `n=${fmt(s.sentiment.count)} events`, { 'text-anchor': 'middle', fill: muted, 'font-size': 10 });
    }
    // Top touchpoints: a volume bar, a sentiment mark and colour, the customers.
    t(x0 + 8, y.touch - 8, 'Top touchpoints', { fill: muted, 'font-size': 10 });
    const maxCustomers = Math.max(1, ...s.touchpoints.map((tp) => tp.customers));
    s.touchpoints.slice(0, 5).forEach((tp, k) => {
      const ty = y.touch + k * 26, m = mood(tp.sentiment);
      g.appendChild(node('rect', { x: x0 + 8, y: ty + 14, width: (cw - 24) * tp.customers / maxCustomers, height: 4, fill: m.fill }));
      const label = t(x0 + 8, ty + 10, `${m.mark} ${clip(touchName(tp), 24)}`, { 'font-size': 11 });
      label.appendChild(node('title', {}, `${touchName(tp)}: ${fmt(tp.customers)} customers, ${fmt(tp.events)} events, sentiment ${signed(tp.sentiment)} (${m.word})`));
      t(x0 + cw - 12, ty + 10, fmt(tp.customers), { 'text-anchor': 'end', fill: muted, 'font-size': 10 });
    });
    // Pain points (⚠) and moments of truth (★ raises / ☆ lowers), with their customers.
    t(x0 + 8, y.pain - 8, 'Pain points', { fill: muted, 'font-size': 10 });
    if (s.painPoints.length === 0) t(x0 + 8, y.pain + 8, 'none found', { fill: muted, 'font-size': 11 });
    s.painPoints.slice(0, 3).forEach((p, k) => {
      const label = t(x0 + 8, y.pain + 8 + k * 22, `⚠ ${clip(touchName(p), 22)}`, { fill: colour('--warn'), 'font-size': 11, 'data-field': 'painPoint' });
      label.appendChild(node('title', {}, `${touchName(p)}: ${(p.reasons || []).join(' and ')}; ${fmt(p.customers)} customers`));
      t(x0 + 20, y.pain + 19 + k * 22, `${(p.reasons || []).join(', ')} · n=${fmt(p.customers)}`, { fill: muted, 'font-size': 9 });
    });
    t(x0 + 8, y.moments - 8, 'Moments of truth (correlation)', { fill: muted, 'font-size': 10 });
    if (s.momentsOfTruth.length === 0) t(x0 + 8, y.moments + 8, 'none found', { fill: muted, 'font-size': 11 });
    s.momentsOfTruth.slice(0, 3).forEach((mt, k) => {
      const label = t(x0 + 8, y.moments + 8 + k * 24, `${mt.effect === 'raises' ? '★' : '☆'} ${clip(touchName(mt), 22)}`, { 'font-size': 11, 'data-field': 'momentOfTruth' });
      label.appendChild(node('title', {}, `${touchName(mt)}: lift ${mt.lift.toFixed(2)} (${mt.effect} the chance to move on; a correlation, not a cause); ${fmt(mt.customers)} customers`));
      t(x0 + 20, y.moments + 20 + k * 24, `lift ×${mt.lift.toFixed(2)} ${mt.effect} · n=${fmt(mt.customers)}`, { fill: muted, 'font-size': 9 });
    });
    // KPIs.
    t(x0 + 8, y.kpis - 8, 'KPIs (customers now here)', { fill: muted, 'font-size': 10 });
    const kpis = [];
    if (s.kpis.nps) kpis.push(`NPS ${s.kpis.nps.score.toFixed(0)} (n=${fmt(s.kpis.nps.customers)})`);
    for (const [id, v] of Object.entries(s.kpis.metrics || {})) kpis.push(`${id.toUpperCase()} ${v.mean.toFixed(2)} (n=${fmt(v.customers)})`);
    if (s.kpis.actionsPerCustomer !== null && s.kpis.actionsPerCustomer !== undefined && s.kpis.actionsPerCustomer > 0) kpis.push(`${s.kpis.actionsPerCustomer.toFixed(2)} advocacy actions each`);
    if (kpis.length === 0) kpis.push('no readings');
    kpis.forEach((k, n) => t(x0 + 8, y.kpis + 8 + n * 16, k, { 'font-size': 11 }));
  });
  if (points.length > 1) {
    svg.insertBefore(node('polyline', { points: points.map((p) => p.join(',')).join(' '), fill: 'none', stroke: colour('--curve'), 'stroke-width': 2.5 }), svg.children[3]);
  }
  text(left, y.end - 8, `${map.segmentName}: ${fmt(map.customers)} customers${map.from ? ` first seen ${day(map.from)} – ${day(map.to)}` : ''} · model ${map.modelVersion} · at ${day(map.at)}`, { fill: muted, 'font-size': 10 });
  return svg;
}

// The same figures as a table (the charts' text alternative; the browser test reads it).
function drawTable(map) {
  const table = document.createElement('table');
  table.dataset.segment = map.segment;
  table.innerHTML = `<caption>${escapeHTML(map.segmentName)}: ${fmt(map.customers)} customers</caption>
    <thead><tr><th scope="col">Stage</th><th scope="col" class="num">Reached</th><th scope="col" class="num">Now</th>
    <th scope="col" class="num">Conversion to next</th><th scope="col" class="num">Time to next p50 / p90 (customers)</th>
    <th scope="col" class="num">In progress / stalled</th><th scope="col" class="num">Sentiment (events)</th>
    <th scope="col">KPIs</th><th scope="col">Pain points</th><th scope="col">Moments of truth</th></tr></thead>`;
  const body = document.createElement('tbody');
  for (const s of map.stages) {
    const tr = document.createElement('tr');
    tr.dataset.stage = s.stage;
    const kpis = [];
    if (s.kpis.nps) kpis.push(`NPS ${s.kpis.nps.score.toFixed(1)} (${fmt(s.kpis.nps.customers)})`);
    for (const [id, v] of Object.entries(s.kpis.metrics || {})) kpis.push(`${id} ${v.mean.toFixed(2)} (${fmt(v.customers)})`);
    const cells = [
      ['stage', s.stage, false], ['reached', fmt(s.reached), true], ['current', fmt(s.current), true],
      ['conversionToNext', s.conversionToNext === null || s.conversionToNext === undefined ? '–' : `${pct(s.conversionToNext)} of ${fmt(s.reached)}`, true],
      ['timeToNext', s.timeToNext ? `${duration(s.timeToNext.p50Seconds)} / ${duration(s.timeToNext.p90Seconds)} (${fmt(s.timeToNext.customers)})` : '–', true],
      ['progress', `${fmt(s.inProgress)} / ${fmt(s.stalled)}`, true],
      ['sentiment', `${signed(s.sentiment.mean)} (${fmt(s.sentiment.count)})`, true],
      ['kpis', kpis.join('; ') || '–', false],
      ['painPoints', s.painPoints.map((p) => `${touchName(p)} [${(p.reasons || []).join(', ')}] (${fmt(p.customers)})`).join('; ') || '–', false],
      ['moments', s.momentsOfTruth.map((m) => `${touchName(m)} ×${m.lift.toFixed(2)} ${m.effect} (${fmt(m.customers)})`).join('; ') || '–', false],
    ];
    for (const [field, value, numeric] of cells) {
      const td = document.createElement(field === 'stage' ? 'th' : 'td');
      if (field === 'stage') td.scope = 'row';
      td.dataset.field = field;
      if (numeric) td.className = 'num';
      td.textContent = value;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  table.appendChild(body);
  return table;
}

function escapeHTML(s) { return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }

// MARK: The map

function mapQuery(segment) {
  const p = new URLSearchParams();
  if (segment && segment !== 'all') p.set('segment', segment);
  if ($('from').value) p.set('from', `${$('from').value}T00:00:00Z`);
  if ($('to').value) p.set('to', `${$('to').value}T00:00:00Z`);
  if ($('at').value) p.set('at', `${$('at').value}T00:00:00Z`);
  const q = p.toString();
  return '/v1/map' + (q ? '?' + q : '');
}

async function loadMaps() {
  const segments = [$('segment').value || 'all'];
  if ($('compare').value) segments.push($('compare').value);
  const maps = await Promise.all(segments.map((s) => api(mapQuery(s))));
  state.maps = maps;
  const container = $('maps');
  container.replaceChildren();
  container.classList.toggle('compare', maps.length > 1);
  const tables = $('tables');
  tables.replaceChildren();
  maps.forEach((map, i) => {
    const figure = document.createElement('figure');
    figure.className = 'map';
    figure.dataset.segment = map.segment;
    const title = document.createElement('h2');
    title.textContent = `${map.segmentName} · ${fmt(map.customers)} customers`;
    figure.appendChild(title);
    figure.appendChild(drawMap(map));
    container.appendChild(figure);
    tables.appendChild(drawTable(map));
    if (i === 0) document.title = `Journey map · ${map.segmentName}`;
  });
  setStatus(`Updated ${new Date().toLocaleTimeString()} · ${fmt(maps[0].customers)} customers${$('from').value || $('to').value ? ' in the cohort' : ''}`);
  if (!state.firstDrawn) {
    state.firstDrawn = true;
    performance.mark('journey-map-drawn');
  }
}

// MARK: Customers at risk

async function loadRisk(more) {
  const p = new URLSearchParams({ limit: '50' });
  if ($('risk-stage').value) p.set('stage', $('risk-stage').value);
  if ($('risk-reason').value) p.set('reason', $('risk-reason').value);
  if ($('at').value) p.set('at', `${$('at').value}T00:00:00Z`);
  if (more && state.riskNext) p.set('after', state.riskNext);
  const page = await api('/v1/customers/at-risk?' + p);
  const body = $('risk-table').tBodies[0];
  if (!more) body.replaceChildren();
  for (const c of page.customers) {
    const tr = document.createElement('tr');
    const link = document.createElement('a');
    link.href = '#customer=' + encodeURIComponent(c.customerId);
    link.textContent = c.customerId;
    const td = document.createElement('td');
    td.appendChild(link);
    tr.appendChild(td);
    for (const v of [c.reasons.join(', '), c.stage || '–', day(c.since), day(c.lastSeen), c.lastTouchpoint || '–']) {
      const cell = document.createElement('td');
      cell.textContent = v;
      tr.appendChild(cell);
    }
    body.appendChild(tr);
  }
  if (body.children.length === 0) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td colspan="6">No customer at risk for this choice.</td>';
    body.appendChild(tr);
  }
  state.riskNext = page.next || null;
  $('risk-more').hidden = !state.riskNext;
}

// MARK: One customer

async function loadCustomer(id) {
  const out = $('customer');
  const asOf = $('as-of').value ? `?asOf=${$('as-of').value}T23:59:59Z` : '';
  const path = '/v1/customers/' + encodeURIComponent(id);
  let customer, journey, identities;
  try {
    [customer, journey, identities] = await Promise.all([api(path + asOf), api(path + '/journey' + asOf), api(path + '/identities')]);
  } catch (e) {
    if (e instanceof AuthError) throw e;
    out.replaceChildren(paragraph(e.status === 404 ? `No customer or visitor ${id} in the store.` : `Could not load ${id}: ${e.message}`));
    return;
  }
  out.replaceChildren();
  out.dataset.customer = customer.customerId;
  const head = document.createElement('h3');
  head.textContent = `${customer.customerId}: ${customer.stage || 'no stage yet'}${customer.since ? ' since ' + day(customer.since) : ''}`;
  out.appendChild(head);
  out.appendChild(paragraph(`${fmt(customer.eventCount)} events · first seen ${day(customer.firstSeen)} · last seen ${day(customer.lastSeen)} · advocacy ${customer.advocacy.level}${customer.advocacy.detractor ? ' · detractor' : ''}${customer.asOf ? ' · as of ' + day(customer.asOf) : ''}`));
  const sections = [
    ['Stage changes', 'stage-changes', journey.transitions.map((t) => `${t.from || '(start)'} → ${t.to} at ${day(t.at)}, by ${t.type} (event ${t.eventId}, rule ${t.rule})${t.regression ? ', a regression' : ''}`)],
    ['Advocacy changes', 'advocacy-changes', journey.advocacy.map((c) => `${c.from} → ${c.to} at ${day(c.at)}; evidence: ${c.evidence.map((e) => `${e.type} ${day(e.occurredAt)}`).join(', ') || 'none'}`)],
    ['Identity links', 'identity-links', (identities.identities || []).filter((i) => i.linkedTo).map((i) =>
      `${i.kind} ${i.id}, linked to ${i.linkedTo} by ${i.type || 'a record'} at ${day(i.recordedAt)}${i.by ? ` (by ${i.by}${i.reason ? ': ' + i.reason : ''})` : ''}`)],
  ];
  for (const [title, key, items] of sections) {
    const h = document.createElement('h4');
    h.textContent = title;
    out.appendChild(h);
    const list = document.createElement('ul');
    list.className = 'timeline';
    list.dataset.list = key;
    for (const text of items.length ? items : ['none']) {
      const li = document.createElement('li');
      li.textContent = text;
      list.appendChild(li);
    }
    out.appendChild(list);
  }
  const h = document.createElement('h4');
  h.textContent = 'Timeline';
  out.appendChild(h);
  const table = document.createElement('table');
  table.innerHTML = '<thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Touchpoint</th><th scope="col">Channel</th><th scope="col" class="num">Sentiment</th><th scope="col">Stage</th></tr></thead>';
  const body = document.createElement('tbody');
  for (const e of journey.events) {
    const tr = document.createElement('tr');
    const m = mood(e.sentiment);
    const values = [day(e.occurredAt), e.type + (e.action ? ` (advocacy: ${e.action})` : ''), e.touchpoint || '–', e.channel || '–',
      e.sentiment === null || e.sentiment === undefined ? '–' : `${m.mark} ${signed(e.sentiment)}`, (e.stage || '–') + (e.moved ? ' ⟵ moved' : '')];
    values.forEach((v, i) => {
      const td = document.createElement('td');
      td.textContent = v;
      if (i === 4) td.className = 'num ' + (e.sentiment < -0.1 ? 'neg' : e.sentiment > 0.1 ? 'pos' : '');
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  table.appendChild(body);
  out.appendChild(table);
}

function paragraph(text) { const p = document.createElement('p'); p.textContent = text; return p; }

// MARK: Export

function serializedSVG(index) {
  const svg = document.querySelectorAll('#maps svg')[index || 0];
  return new XMLSerializer().serializeToString(svg);
}

function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function exportName(ext) {
  const map = state.maps[0];
  return `journey-map-${map ? map.segment : 'all'}.${ext}`;
}

function exportSVG() { download(new Blob([serializedSVG(0)], { type: 'image/svg+xml' }), exportName('svg')); }

function exportPNG() {
  const svg = document.querySelector('#maps svg');
  const box = svg.viewBox.baseVal;
  const image = new Image();
  image.onload = () => {
    const scale = 2, canvas = document.createElement('canvas');
    canvas.width = box.width * scale;
    canvas.height = box.height * scale;
    const ctx = canvas.getContext('2d');
    ctx.scale(scale, scale);
    ctx.drawImage(image, 0, 0, box.width, box.height);
    URL.revokeObjectURL(image.src);
    canvas.toBlob((blob) => download(blob, exportName('png')), 'image/png');
  };
  image.src = URL.createObjectURL(new Blob([serializedSVG(0)], { type: 'image/svg+xml' }));
}

// MARK: Live

// Polls the projections once a second; when the journey map has applied new events, the map
// (and the list at risk) are fetched again. At most one refresh a second.
async function poll() {
  try {
    const status = await api('/v1/projections');
    const map = status.find((p) => p.name === 'journey-map');
    if (map && state.checkpoint !== null && map.checkpoint !== state.checkpoint && !state.refreshing) {
      state.refreshing = true;
      try { await loadMaps(); await loadRisk(false); } finally { state.refreshing = false; }
    }
    if (map) state.checkpoint = map.checkpoint;
  } catch (e) {
    handle(e);
  }
  setTimeout(poll, 1000);
}

function handle(e) {
  if (e instanceof AuthError) askForToken(e.message);
  else setStatus(`Could not load: ${e.message}`, true);
}

// MARK: Start

async function start() {
  // The map of everyone does not need the model: both are asked for at once.
  const first = loadMaps();
  first.catch(() => {});  // handled below, once the model is in; not an unhandled rejection meanwhile
  try {
    state.model = await api('/v1/model');
  } catch (e) {
    handle(e);
    return;
  }
  $('auth').hidden = true;
  $('app').hidden = false;
  const segment = $('segment'), compare = $('compare');
  segment.replaceChildren();
  compare.replaceChildren(new Option('(none)', ''));
  segment.appendChild(new Option('Every customer', 'all'));
  for (const s of state.model.segments || []) {
    segment.appendChild(new Option(s.name || s.id, s.id));
    compare.appendChild(new Option(s.name || s.id, s.id));
  }
  compare.insertBefore(new Option('Every customer', 'all'), compare.children[1]);
  const stage = $('risk-stage');
  stage.replaceChildren(new Option('any', ''));
  for (const s of state.model.stages) stage.appendChild(new Option(s, s));
  try {
    await first;
    await loadRisk(false);
    const status = await api('/v1/projections');
    const map = status.find((p) => p.name === 'journey-map');
    state.checkpoint = map ? map.checkpoint : 0;
    const wanted = new URLSearchParams(location.hash.slice(1)).get('customer');
    if (wanted) { $('customer-id').value = wanted; await loadCustomer(wanted); }
  } catch (e) {
    handle(e);
  }
  if (!state.polling) { state.polling = true; setTimeout(poll, 1000); }
}

function wire() {
  $('auth').addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem('journey-token', state.token);
    $('token').value = '';
    setStatus('Loading…');
    start();
  });
  for (const id of ['segment', 'compare', 'from', 'to']) $(id).addEventListener('change', () => loadMaps().catch(handle));
  $('at').addEventListener('change', () => Promise.all([loadMaps(), loadRisk(false)]).catch(handle));
  for (const id of ['risk-stage', 'risk-reason']) $(id).addEventListener('change', () => loadRisk(false).catch(handle));
  $('risk-more').addEventListener('click', () => loadRisk(true).catch(handle));
  $('customer-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = $('customer-id').value.trim();
    if (id) { history.replaceState(null, '', '#customer=' + encodeURIComponent(id)); loadCustomer(id).catch(handle); }
  });
  window.addEventListener('hashchange', () => {
    const id = new URLSearchParams(location.hash.slice(1)).get('customer');
    if (id) { $('customer-id').value = id; loadCustomer(id).then(() => $('customer').scrollIntoView()).catch(handle); }
  });
  $('export-svg').addEventListener('click', exportSVG);
  $('export-png').addEventListener('click', exportPNG);
  $('print').addEventListener('click', () => window.print());
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => loadMaps().catch(handle));
}

wire();
start();
