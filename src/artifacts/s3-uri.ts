/**
 * S3 locations and settings that need no S3 client: read by the repository registry, batch
 * prediction and the Kubernetes backend without loading the AWS SDK (see lazy-repository.ts).
 */
import { invalidParam } from '../errors.js';

/** The endpoint of an S3-compatible store, when one is configured. */
export function s3EndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.MLFLOW_S3_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3a?:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  if (!m || !m[1]) throw invalidParam(`Not an S3 URI: '${uri}'. Expected s3://bucket/prefix.`);
  return { bucket: m[1], prefix: m[2]!.replace(/\/+$/, '') };
}
