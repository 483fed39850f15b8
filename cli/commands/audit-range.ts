// `--from` / `--to` of the audit chain commands: a seq (digits) or an RFC 3339 time.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type LogRange, LogRangeSchema } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { CliError } from "../errors.js";

type Bound = { seq: bigint } | { time: Date };

function bound(flag: string, value: string): Bound {
  if (/^\d+$/.test(value)) return { seq: BigInt(value) };
  const time = new Date(value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(time.getTime())) {
    throw new CliError(`${flag} must be a seq (digits) or an RFC 3339 time, not "${value}"`);
  }
  return { time };
}

/** The LogRange of the flags; undefined for the whole log. Seq and time bounds are not mixed. */
export function logRange(from: string | undefined, to: string | undefined): LogRange | undefined {
  if (from === undefined && to === undefined) return undefined;
  const start = from === undefined ? undefined : bound("--from", from);
  const end = to === undefined ? undefined : bound("--to", to);
  const kinds = new Set([start, end].filter((b) => b !== undefined).map((b) => ("seq" in b ? "seq" : "time")));
  if (kinds.size > 1) throw new CliError("--from and --to must both be seqs or both be times");
  return create(LogRangeSchema, {
    fromSeq: start && "seq" in start ? start.seq : 0n,
    toSeq: end && "seq" in end ? end.seq : 0n,
    fromTime: start && "time" in start ? timestampFromDate(start.time) : undefined,
    toTime: end && "time" in end ? timestampFromDate(end.time) : undefined,
  });
}
