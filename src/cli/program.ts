import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { MlflowError } from '../errors.js';
import { serverCommand } from './server-command.js';
import { groupsCommand, usersCommand } from './users-command.js';
import { auditCommand, loginCommand, permissionsCommand, tokensCommand } from './access-command.js';
import { dbCommand } from './db-command.js';
import { experimentsCommand } from './experiments-command.js';
import { runsCommand } from './runs-command.js';
import { artifactsCommand } from './artifacts-command.js';
import { syncCommand } from './sync-command.js';
import { modelsCommand } from './models-command.js';
import { runCommand } from './run-command.js';
import { exportCommand, importCommand } from './migrate-command.js';
import { gcCommand } from './gc-command.js';
import { deploymentsCommand } from './deployments-command.js';

/** Builds the `cairn` command line. Each command group lives in its own file. */
export function buildCli(): Command {
  const program = new Command('cairn')
    .description('Cairn: experiment tracking, model registry, model serving and reproducible projects.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn server                               # tracking server + UI on http://127.0.0.1:5000
  $ cairn experiments list
  $ cairn runs list --experiment-id 1 --filter "metrics.loss < 0.1"
  $ cairn models serve -m models:/fraud@champion -p 5001
  $ cairn run ./examples/node-regression -P epochs=50`,
    );
  program.addCommand(serverCommand());
  program.addCommand(dbCommand());
  for (const c of [
    usersCommand(),
    groupsCommand(),
    permissionsCommand(),
    tokensCommand(),
    auditCommand(),
    loginCommand(),
  ])
    program.addCommand(c);
  program.addCommand(experimentsCommand());
  program.addCommand(runsCommand());
  program.addCommand(artifactsCommand());
  program.addCommand(syncCommand());
  program.addCommand(modelsCommand());
  program.addCommand(runCommand());
  program.addCommand(importCommand());
  program.addCommand(exportCommand());
  program.addCommand(gcCommand());
  program.addCommand(deploymentsCommand());
  return program;
}

/** Prints an error the way a user should see it: one line, no stack trace. */
export function reportCliError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof MlflowError) {
    process.stderr.write(`cairn: ${err.errorCode}: ${err.message}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`cairn: ${message}\n`);
  if (process.env.CAIRN_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return 1;
}
