/** Lists every file under an artifact repository, depth first, as migration artifact files. */
import type { ArtifactRepository } from '../artifacts/artifact-repository.js';
import type { ArtifactFile } from './source.js';

export async function* walkRepository(repo: ArtifactRepository, dir = ''): AsyncIterable<ArtifactFile> {
  for (const entry of await repo.list(dir)) {
    if (entry.is_dir) {
      yield* walkRepository(repo, entry.path);
    } else {
      const path = entry.path;
      yield { path, size: entry.file_size ?? 0, open: () => repo.openRead(path) };
    }
  }
}
