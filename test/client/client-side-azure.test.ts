/** The SDK reads and writes `wasbs://` artifacts itself, through the server's Azure repository (Azurite). */
import { after } from 'node:test';
import { startAzurite, type AzuriteServer } from '../artifacts/azurite.js';
import { readAll } from '../artifacts/repository-contract.js';
import { describeClientSideStorage } from './client-side-storage.js';

let azurite: AzuriteServer | undefined;
after(async () => azurite?.stop());

describeClientSideStorage('Azure Blob Storage', async () => {
  azurite = await startAzurite();
  process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
  await azurite.createContainer('client-side');
  const container = azurite.client.getContainerClient('client-side');
  return {
    location: 'wasbs://client-side@devstoreaccount1.blob.core.windows.net/experiments',
    readObject: async (key) => {
      const blob = container.getBlobClient(`experiments/${key}`);
      if (!(await blob.exists())) return undefined;
      return readAll(
        (await blob.download()).readableStreamBody as NodeJS.ReadableStream as import('node:stream').Readable,
      );
    },
  };
});
