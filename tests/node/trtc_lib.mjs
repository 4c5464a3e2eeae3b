// trtc_lib.mjs — independent implementations for tests/node/trtc_sdk.mjs, written from
// protocols/trtc.md with node:crypto only (no parley code, no SDK code):
//   * TC3-HMAC-SHA256 request signing (§1.3) with any list of signed headers, so the test can
//     sign what the Node SDK never signs (x-tc-action, a stale timestamp);
//   * the callback signature (§3.2): Sign = base64(HMAC-SHA256(callback key, raw body bytes)),
//     verified in constant time.
// Both are checked against the document's vectors by selfTest() before they are trusted.
import crypto from "node:crypto";

const sha256hex = (data) => crypto.createHash("sha256").update(data).digest("hex");
const hmac = (key, msg) => crypto.createHmac("sha256", key).update(msg).digest();

/** UTC YYYY-MM-DD of a Unix time in seconds. */
export function utcDate(ts) {
  return new Date(ts * 1000).toISOString().slice(0, 10);
}

/**
 * TC3 signature. headers: {lower-case name: value as sent}; signedHeaders: the names, in any
 * order (sorted here, as the algorithm says). Returns {signature, authorization, canonicalHash,
 * payloadHash}.
 */
export function tc3Sign({ secretId, secretKey, service, timestamp, method = "POST", path = "/",
  query = "", headers, signedHeaders, body }) {
  const names = [...signedHeaders].map((h) => h.toLowerCase()).sort();
  const canonHeaders = names.map((n) => {
    const v = headers[n];
    if (v === undefined) throw new Error(`signed header ${n} has no value`);
    return `${n}:${String(v).trim().toLowerCase()}\n`;
  }).join("");
  const payloadHash = sha256hex(body);
  const canonical = [method, path, query, canonHeaders, names.join(";"), payloadHash].join("\n");
  const canonicalHash = sha256hex(canonical);
  const date = utcDate(Number(timestamp));
  const scope = `${date}/${service}/tc3_request`;
  const toSign = ["TC3-HMAC-SHA256", String(timestamp), scope, canonicalHash].join("\n");
  const kSigning = hmac(hmac(hmac("TC3" + secretKey, date), service), "tc3_request");
  const signature = crypto.createHmac("sha256", kSigning).update(toSign).digest("hex");
  return {
    signature, canonicalHash, payloadHash,
    authorization: `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}

/** Parses an Authorization value; null when it is not TC3. */
export function tc3Parse(auth) {
  const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth || "");
  return m && { secretId: m[1], date: m[2], service: m[3], signedHeaders: m[4].split(";"), signature: m[5] };
}

/** Callback Sign over the raw body bytes (Buffer or string). */
export function callbackSign(key, body) {
  return crypto.createHmac("sha256", key).update(body).digest("base64");
}

/** Constant-time check of a received Sign header against the raw body. */
export function callbackVerify(key, body, sign) {
  if (typeof sign !== "string") return false;
  const want = Buffer.from(callbackSign(key, body), "utf8");
  const got = Buffer.from(sign, "utf8");
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

/** The document's vectors; returns a list of [name, ok, detail]. */
export function selfTest() {
  const out = [];
  // §1.3 vector 1 (Tencent's published cvm example).
  const b1 = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
  const v1 = tc3Sign({
    secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    service: "cvm", timestamp: 1551113065, body: b1, signedHeaders: ["content-type", "host"],
    headers: { "content-type": "application/json; charset=utf-8", host: "cvm.tencentcloudapi.com" },
  });
  out.push(["tc3 vector 1 (cvm) payload hash", v1.payloadHash === "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064", v1.payloadHash]);
  out.push(["tc3 vector 1 (cvm) canonical request hash", v1.canonicalHash === "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031", v1.canonicalHash]);
  out.push(["tc3 vector 1 (cvm) signature", v1.signature === "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168", v1.signature]);
  // §1.3 vector 2 (self-computed, trtc), with and without x-tc-action.
  const base = {
    secretId: "AKIDEXAMPLE", secretKey: "SECRETEXAMPLE", service: "trtc", timestamp: 1700000000,
    body: '{"TaskId":"task-123"}',
    headers: { "content-type": "application/json", host: "trtc.tencentcloudapi.com", "x-tc-action": "StopAIConversation" },
  };
  const v2a = tc3Sign({ ...base, signedHeaders: ["content-type", "host"] });
  out.push(["tc3 vector 2 (trtc, content-type;host)", v2a.signature === "7b5298e56c4dba57003b5c59a40734f0ca93839a14b4ff51e1ebedc0e940460b", v2a.signature]);
  const v2b = tc3Sign({ ...base, signedHeaders: ["host", "x-tc-action", "content-type"] });
  out.push(["tc3 vector 2 (trtc, content-type;host;x-tc-action)", v2b.signature === "bce6d32787a53a8f49481b208804fc74920ad5294e0f65bc2335a4de18656bfe", v2b.signature]);
  // §3.2 callback vector, and a tampered body / wrong key / missing Sign must be rejected.
  const key = "abcdefghijklmnopqrstuvwxyz123456";
  const body = '{"EventGroupId":9,"EventType":901,"CallbackTs":1687770730166,"EventInfo":{"EventMsTs":1622186275757,"TaskId":"t1","RoomId":"1234","RoomIdType":0,"Payload":{"Status":0}}}';
  const want = "piamiFT3iqZsrKpebq2+hAkioicQeCEdo8aw9dhD9/o=";
  out.push(["callback vector (trtc.md §3.2)", callbackSign(key, Buffer.from(body)) === want && callbackVerify(key, Buffer.from(body), want), callbackSign(key, body)]);
  out.push(["callback verifier rejects a changed body", !callbackVerify(key, Buffer.from(body.replace("901", "902")), want), ""]);
  out.push(["callback verifier rejects a wrong key", !callbackVerify(key + "x", Buffer.from(body), want), ""]);
  out.push(["callback verifier rejects a missing or short Sign", !callbackVerify(key, Buffer.from(body)) && !callbackVerify(key, Buffer.from(body), want.slice(1)), ""]);
  return out;
}
