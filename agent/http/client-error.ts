// Requests Node's HTTP parser refuses before the pipeline sees them (bad request line, oversized or
// malformed headers, conflicting framing, a caller too slow to send its request): answered like
// every other refusal — JSON in the OpenAI error shape (no connection, hence no provider, is known
// yet) with `x-palisade-session` — then the connection is closed. Not recorded: no exchange began.
import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import { sessionHeader } from "./handle-request.js";

// Node's parser error codes that have a more precise status than 400.
const statusOf: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request headers too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request not received in time"],
  HPE_HEADERS_TIMEOUT: [408, "Request headers not received in time"],
};

/** Writes a 400/408/431 JSON refusal for a request the parser rejected and closes the socket; never echoes what the caller sent. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = statusOf[error.code ?? ""] ?? [400, "Malformed HTTP request"];
  const body = JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: "bad_request" } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 400 ? "Bad Request" : status === 408 ? "Request Timeout" : "Request Header Fields Too Large"}\r\n` +
      `${sessionHeader}: ${randomUUID()}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
