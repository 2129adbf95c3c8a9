/**
 * Multi-GB streaming through the Azure Blob Storage repository against Azurite on 127.0.0.1: one
 * file written from a generated stream (blocks staged and committed) and read back with a hash
 * check, with this process's peak RSS growth. Azurite writes to a temporary folder on disk, so
 * the figures are the emulator's and the disk's as much as ours; what matters is that memory
 * stays flat whatever the size. Size: CAIRN_BENCH_AZURE_GIB (default 2).
 */
import { randomBytes } from 'node:crypto';
import { AzureBlobArtifactRepository } from '../src/artifacts/azure-repository.js';
import { startAzurite } from '../test/artifacts/azurite.js';
import { patternStream, sha256Of } from '../test/artifacts/repository-contract.js';
import { machineLine } from './machine.js';

const MB = 1024 * 1024;

async function timedPeak(work: () => Promise<void>): Promise<{ seconds: number; peakMb: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = process.hrtime.bigint();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakMb: (peak - start) / MB };
}

export async function run(): Promise<string> {
  const gib = Number(process.env.CAIRN_BENCH_AZURE_GIB ?? 2);
  const size = Math.round(gib * 1024) * MB;
  const azurite = await startAzurite();
  try {
    await azurite.createContainer('bench');
    const repo = new AzureBlobArtifactRepository('wasbs://bench@devstoreaccount1.blob.core.windows.net/big', {
      azureClient: azurite.client,
    });
    const block = randomBytes(MB);
    const expected = await sha256Of(patternStream(size, block));
    const up = await timedPeak(() => repo.write('model.bin', patternStream(size, block)));
    let actual = '';
    const down = await timedPeak(async () => {
      actual = await sha256Of(await repo.openRead('model.bin'));
    });
    if (actual !== expected) throw new Error('the file read back differs from the one written');
    const row = (what: string, r: { seconds: number; peakMb: number }): string =>
      `| ${what} | ${(size / MB / r.seconds).toFixed(0)} MB/s | ${r.seconds.toFixed(1)} s | ${r.peakMb.toFixed(0)} MB |`;
    return [
      '## Azure Blob Storage streaming (Azurite)',
      '',
      machineLine(),
      '',
      `One ${gib} GiB file through \`AzureBlobArtifactRepository\` (8 MiB blocks, 2 at a time) to Azurite on 127.0.0.1 and back, hash checked. RSS growth = peak RSS of this process above its value at the start of the transfer. The machine is shared with other work; throughput is noisy, memory is the figure that matters.`,
      '',
      '| transfer | throughput | time | peak RSS growth |',
      '|---|---:|---:|---:|',
      row('upload (stream → staged blocks)', up),
      row('download (blob → stream, hashed)', down),
    ].join('\n');
  } finally {
    await azurite.stop();
  }
}
