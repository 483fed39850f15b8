// A horizontal bar chart in SVG (no chart library, no inline styles: the CSP allows none). The
// numbers are also in the table beside it, so the chart is decoration for screen readers.
import { count } from "../format.js";

export interface Bar {
  label: string;
  value: number;
  note?: string;
}

const ROW = 28;
const LABEL_WIDTH = 220;
const BAR_WIDTH = 520;
const VALUE_WIDTH = 200;

export function BarChart({ title, bars }: { title: string; bars: Bar[] }) {
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const height = bars.length * ROW + 8;
  const width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={`${title}: ${bars.map((b) => `${b.label} ${count(b.value)}`).join(", ")}`}>
        {bars.map((bar, index) => {
          const y = index * ROW + 4;
          const length = Math.max(bar.value > 0 ? 2 : 0, (bar.value / max) * BAR_WIDTH);
          return (
            <g key={bar.label}>
              <text x={LABEL_WIDTH - 8} y={y + ROW / 2} className="chart-label" textAnchor="end" dominantBaseline="middle">
                {bar.label.length > 30 ? `${bar.label.slice(0, 29)}…` : bar.label}
              </text>
              <rect x={LABEL_WIDTH} y={y + 4} width={length} height={ROW - 10} rx={3} className="chart-bar" />
              <text x={LABEL_WIDTH + length + 6} y={y + ROW / 2} className="chart-value" dominantBaseline="middle">
                {count(bar.value)}{bar.note ? ` · ${bar.note}` : ""}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
