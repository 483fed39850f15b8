// The values, case shape and case list the response-side evasion corpus shares between its parts.
import type { Json } from "./reply-builders.js";

export type Api = "chat" | "responses" | "anthropic";

export interface ReplyCase {
  name: string;
  /** The class of problem it stands for. */
  kind: string;
  api: Api;
  stream: boolean;
  /** A JSON value (sent as JSON), SSE text, or exact bytes. */
  body: Json | string | Buffer;
  /** Response headers; default content-type: text/event-stream for streams, application/json otherwise. */
  headers?: Record<string, string>;
  status?: number;
  /** Values that must not reach the caller in any form. */
  secrets: string[];
  /** The agent must refuse the reply (it cannot inspect it). */
  refused?: boolean;
  /** Bytes per network chunk the stand-in writes (default: 7 for streams, the whole body otherwise). */
  chunkBytes?: number;
  /** Sent under the policy that says `binary: allow` (by default binary parts are refused). */
  allowBinary?: boolean;
  /** The request's prompt, under a pseudonymize + restore policy (its values become <EMAIL_1>, <PAYMENT_CARD_1>…): the reply's placeholders may come back as them, never inside a URL. */
  restoring?: string;
  /** Whether a marker must show that the value was found (default: yes, when there are secrets); false where the reply is read as garbage. */
  marker?: boolean;
}

export const EMAIL = "zoe.quill@example.org";
export const CARD = "4539 1488 0343 6467";
export const CARD_DIGITS = "4539148803436467";
export const PHONE = "+44 20 7946 0958";
export const US_PHONE = "(415) 555-0133";
export const SSN = "123-45-6789";
export const KEY = "sk-proj-Q7wErTy9UiOp3AsDfGh5JkLz";
export const IBAN = "DE89 3704 0044 0532 0130 00";
export const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKQ";
export const AWS_LINE = `aws_secret_access_key =${" ".repeat(40)}${AWS_SECRET}`;

export const escapedEmail = "zoe.quill\\u0040example.org"; // JSON text whose string is the address
export const text = (value: string) => `Contact ${value} today.`;

/** A list of cases and the function adding one. */
export function caseList() {
  const cases: ReplyCase[] = [];
  const add = (api: Api, stream: boolean, kind: string, name: string, body: ReplyCase["body"], secrets: string[], extra: Partial<ReplyCase> = {}) =>
    cases.push({ name, kind, api, stream, body, secrets, ...extra });
  return { cases, add };
}
