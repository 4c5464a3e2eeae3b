// volc_sdk.mjs — signs with the REAL Volcengine OpenAPI signer (`Signer` of
// @volcengine/openapi, pinned in package.json) against `parley mock`'s volc OpenAPI, the way
// volcengine/rtc-aigc-demo's Server/app.js does: a request object {region: "cn-north-1",
// method: "POST", params: {Action, Version}, headers: {Host, "Content-type"}, body}, `new
// Signer(request, "rtc")`, `signer.addAuthorization({accessKeyId, secretKey})`, then fetch
// with the request's headers. An independent V4 implementation (node:crypto, below) checks
// the published vectors of protocols/volc.md §1.2, what the SDK produces, and signs the
// requests the SDK cannot make (the Python demo's header set, the SignedQueries form).
//
//   node tests/node/volc_sdk.mjs --selftest
//   node tests/node/volc_sdk.mjs --port MOCKPORT [--access-key AK] [--secret-key SK] [--app-id ID]
//
// Host: the SDK signs whatever Host the request object carries, and Node's fetch sends the
// URL's host whatever the headers say, so the request object carries the real
// "127.0.0.1:PORT" (the demo's "rtc.volcengineapi.com" would be signed but not sent).
//
// One line per check: "ok   …" or "FAIL …" ("info …" lines are not checks). Exit 1 on any
// failure, 2 on bad arguments. Defaults are parley's (docs/dev/volc-spec.md).
import crypto from "node:crypto";
import http from "node:http";

let Signer;
try {
  ({ Signer } = await import("@volcengine/openapi"));
} catch (e) {
  console.log(`FAIL @volcengine/openapi is not installed in tests/node/node_modules: run scripts/setup (${e.message})`);
  process.exit(1);
}

// ---- arguments -------------------------------------------------------------------------
const args = { "access-key": "AKLTparleyEXAMPLE", "secret-key": "parleyVolcSecretKeyEXAMPLE", "app-id": "parley_volc_app" };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === "--selftest") args.selftest = true;
  else if (a.startsWith("--") && i + 1 < process.argv.length) args[a.slice(2)] = process.argv[++i];
  else { console.error(`volc_sdk.mjs: unknown argument ${a}`); process.exit(2); }
}
const AK = args["access-key"], SK = args["secret-key"], APP_ID = args["app-id"];
const PORT = args.port ? Number(args.port) : 0;
const REGION = "cn-north-1", SERVICE = "rtc", VERSION = "2024-12-01";
delete process.env.http_proxy;
delete process.env.HTTP_PROXY;

// ---- check helpers -----------------------------------------------------------------------
let failed = 0, passed = 0;
const ok = (name, detail = "") => { passed++; console.log(`ok   ${name}${detail ? ": " + detail : ""}`); };
const fail = (name, detail = "") => { failed++; console.log(`FAIL ${name}${detail ? ": " + detail : ""}`); };
const check = (cond, name, detail = "") => (cond ? ok(name, detail) : fail(name, detail));
const info = (text) => console.log(`info ${text}`);

