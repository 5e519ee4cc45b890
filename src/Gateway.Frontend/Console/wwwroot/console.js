// The operator console. Signs in by exchanging an admin key for an HttpOnly session cookie (the key
// is sent once and dropped), then calls the admin API with that cookie, echoing the session's CSRF
// token on changes. Every page refreshes itself by a short poll; text is always set as text.
import { barChart, outcomeChart, timeChart } from './charts.js';

const POLL_MS = 2000;
const CSRF_HEADER = 'X-Gateway-Csrf';
let session = null;
let page = null;
let timer = null;
let refreshing = false;

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

// ---- DOM helpers -------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'testid') node.dataset.testid = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

const $ = id => document.getElementById(id);
const usd = micros => micros === null || micros === undefined ? '—'
  : '$' + (micros / 1e6).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: micros !== 0 && Math.abs(micros) < 10_000 ? 6 : 2 });
const count = n => (n ?? 0).toLocaleString('en-US');
const when = t => t ? new Date(t).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—';
const can = role => session && (session.role === 'admin' || session.role === role);

function table(headers, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map(x => h('th', { class: x.num ? 'num' : null }, x.label ?? x)))),
    h('tbody', {}, rows));
}

function td(value, num) { return h('td', { class: num ? 'num' : null }, value); }

/** A budget bar: spent, then reserved, out of the cap (or of what is used when there is no cap). */
function budgetBar(spent, reserved, cap, testid) {
  const whole = cap ?? Math.max(1, spent + reserved);
  const spentBox = h('div', { class: 'spent' });
  const reservedBox = h('div', { class: 'reserved' });
  spentBox.style.width = `${Math.min(100, 100 * spent / whole)}%`;
  reservedBox.style.left = spentBox.style.width;
  reservedBox.style.width = `${Math.min(100, 100 * reserved / whole)}%`;
  return h('div', {},
    h('div', { class: 'bar', title: `${usd(spent)} spent, ${usd(reserved)} reserved` }, spentBox, reservedBox),
    h('span', { testid }, `${usd(spent)} spent`), ' + ', `${usd(reserved)} reserved`, ' of ', cap === null || cap === undefined ? 'no cap' : usd(cap));
}

/** A card whose body is refilled by each refresh; a failed read says why in place of the body. */
function card(title, testid) {
  const body = h('div', { testid });
  const node = h('section', { class: 'card' }, h('h2', {}, title), body);
  return {
    node,
    async fill(load) {
      try {
        const content = await load();
        body.replaceChildren(...[content].flat());
      } catch (e) {
        if (e instanceof ApiError) body.replaceChildren(h('p', { class: e.status === 403 ? 'muted' : 'error' }, e.status === 403 ? `Not for the ${session.role} role.` : e.message));
        else throw e;
      }
    },
  };
}

// ---- API -----------------------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers[CSRF_HEADER] = session?.csrf ?? '';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (response.headers.get('content-type') ?? '').includes('json') ? await response.json() : null;
  if (response.status === 401 && !path.startsWith('/console/session')) {
    showSignIn('Your session has ended; sign in again.');
  }
  if (!response.ok) throw new ApiError(response.status, json?.detail ?? response.statusText);
  return json;
}

const get = path => api('GET', path);
const query = params => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined)).toString();

// ---- Sign-in -------------------------------------------------------------------------------------

function showSignIn(message) {
  session = null;
  clearTimeout(timer);
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message ?? '';
  $('signin-key').focus();
}

function showApp() {
  $('signin').hidden = true;
  $('app').hidden = false;
  $('whoami').textContent = `${session.name} (${session.role}) · until ${when(session.expiresAt)}`;
  route();
}

async function signIn(event) {
  event.preventDefault();
  const input = $('signin-key');
  try {
    session = await api('POST', '/console/session', { key: input.value });
    input.value = '';
    showApp();
  } catch (e) {
    input.value = '';
    $('signin-error').textContent = e.message;
  }
}

