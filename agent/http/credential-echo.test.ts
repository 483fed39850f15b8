// The search for the connection's credential in replies: which needles a credential gives, that a
// reply holding one (whole, escaped, cut anywhere across chunks) is stopped before any byte of the
// needle goes out, and that any other reply goes out byte for byte, however it is cut.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CredentialEchoed, createEchoGuard, credentialNeedles, headersEcho } from "./credential-echo.js";

const key = "sk-proj-Ab12Cd34Ef56Gh78/Ij90Kl12Mn34+Op56Qr78St90";
const needles = credentialNeedles(`Bearer ${key}`);
const text = (list: Buffer[]) => list.map((needle) => needle.toString());

/** `body` cut at `cuts` and pushed through a fresh guard: what went out, or the echo. */
function through(body: Buffer, cuts: number[]): { out: Buffer } | { echoed: true; out: Buffer } {
  const guard = createEchoGuard(needles);
  const sent: Buffer[] = [];
  const points = [...new Set(cuts.map((cut) => cut % (body.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  try {
    for (const to of [...points, body.length]) {
      sent.push(guard.push(body.subarray(from, to)));
      from = to;
    }
    sent.push(guard.end());
    return { out: Buffer.concat(sent) };
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialEchoed);
    return { echoed: true, out: Buffer.concat(sent) };
  }
}

describe("credentialNeedles", () => {
  it("takes the secret's first run of 12 or more letters and digits, else the secret without its scheme", () => {
    expect(text(needles)).toEqual(["Ab12Cd34Ef56Gh78"]);
    expect(text(credentialNeedles("Bearer sk-ant-api03-Xy_abcdefghijk-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-zz"))).toEqual(["ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"]);
    expect(text(credentialNeedles("Bearer sk-ant-api03-abcdefghijkl-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))).toEqual(["abcdefghijkl"]);
    expect(text(credentialNeedles("Bearer sk-upstream-secret"))).toEqual(["sk-upstream-secret"]);
    expect(text(credentialNeedles("sk-ant-upstream-secret"))).toEqual(["sk-ant-upstream-secret"]);
  });

  it("takes a Basic credential's password too, and nothing from a value too short to be a secret", () => {
    const basic = `Basic ${Buffer.from("svc:hunter2hunter2").toString("base64")}`;
    expect(text(credentialNeedles(basic))).toEqual([Buffer.from("svc:hunter2hunter2").toString("base64").replace(/=+$/, ""), "hunter2hunter2"]);
    expect(credentialNeedles("Bearer k")).toEqual([]);
  });
});

describe("the echo guard", () => {
  const echoes = [
    key,
    JSON.stringify(key).replaceAll("/", "\\/"), // PHP's json_encode
    encodeURIComponent(key),
    `Incorrect API key provided: Bearer ${key}.`,
  ];

  it("stops a reply holding the credential, escaped or not, however it is cut, before a whole needle goes out", () => {
    fc.assert(fc.property(fc.constantFrom(...echoes), fc.string(), fc.string(), fc.array(fc.nat(400), { maxLength: 12 }), (echo, before, after, cuts) => {
      const result = through(Buffer.from(`${before}${echo}${after}`), cuts);
      expect("echoed" in result).toBe(true);
      for (const needle of needles) expect(result.out.includes(needle)).toBe(false);
    }), { numRuns: 300 });
  });

  it("sends any other reply byte for byte, however it is cut (prefixes of the key included)", () => {
    const near = fc.constantFrom("sk-proj-Ab12", "Ab12Cd34Ef56Gh7", "Ij90Kl12Mn3", "\n\n", "data: ", "Op56Qr78St9", "sk-proj-****St90");
    const body = fc.array(fc.oneof(fc.string(), near), { maxLength: 8 }).map((parts) => parts.join(""));
    fc.assert(fc.property(body, fc.array(fc.nat(400), { maxLength: 12 }), (reply, cuts) => {
      fc.pre(!needles.some((needle) => reply.includes(needle.toString())));
      const result = through(Buffer.from(reply), cuts);
      expect("echoed" in result).toBe(false);
      expect(result.out.equals(Buffer.from(reply))).toBe(true);
    }), { numRuns: 500 });
  });

  it("holds nothing back at a chunk ending in a line break (an SSE event goes out whole at once)", () => {
    const guard = createEchoGuard(needles);
    const event = Buffer.from(`data: {"choices":[{"delta":{"content":"sk-proj-Ab12"}}]}\n\n`);
    expect(guard.push(event).equals(event)).toBe(true);
    expect(guard.push(Buffer.from("data: Ab12Cd")).toString()).toBe("data: ");
  });

  it("finds the credential in a header value", () => {
    expect(headersEcho({ "x-seen": `Bearer ${key}` }, needles)).toBe(true);
    expect(headersEcho({ "set-cookie": ["a=1", `k=${encodeURIComponent(key)}`] }, needles)).toBe(true);
    expect(headersEcho({ "x-seen": "sk-proj-****St90", "content-length": 12 }, needles)).toBe(false);
  });
});
