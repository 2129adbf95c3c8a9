/**
 * Images logged with MLflow's `mlflow.log_image(image, key=..., step=...)`. MLflow stores each one
 * under the run's `images/` folder as
 * `<key>%step%<step>%timestamp%<ms>%<uuid>.png` (full size), the same name with `%compressed.webp`
 * (a thumbnail) and `.json` (metadata), with `/` in the key written as `#`. These are read from the
 * file names, so listing the folder is enough.
 */
import { listArtifacts } from '../../api/tracking';

export const IMAGES_FOLDER = 'images';

export interface LoggedImage {
  key: string;
  step: number;
  timestamp: number;
  /** Artifact path of the full-size image. */
  path: string;
  /** Artifact path of the thumbnail, when there is one. */
  thumbnail?: string;
}

const NAME = /^(.+)%step%(-?\d+)%timestamp%(\d+)%([^%]+?)(%compressed)?\.([A-Za-z0-9]+)$/;
const IMAGE_EXT = new Set(['png', 'jpg', 'jpeg', 'webp', 'gif']);

/** The logged images among the paths of a run's `images/` folder; newest per key and step. */
export function parseLoggedImages(paths: string[]): LoggedImage[] {
  const byId = new Map<string, LoggedImage>();
  for (const path of paths) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const m = NAME.exec(name);
    if (!m || !IMAGE_EXT.has(m[6]!.toLowerCase())) continue;
    const id = `${m[1]}%${m[2]}%${m[3]}%${m[4]}`;
    const image = byId.get(id) ?? {
      key: m[1]!.replace(/#/g, '/'),
      step: Number(m[2]),
      timestamp: Number(m[3]),
      path: '',
    };
    if (m[5]) image.thumbnail = path;
    else image.path = path;
    byId.set(id, image);
  }
  // One image per key and step: the last one logged.
  const latest = new Map<string, LoggedImage>();
  for (const image of byId.values()) {
    if (!image.path) {
      if (!image.thumbnail) continue;
      image.path = image.thumbnail;
    }
    const k = `${image.key}\n${image.step}`;
    const old = latest.get(k);
    if (!old || old.timestamp <= image.timestamp) latest.set(k, image);
  }
  return [...latest.values()].sort((a, b) => a.key.localeCompare(b.key) || a.step - b.step);
}

/** The logged images of a run (none when it has no `images/` folder). */
export async function loadLoggedImages(runId: string, signal?: AbortSignal): Promise<LoggedImage[]> {
  const files = await listArtifacts(runId, IMAGES_FOLDER, signal);
  return parseLoggedImages(files.filter((f) => !f.is_dir).map((f) => f.path));
}
