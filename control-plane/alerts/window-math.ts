// The arithmetic of the alert rules, kept pure so it is tested on its own (docs/alerts.md, "math").
//
// Spike rules compare what an identity did in the last `window` with its own average per window
// over the `baseline` period just before that window (the window itself is left out, so a spike
// does not raise its own baseline):
//
//   baseline per window = total in (now - window - baseline, now - window] × window / baseline
//   fires when observed ≥ minimum and observed > factor × baseline per window
//
// An identity without history has a baseline of 0: only `minimum` guards it.

/** Bounds of the periods one evaluation at `nowMs` looks at. */
export interface SpikePeriods {
  windowStart: Date;
  baselineStart: Date;
}

/** The window (now - window, now] and the baseline (now - window - baseline, now - window]. */
export function spikePeriods(nowMs: number, windowSeconds: number, baselineSeconds: number): SpikePeriods {
  const windowStart = nowMs - windowSeconds * 1000;
  return { windowStart: new Date(windowStart), baselineStart: new Date(windowStart - baselineSeconds * 1000) };
}

/** The baseline total scaled to one window. */
export function baselinePerWindow(baselineTotal: number, windowSeconds: number, baselineSeconds: number): number {
  return (baselineTotal * windowSeconds) / baselineSeconds;
}

/** Whether `observed` in the window is a spike against the scaled baseline. */
export function isSpike(observed: number, perWindow: number, settings: { factor: number; minimum: number }): boolean {
  return observed >= settings.minimum && observed > settings.factor * perWindow;
}

/**
 * The dedup key of a firing: the index of the suppression period (one window, or one baseline for
 * unusual models) it falls in, with the model for unusual-model rules. Together with the check that
 * no alert of the same rule and identity fired within the last suppression period, an alert fires at
 * most once per identity, rule (and model) and period; the key makes a second insert of the same
 * firing (two replicas, a retry) a no-op.
 */
export function dedupKey(nowMs: number, suppressSeconds: number, model = ""): string {
  const bucket = Math.floor(nowMs / (suppressSeconds * 1000));
  return model ? `${model}@${bucket}` : String(bucket);
}

/** A duration for people: `5m`, `1h30m`, `45s`. */
export function shortDuration(totalSeconds: number): string {
  let rest = Math.round(totalSeconds);
  let text = "";
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text || "0s";
}

/** A number for people: whole numbers as such, others to one decimal. */
export function shortNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
