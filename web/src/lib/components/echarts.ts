/**
 * ECharts, tree-shaken to the charts and components the console uses (keeps the first page light).
 */
import * as echarts from 'echarts/core';
// Namespace imports name each part once, in the list below; the bundler keeps only the parts named there.
import * as charts from 'echarts/charts';
import * as components from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, HeatmapSeriesOption, LineSeriesOption, ScatterSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkLineComponentOption,
  TitleComponentOption,
  TooltipComponentOption,
  VisualMapComponentOption,
} from 'echarts/components';

echarts.use([
  charts.BarChart,
  charts.HeatmapChart,
  charts.LineChart,
  charts.ScatterChart,
  components.DatasetComponent,
  components.GridComponent,
  components.LegendComponent,
  components.MarkLineComponent,
  components.TitleComponent,
  components.TooltipComponent,
  components.VisualMapComponent,
  CanvasRenderer,
]);

export type EChartsOption = ComposeOption<
  | BarSeriesOption
  | HeatmapSeriesOption
  | LineSeriesOption
  | ScatterSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | MarkLineComponentOption
  | TitleComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>;
export { echarts };