// ---- independent V4 (protocols/volc.md §1.2), node:crypto only ---------------------------
const sha256hex = (data) => crypto.createHash("sha256").update(data).digest("hex");
const hmac = (key, msg) => crypto.createHmac("sha256", key).update(msg).digest();
const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** Canonical query of a raw query string: split, decode, RFC 3986-encode, sort by key then value. */
function canonicalQuery(raw) {
  const dec = (s) => decodeURIComponent(s.replace(/\+/g, " "));
  return raw.split("&").filter((p) => p).map((p) => {
    const i = p.indexOf("=");
    return [rfc3986(dec(i < 0 ? p : p.slice(0, i))), rfc3986(dec(i < 0 ? "" : p.slice(i + 1)))];
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join("&");
}
/**
 * headers: {lowercase name: value}; signed: the SignedHeaders names in order; query: raw.
 * Returns {signature, authorization, canonical, stringToSign}.
 */
function v4Sign({ ak = AK, sk = SK, xDate, region = REGION, service = SERVICE, method = "POST", path = "/",
  query, headers, signed, bodyHash, signedQueries }) {
  const canonHeaders = signed.map((h) => `${h}:${String(headers[h]).replace(/\s+/g, " ").trim()}\n`).join("");
  const canonical = [method, path, canonicalQuery(query), canonHeaders, signed.join(";"), bodyHash].join("\n");
  const date = xDate.slice(0, 8);
  const scope = `${date}/${region}/${service}/request`;
  const stringToSign = ["HMAC-SHA256", xDate, scope, sha256hex(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(sk, date), region), service), "request"); // no key prefix
  const signature = hmac(key, stringToSign).toString("hex");
  const authorization = `HMAC-SHA256 Credential=${ak}/${scope}, SignedHeaders=${signed.join(";")}` +
    (signedQueries ? `, SignedQueries=${signedQueries}` : "") + `, Signature=${signature}`;
  return { signature, authorization, canonical, stringToSign };
}
/** The parts of a V4 Authorization value, or null. */
function v4Parse(a) {
  const m = /^HMAC-SHA256 (.*)$/.exec(a || "");
  if (!m) return null;
  const parts = {};
  for (const p of m[1].split(/,\s*/)) {
    const i = p.indexOf("=");
    if (i < 0) return null;
    parts[p.slice(0, i)] = p.slice(i + 1);
  }
  const cred = (parts.Credential || "").split("/");
  if (cred.length !== 5) return null;
  return { ak: cred[0], date: cred[1], region: cred[2], service: cred[3], terminator: cred[4],
    signedHeaders: parts.SignedHeaders, signedQueries: parts.SignedQueries, signature: parts.Signature, names: Object.keys(parts) };
}
const xDateOf = (d) => d.toISOString().replace(/[:-]|\.\d{3}/g, "");

// ---- 1. the §1.2 vectors: independent implementation, then the SDK ------------------------
const VEC = {
  ak: "AKLTexampleAK", sk: "exampleSecretKey", xDate: "20250101T000000Z", host: "rtc.volcengineapi.com",
  query: "Action=StopVoiceChat&Version=2024-12-01", body: { AppId: "app1", RoomId: "room1", TaskId: "task1" },
  bodyHash: "534c5b8c38afa98ed91965634c8e9ca5301be86afe5854a3a874a911228c2339",
  python: "eba342765b93e890c3be8a863e5130ed6cca89460da3d296521ce28f2a9fd5d2",
  node: "9b679efd92dea73389d6a05a40a27b2c1194352e4da33f8a2432531634471fe8",
};
{
  const text = JSON.stringify(VEC.body);
  check(sha256hex(text) === VEC.bodyHash, "volc.md §1.2 body hash (node:crypto)", sha256hex(text));
  const headers = { "content-type": "application/json", host: VEC.host, "x-content-sha256": VEC.bodyHash, "x-date": VEC.xDate };
  const py = v4Sign({ ...VEC, headers, signed: ["content-type", "host", "x-content-sha256", "x-date"] });
  check(py.signature === VEC.python, "volc.md §1.2 Python-demo vector (content-type;host;x-content-sha256;x-date), independent node:crypto V4", py.signature);
  const nd = v4Sign({ ...VEC, headers, signed: ["host", "x-content-sha256", "x-date"] });
  check(nd.signature === VEC.node, "volc.md §1.2 Node vector (host;x-content-sha256;x-date), independent node:crypto V4", nd.signature);

  // The real Signer on the vector's request (the demo's request object, clock frozen).
  const req = { region: REGION, method: "POST", params: { Version: "2024-12-01", Action: "StopVoiceChat" },
    headers: { Host: VEC.host, "Content-type": "application/json" }, body: VEC.body };
  const signer = new Signer(req, SERVICE);
  signer.addAuthorization({ accessKeyId: VEC.ak, secretKey: VEC.sk }, new Date("2025-01-01T00:00:00Z"));
  const h = req.headers;
  const want = `HMAC-SHA256 Credential=${VEC.ak}/20250101/cn-north-1/rtc/request, SignedHeaders=host;x-content-sha256;x-date, Signature=${VEC.node}`;
  check(h.Authorization === want, "the SDK Signer reproduces the §1.2 Node vector exactly (Authorization, SignedHeaders host;x-content-sha256;x-date)",
    h.Authorization);
  check(h["X-Date"] === VEC.xDate && h["X-Content-Sha256"] === VEC.bodyHash,
    "the SDK adds X-Date (YYYYMMDDTHHMMSSZ) and X-Content-Sha256 (hex SHA-256 of JSON.stringify(body))",
    `X-Date ${h["X-Date"]}, X-Content-Sha256 ${h["X-Content-Sha256"]}`);
  const a = v4Parse(h.Authorization);
  check(a && a.signedQueries === undefined && a.names.join(",") === "Credential,SignedHeaders,Signature",
    "the SDK's Authorization has NO SignedQueries part (sign.js comments it out; volc.md §1.2 says the Node Signer adds it)",
    a ? `parts ${a.names.join(", ")}; signer.signedQueries() would be ${JSON.stringify(signer.signedQueries())}` : "unparsable");
  check(signer.canonicalString() === nd.canonical, "the SDK's canonical request equals the independent one",
    JSON.stringify(signer.canonicalString()));
  // The SDK signs every header but authorization, content-type, content-length, user-agent,
  // presigned-expires, expect: an extra header is signed, Content-Type never.
  const req2 = { region: REGION, method: "POST", params: { Action: "StopVoiceChat", Version: "2024-12-01" },
    headers: { Host: VEC.host, "Content-Type": "application/json", "User-Agent": "x", "X-Custom": " a   b " }, body: VEC.body };
  const s2 = new Signer(req2, SERVICE);
  s2.addAuthorization({ accessKeyId: VEC.ak, secretKey: VEC.sk }, new Date("2025-01-01T00:00:00Z"));
  const a2 = v4Parse(req2.headers.Authorization);
  const ind2 = v4Sign({ ...VEC, headers: { host: VEC.host, "x-content-sha256": VEC.bodyHash, "x-custom": " a   b ", "x-date": VEC.xDate },
    signed: ["host", "x-content-sha256", "x-custom", "x-date"] });
  check(a2 && a2.signedHeaders === "host;x-content-sha256;x-custom;x-date" && a2.signature === ind2.signature,
    "the SDK signs any other header (x-custom, value whitespace collapsed), never content-type/user-agent; independent signature agrees",
    req2.headers.Authorization);
}
if (args.selftest) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
if (!PORT) { console.error("volc_sdk.mjs: --port is required (or --selftest)"); process.exit(2); }

// ---- 2. against the mock -------------------------------------------------------------------
const HOST = `127.0.0.1:${PORT}`;
const REQUEST_ID = /^\d{14}[0-9A-F]{20}$/;

/** A call signed by the SDK exactly as the demo proxy does; returns {status, json, raw, auth}. */
async function sdkCall(Action, body, { version = VERSION, accessKeyId = AK, secretKey = SK, date } = {}) {
  const openApiRequestData = {
    region: REGION,
    method: "POST",
    params: { Action, Version: version },
    headers: { Host: HOST, "Content-type": "application/json" },
    body,
  };
  const signer = new Signer(openApiRequestData, SERVICE);
  signer.addAuthorization({ accessKeyId, secretKey }, date);
  const res = await fetch(`http://${HOST}?Action=${Action}&Version=${version}`, {
    method: "POST", headers: openApiRequestData.headers, body: JSON.stringify(body),
  });
  const raw = await res.text();
  let json = null;
  try { json = JSON.parse(raw); } catch { /* reported by the checks */ }
  return { status: res.status, type: res.headers.get("content-type"), json, raw, auth: openApiRequestData.headers.Authorization };
}

/** A call signed by the independent V4 (node:http, headers exactly as given). */
function rawCall(Action, body, { version = VERSION, signed = ["content-type", "host", "x-content-sha256", "x-date"],
  signedQueries, sk = SK, xDate = xDateOf(new Date()), contentSha, authorization, path = "/" } = {}) {
  const text = JSON.stringify(body);
  const query = `Action=${Action}&Version=${version}`;
  const headers = { "content-type": "application/json", host: HOST, "x-date": xDate,
    "x-content-sha256": contentSha ?? sha256hex(text) };
  if (authorization === undefined) {
    authorization = v4Sign({ sk, xDate, query, headers, signed, bodyHash: headers["x-content-sha256"], signedQueries, path }).authorization;
  }
  if (authorization !== null) headers.authorization = authorization;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: PORT, method: "POST", path: `${path}?${query}`, headers, timeout: 10000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks).toString();
        let json = null;
        try { json = JSON.parse(raw); } catch { /* reported by the checks */ }
        resolve({ status: res.statusCode, type: res.headers["content-type"], json, raw });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(text);
  });
}

