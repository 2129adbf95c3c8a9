/**
 * The app's entry, kept small: it starts what the address it was opened at needs most and then
 * loads the app itself (React and the pages). A charts link's histories and charts code are
 * asked for while the app downloads and starts, instead of after it has rendered.
 */
import './styles.css';
import { startChartsEarly } from './pages/charts/early-charts';

// The app first, so that the server sends it before it works on the histories.
const app = import('./app/start');
startChartsEarly(window.location);
app.catch(() => {
  document.getElementById('root')!.textContent =
    'The web UI could not be loaded. Reload the page to try again.';
});
