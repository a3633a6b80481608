import { layoutChart, niceStep } from './chart-scale';

describe('niceStep', () => {
  it.each([
    [0, 1],
    [-5, 1],
    [Number.NaN, 1],
    [0.3, 1],
    [1, 1],
    [1.25, 2],
    [2.5, 3],
    [4, 5],
    [7, 10],
    [11, 20],
    [21, 25],
    [240, 250],
    [251, 500],
    [999, 1000],
  ])('niceStep(%p) = %p', (value, expected) => {
    expect(niceStep(value)).toBe(expected);
  });
});

describe('layoutChart', () => {
  const points = [
    { label: '01-01', allowed: 100, intercepted: 10 },
    { label: '01-02', allowed: 50, intercepted: 0 },
    { label: '01-03', allowed: 0, intercepted: 0 },
    { label: '01-04', allowed: 200, intercepted: 1 },
  ];

  it('scales bars to a nice maximum within the plot area', () => {
    const layout = layoutChart(points, 400, 100);
    expect(layout.max).toBe(200);
    const [first, second, third, fourth] = layout.groups;
    expect(first.allowed.height).toBeCloseTo(50);
    expect(first.allowed.y).toBeCloseTo(50);
    expect(second.allowed.height).toBeCloseTo(25);
    expect(third.allowed.height).toBe(0);
    expect(second.intercepted.height).toBe(0);
    expect(fourth.allowed.height).toBeCloseTo(100);
    expect(fourth.allowed.y).toBeCloseTo(0);
    // 1 of 200 would be half a unit: still visible.
    expect(fourth.intercepted.height).toBe(1);
  });

  it('places groups in equal slots, the two bars side by side', () => {
    const layout = layoutChart(points, 400, 100);
    const xs = layout.groups.map((g) => g.x);
    expect(xs[1] - xs[0]).toBeCloseTo(100);
    expect(xs[3] - xs[2]).toBeCloseTo(100);
    const g = layout.groups[0];
    expect(g.intercepted.x).toBeCloseTo(g.allowed.x + g.allowed.width);
    expect(g.intercepted.x + g.intercepted.width).toBeLessThanOrEqual(100);
  });

  it('draws evenly spaced ticks from 0 to the maximum', () => {
    const layout = layoutChart(points, 400, 100, 4);
    expect(layout.ticks.map((t) => t.value)).toEqual([0, 50, 100, 150, 200]);
    expect(layout.ticks.map((t) => t.y)).toEqual([100, 75, 50, 25, 0]);
  });

  it('keeps whole-number ticks for small counts', () => {
    const layout = layoutChart([{ label: 'a', allowed: 1, intercepted: 1 }], 100, 100, 4);
    expect(layout.ticks.map((t) => t.value)).toEqual([0, 1, 2, 3, 4]);
  });

  it.each([
    [4, [0, 1, 2, 3, 4]],
    [5, [0, 2, 4, 6, 8]],
    [10, [0, 3, 6, 9, 12]],
    [37, [0, 10, 20, 30, 40]],
    [90, [0, 25, 50, 75, 100]],
  ])('labels only whole numbers when the largest count is %p', (largest, ticks) => {
    const layout = layoutChart([{ label: 'a', allowed: largest, intercepted: 0 }], 100, 100, 4);
    expect(layout.ticks.map((t) => t.value)).toEqual(ticks);
    expect(layout.max).toBeGreaterThanOrEqual(largest);
  });

  it('handles an empty series', () => {
    const layout = layoutChart([], 400, 100);
    expect(layout.max).toBe(4);
    expect(layout.groups).toEqual([]);
  });
});