async function signOut() {
  try { await api('DELETE', '/console/session'); } catch { /* the cookie is gone either way */ }
  showSignIn('Signed out.');
}

// ---- Routing and the poll ----------------------------------------------------------------------

const pages = { overview, users, keys, who, 'admin-audit': adminAudit, cluster };

function route() {
  if (!session) return;
  const [name, search] = (location.hash.replace(/^#\//, '') || 'overview').split('?');
  const render = pages[name] ?? overview;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('current', a.dataset.page === name);
  const main = $('page');
  main.replaceChildren();
  page = render(main, new URLSearchParams(search ?? ''));
  document.title = `Gateway console · ${document.querySelector('nav a.current')?.textContent ?? 'Overview'}`;
  poll();
}

async function poll() {
  clearTimeout(timer);
  if (!session || !page) return;
  const mine = page;
  if (!refreshing) {
    refreshing = true;
    try {
      await mine.refresh();
      $('live').textContent = `live · ${new Date().toLocaleTimeString()}`;
      $('live').classList.remove('stale');
    } catch (e) {
      $('live').textContent = `not updating: ${e.message}`;
      $('live').classList.add('stale');
    } finally {
      refreshing = false;
    }
  }
  if (session && mine === page) timer = setTimeout(poll, POLL_MS);
}

function go(hash) { location.hash = hash; }

// ---- Pages ---------------------------------------------------------------------------------------

function overview(main) {
  const cards = {
    team: card('Spend this period by team', 'spend-by-team'),
    model: card('Spend this period by model', 'spend-by-model'),
    top: card('Top spenders', 'top-spenders'),
    outcomes: card('Requests by outcome', 'outcomes'),
    spendHourly: card('Spend per hour, last 24 hours', 'spend-over-time'),
    requestsHourly: card('Requests per hour by outcome, last 24 hours', 'requests-over-time'),
    alerts: card('Recent budget alerts', 'alerts'),
    health: card('Storage and cluster', 'health'),
  };
  // Alerts carry a sentence each: their card takes two columns where the screen has them.
  cards.alerts.node.classList.add('wide');
  main.append(h('h1', {}, 'Overview'), h('div', { class: 'grid' }, Object.values(cards).map(c => c.node)));
  const spend = rows => rows.length === 0 ? h('p', { class: 'muted' }, 'No spend this period.')
    : barChart(rows.slice(0, 12).map(r => ({ label: r.group || '(none)', value: r.costMicros, text: usd(r.costMicros) })));
  return {
    async refresh() {
      const usage = groupBy => get(`/admin/v1/usage?groupBy=${groupBy}`);
      await Promise.all([
        cards.team.fill(async () => spend((await usage('team')).rows)),
        cards.model.fill(async () => {
          const report = await usage('model');
          cards.outcomes.fill(() => report.rows.length === 0 ? h('p', { class: 'muted' }, 'No requests this period.')
            : outcomeChart(report.rows.slice(0, 8).map(r => ({ label: r.group, ok: r.requests, denied: r.denied }))));
          return [spend(report.rows), h('p', {}, `Total ${usd(report.totalCostMicros)} since ${when(report.from)}`)];
        }),
        cards.spendHourly.fill(async () => {
          const slots = await lastDay();
          cards.requestsHourly.fill(() => timeChart(slots.map(s => ({ label: s.label, values: [s.row?.requests ?? 0, s.row?.denied ?? 0] })),
            [{ name: 'forwarded', color: '#1e8449' }, { name: 'denied', color: '#c0392b' }], { format: v => `${count(v)} req` }));
          return timeChart(slots.map(s => ({ label: s.label, values: [s.row?.costMicros ?? 0] })), [{ name: 'spend', color: '#2f5bd3' }], { format: usd });
        }),
        cards.top.fill(async () => {
          const rows = (await usage('user')).rows.slice(0, 10);
          return table(['User', { label: 'Spend', num: true }, { label: 'Requests', num: true }, { label: 'Denied', num: true }],
            rows.map(r => h('tr', { class: 'open', onclick: () => go(`#/users?user=${encodeURIComponent(r.group)}`) },
              td(r.group), td(usd(r.costMicros), true), td(count(r.requests), true), td(count(r.denied), true))));
        }),
        cards.alerts.fill(async () => {
          const [threshold, velocity] = await Promise.all(['budget.threshold', 'budget.velocity'].map(a => get(`/admin/v1/admin-audit?action=${a}&limit=10`)));
          const rows = [...threshold.items, ...velocity.items].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 10);
          // A velocity alert (spend rising fast) stands out, and each row opens the key or user it is about.
          return rows.length === 0 ? h('p', { class: 'muted' }, 'No budget alerts.')
            : table(['When', 'Alert', 'On', 'Detail'], rows.map(r => h('tr', {
              class: 'open' + (r.action === 'budget.velocity' ? ' alert-velocity' : ''), testid: `alert-${r.action}-${r.target}`, onclick: () => go(targetLink(r.target)),
            }, td(when(r.at)), td(r.action === 'budget.velocity' ? 'spend rising fast' : r.action), td(r.target), td(r.detail))));
        }),
        cards.health.fill(async () => {
          const response = await fetch('/readyz', { credentials: 'same-origin' });
          const ready = await response.json();
          return h('dl', {},
            h('dt', {}, 'Ready'), h('dd', { class: ready.ready ? 'outcome-ok' : 'outcome-error' }, ready.ready ? 'yes' : 'no'),
            h('dt', {}, 'Cluster'), h('dd', {}, ready.cluster ? `joined (silo ${ready.silo})` : 'not joined'),
            h('dt', {}, 'Storage'), h('dd', { class: ready.storage ? 'outcome-ok' : 'outcome-error' }, ready.storage ? 'reachable' : 'unreachable'),
            h('dt', {}, 'Prices read'), h('dd', {}, when(ready.pricesReadAt)));
        }),
      ]);
    },
  };
}

/** The console page of an admin-audit target: <c>key:…</c> or <c>user:…</c> (a team opens its members). */
function targetLink(target) {
  const [scope, id] = [target.slice(0, target.indexOf(':')), target.slice(target.indexOf(':') + 1)];
  return scope === 'key' ? `#/keys?key=${encodeURIComponent(id)}` : scope === 'team' ? `#/users?team=${encodeURIComponent(id)}` : `#/users?user=${encodeURIComponent(id)}`;
}

/**
 * A banner when the key or user had a velocity alert in the last 24 hours (spend rising faster than
 * its normal or its $/hour limit), newest first; nothing otherwise. The admin audit is the auditor's
 * to read: for a viewer the banner is left out, not an error.
 */
async function velocityBanner(target) {
  const since = new Date(Date.now() - 24 * 3600_000).toISOString();
  const page = await get(`/admin/v1/admin-audit?${query({ action: 'budget.velocity', target, from: since, limit: 1 })}`).catch(() => null);
  const last = page?.items?.[0];
  return last ? h('p', { class: 'alert-velocity banner', testid: 'velocity-alert', role: 'alert' }, `Spend rising fast (${when(last.at)}): ${last.detail}`) : null;
}

/** The last 24 UTC hours (this one included), each with its usage row, if it had one; labelled in local time. */
async function lastDay() {
  const hour = 3600_000;
  const start = Math.floor(Date.now() / hour) * hour - 23 * hour;
  const report = await get(`/admin/v1/usage?groupBy=hour&from=${encodeURIComponent(new Date(start).toISOString())}`);
  const byHour = new Map(report.rows.map(r => [new Date(r.group).getTime(), r]));
  return Array.from({ length: 24 }, (_, i) => {
    const at = start + i * hour;
    return { label: new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }), row: byHour.get(at) };
  });
}

