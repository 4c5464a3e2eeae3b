// trtc_sdk.mjs — drives the REAL Tencent Cloud Node SDK (tencentcloud-sdk-nodejs, pinned in
// package.json) against `parley mock`'s trtc cloud API, and receives the mock's server
// callbacks with a node:http server that verifies them with an independent implementation
// (trtc_lib.mjs, node:crypto).
//
//   node tests/node/trtc_sdk.mjs --selftest
//   node tests/node/trtc_sdk.mjs --port MOCKPORT --callback-port PORT [--callback-key K]
//        [--secret-id ID] [--secret-key KEY] [--sdk-app-id N] [--alt-credential ID:KEY]
//   (--alt-credential: a second pair the mock's profile lists; the SDK must work with it too)
//
// The SDK is used unchanged, configured the way its README says: credential, region
// ap-guangzhou, profile.httpProfile {endpoint: "127.0.0.1:PORT", protocol: "http://"}. Note
// what the SDK then signs (checked below against a local dump server): the service of the
// credential scope is endpoint.split(".")[0], i.e. "127", and the signed host is the URL's
// hostname WITHOUT the port ("127.0.0.1") while the Host header it sends has the port. A
// second client keeps the production endpoint trtc.tencentcloudapi.com and reaches the mock
// through an http.Agent (httpProfile.agent), so it signs exactly as in production.
//
// One line per check: "ok   …" or "FAIL …" ("info …" lines are not checks). Exit 1 on any
// failure. Defaults are parley's (docs/dev/trtc-spec.md).
import http from "node:http";
import net from "node:net";
import crypto from "node:crypto";
import { callbackVerify, selfTest, tc3Parse, tc3Sign } from "./trtc_lib.mjs";

let tencentcloud;
try {
  tencentcloud = (await import("tencentcloud-sdk-nodejs")).default;
} catch (e) {
  console.log(`FAIL tencentcloud-sdk-nodejs is not installed in tests/node/node_modules: run scripts/setup (${e.message})`);
  process.exit(1);
}
const TrtcClient = tencentcloud.trtc.v20190722.Client;

// ---- arguments -------------------------------------------------------------------------
const args = { "secret-id": "AKIDparleyEXAMPLE", "secret-key": "parleySecretKeyEXAMPLE",
  "sdk-app-id": "1400000001", "callback-key": "parleycallbackkey0123456789abcde" };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === "--selftest") args.selftest = true;
  else if (a.startsWith("--") && i + 1 < process.argv.length) args[a.slice(2)] = process.argv[++i];
  else { console.error(`trtc_sdk.mjs: unknown argument ${a}`); process.exit(2); }
}
const SECRET_ID = args["secret-id"], SECRET_KEY = args["secret-key"];
const SDK_APP_ID = Number(args["sdk-app-id"]), CB_KEY = args["callback-key"];
const PORT = args.port ? Number(args.port) : 0;
const CB_PORT = args["callback-port"] ? Number(args["callback-port"]) : 0;
// The SDK falls back to an https proxy agent when http_proxy is set; the mock is local.
delete process.env.http_proxy;
delete process.env.HTTP_PROXY;

