// Requests Node's HTTP parser refuses before the pipeline sees them (bad request line, oversized or
// malformed headers, conflicting framing, a caller too slow to send its request): answered like
// every other refusal — JSON in the OpenAI error shape (no connection, hence no provider, is known
// yet) with `x-palisade-session` — then the connection is closed. Not recorded when no exchange
// began. When one had (its headers were read: the body is broken or too slow in coming), the answer
// carries that exchange's session, and the exchange is recorded with what the caller was answered
// (parser-answers.ts), not as a caller that went away.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { sessionHeader } from "./handle-request.js";
import { noteParserAnswer } from "./parser-answers.js";

// Node's parser error codes that have a more precise status than 400.
const statusOf: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request headers too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request not received in time"],
  HPE_HEADERS_TIMEOUT: [408, "Request headers not received in time"],
};

/**
 * Writes a 400/408/431 JSON refusal for a request the parser rejected and closes the socket; never
 * echoes what the caller sent. `under` is the response of the exchange under way on the socket, if
 * one is (headers not sent yet): the answer carries its session.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, under?: ServerResponse): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = statusOf[error.code ?? ""] ?? [400, "Malformed HTTP request"];
  const session = under?.getHeader(sessionHeader);
  if (under && typeof session === "string") noteParserAnswer(under, { status, message });
  const body = JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: "bad_request" } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 400 ? "Bad Request" : status === 408 ? "Request Timeout" : "Request Header Fields Too Large"}\r\n` +
      `${sessionHeader}: ${typeof session === "string" ? session : randomUUID()}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