const show = (r) => `HTTP ${r.status} ${r.raw.slice(0, 400)}`;
/** "" when r.json.ResponseMetadata has the five fields for Action/Version, else the problem. */
function metaProblem(r, action, version = VERSION) {
  const m = r.json?.ResponseMetadata;
  if (!m || typeof m !== "object") return "no ResponseMetadata object";
  const p = [];
  if (!REQUEST_ID.test(m.RequestId || "")) p.push(`RequestId ${JSON.stringify(m.RequestId)} is not 14 digits + 20 upper hex`);
  if (m.Action !== action) p.push(`Action ${JSON.stringify(m.Action)}`);
  if (m.Version !== version) p.push(`Version ${JSON.stringify(m.Version)}`);
  if (m.Service !== "rtc") p.push(`Service ${JSON.stringify(m.Service)}`);
  if (m.Region !== REGION) p.push(`Region ${JSON.stringify(m.Region)}`);
  return p.join("; ");
}
function expectOk(name, r, action, version = VERSION) {
  const why = r.status !== 200 ? `HTTP ${r.status}` : r.json?.Result !== "ok" ? `Result ${JSON.stringify(r.json?.Result)}`
    : r.json?.ResponseMetadata?.Error ? "ResponseMetadata.Error present" : metaProblem(r, action, version);
  check(!why, name, why ? `${why}; ${show(r)}` : r.raw);
  return !why;
}
/** An error answer: status, Code, CodeN (null: any), message regex (optional). */
function expectError(name, r, action, { status, code, codeN, message, version = VERSION }) {
  const e = r.json?.ResponseMetadata?.Error;
  const p = [];
  if (status && r.status !== status) p.push(`HTTP ${r.status}, want ${status}`);
  if (!status && (r.status < 400 || r.status > 499)) p.push(`HTTP ${r.status}, want 4xx`);
  if (!e || typeof e !== "object") p.push("no ResponseMetadata.Error");
  else {
    if (code && e.Code !== code) p.push(`Code ${JSON.stringify(e.Code)}, want ${code}`);
    if (codeN && e.CodeN !== codeN) p.push(`CodeN ${JSON.stringify(e.CodeN)}, want ${codeN}`);
    if (typeof e.Message !== "string" || !e.Message) p.push("no Message");
    else if (message && !message.test(e.Message)) p.push(`Message ${JSON.stringify(e.Message)} does not match ${message}`);
  }
  if (r.json && "Result" in r.json) p.push(`has Result ${JSON.stringify(r.json.Result)} (an error has none)`);
  const mp = r.json ? metaProblem(r, action, version) : "not JSON";
  if (mp) p.push(mp);
  check(!p.length, name, p.length ? `${p.join("; ")}; ${show(r)}` : r.raw);
}

