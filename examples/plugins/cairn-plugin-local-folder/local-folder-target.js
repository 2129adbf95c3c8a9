// A deployment target that "deploys" a model by copying it into a folder and serves predictions
// from that copy. `-t local-folder:/srv/models` deploys under /srv/models; `-t local-folder` under
// ./cairn-deployments of the working directory.
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

function rootOf(targetUri) {
  const colon = targetUri.indexOf(':');
  const path = colon < 0 ? '' : targetUri.slice(colon + 1);
  return resolve(path || 'cairn-deployments');
}

function folderOf(root, name) {
  // The name becomes a folder name: refuse anything that could leave the root.
  if (!NAME.test(name) || name.includes('..')) {
    throw new Error(`Deployment names are letters, digits, '_', '.' and '-' (got '${name}').`);
  }
  return join(root, name);
}

async function describe(folder, name) {
  try {
    return JSON.parse(await readFile(join(folder, 'deployment.json'), 'utf8'));
  } catch {
    throw new Error(`No deployment named '${name}'.`);
  }
}

/** @type {import('cairn-ml').DeploymentTarget} */
export const localFolderTarget = {
  apiVersion: 1,
  name: 'local-folder',
  help: [
    'local-folder: copies the model into a folder and scores from that copy.',
    '  -t local-folder:/path   deploy under /path (default: ./cairn-deployments)',
    '  -C note=TEXT            free text stored with the deployment',
  ].join('\n'),
  client(targetUri, host) {
    const root = rootOf(targetUri);
    const save = async (folder, deployment) => {
      await writeFile(join(folder, 'deployment.json'), `${JSON.stringify(deployment, null, 2)}\n`);
      return deployment;
    };
    return {
      async create(name, { model, flavor, config }) {
        const folder = folderOf(root, name);
        await mkdir(root, { recursive: true });
        try {
          await mkdir(folder);
        } catch {
          throw new Error(`A deployment named '${name}' already exists.`);
        }
        await cp(model.dir, join(folder, 'model'), { recursive: true });
        return save(folder, { name, model_uri: model.uri, flavor: flavor ?? null, config, version: 1 });
      },
      async update(name, { model, flavor, config }) {
        const folder = folderOf(root, name);
        const current = await describe(folder, name);
        if (model) {
          await rm(join(folder, 'model'), { recursive: true, force: true });
          await cp(model.dir, join(folder, 'model'), { recursive: true });
        }
        return save(folder, {
          ...current,
          model_uri: model ? model.uri : current.model_uri,
          flavor: flavor ?? current.flavor,
          config: { ...current.config, ...config },
          version: current.version + 1,
        });
      },
      async delete(name) {
        const folder = folderOf(root, name);
        await describe(folder, name);
        await rm(folder, { recursive: true, force: true });
      },
      async list() {
        const names = await readdir(root).catch(() => []);
        const out = [];
        for (const name of names.sort()) {
          if (NAME.test(name)) out.push(await describe(join(root, name), name).catch(() => undefined));
        }
        return out.filter(Boolean);
      },
      async get(name) {
        return describe(folderOf(root, name), name);
      },
      async predict(name, input) {
        const folder = folderOf(root, name);
        await describe(folder, name);
        const model = await host.loadModel(join(folder, 'model'));
        try {
          return await model.predict(input);
        } finally {
          await model.close();
        }
      },
    };
  },
};
