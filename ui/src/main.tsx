/**
 * The app's entry, kept small: it starts what the address it was opened at needs most and then
 * loads the app itself (React and the pages). A charts link's histories and charts code are
 * asked for while the app downloads and starts, instead of after it has rendered.
 */
import './styles.css';
import { startChartsEarly } from './pages/charts/early-charts';

/**
 * A charts link's first panel can be drawn before the app (early-charts.ts): the app then starts
 * once it is drawn, so that starting React does not hold up that drawing on the page's main thread
 * nor the app's own requests the history's answer; but at most this long after the page started.
 */
const APP_WAITS_FOR_FIRST_CHART_MS = 800;

const firstChart = startChartsEarly(window.location);
const app = (
  firstChart
    ? Promise.race([firstChart, new Promise((resolve) => setTimeout(resolve, APP_WAITS_FOR_FIRST_CHART_MS))])
    : Promise.resolve()
).then(() => import('./app/start'));
app.catch(() => {
  document.getElementById('root')!.textContent =
    'The web UI could not be loaded. Reload the page to try again.';
});