function users(main, params) {
  const userId = params.get('user');
  const teamId = params.get('team');
  const open = h('form', { class: 'inline', onsubmit: e => {
    e.preventDefault();
    const data = new FormData(e.target);
    go(data.get('team') ? `#/users?team=${encodeURIComponent(data.get('team'))}` : `#/users?user=${encodeURIComponent(data.get('user'))}`);
  } },
  h('label', {}, 'User id', h('input', { name: 'user', value: userId ?? '', testid: 'user-input' })),
  h('label', {}, 'or team id', h('input', { name: 'team', value: teamId ?? '' })),
  h('button', { type: 'submit' }, 'Open'));
  const detail = card(userId ? `User ${userId}` : teamId ? `Team ${teamId}` : 'Pick a user or a team', 'budget');
  const list = card(userId ? 'Keys' : teamId ? 'Members' : 'Users seen this period', 'rows');
  main.append(h('h1', {}, 'Users and teams'), open, h('div', { class: 'grid' }, detail.node, list.node));

  const budget = (b, prefix) => h('dl', {},
    h('dt', {}, 'Budget'), h('dd', {}, budgetBar(b.spentMicros, b.reservedMicros, b.capMicros, `${prefix}-spent`)),
    h('dt', {}, 'In flight'), h('dd', {}, `${count(b.inFlight)} requests`),
    h('dt', {}, 'Period'), h('dd', {}, `${b.period}; ${count(b.periodRequests)} requests; resets ${when(b.periodResetsAt)}`),
    h('dt', {}, 'Rate'), h('dd', {}, `${count(b.rate.requestsLastMinute)} req/min` + (b.rate.rpm ? ` of ${count(b.rate.rpm)}` : ' (no limit)')
      + `, ${count(b.rate.tokensLastMinute)} tokens/min` + (b.rate.tpm ? ` of ${count(b.rate.tpm)}` : '')));
  return {
    async refresh() {
      if (userId) {
        await detail.fill(async () => {
          const [user, banner] = await Promise.all([get(`/admin/v1/users/${encodeURIComponent(userId)}`), velocityBanner(`user:${userId}`)]);
          return [banner, h('p', {}, `${user.name ?? user.id} · ${user.status}` + (user.teamId ? ` · team ${user.teamId}` : '')), budget(user.budget, 'user')].filter(Boolean);
        });
        await list.fill(async () => {
          const page = await get(`/admin/v1/keys?${query({ userId, limit: 100 })}`);
          return table(['Key', 'Name', 'Status', { label: 'Spent', num: true }, { label: 'Cap', num: true }, { label: 'In flight', num: true }],
            page.items.map(k => h('tr', { class: 'open', testid: `key-row-${k.keyId}`, onclick: () => go(`#/keys?key=${encodeURIComponent(k.keyId)}`) },
              td(k.keyId), td(k.name ?? ''), h('td', { class: `status-${k.status}` }, k.status), td(usd(k.spentMicros), true), td(usd(k.capMicros), true), td(count(k.inFlight), true))));
        });
      } else if (teamId) {
        const team = await get(`/admin/v1/teams/${encodeURIComponent(teamId)}`).catch(e => e);
        await detail.fill(async () => { if (team instanceof Error) throw team; return budget(team.budget, 'team'); });
        await list.fill(async () => {
          if (team instanceof Error) throw team;
          const members = await Promise.all(team.userIds.slice(0, 50).map(id => get(`/admin/v1/users/${encodeURIComponent(id)}`)));
          return table(['User', 'Budget'], members.map(u => h('tr', { class: 'open', onclick: () => go(`#/users?user=${encodeURIComponent(u.id)}`) },
            td(u.id), h('td', {}, budgetBar(u.budget.spentMicros, u.budget.reservedMicros, u.budget.capMicros)))));
        });
      } else {
        await detail.fill(async () => h('p', { class: 'muted' }, 'Enter an id above, or pick a user below.'));
        await list.fill(async () => {
          const report = await get('/admin/v1/usage?groupBy=user');
          return table(['User', { label: 'Spend', num: true }, { label: 'Requests', num: true }],
            report.rows.map(r => h('tr', { class: 'open', onclick: () => go(`#/users?user=${encodeURIComponent(r.group)}`) }, td(r.group), td(usd(r.costMicros), true), td(count(r.requests), true))));
        });
      }
    },
  };
}

