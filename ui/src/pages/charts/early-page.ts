/**
 * The page a charts link's first panel is drawn on before the app has started (early-plot.ts): a
 * still copy of the app's charts page as it will first look — top bar, the experiment's heading
 * and Table/Charts switch, the filter row, the selection bar, the chart settings, the legend, the
 * metrics row and the grid of panels — built from the same elements and CSS classes as the app's
 * components (App, RunsHeader, FilterBox, SelectionBar, ChartsView, ChartLegend, MetricChart), so
 * that the first panel sits exactly where the app's panel will be and the chart does not move when
 * the app takes it over. What only the app knows is left blank (the experiment's name) or shown as
 * the app shows it until it knows (runs under their ids). Nothing on the page reacts; its controls
 * are marked disabled and show the busy cursor.
 * A change to the layout of those components must be made here too (the browser test
 * test/ui/charts-early-plot.test.ts measures that the chart stays in place).
 */
import { NAV } from '../../app/nav';
import { LEGEND_COLLAPSED, type ChartRun, type XMode } from './chart-data';

export interface EarlyPageArgs {
  experimentId: string;
  /** The line panels' metrics in the link's order; the first is drawn. */
  metrics: string[];
  /** The charted runs in legend order (pinned first). */
  runs: ChartRun[];
  xMode: XMode;
  log: boolean;
  ignoreOutliers: boolean;
  smoothing: number;
  filter: string;
  deleted: boolean;
}

type Child = Node | string;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.append(...children);
  return el;
}

const button = (className: string, label: string, disabled = false) => {
  const b = element('button', className, label);
  b.type = 'button';
  b.disabled = disabled;
  return b;
};

function checkbox(label: string, checked: boolean, disabled = false): HTMLLabelElement {
  const input = element('input', '');
  input.type = 'checkbox';
  input.checked = checked;
  input.disabled = disabled;
  return element('label', 'check', input, label);
}

const seg = (labels: string[], on: number, disabled: number[] = []) =>
  element('div', 'seg', ...labels.map((l, i) => button(i === on ? 'on' : '', l, disabled.includes(i))));

/** App.tsx: the top bar. */
function topbar(): HTMLElement {
  const logo = document.createElement('img');
  logo.src = '/favicon.svg';
  logo.alt = '';
  const brand = element('a', 'brand', logo, 'Cairn');
  const nav = element(
    'nav',
    'nav',
    ...NAV.map((n) => element('a', n.section === 'experiments' ? 'active' : '', n.label)),
  );
  return element('header', 'topbar', brand, nav, element('span', 'spacer'));
}

/** RunsHeader.tsx: the crumbs and the heading (the experiment's name is not known yet). */
function runsHeader(experimentId: string): Child[] {
  return [
    element('div', 'crumbs', element('a', '', 'Experiments'), ' /'),
    element(
      'div',
      'page-head',
      element('h1', '', '…'),
      element('span', 'muted small', `ID ${experimentId}`),
      element('span', 'grow'),
      seg(['Table', 'Charts'], 1),
    ),
  ];
}

/** RunsPage.tsx and FilterBox.tsx: the filter row. */
function filterRow(filter: string, deleted: boolean): HTMLElement {
  const input = element('input', '');
  input.type = 'search';
  input.value = filter;
  input.placeholder = "Filter runs, e.g. metrics.loss < 0.5 AND params.optimizer = 'adam'";
  const spring = element('span', '');
  spring.style.flex = '1';
  return element(
    'div',
    'toolbar',
    element('div', 'filter-wrap', element('div', 'row', input, button('', 'Search'))),
    checkbox('Deleted runs', deleted),
    spring,
  );
}

/** SelectionBar.tsx: the selected runs are the charted ones. */
function selectionBar(count: number, deleted: boolean): HTMLElement {
  return element(
    'div',
    'selection-bar toolbar',
    element('strong', '', `${count.toLocaleString('en-US')} selected`),
    button('', 'Compare', count < 2),
    button('', 'Chart'),
    deleted ? button('', 'Restore') : button('danger', 'Delete'),
    button('ghost', 'Clear selection'),
  );
}