const RUN = crypto.randomBytes(4).toString("hex");
/** The 2024-12-01 body of the demo (volc.md §1.4, Server/scenes/Custom.json). */
function startBody(room, task, bot) {
  return {
    AppId: APP_ID, RoomId: room, TaskId: task,
    AgentConfig: { TargetUserId: ["user1"], WelcomeMessage: "Hello, I am the parley SDK test agent.", UserId: bot,
      EnableConversationStateCallback: true },
    Config: {
      ASRConfig: { Provider: "volcano", ProviderParams: { Mode: "smallmodel", AppId: "1234567890", Cluster: "volcengine_streaming_common" } },
      TTSConfig: { Provider: "volcano", ProviderParams: { app: { appid: "1234567890", cluster: "volcano_tts" },
        audio: { voice_type: "BV001_streaming", speed_ratio: 1, pitch_ratio: 1, volume_ratio: 1 } } },
      LLMConfig: { Mode: "ArkV3", EndPointId: "ep-20250101000000-parley", SystemMessages: ["You are a helpful assistant."],
        VisionConfig: { Enable: false } },
      AvatarConfig: { Enabled: false },
      InterruptMode: 0,
    },
  };
}
const room = `sdk_room_${RUN}`, task = `sdk_task_${RUN}`, bot = `sdk_bot_${RUN}`;
const ids = { AppId: APP_ID, RoomId: room, TaskId: task };

