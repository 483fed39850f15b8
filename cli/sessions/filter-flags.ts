// The session filters `audit search` and `audit tail` share: flags in, request fields out.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { parseDurationSeconds } from "../duration.js";
import { CliError } from "../errors.js";

/** The filter flags as commander parses them. */
export interface FilterFlags {
  subject?: string;
  group?: string;
  connection?: string;
  model?: string;
  verdict?: string[];
  text?: string;
  since?: string;
  until?: string;
}

/** Verdict names on the command line (docs/audit.md). */
export const VERDICT_NAMES = ["allowed", "masked", "denied", "reviewed", "limited", "failed"] as const;

/** Adds the filters; `withTime` adds --since/--until (a tail starts now). */
export function withFilterOptions(command: Command, withTime: boolean): Command {
  command
    .option("--subject <subject>", "only this caller (exact)")
    .option("--group <group>", "only callers in this group")
    .option("--connection <name>", "only this connection")
    .option("--model <model>", "only this model (exact)")
    .option("--verdict <verdict...>", `only these verdicts: ${VERDICT_NAMES.join(", ")} (repeat or comma-separate)`)
    .option("--text <query>", 'free text over prompts and responses: words, "a phrase", or, -word (admin, auditor)');
  if (withTime) {
    command
      .option("--since <time>", "started at or after: RFC 3339 time or a duration ago (15m, 2h, 7d)")
      .option("--until <time>", "started before: RFC 3339 time or a duration ago");
  }
  return command;
}

/** The request fields of the flags; CliError on a bad verdict or time. */
export function filterFields(flags: FilterFlags, now = new Date()) {
  return {
    subject: flags.subject ?? "",
    group: flags.group ?? "",
    connection: flags.connection ?? "",
    model: flags.model ?? "",
    verdicts: (flags.verdict ?? []).flatMap((v) => v.split(",")).filter(Boolean).map(parseVerdict),
    text: flags.text ?? "",
    ...(flags.since ? { startTime: timestampFromDate(parseTime("--since", flags.since, now)) } : {}),
    ...(flags.until ? { endTime: timestampFromDate(parseTime("--until", flags.until, now)) } : {}),
  };
}

function parseVerdict(name: string): Verdict {
  const value = (VERDICT_NAMES as readonly string[]).includes(name.toLowerCase())
    ? Verdict[name.toUpperCase() as keyof typeof Verdict]
    : undefined;
  if (value === undefined) throw new CliError(`unknown verdict "${name}" (one of ${VERDICT_NAMES.join(", ")})`);
  return value;
}

/** An RFC 3339 time, or a duration meaning that long before `now`. */
export function parseTime(flag: string, text: string, now: Date): Date {
  if (/^\d+[smhd]/.test(text)) return new Date(now.getTime() - parseDurationSeconds(text) * 1000);
  const date = /^\d{4}-\d\d-\d\d/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new CliError(`${flag}: "${text}" is neither an RFC 3339 time nor a duration like 15m`);
  return date;
}
