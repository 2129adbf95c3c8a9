// A Cairn plugin is a package whose default export (or `cairnPlugin` export) lists extensions,
// one list per extension point. Each extension states the interface version it implements.
import { linearFlavor } from './linear-flavor.js';
import { localFolderTarget } from './local-folder-target.js';

/** @type {import('cairn-ml').CairnPlugin} */
const plugin = {
  flavors: [linearFlavor],
  deploymentTargets: [localFolderTarget],
};

export default plugin;