async function guard(name, fn) {
  try { await fn(); } catch (e) { fail(name, `threw ${e?.cause?.message || e?.message || e}`); }
}

await guard("StartVoiceChat (SDK Signer)", async () => {
  const r = await sdkCall("StartVoiceChat", startBody(room, task, bot));
  const a = v4Parse(r.auth);
  info(`SDK Authorization: ${r.auth}`);
  check(a && a.signedHeaders === "host;x-content-sha256;x-date" && a.signedQueries === undefined && a.region === REGION &&
    a.service === SERVICE && a.terminator === "request",
  "the SDK's request: SignedHeaders host;x-content-sha256;x-date, scope DATE/cn-north-1/rtc/request, no SignedQueries", r.auth);
  expectOk("StartVoiceChat (SDK Signer, 2024-12-01 demo body) -> 200, Result \"ok\", ResponseMetadata {RequestId, Action, Version, Service rtc, Region cn-north-1}",
    r, "StartVoiceChat");
  check(/^application\/json/.test(r.type || ""), "the answer is Content-Type application/json", String(r.type));
});
await guard("duplicate StartVoiceChat", async () => {
  const r = await sdkCall("StartVoiceChat", startBody(room, task, bot));
  expectError("StartVoiceChat again with the same AppId+RoomId+TaskId -> 400 InvalidParameter 100001 \"The task has been started…\"", r,
    "StartVoiceChat", { status: 400, code: "InvalidParameter", codeN: 100001, message: /The task has been started/ });
});
await guard("UpdateVoiceChat interrupt", async () => {
  const r = await sdkCall("UpdateVoiceChat", { ...ids, Command: "interrupt" });
  expectOk("UpdateVoiceChat {Command: \"interrupt\"} (SDK Signer) -> 200, Result \"ok\"", r, "UpdateVoiceChat");
});
await guard("wrong secret", async () => {
  const r = await sdkCall("UpdateVoiceChat", { ...ids, Command: "interrupt" }, { secretKey: "wrongSecretKeyEXAMPLE" });
  expectError("a Signer with a wrong secret key -> 401 SignatureDoesNotMatch 100010", r, "UpdateVoiceChat",
    { status: 401, code: "SignatureDoesNotMatch", codeN: 100010 });
});
await guard("unknown access key", async () => {
  const r = await sdkCall("UpdateVoiceChat", { ...ids, Command: "interrupt" }, { accessKeyId: "AKLTunknownEXAMPLE" });
  expectError("a Signer with an unknown access key -> 401 InvalidAccessKey 100009", r, "UpdateVoiceChat",
    { status: 401, code: "InvalidAccessKey", codeN: 100009 });
});
await guard("stale X-Date", async () => {
  const r = await sdkCall("UpdateVoiceChat", { ...ids, Command: "interrupt" }, { date: new Date(Date.now() - 3600e3) });
  expectError("a Signer with the clock 1 h behind -> 400 InvalidTimestamp 100006", r, "UpdateVoiceChat",
    { status: 400, code: "InvalidTimestamp", codeN: 100006 });
});
await guard("unknown action", async () => {
  const r = await sdkCall("StartVoiceChats", { ...ids });
  expectError("Action StartVoiceChats (SDK Signer) -> 404 InvalidActionOrVersion 100008", r, "StartVoiceChats",
    { status: 404, code: "InvalidActionOrVersion", codeN: 100008 });
});

