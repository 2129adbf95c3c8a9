/** The SDK reads and writes `s3://` artifacts itself, through the server's S3 repository (moto). */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { after } from 'node:test';
import { startMoto, useMotoEnvironment, type MotoServer } from '../artifacts/moto.js';
import { readAll } from '../artifacts/repository-contract.js';
import { describeClientSideStorage } from './client-side-storage.js';
import type { Readable } from 'node:stream';

let moto: MotoServer | undefined;
after(async () => moto?.stop());

describeClientSideStorage('S3', async () => {
  moto = await startMoto();
  useMotoEnvironment(moto.endpoint);
  await moto.createBucket('client-side');
  const s3 = moto.client;
  return {
    location: 's3://client-side/experiments',
    readObject: async (key) => {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: 'client-side', Key: `experiments/${key}` }));
        return await readAll(out.Body as Readable);
      } catch {
        return undefined;
      }
    },
  };
});
