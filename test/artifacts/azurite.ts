/**
 * Starts Azurite (Microsoft's Azure Storage emulator, from npm) on 127.0.0.1 with a temporary
 * folder, for a test. Telemetry is off so that nothing leaves the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { freePort } from '../helpers/ports.js';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteServer {
  connectionString: string;
  client: BlobServiceClient;
  createContainer(name: string): Promise<void>;
  stop(): Promise<void>;
}

const bin = fileURLToPath(new URL('../../node_modules/azurite/dist/src/blob/main.js', import.meta.url));

export async function startAzurite(): Promise<AzuriteServer> {
  const port = await freePort();
  const location = await mkdtemp(join(tmpdir(), 'cairn-azurite-'));
  const args = ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', location];
  const proc: ChildProcess = spawn(
    process.execPath,
    [bin, ...args, '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--loose'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4000);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`;
  const deadline = Date.now() + 30_000;
  while (!output.includes('successfully listens')) {
    if (proc.exitCode !== null) throw new Error(`Azurite exited early: ${output}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`Azurite did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const client = BlobServiceClient.fromConnectionString(connectionString);
  return {
    connectionString,
    client,
    createContainer: async (name) => {
      await client.getContainerClient(name).createIfNotExists();
    },
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(location, { recursive: true, force: true });
    },
  };
}
