import { loadConfiguredPlugins } from '../plugins/load-plugins.js';
import { buildCli, reportCliError } from './program.js';

try {
  const program = await buildCli(process.argv);
  program.exitOverride();
  // Plugins first: their flavors, repositories and targets must exist before any command runs.
  await loadConfiguredPlugins(process.env, process.cwd());
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportCliError(err);
}
