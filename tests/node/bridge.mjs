#!/usr/bin/env node
// bridge.mjs — a real WebSocket peer (Node's `ws`) that runs bridge case files against a
// running `parley mock`: the end-to-end check that the room bridge, the admin API and the
// driver channel behave as docs/bridge.md, docs/admin.md and docs/driver.md say.
//
//   node tests/node/bridge.mjs --port PORT [--host 127.0.0.1] CASE.jsonl...
//
// A case file (tests/data/bridge/*.jsonl) is test data, one step per line (blank lines and
// lines starting with # are ignored). Steps, one key each plus options:
//   {"case":"title","junit":{…}}  names the case; {"comment":"…"} is printed too ("junit"
//        is for tests/e2e/mock_bridge.sh: room → the session's expected JUnit verdict)
//   {"connect":{"path":"/aicall/room?room=r&user=u","name":"main","joined":true}}
//        opens a WebSocket; on a bridge path waits for the "joined" event, whose session
//        id becomes ${session} (and ${session_<name>})
//   {"send":{…}}  a JSON text frame; a "data_json" value is sent as the "data" string
//   {"send_text":"…"}  {"send_text_hex":"c328"}  {"send_binary_hex":"00ff"}
//   {"send_bytes":{"size":2097152,"fill":"a","binary":false}}
//   {"send_fragments":["…","…"]}  one text message in several frames (fin on the last)
//   {"send_partial":"…"|{…}}   the first fragment of a message (fin=false), then a drop
//   {"expect":PATTERN,"within_ms":5000}    a frame matching PATTERN arrives (frames before
//        it are passed over and consumed, so successive expects are ordered)
//   {"expect_none":PATTERN,"for_ms":500}   no unconsumed frame matches during for_ms
//   {"expect_close":{"code":1008},"within_ms":5000}
//   {"finding":"rule"|PATTERN,"within_ms":5000}  polls GET /_parley/sessions/${session}/findings
//        for a finding after the one the previous finding step matched (ordered, like expect)
//   {"no_finding":"rule","for_ms":0}   {"no_findings":true|"must"}  (all / must-level)
//   {"journal_has":PATTERN,"within_ms":5000}     polls …/journal
//   {"http":{"method":"POST","path":"…","body":{…}|"text","pad":N},"status":200,"json":PATTERN,
//    "async":"name"}      an admin request ("pad" adds N bytes of "x" to an object body as
//        "pad"); with "repeat":N,"until_status":S it is sent until it answers S; with
//        "async" it is only started, and
//   {"http_wait":"name","status":200,"json":PATTERN,"within_ms":15000} checks it later
//   {"close":{"code":1000,"reason":""}} ("code":null: a close frame without a code)
//   {"drop":true}   {"pause":true} / {"resume":true} (stop / restart reading)   {"wait_ms":200}
// Every step may name its connection with "ws":"name" (default "main") and a session with
// "session":"s7". Strings interpolate ${name} (a whole-string "${name}" keeps the value's
// type). PATTERN matches as a subset: objects by their keys, arrays element by element,
// literals by equality; a key "K_json" parses the string K as JSON and matches that;
// operators {"$exists":bool}, {"$regex":"…"}, {"$type":"…"}, {"$json":P}, {"$not":P},
// {"$gt"|"$gte"|"$lt"|"$lte":number}, {"$all":P} / {"$some":P} (every / some element of an
// array), {"$capture":"var"} (stores the value for ${var}).
//
// One line per step (ok / FAIL / skip); a failed step ends its case. The last line is
// "N passed, N failed[, N skipped]"; the exit code is 1 on any failure, 2 on bad usage or a
// bad case file. Timeouts are generous limits, never timing assertions.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import WebSocket from 'ws';

const DEFAULT_WITHIN_MS = 5000;
const DEFAULT_NONE_MS = 500;
const POLL_MS = 100;
const SHOW = 300; // characters of a frame shown in a failure

