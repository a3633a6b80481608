import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

import { ChartPoint, layoutChart } from './chart-scale';

const WIDTH = 640;
const HEIGHT = 200;
const LEFT = 44;
const BOTTOM = 22;
const TOP = 8;

/**
 * A small dependency-free bar chart (inline SVG): allowed vs intercepted per day. The SVG has a
 * title for screen readers; the same numbers are in a visually hidden table.
 */
@Component({
  selector: 'app-daily-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './daily-chart.html',
  styleUrl: './daily-chart.scss',
})
export class DailyChart {
  readonly points = input.required<readonly ChartPoint[]>();
  readonly label = input.required<string>();
  readonly allowedLabel = input.required<string>();
  readonly interceptedLabel = input.required<string>();

  protected readonly viewBox = `0 0 ${WIDTH} ${HEIGHT}`;
  protected readonly left = LEFT;
  protected readonly top = TOP;
  protected readonly plotWidth = WIDTH - LEFT - 4;
  protected readonly plotHeight = HEIGHT - BOTTOM - TOP;
  protected readonly layout = computed(() => layoutChart(this.points(), this.plotWidth, this.plotHeight));
  /** Label every n-th day so that 30 labels do not overlap. */
  protected readonly labelEvery = computed(() => Math.max(1, Math.ceil(this.points().length / 8)));

  protected formatTick(value: number): string {
    if (value >= 1_000_000) return `${+(value / 1_000_000).toFixed(1)}M`;
    if (value >= 1_000) return `${+(value / 1_000).toFixed(1)}k`;
    return `${+value.toFixed(1)}`;
  }
}