/** ChartsView.tsx: the chart settings. */
function chartSettings(args: EarlyPageArgs): HTMLElement {
  const picker = element('div', '', button('small', `Choose runs (${args.runs.length})`));
  picker.style.position = 'relative';
  const group = element('select', '', element('option', '', 'None'));
  const range = element('input', '');
  range.type = 'range';
  range.min = '0';
  range.max = '0.99';
  range.step = '0.01';
  range.value = String(args.smoothing);
  const amount = element('span', 'mono small', args.smoothing.toFixed(2));
  amount.style.width = '32px';
  return element(
    'div',
    'toolbar panel chart-settings',
    picker,
    element('span', 'muted small', `${args.runs.length} selected runs`),
    seg(['Lines', 'Last values', 'Scatter'], 0),
    element('span', 'muted small', 'X axis'),
    seg(['Step', 'Wall time', 'Relative time'], args.xMode === 'wall' ? 1 : 0),
    checkbox('Log scale', args.log),
    element('label', 'check', 'Group by', group),
    checkbox('Ignore outliers', args.ignoreOutliers, args.log),
    element('label', 'check', 'Smoothing', range, amount),
  );
}

/** ChartLegend.tsx: one entry per run (the first ones of a long legend, with its search row). */
function legend(runs: ChartRun[]): HTMLElement {
  const long = runs.length > LEGEND_COLLAPSED;
  const row = element('div', 'legend row');
  for (const r of long ? runs.slice(0, LEGEND_COLLAPSED) : runs) {
    const swatch = element('span', 'swatch');
    swatch.style.background = r.color;
    const item = element('button', 'legend-item small', swatch, r.name);
    item.type = 'button';
    row.append(
      element(
        'span',
        `legend-entry ${r.pinned ? 'pinned' : ''}`,
        item,
        button('legend-pin small ghost', r.pinned ? '★' : '☆'),
      ),
    );
  }
  const box = element('div', 'legend-box');
  if (long) {
    const search = element('input', '');
    search.type = 'search';
    search.placeholder = `Find among ${runs.length} runs`;
    const head = element('div', 'row small', search, button('small ghost', `Show all ${runs.length} runs`));
    head.style.gap = '8px';
    head.style.marginBottom = '6px';
    box.append(head);
    row.append(element('span', 'muted small', `… and ${runs.length - LEGEND_COLLAPSED} more`));
  }
  box.append(row);
  return box;
}

/** ChartsView.tsx: the metrics to choose from (those of the link until the runs are known). */
function metricsRow(metrics: string[]): HTMLElement {
  return element(
    'div',
    'row metric-choices',
    element('span', 'muted small', 'Metrics'),
    ...metrics.map((k) => button('small primary', k)),
  );
}

/** MetricChart.tsx: a line panel (inside ChartsView's LazyPanel); the drawn plot goes into its body. */
function linePanel(metricKey: string, xMode: XMode): { panel: HTMLElement; body: HTMLElement } {
  const head = element(
    'div',
    'chart-head',
    element('strong', 'mono', metricKey),
    element('span', 'muted small', xMode === 'step' ? 'Step' : 'Time'),
  );
  const body = element('div', 'chart-body');
  const panel = element('div', 'chart-panel panel', head, body);
  return { panel: element('div', 'lazy-panel', panel), body };
}

/**
 * The still page, over everything until the app's panel takes the plot; `body` is where the first
 * panel's plot goes, `panel` that panel.
 */
export function earlyPage(args: EarlyPageArgs): { page: HTMLElement; panel: HTMLElement; body: HTMLElement } {
  const panels = args.metrics.map((k) => linePanel(k, args.xMode));
  const first = panels[0]!;
  const panel = first.panel.firstElementChild as HTMLElement;
  panel.dataset.testid = 'early-chart';
  panel.dataset.metric = args.metrics[0];
  const charts = element(
    'div',
    '',
    chartSettings(args),
    legend(args.runs),
    metricsRow(args.metrics),
    element('section', '', element('div', 'grid2', ...panels.map((p) => p.panel))),
  );
  const page = element(
    'div',
    'app early-page',
    topbar(),
    element(
      'main',
      'main',
      element(
        'div',
        'runs-page',
        ...runsHeader(args.experimentId),
        filterRow(args.filter, args.deleted),
        selectionBar(args.runs.length, args.deleted),
        charts,
      ),
    ),
  );
  // Still: its controls neither take the focus nor change (it covers the starting app, so that a
  // click does not reach that either), and say so: marked disabled, under the busy cursor
  // (styles.css), until the app's page replaces this one. Nothing is greyed out: the page would
  // flash on every charts link, and no pixel may differ from the app's page.
  page.setAttribute('aria-hidden', 'true');
  for (const control of page.querySelectorAll<HTMLElement>('a, button, input, select')) {
    control.tabIndex = -1;
    control.setAttribute('aria-disabled', 'true');
  }
  for (const type of ['mousedown', 'click', 'keydown'])
    page.addEventListener(type, (e) => e.preventDefault(), { capture: true });
  return { page, panel, body: first.body };
}