class StepError extends Error {}
class CaseError extends Error {}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const short = (v) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > SHOW ? `${s.slice(0, SHOW)}… (${s.length} chars)` : s;
};

// ---- matching -----------------------------------------------------------------------------

const at = (path) => path.replace(/\.$/, '') || 'value';
const typeOf = (v) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

// Returns null when actual matches pattern, else what differs; captures go into caps.
function match(pattern, actual, path, caps) {
  if (pattern !== null && typeof pattern === 'object' && !Array.isArray(pattern)) {
    const keys = Object.keys(pattern);
    if (keys.length === 1 && keys[0].startsWith('$')) return matchOp(keys[0], pattern[keys[0]], actual, path, caps);
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return `${at(path)}: want an object, got ${short(actual)}`;
    for (const k of keys) {
      const base = k.endsWith('_json') ? k.slice(0, -5) : null;
      if (base && !(k in actual) && typeof actual[base] === 'string') {
        const j = parseJson(actual[base]);
        if (!j.ok) return `${at(path + base)}: not JSON: ${short(actual[base])}`;
        const why = match(pattern[k], j.value, `${path}${base}(json).`, caps);
        if (why) return why;
        continue;
      }
      const why = match(pattern[k], actual[k], `${path}${k}.`, caps);
      if (why) return why;
    }
    return null;
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual) || actual.length !== pattern.length)
      return `${at(path)}: want an array of ${pattern.length}, got ${short(actual)}`;
    for (let i = 0; i < pattern.length; i++) {
      const why = match(pattern[i], actual[i], `${path}${i}.`, caps);
      if (why) return why;
    }
    return null;
  }
  return pattern === actual ? null : `${at(path)}: want ${short(pattern)}, got ${short(actual)}`;
}

function matchOp(op, arg, actual, path, caps) {
  const where = at(path);
  switch (op) {
    case '$exists':
      return (actual !== undefined) === Boolean(arg) ? null : `${where}: want ${arg ? 'present' : 'absent'}`;
    case '$regex':
      return typeof actual === 'string' && new RegExp(arg).test(actual) ? null : `${where}: ${short(actual)} !~ /${arg}/`;
    case '$type':
      return typeOf(actual) === arg || (arg === 'number' && typeof actual === 'number') ? null
        : `${where}: want type ${arg}, got ${typeOf(actual)}`;
    case '$json': {
      const j = typeof actual === 'string' ? parseJson(actual) : { ok: false };
      return j.ok ? match(arg, j.value, `${path}(json).`, caps) : `${where}: want a JSON string, got ${short(actual)}`;
    }
    case '$not':
      return match(arg, actual, path, {}) ? null : `${where}: must not match ${short(arg)}`;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const ok = typeof actual === 'number' &&
        { $gt: actual > arg, $gte: actual >= arg, $lt: actual < arg, $lte: actual <= arg }[op];
      return ok ? null : `${where}: want ${op.slice(1)} ${arg}, got ${short(actual)}`;
    }
    case '$all':
    case '$some': {
      if (!Array.isArray(actual)) return `${where}: want an array, got ${short(actual)}`;
      const misses = actual.map((x, i) => match(arg, x, `${path}${i}.`, caps));
      if (op === '$all') return misses.find((m) => m) || null;
      return misses.some((m) => !m) ? null : `${where}: no element matches ${short(arg)}`;
    }
    case '$capture':
      if (actual === undefined) return `${where}: missing (to capture as ${arg})`;
      caps[arg] = actual;
      return null;
    default:
      throw new CaseError(`unknown operator ${op}`);
  }
}

// ---- variables ----------------------------------------------------------------------------

function interpolate(v, vars) {
  if (typeof v === 'string') {
    const whole = /^\$\{(\w+)\}$/.exec(v);
    if (whole) return lookup(whole[1], vars);
    return v.replace(/\$\{(\w+)\}/g, (_, n) => String(lookup(n, vars)));
  }
  if (Array.isArray(v)) return v.map((x) => interpolate(x, vars));
  if (v !== null && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = interpolate(x, vars);
    return o;
  }
  return v;
}

