// The dashboard page: polls GET /dashboard/data every 2 s and draws it with plain DOM and uPlot.
// With GATEWAY_API_KEYS set the data needs an admin key: asked for once, kept in this tab's
// session storage, sent as x-api-key. Everything shown is set as text, never as HTML.
(() => {
  'use strict';
  const POLL_MS = 2000;
  const KEY_STORAGE = 'llm-gateway-admin-key';
  const WINDOWS = ['minute', 'hour', 'day'];
  const OUTCOMES = [
    ['completed', '#116329'],
    ['rejected', '#9a6700'],
    ['failed', '#cf222e'],
    ['interrupted', '#bc4c00'],
    ['cancelled', '#8c959f'],
  ];
  const PALETTE = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#bc4c00', '#57606a'];

  const $ = (id) => document.getElementById(id);
  const charts = {};
  let timer = null;

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else node.setAttribute(name, String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  const number = (value) => (typeof value === 'number' ? value.toLocaleString('en-US') : '–');
  const time = (iso) => new Date(iso).toLocaleTimeString();

  function stateOf(model) {
    if (!model.enabled) return ['disabled', 'disabled'];
    if (model.circuit.state === 'open') return ['open', 'circuit open'];
    if (model.cooldownUntil && Date.parse(model.cooldownUntil) > Date.now()) return ['cooling', 'cooling down'];
    if (!model.available) return ['unavailable', 'unavailable'];
    return ['available', 'available'];
  }

  /** A bar: used (blue), reserved by requests in flight (grey), against the limit. */
  function bar(label, used, reserved, limit) {
    const share = (value) => `${Math.min(100, (100 * value) / limit).toFixed(1)}%`;
    const track = el('div', { class: 'track', role: 'img', 'aria-label': `${label}: ${used} used, ${reserved} reserved of ${limit}` });
    const usedPart = el('span', { class: 'used' });
    usedPart.style.width = share(used);
    const reservedPart = el('span', { class: 'reserved' });
    reservedPart.style.left = share(used);
    reservedPart.style.width = share(reserved);
    track.append(usedPart, reservedPart);
    return el('div', { class: 'bar', 'data-window': label },
      el('div', { class: 'label' }, el('span', {}, label), el('span', {}, `${number(used)}${reserved ? ` (+${number(reserved)} in flight)` : ''} / ${number(limit)}`)),
      track);
  }

  function deploymentCard(model, usage, latency) {
    const [stateClass, stateText] = stateOf(model);
    const card = el('article', { class: 'card', 'data-key': model.key, 'aria-label': model.key },
      el('h3', {}, model.id),
      el('p', { class: 'provider' }, `${model.provider} · serves ${model.model}`),
      el('span', { class: `state ${stateClass}`, 'data-state': stateClass }, stateText));
    if (stateClass === 'cooling') card.append(el('p', { class: 'reason' }, `until ${time(model.cooldownUntil)}`));
    else if (stateClass === 'open') card.append(el('p', { class: 'reason' }, `until ${model.circuit.openUntil ? time(model.circuit.openUntil) : '–'} (${model.circuit.recentFailures} of ${model.circuit.recentAttempts} recent attempts failed)`));
    else if (model.reason) card.append(el('p', { class: 'reason' }, model.reason));
    const limits = model.configuredLimits || {};
    for (const window of WINDOWS) {
      const counts = usage && usage.windows[window];
      if (!counts) continue;
      const name = window[0].toUpperCase() + window.slice(1);
      const requestLimit = limits[`requestsPer${name}`];
      const tokenLimit = limits[`tokensPer${name}`];
      if (requestLimit) card.append(bar(`requests / ${window}`, counts.requests, 0, requestLimit));
      if (tokenLimit) card.append(bar(`tokens / ${window}`, counts.promptTokens + counts.completionTokens, counts.reservedTokens, tokenLimit));
    }
    if (model.rateLimit) {
      const parts = model.rateLimit.windows
        .filter((entry) => entry.remaining !== undefined)
        .map((entry) => `${entry.resource}/${entry.window}: ${number(entry.remaining)}${entry.limit !== undefined ? ` of ${number(entry.limit)}` : ''} left${entry.resetAt ? `, resets ${time(entry.resetAt)}` : ''}`);
      if (parts.length) card.append(el('p', { class: 'provider-report' }, `${model.provider} reports: ${parts.join('; ')}`));
    }
    if (latency) {
      card.append(el('p', { class: 'meta' }, `last 5 minutes, ${number(latency.count)} answers: first token p50 ${number(latency.p50Ms)} ms, p95 ${number(latency.p95Ms)} ms` +
        (latency.tokensPerSecondP50 !== null ? `; then ${number(latency.tokensPerSecondP50)} tokens/s (median)` : '')));
    }
    return card;
  }

  function renderDeployments(data) {
    const usageByKey = new Map(data.usage.models.map((entry) => [entry.key, entry]));
    const latency = new Map(data.recentAnswers.map((entry) => [entry.deployment, entry]));
    $('deployments').replaceChildren(...data.models.models.map((model) => deploymentCard(model, usageByKey.get(model.key), latency.get(model.key))));
    $('strategy').textContent = `Rotation: ${data.models.strategy}${data.models.autoFallback ? ', with fallback' : ', no fallback'}.`;
    $('groups').replaceChildren(...data.models.groups.map((group) =>
      el('li', { 'data-model': group.model }, el('strong', {}, group.model), ` (${group.available ? 'can serve' : 'cannot serve now'}): ${group.deployments.join(', ')}. `,
        el('span', { class: 'next', 'data-next': group.nextPick || '' }, `Next: ${nextPick(group, data.models.strategy)}`))));
  }

  /** Where the model's next request goes first, as the rotation and the limits stand. */
  function nextPick(group, strategy) {
    if (group.nextPick) return group.nextPick;
    return strategy === 'random' ? 'drawn at random per request' : 'none has room now';
  }

  function renderRequests(data) {
    $('requests').tBodies[0].replaceChildren(...data.recentRequests.map((entry) => el('tr', { 'data-request-id': entry.requestId },
      el('td', {}, time(entry.finishedAt)),
      el('td', {}, entry.client || '–'),
      el('td', {}, entry.requestedModel || 'auto'),
      el('td', {}, entry.cache === 'hit' ? 'cache' : entry.deployment || '–'),
      el('td', { class: 'failed' }, entry.failedAttempts.map((attempt) => `${attempt.deployment}: ${attempt.reason}`).join('; ') || '–'),
      el('td', {}, entry.timeToFirstTokenMs === null ? '–' : number(entry.timeToFirstTokenMs)),
      el('td', {}, number(entry.durationMs)),
      el('td', {}, number(entry.promptTokens + entry.completionTokens)),
      el('td', { class: `outcome-${entry.outcome}` }, entry.errorCode ? `${entry.outcome} (${entry.errorCode})` : entry.outcome))));
    $('clients').tBodies[0].replaceChildren(...(data.usage.clients.length ? data.usage.clients.map((client) => el('tr', { 'data-client': client.name },
      el('td', {}, client.name),
      el('td', {}, `${number(client.minute.requests)}${client.minute.requestLimit ? ` / ${number(client.minute.requestLimit)}` : ''}`),
      el('td', {}, `${number(client.day.tokens)}${client.day.tokenLimit ? ` / ${number(client.day.tokenLimit)}` : ''}`),
      el('td', {}, number(client.requests)),
      el('td', {}, number(client.rejected)))) : [el('tr', {}, el('td', { colspan: 5 }, 'No access keys configured.'))]));
  }

  /** Draws (or redraws with new data) one uPlot chart; the series are fixed per chart, or rebuilt when they change. */
  function chart(id, seriesNames, colours, columns, stacked) {
    const target = $(id);
    const width = Math.max(280, target.clientWidth || 320);
    const signature = seriesNames.join('|');
    const existing = charts[id];
    if (existing && existing.signature === signature) {
      existing.plot.setData(columns);
      if (Math.abs(existing.plot.width - width) > 2) existing.plot.setSize({ width, height: 200 });
      return;
    }
    if (existing) existing.plot.destroy();
    const options = {
      width,
      height: 200,
      series: [{}, ...seriesNames.map((name, index) => ({ label: name, stroke: colours[index % colours.length], width: 2, fill: stacked ? `${colours[index % colours.length]}22` : undefined }))],
      axes: [{}, { size: 50 }],
      scales: { y: { range: (_u, min, max) => [0, Math.max(1, max)] } },
    };
    charts[id] = { signature, plot: new uPlot(options, columns, target) };
    target.dataset.drawn = 'true';
  }

  /** The response cache over the charts' minutes. */
  function renderCache(data) {
    if (data.cacheMode === 'off') {
      $('cache-summary').textContent = 'Response cache: off (CACHE).';
      return;
    }
    const total = data.traffic.reduce((sum, minute) => ({
      hits: sum.hits + minute.cache.hits, misses: sum.misses + minute.cache.misses, bytes: sum.bytes + minute.cache.bytesServed,
    }), { hits: 0, misses: 0, bytes: 0 });
    const lookups = total.hits + total.misses;
    const ratio = lookups > 0 ? `, ${Math.round((100 * total.hits) / lookups)}% hits` : '';
    $('cache-summary').textContent = `Response cache (${data.cacheMode}): ${number(total.hits)} hits, ${number(total.misses)} misses${ratio}; ${number(Math.round(total.bytes / 1024))} KiB served from it.`;
  }

  function renderCharts(data) {
    renderCache(data);
    if (typeof uPlot === 'undefined') return;
    const xs = data.traffic.map((minute) => Date.parse(minute.start) / 1000);
    chart('chart-requests', OUTCOMES.map(([name]) => name), OUTCOMES.map(([, colour]) => colour), [xs, ...OUTCOMES.map(([name]) => data.traffic.map((minute) => minute.requests[name]))], true);
    chart('chart-tokens', ['tokens'], [PALETTE[0]], [xs, data.traffic.map((minute) => minute.tokens)], true);
    chart('chart-fallbacks', ['fallbacks'], ['#bc4c00'], [xs, data.traffic.map((minute) => minute.fallbacks)], true);
    const deployments = [...new Set(data.traffic.flatMap((minute) => minute.timeToFirstToken.map((entry) => entry.deployment)))].sort((a, b) => a.localeCompare(b));
    const names = deployments.flatMap((deployment) => [`${deployment} p50`, `${deployment} p95`]);
    const columns = [xs, ...deployments.flatMap((deployment) => ['p50Ms', 'p95Ms'].map((field) => data.traffic.map((minute) => {
      const entry = minute.timeToFirstToken.find((candidate) => candidate.deployment === deployment);
      return entry ? entry[field] : null;
    })))];
    chart('chart-ttft', names.length ? names : ['no answers yet'], PALETTE.flatMap((colour) => [colour, colour]), names.length ? columns : [xs, xs.map(() => null)], false);
  }

  function render(data) {
    $('open-warning').hidden = !data.openGateway;
    $('key-form').hidden = true;
    $('content').hidden = false;
    renderDeployments(data);
    // Every replica's traffic with REDIS_URL; this replica's alone otherwise (or while Redis is unreachable).
    for (const scope of document.querySelectorAll('[data-scope]')) scope.textContent = data.activityScope === 'shared' ? '(all replicas)' : '(this replica)';
    renderRequests(data);
    renderCharts(data);
    $('status').textContent = `Updated ${time(data.generatedAt)} · ${data.models.models.filter((model) => model.available).length} of ${data.models.models.length} deployments can serve`;
  }

  function askForKey(message) {
    $('content').hidden = true;
    $('key-form').hidden = false;
    $('key-error').textContent = message || '';
    $('status').textContent = 'This gateway needs an admin access key.';
    $('admin-key').focus();
  }

  async function refresh() {
    const key = sessionStorage.getItem(KEY_STORAGE);
    try {
      const response = await fetch('/dashboard/data', { headers: key ? { 'x-api-key': key } : {}, cache: 'no-store' });
      if (response.status === 401 || response.status === 403) {
        const body = await response.json().catch(() => null);
        if (key) sessionStorage.removeItem(KEY_STORAGE);
        askForKey(key ? (body && body.error && body.error.message) || 'That key was refused.' : '');
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(await response.json());
    } catch (error) {
      $('status').textContent = `Cannot reach the gateway (${error.message}); retrying.`;
    }
    timer = setTimeout(() => void refresh(), POLL_MS);
  }

  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $('admin-key').value.trim());
    $('admin-key').value = '';
    clearTimeout(timer);
    void refresh();
  });
  window.addEventListener('resize', () => {
    for (const id of Object.keys(charts)) charts[id].plot.setSize({ width: Math.max(280, $(id).clientWidth), height: 200 });
  });
  void refresh();
})();
