// The Testudo exchange desk: one page over the REST API (login, accounts) and the WebSocket /ws/exchange (live
// markets, book, trades, orders, portfolio, transfers; placing and cancelling orders; transfers).
// Amounts are the API's decimal strings: shown as they come, never turned into floats.

const $ = (id) => document.getElementById(id);

/** Live state of the page. */
const state = {
  user: null,
  accounts: [],
  accountId: null,
  markets: new Map(),
  marketId: null,
  book: null,
  trades: [],
  orders: new Map(),
  portfolio: null,
  transfers: new Map(),
};

const LIVE_ORDER = new Set(['open', 'pending']);

// --- REST ------------------------------------------------------------------------------------------------------

/** Calls the REST API; resolves with the JSON body, or rejects with the API's `{ code, message, fields }`. */
async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw data?.error ?? { code: `http-${res.status}`, message: res.statusText };
  return data;
}

// --- WebSocket -------------------------------------------------------------------------------------------------

/** The exchange socket: `request(op, fields)` resolves with the response or rejects with its `error`. */
const ws = {
  socket: null,
  seq: 0,
  pending: new Map(),
  channels: new Map(), // channel name → handler({ snapshot } | { update })
  connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/exchange`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      setConnection('live');
      for (const name of this.channels.keys()) this.subscribe(name, this.channels.get(name));
    });
    socket.addEventListener('message', (e) => this.onMessage(JSON.parse(e.data)));
    socket.addEventListener('close', () => {
      for (const p of this.pending.values()) p.reject({ code: 'disconnected', message: 'connection lost' });
      this.pending.clear();
      if (this.socket !== socket) return;
      this.socket = null;
      if (!state.user) return;
      setConnection('reconnecting…');
      setTimeout(() => state.user && this.connect(), 1000);
    });
  },
  close() {
    const s = this.socket;
    this.socket = null;
    this.channels.clear();
    s?.close();
  },
  onMessage(m) {
    if (m.request_id != null && this.pending.has(m.request_id)) {
      const p = this.pending.get(m.request_id);
      this.pending.delete(m.request_id);
      if (m.ok) p.resolve(m);
      else p.reject(m.error);
      return;
    }
    if (m.channel && 'update' in m) this.channels.get(m.channel)?.({ update: m.update });
    else if (m.channel && m.error) showError($('order-result'), m.error);
  },
  request(op, fields = {}) {
    return new Promise((resolve, reject) => {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN)
        return reject({ code: 'disconnected', message: 'not connected; retrying' });
      const request_id = `d${++this.seq}`;
      this.pending.set(request_id, { resolve, reject });
      this.socket.send(JSON.stringify({ request_id, op, ...fields }));
    });
  },
  /** Subscribes (again after a reconnect); the handler gets the snapshot, then each update. */
  subscribe(channel, handler) {
    this.channels.set(channel, handler);
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.request('subscribe', { channel })
      .then((r) => this.channels.get(channel) === handler && handler({ snapshot: r.snapshot }))
      .catch((err) => showError($('order-result'), err));
  },
  unsubscribe(channel) {
    if (!this.channels.delete(channel)) return;
    this.request('unsubscribe', { channel }).catch(() => {});
  },
};

// --- rendering helpers -----------------------------------------------------------------------------------------

/** A new element with text content and attributes; children may be nodes or strings. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c ?? ''));
  return e;
}

/** Replaces a table body's rows, or shows `empty` in one row spanning `cols` columns. */
function fill(tbody, rows, cols, empty) {
  tbody.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: cols, class: 'empty' }, empty))]));
}

const dash = (v) => (v === null || v === undefined ? '–' : v);
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');

function setConnection(text) {
  $('connection').textContent = text ? `Exchange: ${text}` : '';
}

function showError(box, err) {
  const fields = (err?.fields ?? []).map((f) => `${f.field}: ${f.code}`);
  box.className = 'result error';
  box.textContent =
    `${err?.code ?? 'error'}: ${err?.message ?? 'failed'}` + (fields.length ? ` (${fields.join(', ')})` : '');
}

function showOk(box, text) {
  box.className = 'result ok';
  box.textContent = text;
}

// --- markets, book, trades -------------------------------------------------------------------------------------

function renderMarkets() {
  const rows = [...state.markets.values()]
    .sort((a, b) => a.id - b.id)
    .map((m) =>
      el(
        'tr',
        { class: m.id === state.marketId ? 'selected' : null, 'aria-selected': m.id === state.marketId },
        el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => selectMarket(m.id) }, m.name)),
        el('td', {}, m.kind),
        el('td', {}, m.status),
        el('td', { class: 'bid' }, dash(m.bestBid)),
        el('td', { class: 'ask' }, dash(m.bestAsk)),
        el('td', {}, dash(m.lastPrice)),
      ),
    );
  fill($('market-rows'), rows, 6, 'No markets yet');
}

function marketName(id) {
  return state.markets.get(id)?.name ?? `#${id}`;
}

