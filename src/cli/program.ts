import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { MlflowError } from '../errors.js';
/**
 * The command groups, each in its own file, loaded only when it runs: `cairn models predict`
 * does not load the tracking server, the database drivers or the SDK's clients, which would
 * cost more CPU than the command's own work on small inputs.
 */
const GROUPS: { names: string[]; load: () => Promise<Command[]> }[] = [
  { names: ['server'], load: async () => [(await import('./server-command.js')).serverCommand()] },
  { names: ['db'], load: async () => [(await import('./db-command.js')).dbCommand()] },
  {
    names: ['users', 'groups'],
    load: async () => {
      const m = await import('./users-command.js');
      return [m.usersCommand(), m.groupsCommand()];
    },
  },
  {
    names: ['permissions', 'tokens', 'audit', 'login'],
    load: async () => {
      const m = await import('./access-command.js');
      return [m.permissionsCommand(), m.tokensCommand(), m.auditCommand(), m.loginCommand()];
    },
  },
  {
    names: ['experiments'],
    load: async () => [(await import('./experiments-command.js')).experimentsCommand()],
  },
  { names: ['runs'], load: async () => [(await import('./runs-command.js')).runsCommand()] },
  { names: ['artifacts'], load: async () => [(await import('./artifacts-command.js')).artifactsCommand()] },
  { names: ['sync'], load: async () => [(await import('./sync-command.js')).syncCommand()] },
  { names: ['models'], load: async () => [(await import('./models-command.js')).modelsCommand()] },
  { names: ['run'], load: async () => [(await import('./run-command.js')).runCommand()] },
  {
    names: ['import', 'export'],
    load: async () => {
      const m = await import('./migrate-command.js');
      return [m.importCommand(), m.exportCommand()];
    },
  },
  { names: ['gc'], load: async () => [(await import('./gc-command.js')).gcCommand()] },
  {
    names: ['deployments'],
    load: async () => [(await import('./deployments-command.js')).deploymentsCommand()],
  },
];

/**
 * Builds the `cairn` command line for `argv`: with a command named, only its group is loaded;
 * otherwise (help, an unknown command) all of them, in the order the help lists them.
 */
export async function buildCli(argv: readonly string[] = process.argv): Promise<Command> {
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
  const named = argv[2];
  const only = GROUPS.find((g) => named !== undefined && g.names.includes(named));
  // A version request loads nothing.
  const groups = only ? [only] : named === '-V' || named === '--version' ? [] : GROUPS;
  for (const commands of await Promise.all(groups.map((g) => g.load())))
    for (const c of commands) program.addCommand(c);
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
