// Usage: tokens and requests per subject, connection or model over a period, as a bar chart and
// the table it is drawn from.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useState } from "react";
import { UsageDimension, type UsageRow } from "../../../gen/palisade/admin/v1/usage_service_pb.js";
import { api } from "../api.js";
import { count } from "../format.js";
import { BarChart } from "../parts/bar-chart.js";
import { ErrorLine, Loading, useLoad, useTitle } from "../parts/common.js";

const DIMENSIONS = [
  { value: UsageDimension.SUBJECT, label: "Subject", of: (row: UsageRow) => row.subject || "(unauthenticated)" },
  { value: UsageDimension.CONNECTION, label: "Connection", of: (row: UsageRow) => row.connection },
  { value: UsageDimension.MODEL, label: "Model", of: (row: UsageRow) => row.model || "(none)" },
];
const PERIODS = [
  { hours: 1, label: "last hour" },
  { hours: 24, label: "last 24 hours" },
  { hours: 24 * 7, label: "last 7 days" },
  { hours: 24 * 30, label: "last 30 days" },
];

export function UsagePage() {
  useTitle("Usage");
  const [dimension, setDimension] = useState(UsageDimension.SUBJECT);
  const [hours, setHours] = useState(24);
  const loaded = useLoad(async () => {
    const until = new Date();
    return api.usage.getUsage({
      groupBy: [dimension],
      since: timestampFromDate(new Date(until.getTime() - hours * 3_600_000)),
      until: timestampFromDate(until),
    });
  }, [dimension, hours]);
  const describe = DIMENSIONS.find((d) => d.value === dimension)!;
  const rows = loaded.value?.rows ?? [];
  const total = loaded.value?.total;

  return (
    <>
      <h1>Usage</h1>
      <form className="search inline" aria-label="Usage view" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="u-by">Per</label>
          <select id="u-by" value={dimension} onChange={(event) => setDimension(Number(event.target.value) as UsageDimension)}>
            {DIMENSIONS.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="u-period">Period</label>
          <select id="u-period" value={hours} onChange={(event) => setHours(Number(event.target.value))}>
            {PERIODS.map((p) => <option key={p.hours} value={p.hours}>{p.label}</option>)}
          </select>
        </div>
      </form>
      <ErrorLine error={loaded.error} />
      <Loading when={loaded.loading && !loaded.value} />
      {total && <p>{count(total.requests)} requests ({count(total.refused)} refused), {count(total.totalTokens)} tokens ({count(total.promptTokens)} in, {count(total.completionTokens)} out{total.estimatedTokens > 0n ? `; ${count(total.estimatedTokens)} estimated` : ""}).</p>}
      {loaded.value && rows.length === 0 && <p className="empty">Nothing recorded in this period.</p>}
      {rows.length > 0 && (
        <>
          <BarChart
            title={`Tokens per ${describe.label.toLowerCase()}, ${PERIODS.find((p) => p.hours === hours)?.label}`}
            bars={rows.slice(0, 15).map((row) => ({ label: describe.of(row), value: Number(row.totalTokens), note: `${count(row.requests)} requests` }))}
          />
          <table className="list">
            <caption className="sr-only">Usage per {describe.label.toLowerCase()}</caption>
            <thead><tr><th scope="col">{describe.label}</th><th scope="col" className="num">Requests</th><th scope="col" className="num">Refused</th><th scope="col" className="num">Tokens in</th><th scope="col" className="num">Tokens out</th><th scope="col" className="num">Total tokens</th></tr></thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.subject} ${row.connection} ${row.model}`}>
                  <td>{describe.of(row)}</td>
                  <td className="num">{count(row.requests)}</td>
                  <td className="num">{count(row.refused)}</td>
                  <td className="num">{count(row.promptTokens)}</td>
                  <td className="num">{count(row.completionTokens)}</td>
                  <td className="num">{count(row.totalTokens)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
