/** The top bar's sections (the app's and the early-drawn charts page's; no React here). */
export const NAV: { section: string; label: string; to: string }[] = [
  { section: 'experiments', label: 'Experiments', to: '/experiments' },
  { section: 'models', label: 'Models', to: '/models' },
  { section: 'prompts', label: 'Prompts', to: '/prompts' },
];
