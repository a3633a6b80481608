/** One day of the chart: two series side by side. */
export interface ChartPoint {
  readonly label: string;
  readonly allowed: number;
  readonly intercepted: number;
}

export interface ChartBar {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly value: number;
}

export interface ChartTick {
  readonly y: number;
  readonly value: number;
}

export interface ChartLayout {
  readonly max: number;
  readonly ticks: readonly ChartTick[];
  readonly groups: readonly {
    readonly label: string;
    readonly x: number;
    readonly allowed: ChartBar;
    readonly intercepted: ChartBar;
  }[];
}

/**
 * The smallest whole-number "nice" tick step ≥ `value`: 1, 2, 3 or 5 below ten, then 1, 2, 2.5 or
 * 5 × 10ⁿ (all whole numbers); 1 for anything up to 1.
 */
export function niceStep(value: number): number {
  if (!Number.isFinite(value) || value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const steps = magnitude >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 3, 5, 10];
  for (const step of steps) {
    const candidate = step * magnitude;
    if (candidate >= value) return candidate;
  }
  return 10 * magnitude;
}

/**
 * Bar geometry in a `width` × `height` plot area (SVG units, y grows downwards): one group per
 * point, two bars per group, heights proportional to a maximum of `tickCount` whole-number
 * nice steps (`niceStep`) covering the largest value, with `tickCount` evenly spaced axis ticks
 * from 0 to it. A non-zero value is at least 1 unit tall.
 */
export function layoutChart(points: readonly ChartPoint[], width: number, height: number, tickCount = 4): ChartLayout {
  const largest = Math.max(0, ...points.map((p) => Math.max(p.allowed, p.intercepted)));
  // Counts are whole numbers: a whole-number step per tick, so every tick label is an integer
  // (a nice maximum alone is not enough: 5 over 4 ticks would label 1.25, 2.5, 3.75).
  const max = niceStep(largest / tickCount) * tickCount;
  const ticks = Array.from({ length: tickCount + 1 }, (_, i) => {
    const value = (max / tickCount) * i;
    return { value, y: height - (value / max) * height };
  });
  const slot = points.length > 0 ? width / points.length : width;
  const gap = Math.min(4, slot * 0.2);
  const barWidth = Math.max(0.5, (slot - gap) / 2);
  const bar = (x: number, value: number): ChartBar => {
    const safe = Math.max(0, value);
    const h = safe === 0 ? 0 : Math.max(1, (safe / max) * height);
    return { x, y: height - h, width: barWidth, height: h, value: safe };
  };
  const groups = points.map((p, i) => {
    const x = i * slot + gap / 2;
    return {
      label: p.label,
      x,
      allowed: bar(x, p.allowed),
      intercepted: bar(x + barWidth, p.intercepted),
    };
  });
  return { max, ticks, groups };
}