function lookup(name, vars) {
  if (!(name in vars)) throw new StepError(`no variable \${${name}} (known: ${Object.keys(vars).join(', ')})`);
  return vars[name];
}

// ---- one WebSocket connection -------------------------------------------------------------

class Conn {
  constructor(name, url, vars) {
    this.name = name;
    this.url = url;
    this.vars = vars;
    this.frames = []; // {n, binary, text, json, hasJson}
    this.cursor = 0; // frames before it are consumed
    this.closed = null; // {code, reason}
    this.error = null;
    this.wake = null;
  }

  notify() {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  // Resolves with check()'s first non-undefined result, or undefined after ms.
  async until(check, ms) {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  open(ms) {
    this.ws = new WebSocket(this.url, { handshakeTimeout: ms, maxPayload: 64 * 1024 * 1024 });
    this.ws.on('open', () => {
      this.opened = true;
      this.notify();
    });
    this.ws.on('message', (data, binary) => this.onMessage(data, binary));
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
    this.ws.on('error', (e) => {
      this.error = e.message;
      this.notify();
    });
    // The handshake counts even when parley closes right after it (a rejected bridge URL).
    return this.until(() => (this.opened ? true : this.closed || this.error ? false : undefined), ms);
  }

  onMessage(data, binary) {
    const text = binary ? null : data.toString('utf8');
    const j = text === null ? { ok: false } : parseJson(text);
    const f = { n: this.frames.length + 1, binary, text, json: j.value, hasJson: j.ok, bytes: data.length };
    if (binary) f.hex = data.subarray(0, 64).toString('hex');
    this.frames.push(f);
    if (j.ok && j.value && j.value.event === 'joined' && typeof j.value.session === 'string' && !this.session) {
      this.session = j.value.session;
      this.vars.session = this.session;
      this.vars[`session_${this.name}`] = this.session;
    }
    this.notify();
  }

  describe(f) {
    return f.binary ? `#${f.n} binary ${f.bytes} bytes ${f.hex}` : `#${f.n} ${short(f.text)}`;
  }

  // What arrived since the cursor, for a failure message.
  arrived(limit = 8) {
    const rest = this.frames.slice(this.cursor);
    if (!rest.length) return this.closed ? `nothing (closed ${this.closed.code} ${this.closed.reason})` : 'nothing';
    const shown = rest.slice(-limit).map((f) => `\n       ${this.describe(f)}`).join('');
    return `${rest.length} frame(s)${rest.length > limit ? `, the last ${limit}` : ''}:${shown}`;
  }

  send(data, opts) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN)
      throw new StepError(`connection ${this.name} is not open${this.closed ? ` (closed ${this.closed.code})` : ''}`);
    return new Promise((resolve, reject) => this.ws.send(data, opts, (e) => (e ? reject(new StepError(e.message)) : resolve())));
  }

  async shut(ms) {
    if (!this.ws || this.closed) return;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'case done');
    if ((await this.until(() => (this.closed ? true : undefined), ms)) === undefined) this.ws.terminate();
  }
}

// ---- the runner ---------------------------------------------------------------------------

class Runner {
  constructor(host, port) {
    this.httpBase = `http://${host}:${port}`;
    this.wsBase = `ws://${host}:${port}`;
    this.passed = 0;
    this.failed = 0;
    this.skipped = 0;
  }

  conn(step) {
    const name = step.ws || 'main';
    const c = this.conns.get(name);
    if (!c) throw new StepError(`no connection named ${name} (connect first)`);
    return c;
  }

  sessionOf(step) {
    if (step.session) return interpolate(step.session, this.vars);
    const c = this.conns.get(step.ws || 'main');
    if (c && c.session) return c.session;
    return lookup('session', this.vars);
  }

