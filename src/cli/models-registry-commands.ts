/** `cairn models register|list|versions|alias|transition|download`: the model registry from the shell. */
import { Command, InvalidArgumentError } from 'commander';
import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import { RegistryClient } from '../client/registry.js';
import {
  collect,
  positiveIntOption,
  trackingSubcommand,
  withClient,
  type TrackingCliOptions,
} from './cli-client.js';
import { createProgressBar, formatTimestamp, printJson, printKeyValues, printTable } from './output.js';

interface JsonOption extends TrackingCliOptions {
  json?: boolean;
}

/** `key=value` pairs from repeated `--tag` options. */
function parseTags(pairs: string[] = []): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`expected --tag key=value, got '${pair}'`);
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}

function sub(parent: Command, name: string, description: string, examples: string[]): Command {
  return trackingSubcommand(parent, name, description, examples).option(
    '--json',
    'print JSON instead of a table',
  );
}

function withRegistry<T>(
  options: TrackingCliOptions,
  fn: (registry: RegistryClient) => Promise<T>,
): Promise<T> {
  return withClient(options, (client) => fn(new RegistryClient(client)));
}

const aliasesOf = (m: RegisteredModel): string =>
  (m.aliases ?? []).map((a) => `${a.alias}→v${a.version}`).join(' ');

function printVersion(v: ModelVersion): void {
  printKeyValues({
    name: v.name,
    version: v.version,
    stage: v.current_stage,
    aliases: (v.aliases ?? []).join(', '),
    source: v.source,
    run_id: v.run_id,
    status: v.status,
    description: v.description,
    created: formatTimestamp(v.creation_timestamp),
    tags: (v.tags ?? []).map((t) => `${t.key}=${t.value}`).join(', '),
  });
}

function printVersions(versions: ModelVersion[], aliasesByVersion: Map<string, string[]> = new Map()): void {
  printTable(
    versions,
    [
      { key: 'name', header: 'NAME', maxWidth: 40 },
      { key: 'version', header: 'VERSION', align: 'right' },
      { key: 'current_stage', header: 'STAGE' },
      {
        key: 'aliases',
        header: 'ALIASES',
        format: (v) => [...(v.aliases ?? []), ...(aliasesByVersion.get(v.version) ?? [])].join(', '),
      },
      { key: 'run_id', header: 'RUN' },
      { key: 'source', header: 'SOURCE', maxWidth: 60 },
      { key: 'creation_timestamp', header: 'CREATED', format: (v) => formatTimestamp(v.creation_timestamp) },
    ],
    { emptyMessage: 'No model versions found.' },
  );
}