// ---- check helpers -----------------------------------------------------------------------
let failed = 0, passed = 0;
const ok = (name, detail = "") => { passed++; console.log(`ok   ${name}${detail ? ": " + detail : ""}`); };
const fail = (name, detail = "") => { failed++; console.log(`FAIL ${name}${detail ? ": " + detail : ""}`); };
const check = (cond, name, detail = "") => (cond ? ok(name, detail) : fail(name, detail));
const info = (text) => console.log(`info ${text}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const requestIds = [];

function errText(e) {
  if (!e || typeof e !== "object") return String(e);
  return `${e.constructor?.name || "Error"} code=${e.code ?? "-"} httpCode=${e.httpCode ?? "-"} ` +
    `requestId=${e.requestId || "-"} message=${JSON.stringify(e.message)}`;
}

/** Calls fn (an SDK call); it must succeed. Returns the response or null. */
async function expectOk(name, fn, verify) {
  let res;
  try {
    res = await fn();
  } catch (e) {
    fail(name, `threw ${errText(e)}`);
    return null;
  }
  if (res && res.RequestId) requestIds.push(res.RequestId);
  const why = verify ? verify(res) : "";
  if (why) fail(name, `${why}; response ${JSON.stringify(res)}`);
  else ok(name, JSON.stringify(res));
  return res;
}

/** Calls fn; it must throw the SDK's exception with e.code in codes. Returns the code. */
async function expectErr(name, fn, codes) {
  let res;
  try {
    res = await fn();
  } catch (e) {
    if (e && e.requestId) requestIds.push(e.requestId);
    if (codes.includes(e?.code)) ok(name, errText(e));
    else fail(name, `want ${codes.join(" or ")}, got ${errText(e)}`);
    return { code: e?.code, err: e };
  }
  fail(name, `want ${codes.join(" or ")}, got success ${JSON.stringify(res)}`);
  return { res };
}

// ---- SDK clients -------------------------------------------------------------------------
/** An http.Agent that connects every request to 127.0.0.1:port, whatever the URL's host. */
class ToLocal extends http.Agent {
  constructor(port) { super({ keepAlive: false }); this.localPort = port; }
  createConnection() { return net.createConnection({ host: "127.0.0.1", port: this.localPort }); }
}
// mode "endpoint": httpProfile.endpoint 127.0.0.1:PORT (what a user pointing the SDK at a mock
// writes); mode "prod": the SDK's own endpoint trtc.tencentcloudapi.com, connected to the mock
// by httpProfile.agent (signs exactly as in production).
const MODES = {
  endpoint: { label: "endpoint 127.0.0.1:PORT", http: () => ({ endpoint: `127.0.0.1:${PORT}` }) },
  prod: { label: "endpoint trtc.tencentcloudapi.com via httpProfile.agent", http: () => ({ agent: new ToLocal(PORT) }) },
};
function sdkClient(mode, { secretId = SECRET_ID, secretKey = SECRET_KEY, httpProfile = {}, ...profile } = {}) {
  return new TrtcClient({
    credential: { secretId, secretKey },
    region: "ap-guangzhou",
    profile: { ...profile, httpProfile: { protocol: "http://", reqTimeout: 10, ...MODES[mode].http(), ...httpProfile } },
  });
}

// ---- raw requests signed by trtc_lib (independent of the SDK and of parley) --------------
function rawCall(action, body, { signed = ["content-type", "host"], timestamp, version = "2019-07-22",
  secretKey = SECRET_KEY, authorization } = {}) {
  const text = JSON.stringify(body);
  const ts = timestamp ?? Math.floor(Date.now() / 1000);
  const headers = {
    host: "trtc.tencentcloudapi.com", "content-type": "application/json", "x-tc-action": action,
    "x-tc-version": version, "x-tc-timestamp": String(ts), "x-tc-region": "ap-guangzhou",
  };
  if (authorization === undefined) {
    authorization = tc3Sign({ secretId: SECRET_ID, secretKey, service: "trtc", timestamp: ts, headers,
      signedHeaders: signed, body: text }).authorization;
  }
  if (authorization !== null) headers.authorization = authorization;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: PORT, method: "POST", path: "/", headers, timeout: 10000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks).toString();
        let json = null;
        try { json = JSON.parse(raw); } catch { /* reported by the caller */ }
        resolve({ status: res.statusCode, type: res.headers["content-type"], raw, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(text);
  });
}
const rawCode = (r) => r.json?.Response?.Error?.Code;
const rawShow = (r) => `HTTP ${r.status} ${r.type} ${r.raw.slice(0, 300)}`;

// ---- callback receiver --------------------------------------------------------------------
const callbacks = []; // {event, taskId, body, t}
const tasks = new Map(); // TaskId -> {room, roomIdType}
let cbBad = 0;
function startReceiver(port) {
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const problems = [];
      if (req.method !== "POST") problems.push(`method ${req.method}`);
      if (!/^application\/json\b/.test(req.headers["content-type"] || "")) problems.push(`Content-Type ${req.headers["content-type"]}`);
      const signOk = callbackVerify(CB_KEY, raw, req.headers.sign);
      if (!signOk) problems.push(`bad Sign ${JSON.stringify(req.headers.sign)} (want base64 HMAC-SHA256 of the ${raw.length} body bytes with the callback key)`);
      if (req.headers.sdkappid !== String(SDK_APP_ID)) problems.push(`SdkAppId header ${JSON.stringify(req.headers.sdkappid)}, want ${SDK_APP_ID}`);
      let b = null;
      try { b = JSON.parse(raw.toString("utf8")); } catch (e) { problems.push(`body not JSON: ${e.message}`); }
      const ev = b?.EventType, ei = b?.EventInfo;
      if (b) {
        if (b.EventGroupId !== 9) problems.push(`EventGroupId ${b.EventGroupId}, want 9`);
        if (![901, 902, 903, 904, 905, 906, 908, 909].includes(ev)) problems.push(`EventType ${ev}`);
        if (typeof b.CallbackTs !== "number" || Math.abs(Date.now() - b.CallbackTs) > 120000) problems.push(`CallbackTs ${b.CallbackTs} is not ms near now`);
        if (!ei || typeof ei !== "object") problems.push("no EventInfo object");
        else {
          if (typeof ei.TaskId !== "string" || !ei.TaskId) problems.push(`EventInfo.TaskId ${ei.TaskId}`);
          if (typeof ei.RoomId !== "string") problems.push(`EventInfo.RoomId ${JSON.stringify(ei.RoomId)} not a string`);
          if (typeof ei.RoomIdType !== "number") problems.push(`EventInfo.RoomIdType ${ei.RoomIdType}`);
          if (!ei.Payload || typeof ei.Payload !== "object") problems.push("EventInfo.Payload not an object");
          if (!(typeof ei.EventMsTs === "number" || /^\d+$/.test(ei.EventMsTs ?? ""))) problems.push(`EventInfo.EventMsTs ${ei.EventMsTs}`);
          const t = tasks.get(ei.TaskId);
          if (t && (ei.RoomId !== t.room || ei.RoomIdType !== t.roomIdType)) {
            problems.push(`RoomId/RoomIdType ${ei.RoomId}/${ei.RoomIdType}, the task was started in ${t.room}/${t.roomIdType}`);
          }
        }
        if (!raw.includes("\n\t")) problems.push("body is not pretty-printed (cJSON_Print, tabs) as docs/dev/trtc-spec.md says");
      }
      const label = `callback ${ev ?? "?"} for ${ei?.TaskId ?? "?"}`;
      if (problems.length) { cbBad++; fail(`${label} well-formed and signed`, problems.join("; ")); }
      callbacks.push({ event: ev, taskId: ei?.TaskId, payload: ei?.Payload, path: req.url, t: Date.now() });
      if (signOk) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end('{"code":0}');
      } else {
        res.writeHead(401, { "Content-Type": "application/json" });
        res.end('{"code":401,"message":"bad signature"}');
      }
    });
  });
  return new Promise((resolve, reject) => {
    srv.on("error", reject);
    srv.listen(port, "127.0.0.1", () => resolve(srv));
  });
}
async function waitCallback(taskId, event, ms = 6000) {
  const end = Date.now() + ms;
  for (;;) {
    const c = callbacks.find((x) => x.taskId === taskId && x.event === event);
    if (c || Date.now() > end) return c;
    await sleep(50);
  }
}

// ---- start parameters ---------------------------------------------------------------------
const RUN = crypto.randomBytes(4).toString("hex");
function startReq(room, bot, sessionId) {
  return {
    SdkAppId: SDK_APP_ID,
    RoomId: room,
    RoomIdType: 1,
    SessionId: sessionId,
    AgentConfig: { UserId: bot, UserSig: "eJwtjEsOgjAUAO-SLTGlQEs6i-ExMYkrjdFS", TargetUserId: `user-${RUN}`,
      WelcomeMessage: "Hello from the SDK test.", InterruptMode: 0, TurnDetectionMode: 0, MaxIdleTime: 60 },
    STTConfig: { Language: "en", VadSilenceTime: 600 },
    // parley answers an LLM APIUrl at its own origin with its built-in LLM (trtc-spec.md).
    LLMConfig: JSON.stringify({ LLMType: "openai", Model: "gpt-4o-mini", APIKey: "sk-parley-test",
      APIUrl: `http://127.0.0.1:${PORT}/v1/chat/completions`, Streaming: true,
      SystemPrompt: "You are a helpful assistant.", Timeout: 3, History: 5 }),
    TTSConfig: JSON.stringify({ TTSType: "flow", VoiceId: "v-female-R2s4N9qJ", Model: "flow_01_turbo",
      Speed: 1.0, Volume: 1.0, Language: "en" }),
  };
}