function keys(main, params) {
  const keyId = params.get('key');
  main.append(h('h1', {}, 'Keys'), h('form', { class: 'inline', onsubmit: e => { e.preventDefault(); go(`#/keys?key=${encodeURIComponent(new FormData(e.target).get('key'))}`); } },
    h('label', {}, 'Key id', h('input', { name: 'key', value: keyId ?? '', testid: 'key-input' })), h('button', { type: 'submit' }, 'Open')));
  if (!keyId) return { async refresh() {} };

  const state = card(`Key ${keyId}`, 'key-state');
  const recent = card('Recent requests (last hour)', 'key-audit');
  const result = h('p', { testid: 'action-result', role: 'status' });
  main.append(h('div', { class: 'grid' }, state.node, recent.node));
  const controls = session.role === 'admin' ? actions(keyId, result) : null;
  if (controls) main.append(controls);

  return {
    async refresh() {
      await state.fill(async () => {
        const [k, banner] = await Promise.all([get(`/admin/v1/keys/${encodeURIComponent(keyId)}`), velocityBanner(`key:${keyId}`)]);
        // A revoked key can no longer be changed (the API answers 409): its controls are disabled, not offered.
        controls?.querySelectorAll('button, input').forEach(c => {
          c.disabled = k.status === 'revoked';
          c.title = c.disabled ? 'A revoked key cannot be changed; create a new key instead.' : '';
        });
        return [banner, h('dl', {},
          h('dt', {}, 'Status'), h('dd', { class: `status-${k.status}`, testid: 'key-status' }, k.status + (k.revokedAt ? ` at ${when(k.revokedAt)}` : '')),
          h('dt', {}, 'User'), h('dd', {}, h('a', { href: `#/users?user=${encodeURIComponent(k.userId)}` }, k.userId)),
          h('dt', {}, 'Name'), h('dd', {}, k.name ?? '—'),
          h('dt', {}, 'Budget'), h('dd', {}, budgetBar(k.spentMicros, k.reservedMicros, k.capMicros, 'key-spent')),
          h('dt', {}, 'In flight'), h('dd', {}, `${count(k.inFlight)} requests`),
          h('dt', {}, 'Requests'), h('dd', {}, `${count(k.requestCount)} in all`),
          h('dt', {}, 'Rate window'), h('dd', {}, k.rate ? `${count(k.rate.requestsLastMinute)} req/min, ${count(k.rate.tokensLastMinute)} tokens/min` : '—'),
          h('dt', {}, 'Period'), h('dd', {}, `${k.period}; resets ${when(k.periodResetsAt)}`),
          h('dt', {}, 'Models'), h('dd', {}, k.models.length ? k.models.join(', ') : 'all'),
          h('dt', {}, 'Expires'), h('dd', {}, when(k.expiresAt)),
          h('dt', {}, 'Capture'), h('dd', { testid: 'key-capture' }, k.capture ? `on: ${k.capture.reason} (by ${k.capture.enabledBy}, ${when(k.capture.enabledAt)})` : 'off'),
          h('dt', {}, 'Silo'), h('dd', {}, k.silo))].filter(Boolean);
      });
      await recent.fill(async () => {
        const page = await get(`/admin/v1/audit?${query({ keyId, from: new Date(Date.now() - 3600_000).toISOString(), limit: 1000 })}`);
        return auditTable(page.items.slice(-20).reverse());
      });
    },
  };
}