// Independent signer: the Python demo's header set, the SignedQueries form volc.md describes,
// a wrong X-Content-Sha256, no Authorization.
await guard("independent signer", async () => {
  let r = await rawCall("UpdateVoiceChat", { ...ids, Command: "interrupt" });
  expectOk("independent V4 with the Python demo's SignedHeaders content-type;host;x-content-sha256;x-date -> 200 ok", r, "UpdateVoiceChat");
  r = await rawCall("UpdateVoiceChat", { ...ids, Command: "interrupt" }, { signed: ["host", "x-content-sha256", "x-date"], signedQueries: "Action;Version" });
  expectOk("independent V4 with \"SignedQueries=Action;Version\" (the form volc.md §1.2 gives the Node Signer) -> 200 ok", r, "UpdateVoiceChat");
  r = await rawCall("UpdateVoiceChat", { ...ids, Command: "interrupt" }, { contentSha: sha256hex("{}") });
  expectError("X-Content-Sha256 not the body's hash (signature consistent with it) -> 401 SignatureDoesNotMatch 100010", r,
    "UpdateVoiceChat", { status: 401, code: "SignatureDoesNotMatch", codeN: 100010 });
  r = await rawCall("UpdateVoiceChat", { ...ids, Command: "interrupt" }, { authorization: null });
  expectError("no Authorization -> 401 MissingAuthenticationToken 100003", r, "UpdateVoiceChat",
    { status: 401, code: "MissingAuthenticationToken", codeN: 100003 });
});

await guard("StopVoiceChat", async () => {
  const r = await sdkCall("StopVoiceChat", ids);
  expectOk("StopVoiceChat {AppId, RoomId, TaskId} (SDK Signer) -> 200, Result \"ok\"", r, "StopVoiceChat");
});
await guard("StopVoiceChat again", async () => {
  const r = await sdkCall("StopVoiceChat", ids);
  expectError("StopVoiceChat of the stopped task -> 400 InvalidParameter \"task not found\"", r, "StopVoiceChat",
    { status: 400, code: "InvalidParameter", codeN: 100001, message: /task not found/i });
});
await guard("StopVoiceChat unknown", async () => {
  const r = await sdkCall("StopVoiceChat", { AppId: APP_ID, RoomId: `sdk_room_none_${RUN}`, TaskId: `sdk_task_none_${RUN}` });
  expectError("StopVoiceChat of a task never started -> 400 InvalidParameter \"task not found\"", r, "StopVoiceChat",
    { status: 400, code: "InvalidParameter", codeN: 100001, message: /task not found/i });
});
await guard("UpdateVoiceChat after Stop", async () => {
  const r = await sdkCall("UpdateVoiceChat", { ...ids, Command: "interrupt" });
  expectError("UpdateVoiceChat of the stopped task -> 400 InvalidParameter \"task not found\"", r, "UpdateVoiceChat",
    { status: 400, code: "InvalidParameter", codeN: 100001, message: /task not found/i });
});
// After Stop the same TaskId can start again (and is stopped at once).
await guard("restart", async () => {
  const r = await sdkCall("StartVoiceChat", startBody(room, task, bot));
  expectOk("StartVoiceChat with the stopped task's TaskId -> 200 ok (the task is gone)", r, "StartVoiceChat");
  const s = await sdkCall("StopVoiceChat", ids);
  expectOk("StopVoiceChat of the restarted task -> 200 ok", s, "StopVoiceChat");
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