  async request(spec) {
    const method = spec.method || 'GET';
    const init = { method, headers: {} };
    if (spec.body !== undefined) {
      const body = spec.pad ? { ...spec.body, pad: 'x'.repeat(spec.pad) } : spec.body;
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.httpBase + spec.path, init);
    const text = await res.text();
    const j = parseJson(text);
    return { status: res.status, text, json: j.ok ? j.value : undefined };
  }

  async getJson(path) {
    const r = await this.request({ path });
    if (r.status !== 200 || r.json === undefined) throw new StepError(`GET ${path}: ${r.status} ${short(r.text)}`);
    return r.json;
  }

  checkReply(step, what, r) {
    if (step.status !== undefined && r.status !== step.status)
      throw new StepError(`${what}: status ${r.status}, want ${step.status}; body ${short(r.text)}`);
    if (step.json !== undefined) {
      const caps = {};
      const why = match(interpolate(step.json, this.vars), r.json, '', caps);
      if (why) throw new StepError(`${what}: reply does not match: ${why}; body ${short(r.text)}`);
      Object.assign(this.vars, caps);
    }
    return `${r.status} ${short(r.text)}`;
  }

  // Polls an admin list until find(list) is non-undefined or the time is up.
  async poll(path, pick, find, ms) {
    const deadline = Date.now() + ms;
    let last;
    for (;;) {
      last = pick(await this.getJson(path));
      const v = find(last);
      if (v !== undefined || Date.now() >= deadline) return { found: v, last };
      await sleep(POLL_MS);
    }
  }

  // ---- steps: connections and frames ----

  async connect(step) {
    const spec = interpolate(step.connect, this.vars);
    const name = spec.name || 'main';
    const ms = step.within_ms || DEFAULT_WITHIN_MS;
    const old = this.conns.get(name);
    if (old) await old.shut(ms);
    const c = new Conn(name, this.wsBase + spec.path, this.vars);
    this.conns.set(name, c);
    const opened = await c.open(ms);
    if (!opened) throw new StepError(`${spec.path}: not opened: ${c.error || (c.closed ? `closed ${c.closed.code}` : 'timeout')}`);
    const bridge = spec.joined ?? !spec.path.startsWith('/_parley/');
    if (!bridge) return spec.path;
    const s = await c.until(() => c.session || (c.closed ? null : undefined), ms);
    if (!s) throw new StepError(`no "joined" event within ${ms} ms; arrived ${c.arrived()}`);
    return `${spec.path} -> session ${s}`;
  }

  async send(step) {
    const frame = interpolate(step.send, this.vars);
    if (frame && typeof frame === 'object' && 'data_json' in frame) {
      frame.data = JSON.stringify(frame.data_json);
      delete frame.data_json;
    }
    const text = JSON.stringify(frame);
    await this.conn(step).send(text, { binary: false });
    return short(text);
  }

  async sendRaw(step, key) {
    const v = interpolate(step[key], this.vars);
    if (key === 'send_text') {
      await this.conn(step).send(v, { binary: false });
      return short(v);
    }
    if (key === 'send_bytes') {
      const buf = Buffer.alloc(v.size, v.fill ?? 'a');
      await this.conn(step).send(buf, { binary: Boolean(v.binary) });
      return `${v.size} bytes of ${short(v.fill ?? 'a')} as ${v.binary ? 'binary' : 'text'}`;
    }
    const buf = Buffer.from(v.replace(/\s+/g, ''), 'hex');
    await this.conn(step).send(buf, { binary: key === 'send_binary_hex' });
    return `${buf.length} bytes ${key === 'send_binary_hex' ? 'binary' : 'text'}`;
  }

  async sendFragments(step) {
    const parts = interpolate(step.send_fragments, this.vars).map((p) => (typeof p === 'string' ? p : JSON.stringify(p)));
    const c = this.conn(step);
    for (let i = 0; i < parts.length; i++) await c.send(parts[i], { binary: false, fin: i === parts.length - 1 });
    return `${parts.length} fragments: ${short(parts.join(''))}`;
  }

