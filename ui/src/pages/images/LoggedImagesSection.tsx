/** The logged images of one or more runs as a grid by step; nothing when none of them has any. */
import { useAsync } from '../../app/hooks';
import { ErrorBox } from '../../components/States';
import { ImageGrid } from './ImageGrid';
import { loadLoggedImages } from './logged-images';

export function useLoggedImages(runs: { id: string; name: string }[]) {
  return useAsync(
    (signal) =>
      Promise.all(
        runs.map(async (r) => ({
          runId: r.id,
          runName: r.name,
          images: await loadLoggedImages(r.id, signal),
        })),
      ),
    [runs.map((r) => r.id).join(',')],
  );
}

export function LoggedImagesSection({
  runs,
  title,
}: {
  runs: { id: string; name: string }[];
  title?: string;
}) {
  const images = useLoggedImages(runs);
  if (images.error) return <ErrorBox message={images.error} onRetry={images.reload} />;
  const sources = (images.data ?? []).filter((s) => s.images.length > 0);
  if (!sources.length) return null;
  return (
    <div className="panel pad" style={{ marginTop: 16 }} data-testid="logged-images">
      {title && <h2>{title}</h2>}
      <ImageGrid sources={sources} />
    </div>
  );
}