async function pollStatus(client, taskId, want, ms = 6000) {
  const end = Date.now() + ms;
  const seen = [];
  for (;;) {
    try {
      const r = await client.DescribeAIConversation({ TaskId: taskId });
      requestIds.push(r.RequestId);
      if (seen[seen.length - 1] !== r.Status) seen.push(r.Status);
      if (r.Status === want) return { res: r, seen };
    } catch (e) {
      if (seen[seen.length - 1] !== e.code) seen.push(e.code || e.message);
      if (e.code === want) return { code: e.code, seen };
    }
    if (Date.now() > end) return { seen };
    await sleep(100);
  }
}

// ---- 1. self-test of the independent implementations and of what the SDK sends ----------
for (const [name, good, detail] of selfTest()) check(good, `verifier self-test: ${name}`, detail);

// The SDK's request, caught by a local dump server, verifies with trtc_lib's TC3 — and shows
// which host and service it signed with (what the mock has to accept).
{
  const got = await new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end('{"Response":{"TaskId":"t-dump","RequestId":"00000000-0000-4000-8000-000000000000"}}');
        srv.close();
        resolve({ headers: req.headers, body: Buffer.concat(chunks) });
      });
    });
    srv.listen(0, "127.0.0.1", () => {
      const c = new TrtcClient({ credential: { secretId: SECRET_ID, secretKey: SECRET_KEY }, region: "ap-guangzhou",
        profile: { httpProfile: { endpoint: `127.0.0.1:${srv.address().port}`, protocol: "http://" } } });
      c.StopAIConversation({ TaskId: "t-dump" }).catch((e) => console.log(`info dump call: ${errText(e)}`));
    });
  });
  const a = tc3Parse(got.headers.authorization);
  const h = got.headers;
  check(a && h["x-tc-action"] === "StopAIConversation" && h["x-tc-version"] === "2019-07-22" &&
    h["x-tc-region"] === "ap-guangzhou" && /^\d+$/.test(h["x-tc-timestamp"] || "") && h["content-type"] === "application/json",
  "SDK request shape: POST / with X-TC-Action/Version/Region/Timestamp, Content-Type application/json, TC3 Authorization",
  JSON.stringify({ authorization: h.authorization, host: h.host, "x-tc-requestclient": h["x-tc-requestclient"] }));
  const verify = (host, service) => a && tc3Sign({ secretId: a.secretId, secretKey: SECRET_KEY, service,
    timestamp: h["x-tc-timestamp"], headers: { ...h, host }, signedHeaders: a.signedHeaders, body: got.body }).signature === a.signature;
  check(a && a.service === "127" && verify("127.0.0.1", "127") && !verify(h.host, "127"),
    "SDK with endpoint 127.0.0.1:PORT signs service \"127\" and host \"127.0.0.1\" (no port) although it sends Host 127.0.0.1:PORT",
    `scope service ${a?.service}, Host header ${h.host}`);
}
if (args.selftest) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
if (!PORT) { console.error("trtc_sdk.mjs: --port is required (or --selftest)"); process.exit(2); }