  async sendPartial(step) {
    const v = interpolate(step.send_partial, this.vars);
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    const c = this.conn(step);
    await c.send(text, { binary: false, fin: false });
    await sleep(100); // let the fragment leave before the socket goes
    c.ws.terminate();
    return `${short(text)} (fin=false), then dropped`;
  }

  async expect(step) {
    const c = this.conn(step);
    const pat = interpolate(step.expect, this.vars);
    const ms = step.within_ms || DEFAULT_WITHIN_MS;
    let why = 'nothing arrived';
    const hit = await c.until(() => {
      for (let i = c.cursor; i < c.frames.length; i++) {
        const f = c.frames[i];
        const caps = {};
        const w = match(pat, f.hasJson ? f.json : f.text, '', caps);
        if (!w) return { i, f, caps };
        why = w;
      }
      return c.closed ? null : undefined;
    }, ms);
    if (!hit) {
      const state = hit === null ? 'the connection closed' : `nothing within ${ms} ms`;
      throw new StepError(`expected ${short(pat)}: ${state} (closest miss: ${why}); arrived ${c.arrived()}`);
    }
    c.cursor = hit.i + 1;
    Object.assign(this.vars, hit.caps);
    return c.describe(hit.f);
  }

  async expectNone(step) {
    const c = this.conn(step);
    const pat = interpolate(step.expect_none, this.vars);
    const ms = step.for_ms ?? DEFAULT_NONE_MS;
    const from = c.cursor;
    const hit = await c.until(() => {
      for (let i = from; i < c.frames.length; i++) if (!match(pat, c.frames[i].hasJson ? c.frames[i].json : c.frames[i].text, '', {})) return c.frames[i];
      return undefined;
    }, ms);
    if (hit) throw new StepError(`expected no ${short(pat)} for ${ms} ms, but got ${c.describe(hit)}`);
    return `none in ${ms} ms`;
  }

  async expectClose(step) {
    const c = this.conn(step);
    const ms = step.within_ms || DEFAULT_WITHIN_MS;
    const closed = await c.until(() => c.closed || undefined, ms);
    if (!closed) throw new StepError(`expected a close within ${ms} ms; still open; arrived ${c.arrived()}`);
    const why = match(interpolate(step.expect_close, this.vars), closed, '', {});
    if (why) throw new StepError(`close ${closed.code} "${closed.reason}" does not match: ${why}`);
    return `closed ${closed.code} "${closed.reason}"`;
  }

  async close(step) {
    const c = this.conn(step);
    const spec = step.close === true ? {} : step.close;
    if (spec.code === null) c.ws.close(); // a close frame without a status code
    else c.ws.close(spec.code ?? 1000, spec.reason ?? '');
    const ms = step.within_ms || DEFAULT_WITHIN_MS;
    const closed = await c.until(() => c.closed || undefined, ms);
    if (!closed) throw new StepError(`sent close ${spec.code ?? 1000}; no close within ${ms} ms`);
    return `sent ${spec.code === null ? 'no code' : spec.code ?? 1000}; closed, parley answered ${closed.code}`;
  }

  // Stops (or restarts) reading the socket: the kernel buffers fill and parley's queue grows.
  pause(step, on) {
    const c = this.conn(step);
    if (on) c.ws.pause();
    else c.ws.resume();
    return on ? 'not reading' : 'reading again';
  }

  drop(step) {
    this.conn(step).ws.terminate();
    return 'socket terminated';
  }

  // ---- steps: admin API ----

