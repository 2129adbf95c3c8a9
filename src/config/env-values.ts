/**
 * Strict readers for settings that come from the command line or the environment. A value that is
 * present but malformed is an error naming the setting, never silently replaced by a default.
 */
import { invalidParam } from '../errors.js';

export type Env = NodeJS.ProcessEnv;

/** The command-line value, then `CAIRN_<NAME>`, then `MLFLOW_<NAME>`; empty strings count as unset. */
export function setting(cli: string | undefined, name: string, env: Env): string | undefined {
  for (const value of [cli, env[`CAIRN_${name}`], env[`MLFLOW_${name}`]]) {
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** A boolean from the command line or the environment (`1/true/yes/on`, `0/false/no/off`). */
export function flag(cli: boolean | undefined, name: string, env: Env): boolean | undefined {
  if (cli !== undefined) return cli;
  return parseBoolean(setting(undefined, name, env), name);
}

export function parseBoolean(raw: string | undefined, what: string): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw invalidParam(`${what} must be true or false, got '${raw}'.`);
}

/** A whole number within [min, max]; undefined when not given. */
export function integer(raw: string | undefined, what: string, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const trimmed = raw.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min || Number(trimmed) > max) {
    throw invalidParam(`${what} must be an integer between ${min} and ${max}, got '${raw}'.`);
  }
  return Number(trimmed);
}

/** A regular expression, compiled once here so that a bad pattern fails at start-up. */
export function pattern(raw: string | undefined, what: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    new RegExp(raw);
  } catch (err) {
    throw invalidParam(`${what} is not a valid regular expression: ${(err as Error).message}`);
  }
  return raw;
}
