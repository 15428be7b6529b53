/**
 * Chart.js, registered once with only what the managers' page draws (bars, lines, two axes, tooltips,
 * legend), and loaded only on that page.
 */
import type { Chart as ChartType } from 'chart.js';

let loading: Promise<typeof ChartType> | null = null;

export function loadChart(): Promise<typeof ChartType> {
	loading ??= import('chart.js').then((m) => {
		m.Chart.register(m.BarController, m.BarElement, m.LineController, m.LineElement, m.PointElement, m.CategoryScale, m.LinearScale, m.Tooltip, m.Legend);
		m.Chart.defaults.font.size = 15;
		m.Chart.defaults.color = '#111';
		return m.Chart;
	});
	return loading;
}

/** Colours that stay apart for colour-blind readers (blue, orange, green) and on a sunlit screen. */
export const CHART_COLOURS = { requests: '#0b3d91', closed: '#e07b00', sla: '#1b7a3a', p90: '#9aa9c9' } as const;
