/**
 * A repository whose implementation module is loaded on first use. The cloud SDKs (AWS, Azure)
 * take about half a second of CPU to load, which every command, every batch-prediction worker
 * and every server start would pay although most never touch that store. The URI and the
 * credentials are checked when the repository is made (by the caller), as before; only the
 * client is made later.
 */
import type {
  ArtifactFileInfo,
  ArtifactRepository,
  ArtifactSource,
  ArtifactStat,
  MultipartPart,
  MultipartUploads,
} from './artifact-repository.js';

export class LazyArtifactRepository implements ArtifactRepository {
  private loading?: Promise<ArtifactRepository>;
  readonly multipart?: MultipartUploads;

  /** `multipart`: whether the loaded repository offers client-driven multipart uploads. */
  constructor(
    readonly rootUri: string,
    private readonly load: () => Promise<ArtifactRepository>,
    multipart: boolean,
  ) {
    if (multipart) {
      this.multipart = {
        create: async (path: string, numParts: number) => (await this.uploads()).create(path, numParts),
        complete: async (path: string, uploadId: string, parts: MultipartPart[]) =>
          (await this.uploads()).complete(path, uploadId, parts),
        abort: async (path: string, uploadId: string) => (await this.uploads()).abort(path, uploadId),
      };
    }
  }

  /** The repository itself, loaded once (a failed load is tried again on the next call). */
  loaded(): Promise<ArtifactRepository> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async uploads(): Promise<MultipartUploads> {
    const repo = await this.loaded();
    if (!repo.multipart) throw new Error(`${this.rootUri}: the repository has no multipart uploads`);
    return repo.multipart;
  }

  async list(path?: string): Promise<ArtifactFileInfo[]> {
    return (await this.loaded()).list(path);
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    return (await this.loaded()).stat(path);
  }

  async openRead(path: string): ReturnType<ArtifactRepository['openRead']> {
    return (await this.loaded()).openRead(path);
  }

  async write(path: string, data: ArtifactSource): Promise<void> {
    return (await this.loaded()).write(path, data);
  }

  async delete(path: string): Promise<void> {
    return (await this.loaded()).delete(path);
  }
}
