/** `cairn db`: database maintenance (schema upgrades). */
import { Command } from 'commander';
import { openDatabase } from '../store/sql/open-database.js';
import { currentSchemaVersion, upgradeSchema } from '../store/sql/migrations.js';
import { redactUri } from './server-command.js';

export function dbCommand(): Command {
  const db = new Command('db').description('Database maintenance for the tracking and registry stores.');
  db.command('upgrade')
    .description('Apply pending schema migrations to a backend store (the server also does this on start).')
    .argument('<uri>', 'backend store URI: sqlite:///path.db, postgresql://..., mysql://...')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn db upgrade sqlite:///mlruns.db
  $ cairn db upgrade postgresql://cairn:secret@db.internal:5432/cairn`,
    )
    .action(async (uri: string) => {
      const database = openDatabase(uri);
      try {
        const before = await currentSchemaVersion(database);
        const applied = await upgradeSchema(database);
        const target = redactUri(uri);
        if (!applied.length) {
          process.stdout.write(`${target}: schema is up to date (version ${before}).\n`);
          return;
        }
        for (const m of applied) process.stdout.write(`applied migration ${m.version}: ${m.name}\n`);
        const after = applied[applied.length - 1]!.version;
        process.stdout.write(`${target}: upgraded schema from version ${before} to ${after}.\n`);
      } finally {
        await database.close();
      }
    });
  return db;
}
