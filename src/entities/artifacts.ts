/** Artifact listing entries as they travel on the wire (MLflow's `FileInfo`). */

/** One entry of an artifact listing. */
export interface ArtifactFileInfo {
  /** Relative to the listed root, including the listed directory (`dir/file.txt`). */
  path: string;
  is_dir: boolean;
  /** Omitted for directories and for empty files, as MLflow does. */
  file_size?: number;
}

/**
 * The parts of a `runs:/<run_id>/<path>` URI (the path relative to the run's artifact root, without
 * leading or trailing slashes), or `null` when `uri` is not one. The path is not checked here: the
 * repository that reads it rejects unsafe paths.
 */
export function parseRunsUri(uri: string): { runId: string; path: string } | null {
  const m = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m) return null;
  return { runId: m[1]!, path: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}