// ---- 2. the SDK against the mock ----------------------------------------------------------
let receiver = null;
if (CB_PORT) {
  try {
    receiver = await startReceiver(CB_PORT);
    ok(`callback receiver listening on 127.0.0.1:${CB_PORT}`);
  } catch (e) {
    fail(`callback receiver on port ${CB_PORT}`, e.message);
  }
} else {
  info("no --callback-port: callbacks are not checked");
}

// The main sequence runs with the "endpoint" client; should its Start fail, with the "prod"
// one (so one problem does not hide the others), and the short sequence with the other.
const roomA = `sdk-room-${RUN}`, botA = `bot-${RUN}`, sessionA = `sdk-session-${RUN}`;
const taskIdOf = (r) => (r && typeof r.TaskId === "string" && r.TaskId ? r.TaskId : null);
let mode = "endpoint";
let start = await expectOk(`StartAIConversation (SDK, ${MODES[mode].label}) returns a TaskId and a RequestId`,
  () => sdkClient(mode).StartAIConversation(startReq(roomA, botA, sessionA)),
  (r) => (!taskIdOf(r) ? "no TaskId string" : !r.RequestId ? "no RequestId" : ""));
if (!taskIdOf(start)) {
  mode = "prod";
  info(`the rest of the main sequence uses the client with ${MODES[mode].label}`);
  start = await expectOk(`StartAIConversation (SDK, ${MODES[mode].label}) returns a TaskId and a RequestId`,
    () => sdkClient(mode).StartAIConversation(startReq(roomA, botA, sessionA)),
    (r) => (!taskIdOf(r) ? "no TaskId string" : !r.RequestId ? "no RequestId" : ""));
}
const other = mode === "endpoint" ? "prod" : "endpoint";
const mk = (opts) => sdkClient(mode, opts);
const sdk = mk();
const taskA = taskIdOf(start);
if (!taskA) {
  console.log(`${passed} passed, ${failed} failed (no task: the rest needs one)`);
  process.exit(1);
}
tasks.set(taskA, { room: roomA, roomIdType: 1 });