/** The admin's actions on a key; each one goes through the admin API (and so its audit). */
function actions(keyId, result) {
  const act = (label, run) => async () => {
    result.className = '';
    try {
      result.textContent = await run();
      poll();
    } catch (e) {
      result.className = 'error';
      result.textContent = `${label} refused: ${e.message}`;
    }
  };
  const path = `/admin/v1/keys/${encodeURIComponent(keyId)}`;
  const revoke = h('button', { class: 'danger', type: 'button', testid: 'revoke' }, 'Revoke…');
  const confirm = h('button', { class: 'danger', type: 'button', hidden: true, testid: 'confirm-revoke' }, 'Confirm: revoke this key now');
  revoke.addEventListener('click', () => { confirm.hidden = false; });
  confirm.addEventListener('click', act('Revoke', async () => { confirm.hidden = true; await api('POST', `${path}/revoke`); return 'Key revoked.'; }));
  const grace = h('input', { type: 'number', min: 0, max: 604800, value: 0, name: 'grace' });
  const cap = h('input', { type: 'number', min: 0, step: '0.01', name: 'cap', placeholder: 'USD' });
  const reason = h('input', { name: 'reason', placeholder: 'Reason (ticket, incident)', maxlength: 500 });
  return h('section', { class: 'card', testid: 'key-actions' }, h('h2', {}, 'Actions'),
    h('div', { class: 'inline' }, revoke, confirm),
    h('form', { class: 'inline', onsubmit: e => { e.preventDefault(); act('Rotate', async () => {
      const k = await api('POST', `${path}/rotate`, { graceSeconds: Number(grace.value) });
      return `New key (shown once): ${k.key}` + (k.previousSecretValidUntil ? `; the old one works until ${when(k.previousSecretValidUntil)}` : '');
    })(); } }, h('label', {}, 'Grace (s)', grace), h('button', { type: 'submit', testid: 'rotate' }, 'Rotate')),
    h('form', { class: 'inline', onsubmit: e => { e.preventDefault(); act('Change cap', async () => {
      const k = await api('PATCH', path, { capUsd: Number(cap.value) });
      return `Cap is now ${usd(k.capMicros)}.`;
    })(); } }, h('label', {}, 'Cap (USD)', cap), h('button', { type: 'submit', testid: 'set-cap' }, 'Change cap')),
    h('form', { class: 'inline', onsubmit: e => { e.preventDefault(); act('Capture', async () => {
      const on = e.submitter?.value === 'on';
      await api('POST', `${path}/capture`, on ? { enabled: true, reason: reason.value } : { enabled: false });
      return on ? 'Capture switched on.' : 'Capture switched off.';
    })(); } }, h('label', {}, 'Content capture', reason),
    h('button', { type: 'submit', value: 'on', testid: 'capture-on' }, 'Switch on'), h('button', { type: 'submit', value: 'off' }, 'Switch off')),
    result);
}

