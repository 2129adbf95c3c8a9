/**
 * Client-driven multipart uploads to Azure Blob Storage (the proxy's `mpu/` routes), as MLflow's
 * Azure repository runs them: each part is a `Put Block` the client sends to a SAS URL, `complete`
 * commits the blocks in part order with `Put Block List`, and `abort` leaves the uncommitted blocks
 * to expire (Azure discards them after a week; they never touch the committed blob).
 *
 * Block ids are base64 of `<upload_id>-<5-digit part number>`: the same width for every part, as
 * Azure requires, and distinct between two uploads to the same blob, so one upload's parts never
 * end up in another's blob (a commit discards the other upload's staged blocks; its `complete`
 * then fails with a 400).
 */
import { randomBytes } from 'node:crypto';
import {
  BlobSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type ContainerClient,
} from '@azure/storage-blob';
import { MlflowError, invalidParam, notFound } from '../errors.js';
import { checkPartCount, type MultipartUploads } from './artifact-repository.js';
import { guessMimeType } from './mime.js';

/** Azure caps a block blob at 50,000 blocks. */
const MAX_PARTS = 50_000;
/** Lifetime of the part-upload URLs handed to clients. */
const PART_URL_TTL_MS = 3600 * 1000;
const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** The block id of one part of one upload (already base64, as Azure's REST API takes it). */
export function azureBlockId(uploadId: string, partNumber: number): string {
  return Buffer.from(`${uploadId}-${String(partNumber).padStart(5, '0')}`).toString('base64');
}

/** Client-driven uploads into `container`; `blobName` maps an artifact path to its blob name. */
export function azureClientDrivenUploads(
  container: ContainerClient,
  blobName: (path: string) => string,
): MultipartUploads {
  return {
    create: async (path, numParts) => {
      checkPartCount(numParts, MAX_PARTS);
      const name = blobName(path);
      const credential = container.credential;
      if (!(credential instanceof StorageSharedKeyCredential)) {
        throw new MlflowError(
          'Multipart upload to Azure Blob Storage needs the account key to sign part URLs: ' +
            'set AZURE_STORAGE_ACCESS_KEY or a connection string with AccountKey.',
          'NOT_IMPLEMENTED',
        );
      }
      const sas = generateBlobSASQueryParameters(
        {
          containerName: container.containerName,
          blobName: name,
          permissions: BlobSASPermissions.parse('w'),
          expiresOn: new Date(Date.now() + PART_URL_TTL_MS),
        },
        credential,
      ).toString();
      const blobUrl = container.getBlockBlobClient(name).url;
      const uploadId = randomBytes(16).toString('hex');
      const credentials = [];
      for (let part = 1; part <= numParts; part++) {
        const blockId = encodeURIComponent(azureBlockId(uploadId, part));
        const url = `${blobUrl}?comp=block&blockid=${blockId}&${sas}`;
        credentials.push({ url, part_number: part, headers: {} });
      }
      return { upload_id: uploadId, credentials };
    },
    complete: async (path, uploadId, parts) => {
      checkUploadId(uploadId);
      const numbers = parts.map((p) => p.part_number).sort((a, b) => a - b);
      for (const [i, n] of numbers.entries()) {
        if (n > MAX_PARTS) throw invalidParam(`part_number must be at most ${MAX_PARTS}, got ${n}.`);
        if (i > 0 && numbers[i - 1] === n) throw invalidParam(`Part ${n} is listed more than once.`);
      }
      const name = blobName(path);
      await container
        .getBlockBlobClient(name)
        .commitBlockList(
          numbers.map((n) => azureBlockId(uploadId, n)),
          { blobHTTPHeaders: { blobContentType: guessMimeType(name) } },
        )
        .catch((err: unknown) => {
          if ((err as { code?: string } | undefined)?.code === 'InvalidBlockList') {
            throw invalidParam(
              'The multipart upload cannot be completed: a listed part was not uploaded for this upload_id.',
            );
          }
          throw err;
        });
    },
    abort: async (_path, uploadId) => {
      // Uncommitted blocks cannot be deleted one by one; Azure discards them after a week.
      checkUploadId(uploadId);
    },
  };
}

function checkUploadId(uploadId: string): void {
  if (!UPLOAD_ID.test(uploadId)) {
    throw notFound('No such multipart upload (unknown upload_id).');
  }
}