{
  const { res, seen } = await pollStatus(sdk, taskA, "InProgress");
  check(res, "DescribeAIConversation shows Status InProgress (polled up to 6 s)", `statuses seen: ${seen.join(" -> ")}`);
  if (res) {
    info(`Describe answer: ${JSON.stringify(res)}`);
    check(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/.test(res.StartTime || ""),
      "Describe StartTime is \"YYYY-MM-DD HH:MM:SS.ffffff\" (trtc.md §1.8)", String(res.StartTime));
  }
}
if (receiver) {
  const c = await waitCallback(taskA, 901);
  check(c && c.payload?.Status === 0, "callback 901 with Payload {Status:0} arrives after Start, signed", c ? JSON.stringify(c.payload) : "none within 6 s");
}

await expectErr("StartAIConversation with the SessionId of the live task -> FailedOperation.TaskExist",
  () => sdk.StartAIConversation(startReq(`sdk-room2-${RUN}`, `bot2-${RUN}`, sessionA)), ["FailedOperation.TaskExist"])
  .then(async (r) => { if (taskIdOf(r.res)) await sdk.StopAIConversation({ TaskId: r.res.TaskId }).catch(() => {}); });

{
  const req = startReq(`sdk-room3-${RUN}`, `bot3-${RUN}`, `sdk-session3-${RUN}`);
  delete req.AgentConfig.UserId;
  const r = await expectErr("StartAIConversation without AgentConfig.UserId -> MissingParameter or InvalidParameter*",
    () => sdk.StartAIConversation(req), ["MissingParameter", "InvalidParameter", "InvalidParameterValue"]);
  if (r.code) info(`missing AgentConfig.UserId answered ${r.code}`);
  if (taskIdOf(r.res)) await sdk.StopAIConversation({ TaskId: r.res.TaskId }).catch(() => {});
}

if (args["alt-credential"]) {
  const [id, ...key] = args["alt-credential"].split(":");
  await expectOk(`a client with the profile's second credential ${id}: Describe works`,
    () => mk({ secretId: id, secretKey: key.join(":") }).DescribeAIConversation({ TaskId: taskA }),
    (r) => (r.Status === "InProgress" ? "" : `Status ${r.Status}`));
}
await expectErr("a client with a wrong SecretKey -> AuthFailure.SignatureFailure",
  () => mk({ secretKey: "wrongSecretKeyEXAMPLE" }).DescribeAIConversation({ TaskId: taskA }),
  ["AuthFailure.SignatureFailure"]);
await expectErr("a client with an unknown SecretId -> AuthFailure.SecretIdNotFound or AuthFailure.InvalidSecretId",
  () => mk({ secretId: "AKIDunknownEXAMPLE" }).DescribeAIConversation({ TaskId: taskA }),
  ["AuthFailure.SecretIdNotFound", "AuthFailure.InvalidSecretId"]);

// SDK variations: the SDK has one v3 signature (content-type;host) but lets the caller set the
// Content-Type it signs and sends, and adds X-TC-Language with profile.language.
await expectOk("SDK with Content-Type \"application/json; charset=utf-8\" and language en-US: Describe works",
  () => mk({ language: "en-US", httpProfile: { headers: { "Content-Type": "application/json; charset=utf-8" } } })
    .DescribeAIConversation({ TaskId: taskA }), (r) => (r.Status === "InProgress" ? "" : `Status ${r.Status}`));