/** Adds the registry subcommands to the `models` command group. */
export function addRegistryCommands(models: Command): void {
  sub(
    models,
    'register',
    'Register a model (runs:/..., models:/... or a storage URI) as a new version of a registered model.',
    [
      'cairn models register runs:/3f1c.../model --name fraud --tag data=2024-06',
      'cairn models register models:/fraud/3 --name fraud-eu --description "EU copy"',
    ],
  )
    .argument(
      '<model-uri>',
      'where the model is: runs:/<run_id>/<path>, models:/<name>/<version>, s3://..., ...',
    )
    .requiredOption('-n, --name <name>', 'registered model name (created if missing)')
    .option('--description <text>', 'description of the new version')
    .option('--tag <key=value>', 'version tag (repeatable)', collect, [])
    .option('--alias <alias>', 'point this alias at the new version')
    .action(
      async (
        uri: string,
        opts: JsonOption & { name: string; description?: string; tag: string[]; alias?: string },
      ) => {
        const tags = parseTags(opts.tag);
        await withRegistry(opts, async (registry) => {
          let v = await registry.registerModel(uri, opts.name, { description: opts.description, tags });
          if (opts.alias) {
            await registry.setAlias(opts.name, opts.alias, v.version);
            v = await registry.getModelVersion(opts.name, v.version);
          }
          if (opts.json) printJson(v);
          else {
            process.stdout.write(`Registered ${v.name} version ${v.version}.\n`);
            printVersion(v);
          }
        });
      },
    );

  sub(models, 'list', 'List registered models with their latest version and aliases.', [
    'cairn models list',
    "cairn models list --filter \"name LIKE 'fraud%'\" --order-by 'last_updated_timestamp DESC'",
  ])
    .option('--filter <filter>', 'search filter, e.g. "name LIKE \'fraud%\'" or "tags.team = \'risk\'"')
    .option('--order-by <clause>', "order, e.g. 'name DESC' (repeatable)", collect, [])
    .option('--max-results <n>', 'largest number of models to show', positiveIntOption, 100)
    .action(async (opts: JsonOption & { filter?: string; orderBy: string[]; maxResults: number }) => {
      await withRegistry(opts, async (registry) => {
        const models: RegisteredModel[] = [];
        for await (const m of registry.iterRegisteredModels({
          filter: opts.filter,
          order_by: opts.orderBy.length ? opts.orderBy : undefined,
          max_results: Math.min(opts.maxResults, 1000),
        })) {
          models.push(m);
          if (models.length >= opts.maxResults) break;
        }
        if (opts.json) return printJson(models);
        printTable(
          models,
          [
            { key: 'name', header: 'NAME', maxWidth: 50 },
            {
              key: 'latest',
              header: 'LATEST',
              align: 'right',
              format: (m) =>
                String(Math.max(0, ...(m.latest_versions ?? []).map((v) => Number(v.version))) || ''),
            },
            { key: 'aliases', header: 'ALIASES', format: aliasesOf, maxWidth: 40 },
            { key: 'description', header: 'DESCRIPTION', maxWidth: 50 },
            {
              key: 'last_updated_timestamp',
              header: 'UPDATED',
              format: (m) => formatTimestamp(m.last_updated_timestamp),
            },
          ],
          { emptyMessage: 'No registered models found.' },
        );
      });
    });

  sub(models, 'versions', 'List the versions of a registered model, newest first.', [
    'cairn models versions fraud',
    'cairn models versions fraud --filter "tags.validated = \'yes\'"',
  ])
    .argument('<name>', 'registered model name')
    .option('--filter <filter>', 'extra filter, e.g. "version_number > 3" or "tags.validated = \'yes\'"')
    .option('--max-results <n>', 'largest number of versions to show', positiveIntOption, 1000)
    .action(async (name: string, opts: JsonOption & { filter?: string; maxResults: number }) => {
      await withRegistry(opts, async (registry) => {
        const model = await registry.getRegisteredModel(name);
        const quoted = `'${name.replace(/'/g, "\\'")}'`;
        const versions: ModelVersion[] = [];
        for await (const v of registry.iterModelVersions({
          filter: `name = ${quoted}${opts.filter ? ` AND ${opts.filter}` : ''}`,
          order_by: ['version_number DESC'],
          max_results: Math.min(opts.maxResults, 1000),
        })) {
          versions.push(v);
          if (versions.length >= opts.maxResults) break;
        }
        // Search results carry no aliases; take them from the model.
        const byVersion = new Map<string, string[]>();
        for (const a of model.aliases ?? [])
          byVersion.set(a.version, [...(byVersion.get(a.version) ?? []), a.alias]);
        if (opts.json) {
          return printJson(versions.map((v) => ({ ...v, aliases: byVersion.get(v.version) ?? [] })));
        }
        printVersions(versions, byVersion);
      });
    });

  sub(models, 'alias', 'Show, set or delete an alias of a registered model.', [
    'cairn models alias fraud champion 3        # point champion at version 3',
    'cairn models alias fraud champion          # show the version champion points at',
    'cairn models alias fraud champion --delete',
  ])
    .argument('<name>', 'registered model name')
    .argument('<alias>', 'alias name, e.g. champion')
    .argument('[version]', 'version to point the alias at')
    .option('--delete', 'remove the alias')
    .action(
      async (
        name: string,
        alias: string,
        version: string | undefined,
        opts: JsonOption & { delete?: boolean },
      ) => {
        await withRegistry(opts, async (registry) => {
          if (opts.delete) {
            if (version !== undefined)
              throw new InvalidArgumentError('give either a version or --delete, not both');
            await registry.deleteAlias(name, alias);
            if (opts.json) printJson({ name, alias, deleted: true });
            else process.stdout.write(`Deleted alias '${alias}' of ${name}.\n`);
            return;
          }
          if (version !== undefined) await registry.setAlias(name, alias, version);
          const v = await registry.getModelVersionByAlias(name, alias);
          if (opts.json) return printJson(v);
          if (version !== undefined)
            process.stdout.write(`${name}@${alias} now points at version ${v.version}.\n`);
          printVersion(v);
        });
      },
    );

  sub(models, 'transition', 'Move a model version to a stage (None, Staging, Production, Archived).', [
    'cairn models transition fraud 3 Production --archive-existing',
  ])
    .argument('<name>', 'registered model name')
    .argument('<version>', 'version number')
    .argument('<stage>', 'None, Staging, Production or Archived (any case)')
    .option('--archive-existing', 'archive the other versions currently in that stage')
    .action(
      async (
        name: string,
        version: string,
        stage: string,
        opts: JsonOption & { archiveExisting?: boolean },
      ) => {
        await withRegistry(opts, async (registry) => {
          const v = await registry.transitionModelVersionStage(
            name,
            version,
            stage,
            Boolean(opts.archiveExisting),
          );
          if (opts.json) return printJson(v);
          process.stdout.write(`${name} version ${v.version} is now in stage ${v.current_stage}.\n`);
        });
      },
    );

  sub(models, 'download', "Download a model's files (models:/, runs:/ or an artifact URI).", [
    'cairn models download models:/fraud@champion -d ./serving',
    'cairn models download models:/fraud/Production',
  ])
    .argument(
      '<model-uri>',
      'models:/<name>/<version|stage|latest>, models:/<name>@<alias>, runs:/... or an artifact URI',
    )
    .option('-d, --dst <dir>', 'local directory to download into', '.')
    .action(async (uri: string, opts: JsonOption & { dst: string }) => {
      await withRegistry(opts, async (registry) => {
        const bar = createProgressBar(`Downloading ${uri}`, 0);
        const seen = new Map<string, number>();
        const path = await registry.downloadModel(uri, opts.dst, {
          onProgress: ({ path: file, bytes, totalBytes }) => {
            if (!seen.has(file)) bar.addTotal(totalBytes);
            const before = seen.get(file) ?? 0;
            seen.set(file, bytes);
            bar.tick(bytes - before);
          },
        });
        bar.done();
        if (opts.json) printJson({ uri, path });
        else process.stdout.write(`Downloaded ${uri} to ${path}\n`);
      });
    });
}
