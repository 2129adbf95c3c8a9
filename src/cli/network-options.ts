/**
 * The network and logging options of `cairn server` (see docs/security.md, "Network"). Values
 * are parsed strictly in src/config/network-config.ts; these are the switches and their help.
 */
import { Command, Option } from 'commander';

export function logOptions(): Option[] {
  return [
    new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (default: info)'),
    new Option('--log-format <format>', 'json (one object per line) or text (default: json)'),
  ];
}

export function networkOptions(): Option[] {
  return [
    new Option(
      '--allowed-hosts <list>',
      'comma-separated Host header names the server answers to, * wildcards allowed ' +
        '(default: localhost, the listen address, this machine and private addresses)',
    ),
    new Option(
      '--cors-allowed-origins <list>',
      'comma-separated origins whose pages may call the API, e.g. https://app.example.com (default: none besides the server)',
    ),
    new Option(
      '--disable-security-middleware',
      'turn off the Host, Origin and form checks and security headers (when a proxy in front does them)',
    ),
    new Option(
      '--allowed-artifact-roots <list>',
      'comma-separated folders and URI prefixes experiments may keep artifacts in ' +
        '(default: the default artifact root and the artifacts destination)',
    ),
    new Option('--headers-timeout <seconds>', 'time a client has to send its request headers (default: 30)'),
    new Option(
      '--idle-timeout <seconds>',
      'close a connection silent this long, also mid-upload (default: 60)',
    ),
    new Option(
      '--max-connections-per-client <n>',
      'open connections one client address may hold; 0 for no cap (default: 256)',
    ),
  ];
}

export const NETWORK_HELP = `
Network safety (see docs/security.md):
  $ cairn server -h 0.0.0.0 --allowed-hosts mlflow.example.com,10.0.0.5 \\
      --cors-allowed-origins https://notebooks.example.com
  $ cairn server --allowed-artifact-roots /data/mlruns,s3://ml-bucket/artifacts
  $ cairn server --log-format text --log-level debug`;

/** Adds the options above to `cmd`. */
export function withNetworkOptions(cmd: Command): Command {
  for (const option of [...networkOptions(), ...logOptions()]) cmd.addOption(option);
  return cmd.addHelpText('after', NETWORK_HELP);
}