// Independent signer: extra signed header, stale timestamp, missing Authorization.
{
  const r = await rawCall("DescribeAIConversation", { TaskId: taskA }, { signed: ["content-type", "host", "x-tc-action"] });
  check(r.status === 200 && r.json?.Response?.Status === "InProgress" && !rawCode(r),
    "independent TC3 signing content-type;host;x-tc-action (Host trtc.tencentcloudapi.com): Describe works", rawShow(r));
  if (r.json?.Response?.RequestId) requestIds.push(r.json.Response.RequestId);
}
{
  const r = await rawCall("DescribeAIConversation", { TaskId: taskA }, { timestamp: Math.floor(Date.now() / 1000) - 600 });
  check(rawCode(r) === "AuthFailure.SignatureExpire", "a request signed 10 minutes ago -> AuthFailure.SignatureExpire", rawShow(r));
  check(r.status === 200 && /^application\/json/.test(r.type || "") && typeof r.json?.Response?.RequestId === "string" &&
    typeof r.json?.Response?.Error?.Message === "string",
  "an API error is HTTP 200, application/json, {Response:{Error:{Code,Message},RequestId}} (trtc.md §1.4)", rawShow(r));
}
{
  const r = await rawCall("DescribeAIConversation", { TaskId: taskA }, { authorization: null });
  check(/^AuthFailure\./.test(rawCode(r) || ""), "a request without Authorization -> AuthFailure.*", rawShow(r));
  const v = await rawCall("DescribeAIConversation", { TaskId: taskA }, { version: "2017-03-12" });
  info(`X-TC-Version 2017-03-12 answered ${rawShow(v)}`);
  const u = await rawCall("DescribeAIConversations", { TaskId: taskA });
  info(`X-TC-Action DescribeAIConversations (no such action) answered ${rawShow(u)}`);
}

await expectOk("ControlAIConversation ServerPushText on the live task",
  () => sdk.ControlAIConversation({ TaskId: taskA, Command: "ServerPushText",
    ServerPushText: { Text: "Pushed by the SDK test.", Interrupt: false, StopAfterPlay: false } }),
  (r) => (r.RequestId ? "" : "no RequestId"));
await expectOk("ControlAIConversation InvokeLLM on the live task",
  () => sdk.ControlAIConversation({ TaskId: taskA, Command: "InvokeLLM", InvokeLLM: { Content: "Say hello.", Interrupt: false } }),
  (r) => (r.RequestId ? "" : "no RequestId"));
await expectOk("UpdateAIConversation (WelcomeMessage, InterruptMode, TTSConfig)",
  () => sdk.UpdateAIConversation({ TaskId: taskA, WelcomeMessage: "Updated welcome.", InterruptMode: 1,
    TTSConfig: JSON.stringify({ TTSType: "flow", VoiceId: "v-male-Bk7vD3xP", Model: "flow_01_ex" }) }),
  (r) => (r.RequestId ? "" : "no RequestId"));
await expectErr("DescribeAIConversation of an unknown TaskId -> FailedOperation.TaskNotExist",
  () => sdk.DescribeAIConversation({ TaskId: `no-such-task-${RUN}` }), ["FailedOperation.TaskNotExist"]);

// The short sequence with the other client configuration.
const startB = await expectOk(`StartAIConversation (SDK, ${MODES[other].label}) returns a TaskId`,
  () => sdkClient(other).StartAIConversation(startReq(`sdk-roomB-${RUN}`, `botB-${RUN}`, `sdk-sessionB-${RUN}`)),
  (r) => (!taskIdOf(r) ? "no TaskId string" : ""));
const taskB = taskIdOf(startB);
if (taskB) {
  tasks.set(taskB, { room: `sdk-roomB-${RUN}`, roomIdType: 1 });
  const { res, seen } = await pollStatus(sdkClient(other), taskB, "InProgress");
  check(res, `${MODES[other].label}: Describe shows InProgress`, `statuses seen: ${seen.join(" -> ")}`);
  await expectOk(`${MODES[other].label}: StopAIConversation`, () => sdkClient(other).StopAIConversation({ TaskId: taskB }),
    (r) => (r.RequestId ? "" : "no RequestId"));
}
await expectErr(`${MODES[other].label}: a wrong SecretKey -> AuthFailure.SignatureFailure`,
  () => sdkClient(other, { secretKey: "wrongSecretKeyEXAMPLE" }).DescribeAIConversation({ TaskId: taskA }),
  ["AuthFailure.SignatureFailure"]);