function auditTable(items, onOpen) {
  if (items.length === 0) return h('p', { class: 'muted' }, 'No rows.');
  return table(['Started', 'Request', 'Key', 'User', 'Team', 'Model', 'Outcome', { label: 'Tokens in/out', num: true }, { label: 'Cost', num: true }, { label: 'Latency', num: true }],
    items.map(r => h('tr', { class: onOpen ? 'open' : null, testid: `audit-row-${r.requestId}`, onclick: onOpen ? () => onOpen(r) : null },
      td(when(r.startedAt)), td(r.requestId), td(r.keyId), td(r.userId), td(r.teamId ?? ''), td(r.model),
      h('td', { class: `outcome-${r.outcome}` }, r.outcome + (r.denial ? ` (${r.denial})` : '') + ` · ${r.httpStatus}`),
      td(`${count(r.inputTokens)} / ${count(r.outputTokens)}`, true), td(usd(r.costMicros), true), td(`${count(r.latencyMs)} ms`, true))));
}

function who(main, params) {
  const fields = ['requestId', 'keyId', 'userId', 'teamId', 'model', 'outcome', 'from', 'to'];
  const form = h('form', { class: 'inline', onsubmit: e => {
    e.preventDefault();
    go(`#/who?${query(Object.fromEntries(new FormData(e.target)))}`);
  } }, fields.map(f => h('label', {}, f, h('input', { name: f, value: params.get(f) ?? '', testid: `who-${f}`, placeholder: f === 'from' || f === 'to' ? '2026-01-01T00:00:00Z' : null }))),
  h('button', { type: 'submit', testid: 'who-search' }, 'Search'));
  const results = card('Rows', 'who-results');
  const detail = h('div', { testid: 'who-detail' });
  main.append(h('h1', {}, 'Who did this'), form, results.node, detail);
  const filters = Object.fromEntries(fields.map(f => [f, params.get(f) ?? '']));
  const searched = fields.some(f => filters[f]);

  const open = row => {
    const content = h('div', {});
    detail.replaceChildren(h('section', { class: 'card' }, h('h2', {}, `Request ${row.requestId}`),
      h('dl', {}, Object.entries(row).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null ? '—' : String(v))])),
      can('auditor') ? h('button', { type: 'button', onclick: async () => {
        try {
          const c = await get(`/admin/v1/keys/${encodeURIComponent(row.keyId)}/content/${encodeURIComponent(row.requestId)}`);
          content.replaceChildren(h('h2', {}, 'Prompt'), h('pre', {}, c.prompt), h('h2', {}, 'Completion'), h('pre', {}, c.completion));
        } catch (e) {
          content.replaceChildren(h('p', { class: 'muted' }, e.status === 404 ? 'No content: capture was off for this request, or it has expired.' : e.message));
        }
      } }, 'Show captured content') : null, content));
  };
  return {
    async refresh() {
      if (!searched) return results.fill(async () => h('p', { class: 'muted' }, 'Search by any of the fields; times are ISO 8601.'));
      await results.fill(async () => {
        const scope = filters.keyId || filters.userId || filters.teamId ? {} : { all: 'true' };
        const page = await get(`/admin/v1/audit?${query({ ...scope, ...filters, limit: 200 })}`);
        return auditTable(page.items.slice().reverse(), open);
      });
    },
  };
}

