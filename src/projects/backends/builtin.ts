/** Registers Cairn's own project backends: `local` (a child process) and `kubernetes` (a Job). */
import { EXTENSION_API_VERSIONS } from '../../version.js';
import { runProject } from '../run-project.js';
import { registerProjectBackend } from './backend-registry.js';
import { runProjectOnKubernetes } from './kubernetes-run.js';
import { parseKubernetesConfig } from './kubernetes.js';

registerProjectBackend({
  apiVersion: EXTENSION_API_VERSIONS.projectBackend,
  name: 'local',
  run: (uri, tracking, _config, opts) => runProject(uri, tracking, opts),
});
registerProjectBackend({
  apiVersion: EXTENSION_API_VERSIONS.projectBackend,
  name: 'kubernetes',
  run: (uri, tracking, config, opts) =>
    runProjectOnKubernetes(uri, tracking, parseKubernetesConfig(config), opts),
});
