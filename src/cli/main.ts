import { buildCli, reportCliError } from './program.js';

const program = buildCli();
program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportCliError(err);
}
