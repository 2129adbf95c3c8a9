import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { App } from './app/App';
import { startSession } from './auth/session';
import { startChartsEarly } from './pages/charts/early-charts';

startSession();
startChartsEarly(window.location);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
