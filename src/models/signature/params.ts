/** Inference params enforcement (MLflow `_enforce_params_schema`). */
import { invalidParam } from '../../errors.js';
import { enforceScalar } from './convert.js';
import type { ParamSpec } from './types.js';

export interface EnforcedParams {
  params: Record<string, unknown>;
  /** Names that were passed but are not in the schema (ignored, worth a warning). */
  ignored: string[];
}

/**
 * Returns the params a model receives: every schema param (given value converted, else its
 * default); params unknown to the schema are dropped and reported in `ignored`. Without a schema
 * every given param is ignored, as MLflow does.
 */
export function enforceParams(given: unknown, schema: ParamSpec[] | undefined): EnforcedParams {
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    throw invalidParam(
      `Params must be a dictionary. Got type '${Array.isArray(given) ? 'list' : typeof given}'.`,
    );
  }
  const input = (given ?? {}) as Record<string, unknown>;
  if (!schema || schema.length === 0) return { params: {}, ignored: Object.keys(input) };
  const known = new Set(schema.map((p) => p.name));
  const params: Record<string, unknown> = {};
  for (const spec of schema) {
    if (!(spec.name in input)) {
      params[spec.name] = spec.default;
      continue;
    }
    const value = input[spec.name];
    try {
      if (spec.shape === null) {
        if (Array.isArray(value)) throw new Error(`expected a scalar ${spec.type}, got a list`);
        params[spec.name] = enforceScalar(value, spec.type, true, spec.name);
      } else {
        if (!Array.isArray(value)) throw new Error(`expected a list of ${spec.type}, got a scalar`);
        params[spec.name] = value.map((v) => enforceScalar(v, spec.type, true, spec.name));
      }
    } catch (err) {
      throw invalidParam(
        `Failed to validate type and shape for '${spec.name}', error: ${(err as Error).message}`,
      );
    }
  }
  return { params, ignored: Object.keys(input).filter((k) => !known.has(k)) };
}