// The SDK's v1 signature (signMethod HmacSHA256: form-encoded POST, no X-TC-Action) — not
// the v3 API the mock implements; only reported.
try {
  const r = await mk({ signMethod: "HmacSHA256" }).DescribeAIConversation({ TaskId: taskA });
  info(`signMethod HmacSHA256 (v1) Describe answered ${JSON.stringify(r)}`);
} catch (e) {
  info(`signMethod HmacSHA256 (v1) Describe answered ${errText(e)}`);
}

// Stop and what follows.
await expectOk("StopAIConversation", () => sdk.StopAIConversation({ TaskId: taskA }), (r) => (r.RequestId ? "" : "no RequestId"));
{
  let what;
  try {
    const r = await sdk.DescribeAIConversation({ TaskId: taskA });
    what = r.Status === "Stopped" ? "" : `Status ${r.Status}`;
    if (!what) ok("Describe after Stop -> Status Stopped (cleanup pending)", JSON.stringify(r));
  } catch (e) {
    what = e.code === "FailedOperation.TaskNotExist" ? "" : errText(e);
    if (!what) ok("Describe after Stop -> FailedOperation.TaskNotExist (already cleaned up)", errText(e));
  }
  if (what) fail("Describe after Stop -> Stopped or FailedOperation.TaskNotExist", what);
}
await expectErr("StopAIConversation again -> FailedOperation.TaskNotExist",
  () => sdk.StopAIConversation({ TaskId: taskA }), ["FailedOperation.TaskNotExist"]);
await expectErr("ControlAIConversation after Stop -> FailedOperation.TaskNotExist",
  () => sdk.ControlAIConversation({ TaskId: taskA, Command: "ServerPushText", ServerPushText: { Text: "late" } }),
  ["FailedOperation.TaskNotExist"]);
await expectErr("UpdateAIConversation after Stop -> FailedOperation.TaskNotExist",
  () => sdk.UpdateAIConversation({ TaskId: taskA, WelcomeMessage: "late" }), ["FailedOperation.TaskNotExist"]);
if (receiver) {
  for (const [t, name] of [[taskA, MODES[mode].label], [taskB, MODES[other].label]]) {
    if (!t) continue;
    const c = await waitCallback(t, 902);
    check(c && c.payload?.LeaveCode === 0, `callback 902 with Payload {LeaveCode:0} arrives after Stop (${name} task), signed`,
      c ? JSON.stringify(c.payload) : "none within 6 s");
    const c1 = callbacks.find((x) => x.taskId === t && x.event === 901);
    check(c1 && c && c1.t <= c.t, `callback 901 comes before 902 (${name} task)`);
  }
}
{
  const { code, seen } = await pollStatus(sdk, taskA, "FailedOperation.TaskNotExist", 8000);
  check(code, "after cleanup Describe -> FailedOperation.TaskNotExist (polled up to 8 s)", `seen: ${seen.join(" -> ")}`);
}
{
  const r = await rawCall("StopAIConversation", { TaskId: taskA });
  check(rawCode(r) === "FailedOperation.TaskNotExist", "independent client: Stop of the cleaned-up task -> FailedOperation.TaskNotExist", rawShow(r));
}

check(requestIds.length > 0 && requestIds.every((id) => UUID.test(id)), `every RequestId (${requestIds.length}) is a lower-case UUID`,
  requestIds.filter((id) => !UUID.test(id)).slice(0, 3).join(", "));

if (receiver) {
  await sleep(300);
  const mine = callbacks.filter((c) => tasks.has(c.taskId));
  const counts = {};
  for (const c of mine) counts[`${c.taskId}/${c.event}`] = (counts[`${c.taskId}/${c.event}`] || 0) + 1;
  const dup = Object.entries(counts).filter(([k, n]) => n > 1 && /\/90[12]$/.test(k));
  check(dup.length === 0, "901 and 902 each delivered once per task (every answer was 200 {\"code\":0})", dup.map(([k, n]) => `${k} x${n}`).join(", "));
  check(cbBad === 0 && callbacks.length > 0, `all ${callbacks.length} callbacks signed (Sign verified with node:crypto) and well-formed`,
    `events: ${callbacks.map((c) => c.event).join(",")}; paths: ${[...new Set(callbacks.map((c) => c.path))].join(",")}`);
  const others = callbacks.filter((c) => !tasks.has(c.taskId));
  if (others.length) info(`${others.length} callbacks for tasks this run did not start: ${others.map((c) => `${c.event}/${c.taskId}`).join(", ")}`);
  receiver.close();
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