function renderBook() {
  const m = state.book;
  $('market-title').textContent = m ? m.name : 'No market selected';
  $('market-info').textContent = m
    ? `${m.kind}, ${m.status}; tick ${m.tickSize}, lot ${m.lotSize}` +
      (m.kind === 'bounded' ? `; settles between ${m.minPrice} and ${m.maxPrice}` : '') +
      `; last ${dash(m.lastPrice)}`
    : '';
  const bids = m?.book?.bids ?? [];
  const asks = m?.book?.asks ?? [];
  const rows = [];
  for (let i = 0; i < Math.max(bids.length, asks.length); i++) {
    const b = bids[i];
    const a = asks[i];
    rows.push(
      el(
        'tr',
        {},
        el('td', { class: 'bid' }, b?.size ?? ''),
        el('td', { class: 'bid' }, b?.price ?? ''),
        el('td', { class: 'ask' }, a?.price ?? ''),
        el('td', { class: 'ask' }, a?.size ?? ''),
      ),
    );
  }
  fill($('book-rows'), rows, 4, m ? 'Empty book' : 'Select a market');
}

function renderTrades() {
  const rows = state.trades.map((t) =>
    el(
      'tr',
      {},
      el('td', {}, time(t.at)),
      el('td', { class: t.takerSide }, t.price),
      el('td', {}, t.size),
      el('td', { class: t.takerSide }, t.takerSide),
    ),
  );
  fill($('trade-rows'), rows, 4, state.marketId ? 'No trades yet' : 'Select a market');
}

function selectMarket(id) {
  if (state.marketId === id) return;
  if (state.marketId !== null) {
    ws.unsubscribe(`book:${state.marketId}`);
    ws.unsubscribe(`trades:${state.marketId}`);
  }
  state.marketId = id;
  state.book = state.markets.get(id) ?? null;
  state.trades = [];
  $('order-fields').disabled = false;
  renderMarkets();
  renderBook();
  renderTrades();
  ws.subscribe(`book:${id}`, (msg) => {
    state.book = msg.snapshot ?? msg.update;
    const { book: _book, ...summary } = state.book;
    state.markets.set(id, { ...state.markets.get(id), ...summary });
    renderBook();
    renderMarkets();
  });
  ws.subscribe(`trades:${id}`, (msg) => {
    if (msg.snapshot) state.trades = msg.snapshot;
    else
      state.trades = [
        { at: new Date().toISOString(), ...msg.update },
        ...state.trades.filter((t) => t.id !== msg.update.id),
      ].slice(0, 100);
    renderTrades();
  });
}

// --- orders ----------------------------------------------------------------------------------------------------

function renderOrders() {
  const rows = [...state.orders.values()]
    .sort((a, b) => b.id - a.id)
    .map((o) =>
      el(
        'tr',
        { 'data-order-id': o.id },
        el('td', {}, `#${o.id}`),
        el('td', {}, marketName(o.marketId)),
        el('td', { class: o.side }, o.side),
        el('td', {}, o.type),
        el('td', {}, dash(o.price)),
        el('td', {}, o.size),
        el('td', {}, o.remaining),
        el('td', {}, o.status),
        el(
          'td',
          {},
          el(
            'button',
            { type: 'button', 'aria-label': `Cancel order ${o.id}`, onclick: () => cancelOrder(o.id) },
            'Cancel',
          ),
        ),
      ),
    );
  fill($('order-rows'), rows, 9, 'No live orders');
}

function upsertOrder(o) {
  if (LIVE_ORDER.has(o.status)) state.orders.set(o.id, o);
  else state.orders.delete(o.id);
}

async function cancelOrder(id) {
  const box = $('cancel-result');
  try {
    const r = await ws.request('cancel_order', { orderId: id });
    if (r.order) upsertOrder(r.order);
    else state.orders.delete(id);
    renderOrders();
    showOk(box, `Order #${id} cancelled`);
  } catch (err) {
    showError(box, err);
  }
}

async function placeOrder(e) {
  e.preventDefault();
  const box = $('order-result');
  const f = e.target.elements;
  const body = { marketId: state.marketId, side: f.side.value, type: f.type.value, size: f.size.value.trim() };
  if (f.type.value === 'limit' && f.price.value.trim() !== '') body.price = f.price.value.trim();
  body.tif = f.tif.value;
  if (f.postOnly.checked) body.postOnly = true;
  if (state.accountId !== null) body.accountId = state.accountId;
  box.className = 'result';
  box.textContent = 'Sending…';
  try {
    const r = await ws.request('place_order', body);
    const o = r.order;
    upsertOrder(o);
    renderOrders();
    const why = (r.events ?? []).filter((ev) => ev.reason && ev.reason !== 'filled').map((ev) => ev.reason);
    const text = `Order #${o.id} ${o.status}: ${o.side} ${o.size} @ ${dash(o.price)}, filled ${o.filled}`;
    showOk(box, why.length ? `${text} (${why.join(', ')})` : text);
  } catch (err) {
    showError(box, err);
  }
}

// --- portfolio and transfers -----------------------------------------------------------------------------------

