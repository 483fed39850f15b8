// What Node's HTTP parser answered an exchange already under way (its head read, its body broken or
// too slow in coming: client-error.ts), kept by the exchange's response so that the pipeline, which
// sees only the request end, records what the caller was answered rather than a caller gone.
import type { ServerResponse } from "node:http";

/** The parser's answer: its status and message. */
export interface ParserAnswer {
  status: number;
  message: string;
}

const answers = new WeakMap<ServerResponse, ParserAnswer>();

/** Notes that the parser answered `res`'s exchange with `answer`. */
export function noteParserAnswer(res: ServerResponse, answer: ParserAnswer): void {
  answers.set(res, answer);
}

/** The parser's answer to `res`'s exchange, when its request was cut by the parser. */
export function answeredByParser(res: ServerResponse): ParserAnswer | undefined {
  return answers.get(res);
}
