/**
 * ECharts, tree-shaken to the bar and line charts the console draws, rendered as SVG (crisp on
 * any screen and in screenshots). Bundled by esbuild: nothing is fetched at run time.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'preact/hooks';

echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  AriaComponent,
  SVGRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

export const palette = {
  response: '#2563eb',
  resolution: '#0d9488',
  satisfaction: '#d97706',
  breaches: '#dc2626',
  received: '#94a3b8',
  text: '#334155',
  grid: '#e2e8f0',
};

const fontFamily =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

export function Chart(props: { option: ChartOption; height: number; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'svg' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        textStyle: { fontFamily, color: palette.text },
        aria: { enabled: true, label: { description: props.label } },
        animationDuration: 300,
        ...props.option,
      },
      { notMerge: true },
    );
    chart.current?.resize();
  }, [props.option, props.label, props.height]);

  return (
    <div ref={el} class="chart" style={{ height: `${props.height}px` }} role="img" aria-label={props.label} />
  );
}