function adminAudit(main) {
  const rows = card('Newest first', 'admin-audit');
  main.append(h('h1', {}, 'Admin audit'), rows.node);
  return {
    async refresh() {
      await rows.fill(async () => {
        const page = await get('/admin/v1/admin-audit?limit=100');
        return table(['When', 'Action', 'By', 'Target', 'Status', 'Detail', 'From'],
          page.items.map(r => h('tr', {}, td(when(r.at)), td(r.action), td(r.actorName ? `${r.actorName} (${r.actor})` : r.actor ?? '—'), td(r.target ?? ''),
            h('td', { class: r.success ? 'outcome-ok' : 'outcome-error' }, r.status + (r.pending ? ' (pending)' : '') + (r.attempts > 1 ? ` ×${r.attempts}` : '')),
            td(r.detail ?? ''), td(r.clientAddress ?? ''))));
      });
    },
  };
}

function cluster(main) {
  const cards = {
    silos: card('Silos', 'silos'),
    journal: card('Journal backlog', 'journal'),
    storage: card('Storage latency', 'storage'),
  };
  const dashboard = h('p', { testid: 'dashboard-link' });
  main.append(h('h1', {}, 'Cluster'), dashboard, cards.silos.node, h('div', { class: 'grid' }, cards.journal.node, cards.storage.node));
  const ago = t => t ? `${when(t)} (${Math.max(0, Math.round((Date.now() - new Date(t)) / 1000)).toLocaleString('en-US')} s ago)` : '—';
  const ms = v => v === null || v === undefined ? '—' : `${v.toLocaleString('en-US', { maximumFractionDigits: 2 })} ms`;
  const plural = (n, what) => `${count(n)} ${what}${n === 1 ? '' : 's'}`;
  const mib = b => b === null || b === undefined ? '—' : `${(b / 1048576).toLocaleString('en-US', { maximumFractionDigits: 0 })} MiB`;
  let report = null;
  return {
    async refresh() {
      await cards.silos.fill(async () => {
        report = await get('/admin/v1/cluster');
        return [
          h('p', {}, `${plural(report.silos.filter(s => s.status === 'Active').length, 'active silo')}, `, h('span', { testid: 'total-activations' }, plural(report.activations, 'activation'))),
          table(['Address', 'Name', 'Status', 'Started', 'Last alive', { label: 'Activations', num: true }, { label: 'Clients', num: true }, { label: 'CPU', num: true }, { label: 'Memory', num: true }],
            report.silos.map(s => h('tr', { testid: 'silo-row' }, td(s.address), td(s.name ?? ''), h('td', { class: s.status === 'Active' ? 'outcome-ok' : 'outcome-error' }, s.status),
              td(when(s.startedAt)), td(when(s.lastAliveAt)), h('td', { class: 'num', testid: 'silo-activations' }, s.activations === null ? '—' : count(s.activations)),
              td(s.clients === null ? '—' : count(s.clients), true), td(s.cpuPercent === null ? '—' : `${s.cpuPercent.toFixed(1)} %`, true), td(mib(s.memoryBytes), true)))),
        ];
      });
      if (!report) return;
      dashboard.replaceChildren(report.dashboard === null ? 'The Orleans Dashboard is off (Gateway:Console:Dashboard).'
        : session.role === 'admin' ? h('a', { href: report.dashboard + '/', target: '_blank', rel: 'noopener', testid: 'dashboard' }, 'Orleans Dashboard (grain-level detail) ↗')
        : h('span', { class: 'muted' }, 'The Orleans Dashboard is for admins.'));
      await cards.journal.fill(() => h('dl', {},
        h('dt', {}, 'Open intents'), h('dd', { testid: 'journal-intents' }, `${count(report.journal.intents)} requests`),
        h('dt', {}, 'Oldest intent'), h('dd', {}, ago(report.journal.oldestIntentAt)),
        h('dt', {}, 'Settled, not yet in the ledger'), h('dd', { testid: 'journal-settled' }, `${count(report.journal.settled)} rows`),
        h('dt', {}, 'Oldest settled row'), h('dd', {}, ago(report.journal.oldestSettledAt)),
        h('dt', {}, 'Read from'), h('dd', {}, `${count(report.journal.partitions)} journal partitions`),
        ...(report.journal.shardsAlsoRead == null ? [] : [
          h('dt', {}, 'Shard count changing'),
          h('dd', { testid: 'journal-under-other-count' },
            `${count(report.journal.underOtherCount)} rows not yet under ${count(report.journal.shards)} shards (also reading ${count(report.journal.shardsAlsoRead)})`)])));
      await cards.storage.fill(() => h('dl', {},
        h('dt', {}, `Calls, last ${report.storage.windowSeconds} s`), h('dd', { testid: 'storage-calls' }, `${count(report.storage.calls)} (${count(report.storage.failures)} failed)`),
        h('dt', {}, 'Median'), h('dd', {}, ms(report.storage.p50Ms)),
        h('dt', {}, '95th percentile'), h('dd', {}, ms(report.storage.p95Ms)),
        h('dt', {}, 'Slowest'), h('dd', {}, ms(report.storage.maxMs)),
        h('dt', {}, 'Probe now'), h('dd', { class: report.probe.reachable ? null : 'outcome-error', testid: 'probe' }, report.probe.reachable ? ms(report.probe.milliseconds) : `unreachable after ${ms(report.probe.milliseconds)}`),
        // Each account apart once keys are spread over several, or when one did not answer: which keys are refused.
        report.probe.accounts.length > 2 || !report.probe.reachable ? report.probe.accounts.flatMap(a => [
          h('dt', { class: 'muted' }, `${a.holds} (${a.account})`),
          h('dd', { class: a.reachable ? null : 'outcome-error', testid: `probe-${a.holds}` }, a.reachable ? ms(a.milliseconds) : `unreachable after ${ms(a.milliseconds)}`)]) : [],
        h('dt', {}, 'Measured'), h('dd', { class: 'muted' }, `this front-end's calls, since ${when(report.storage.since)}`)));
    },
  };
}

// ---- Start ---------------------------------------------------------------------------------------

$('signin-form').addEventListener('submit', signIn);
$('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
try {
  session = await api('GET', '/console/session');
  showApp();
} catch {
  showSignIn();
}
