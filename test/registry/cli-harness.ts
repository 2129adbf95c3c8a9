/**
 * Runs only the registry subcommands of `cairn models` (used by sdk-cli.test.ts in a child
 * process), reporting errors the way `cairn` does.
 */
import { Command, CommanderError } from 'commander';
import { addRegistryCommands } from '../../src/cli/models-registry-commands.js';
import { MlflowError } from '../../src/errors.js';

const models = new Command('models').exitOverride();
addRegistryCommands(models);
models.commands.forEach((c) => c.exitOverride());
try {
  await models.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode;
  else if (err instanceof MlflowError) {
    process.stderr.write(`cairn: ${err.errorCode}: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`cairn: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