function renderPortfolio() {
  const p = state.portfolio;
  $('cash').textContent = dash(p?.cash);
  $('available').textContent = dash(p?.available);
  const rows = (p?.positions ?? []).map((x) =>
    el('tr', {}, el('td', {}, x.market ?? marketName(x.marketId)), el('td', {}, x.position)),
  );
  fill($('position-rows'), rows, 2, 'No positions');
}

function renderAccounts() {
  $('account').replaceChildren(
    ...state.accounts.map((a) =>
      el('option', { value: a.id, selected: a.id === state.accountId }, `#${a.id} ${a.name} (${a.kind})`),
    ),
  );
}

function selectAccount(id) {
  if (state.accountId !== null) ws.unsubscribe(`portfolio:${state.accountId}`);
  state.accountId = id;
  state.portfolio = null;
  renderPortfolio();
  ws.subscribe(`portfolio:${id}`, (msg) => {
    state.portfolio = msg.snapshot ?? msg.update;
    renderPortfolio();
  });
}

function renderTransfers() {
  const rows = [...state.transfers.values()]
    .sort((a, b) => b.id - a.id)
    .map((t) =>
      el(
        'tr',
        {},
        el('td', {}, `#${t.id}`),
        el('td', {}, time(t.at)),
        el('td', {}, t.fromAccountId === null ? 'mint' : `#${t.fromAccountId}`),
        el('td', {}, `#${t.toAccountId}`),
        el('td', {}, t.amount),
        el('td', {}, t.note ?? ''),
      ),
    );
  fill($('transfer-rows'), rows, 6, 'No transfers');
}

async function sendTransfer(e) {
  e.preventDefault();
  const box = $('transfer-result');
  const f = e.target.elements;
  const to = f.toAccountId.value.trim();
  const body = { toAccountId: /^\d+$/.test(to) ? Number(to) : to, amount: f.amount.value.trim() };
  if (f.note.value.trim()) body.note = f.note.value.trim();
  if (state.accountId !== null) body.fromAccountId = state.accountId;
  try {
    const { request_id: _id, ok: _ok, ...t } = await ws.request('transfer', body);
    showOk(box, `Transfer #${t.id}: ${t.amount} to #${t.toAccountId}`);
    state.transfers.set(t.id, { at: new Date().toISOString(), ...t });
    renderTransfers();
    e.target.reset();
  } catch (err) {
    showError(box, err);
  }
}

// --- login and start -------------------------------------------------------------------------------------------

function showLogin() {
  $('login-view').hidden = false;
  $('desk-view').hidden = true;
  $('logout').hidden = true;
  $('whoami').textContent = '';
  setConnection('');
}

async function startDesk(user) {
  state.user = user;
  $('login-view').hidden = true;
  $('desk-view').hidden = false;
  $('logout').hidden = false;
  $('whoami').textContent = `${user.email}${user.isAdmin ? ' (admin)' : ''}`;
  renderMarkets();
  renderBook();
  renderTrades();
  renderOrders();
  renderPortfolio();
  renderTransfers();
  const { accounts } = await api('GET', '/api/v1/exchange/accounts');
  state.accounts = accounts;
  state.accountId = accounts[0]?.id ?? null;
  renderAccounts();

  ws.subscribe('markets', (msg) => {
    if (msg.snapshot) state.markets = new Map(msg.snapshot.map((m) => [m.id, m]));
    else state.markets.set(msg.update.id, { ...state.markets.get(msg.update.id), ...msg.update });
    renderMarkets();
    renderOrders();
  });
  ws.subscribe('orders', (msg) => {
    if (msg.snapshot) {
      state.orders = new Map();
      for (const o of msg.snapshot) upsertOrder(o);
    } else upsertOrder(msg.update);
    renderOrders();
  });
  ws.subscribe('transfers', (msg) => {
    if (msg.snapshot) state.transfers = new Map(msg.snapshot.map((t) => [t.id, t]));
    else state.transfers.set(msg.update.id, msg.update);
    renderTransfers();
  });
  if (state.accountId !== null) selectAccount(state.accountId);
  setConnection('connecting…');
  ws.connect();
}

async function login(e) {
  e.preventDefault();
  const box = $('login-result');
  const f = e.target.elements;
  box.className = 'result';
  box.textContent = '';
  try {
    const { user } = await api('POST', '/api/v1/auth/login', { email: f.email.value, password: f.password.value });
    f.password.value = '';
    await startDesk(user);
  } catch (err) {
    showError(box, err);
  }
}

async function logout() {
  state.user = null;
  ws.close();
  await api('POST', '/api/v1/auth/logout').catch(() => {});
  location.reload();
}

$('login-form').addEventListener('submit', login);
$('order-form').addEventListener('submit', placeOrder);
$('transfer-form').addEventListener('submit', sendTransfer);
$('logout').addEventListener('click', logout);
$('account').addEventListener('change', (e) => selectAccount(Number(e.target.value)));
$('order-type').addEventListener('change', (e) => {
  $('order-price').disabled = e.target.value === 'market';
});

try {
  const me = await api('GET', '/api/v1/auth/me');
  await startDesk(me.user);
} catch {
  showLogin();
}
