// What the request-side evasion corpora share: the values a mask policy must keep from the provider,
// the keyword a deny policy refuses, the case type and the request builders.

export type Connection = "openai" | "claude" | "plain";
export type Outcome = "forwarded" | "refused" | "denied";

export interface RequestCase {
  name: string;
  kind: string;
  connection: Connection;
  /** Below the connection, with any query string. */
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Values that must not be readable upstream in any form (forwarded cases). */
  secrets: string[];
  expect: Outcome;
}

export const EMAIL = "jane.doe@example.com";
export const CARD = "4111 1111 1111 1111";
export const PHONE = "415-555-0133";
export const SSN = "219-45-6789";
export const API_KEY = "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789";
export const KEYWORD = "project nightingale";

export const CHAT = "/v1/chat/completions";
export const json = (value: unknown) => JSON.stringify(value);
export const chat = (content: unknown, extra: Record<string, unknown> = {}) => json({ model: "gpt-4o", messages: [{ role: "user", content }], ...extra });
export const claude = (content: unknown, extra: Record<string, unknown> = {}) => json({ model: "claude", max_tokens: 16, messages: [{ role: "user", content }], ...extra });
export const parts = (...texts: string[]) => texts.map((text) => ({ type: "text", text }));

const boundary = "evasion-boundary";
export const multipart = (...items: { name: string; filename?: string; type?: string; headers?: string[]; data: string | Buffer }[]) =>
  Buffer.concat([
    ...items.flatMap((item) => [
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${item.name}"${item.filename ? `; filename="${item.filename}"` : ""}\r\n${item.type ? `Content-Type: ${item.type}\r\n` : ""}${(item.headers ?? []).map((line) => `${line}\r\n`).join("")}\r\n`),
      Buffer.isBuffer(item.data) ? item.data : Buffer.from(item.data),
      Buffer.from("\r\n"),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
export const upload = { "content-type": `multipart/form-data; boundary=${boundary}` };

/** A list of cases and the function adding one (the path follows the connection unless given). */
export function caseList() {
  const cases: RequestCase[] = [];
  const add = (kind: string, name: string, connection: Connection, body: string | Buffer | undefined, secrets: string[], expect: Outcome = "forwarded", more: Partial<RequestCase> = {}) => {
    cases.push({ kind, name, connection, path: connection === "claude" ? "/v1/messages" : connection === "plain" ? "/v1/anything" : CHAT, headers: { "content-type": "application/json" }, body, secrets, expect, ...more });
  };
  return { cases, add };
}