  async finding(step) {
    const id = this.sessionOf(step);
    const pat = typeof step.finding === 'string' ? { rule: step.finding } : interpolate(step.finding, this.vars);
    const ms = step.within_ms || DEFAULT_WITHIN_MS;
    const after = this.findingSeen.get(id) || 0;
    const { found, last } = await this.poll(`/_parley/sessions/${id}/findings`, (j) => j,
      (list) => list.find((f) => f.n > after && !match(pat, f, '', {})), ms);
    if (!found)
      throw new StepError(`no new finding ${short(pat)} in session ${id} within ${ms} ms; findings: ${short(last.map((f) => `#${f.n} ${f.rule}`))}${after ? ` (#${after} and before already matched)` : ''}`);
    this.findingSeen.set(id, found.n);
    return `${id} #${found.n}: ${found.rule} (${found.level}): ${short(found.message)}`;
  }

  async noFinding(step) {
    const id = this.sessionOf(step);
    if (step.for_ms) await sleep(step.for_ms);
    const list = await this.getJson(`/_parley/sessions/${id}/findings`);
    const bad = list.filter((f) => f.rule === step.no_finding);
    if (bad.length) throw new StepError(`session ${id} has ${step.no_finding}: ${short(bad[0].message)}`);
    return `${id}: no ${step.no_finding} (${list.length} finding(s) in all)`;
  }

  async noFindings(step) {
    const id = this.sessionOf(step);
    if (step.for_ms) await sleep(step.for_ms);
    const list = await this.getJson(`/_parley/sessions/${id}/findings`);
    const level = step.no_findings === true ? null : step.no_findings;
    const bad = list.filter((f) => !level || f.level === level);
    if (bad.length)
      throw new StepError(`session ${id} has ${bad.length} ${level ? `${level}-level ` : ''}finding(s): ${bad.map((f) => `${f.rule}: ${f.message}`).join(' | ')}`);
    return `${id}: no ${level ? `${level}-level ` : ''}findings`;
  }

  async journalHas(step) {
    const id = this.sessionOf(step);
    const pat = interpolate(step.journal_has, this.vars);
    const ms = step.within_ms || DEFAULT_WITHIN_MS;
    const { found, last } = await this.poll(`/_parley/sessions/${id}/journal`, (j) => j.records,
      (recs) => recs.find((r) => !match(pat, r, '', {})), ms);
    if (!found) throw new StepError(`journal of ${id} has no ${short(pat)} within ${ms} ms; records: ${short(last.map((r) => r.ev))}`);
    return `${id} #${found.n} ${short(found)}`;
  }

  async http(step) {
    const spec = interpolate(step.http, this.vars);
    const what = `${spec.method || 'GET'} ${spec.path}`;
    if (step.async) {
      this.pending.set(step.async, this.request(spec).catch((e) => ({ status: 0, text: `request failed: ${e.message}` })));
      return `${what} started as ${step.async}`;
    }
    if (step.repeat) return this.httpRepeat(step, spec, what);
    return `${what} -> ${this.checkReply(step, what, await this.request(spec))}`;
  }

  // The same request up to "repeat" times, until one answers "until_status".
  async httpRepeat(step, spec, what) {
    const seen = [];
    for (let i = 1; i <= step.repeat; i++) {
      const r = await this.request(spec);
      seen.push(r.status);
      if (r.status === step.until_status) return `${what} x${i}: ${seen.join(' ')}`;
    }
    throw new StepError(`${what}: no ${step.until_status} in ${step.repeat} requests; statuses ${seen.join(' ')}`);
  }

  async httpWait(step) {
    const p = this.pending.get(step.http_wait);
    if (!p) throw new StepError(`no request started as ${step.http_wait}`);
    const ms = step.within_ms || 3 * DEFAULT_WITHIN_MS;
    const r = await Promise.race([p, sleep(ms).then(() => null)]);
    if (!r) throw new StepError(`${step.http_wait}: no answer within ${ms} ms`);
    this.pending.delete(step.http_wait);
    return `${step.http_wait} -> ${this.checkReply(step, step.http_wait, r)}`;
  }

  // ---- dispatch ----

  async step(step) {
    const kinds = {
      case: () => step.case,
      comment: () => step.comment,
      connect: () => this.connect(step),
      send: () => this.send(step),
      send_text: () => this.sendRaw(step, 'send_text'),
      send_text_hex: () => this.sendRaw(step, 'send_text_hex'),
      send_binary_hex: () => this.sendRaw(step, 'send_binary_hex'),
      send_bytes: () => this.sendRaw(step, 'send_bytes'),
      send_partial: () => this.sendPartial(step),
      send_fragments: () => this.sendFragments(step),
      expect: () => this.expect(step),
      expect_none: () => this.expectNone(step),
      expect_close: () => this.expectClose(step),
      close: () => this.close(step),
      drop: () => this.drop(step),
      pause: () => this.pause(step, true),
      resume: () => this.pause(step, false),
      wait_ms: () => sleep(step.wait_ms).then(() => `${step.wait_ms} ms`),
      finding: () => this.finding(step),
      no_finding: () => this.noFinding(step),
      no_findings: () => this.noFindings(step),
      journal_has: () => this.journalHas(step),
      http: () => this.http(step),
      http_wait: () => this.httpWait(step),
    };
    const kind = Object.keys(step).find((k) => k in kinds);
    if (!kind) throw new CaseError(`no known step kind in ${short(step)}`);
    return { kind, detail: await kinds[kind]() };
  }

  async runCase(file) {
    let steps;
    try {
      steps = loadCase(file);
    } catch (e) {
      console.log(`FAIL ${file}: ${e.message}`);
      this.failed++;
      return 2;
    }
    this.vars = {};
    this.conns = new Map();
    this.pending = new Map();
    this.findingSeen = new Map(); // session → journal n of the last finding a step matched
    const name = basename(file);
    console.log(`== ${name} (${steps.length} steps)`);
    let failedAt = -1;
    for (let i = 0; i < steps.length; i++) {
      const { line, step } = steps[i];
      const where = `${name}:${line}`;
      if (failedAt >= 0) {
        this.skipped++;
        console.log(`skip ${where} ${Object.keys(step)[0]}`);
        continue;
      }
      try {
        const { kind, detail } = await this.step(step);
        this.passed++;
        console.log(`ok   ${where} ${kind}${detail ? `: ${detail}` : ''}`);
      } catch (e) {
        if (!(e instanceof StepError) && !(e instanceof CaseError)) throw e;
        this.failed++;
        failedAt = i;
        console.log(`FAIL ${where} ${short(step)}\n     ${e.message}`);
      }
    }
    for (const c of this.conns.values()) await c.shut(2000);
    return failedAt >= 0 ? 1 : 0;
  }
}

// A case file: JSON per line; returns [{line, step}] or throws with file:line.
function loadCase(file) {
  const steps = [];
  readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
    const t = text.trim();
    if (!t || t.startsWith('#')) return;
    let step;
    try {
      step = JSON.parse(t);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not JSON: ${e.message}`);
    }
    if (step === null || typeof step !== 'object' || Array.isArray(step)) throw new Error(`${file}:${i + 1}: a step is a JSON object`);
    steps.push({ line: i + 1, step });
  });
  if (!steps.length) throw new Error(`${file}: no steps`);
  return steps;
}

function usage(msg) {
  if (msg) console.error(`bridge.mjs: ${msg}`);
  console.error('usage: node tests/node/bridge.mjs --port PORT [--host HOST] CASE.jsonl...');
  process.exit(2);
}

async function main(argv) {
  let host = '127.0.0.1';
  let port = null;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') port = argv[++i];
    else if (argv[i] === '--host') host = argv[++i];
    else if (argv[i] === '-h' || argv[i] === '--help') usage();
    else if (argv[i].startsWith('-')) usage(`unknown option ${argv[i]}`);
    else files.push(argv[i]);
  }
  if (!port || !/^\d+$/.test(port)) usage('--port PORT is required');
  if (!files.length) usage('no case files');
  const r = new Runner(host, port);
  let worst = 0;
  for (const f of files) worst = Math.max(worst, await r.runCase(f));
  console.log(`${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`);
  process.exit(worst);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`bridge.mjs: ${e.stack || e}`);
  process.exit(2);
});
