/** ProjectTracking over the SDK's TrackingClient (REST API of any MLflow-compatible server). */
import type { TrackingClient } from './tracking-client.js';
import type { RunStatus, Tag } from '../entities/tracking.js';
import { MlflowError } from '../errors.js';
import type { ProjectTracking } from '../projects/project-tracking.js';

export function clientTracking(client: TrackingClient): ProjectTracking {
  return {
    trackingUri: client.trackingUri,
    async resolveExperiment({ experimentId, experimentName }) {
      if (experimentId) return (await client.getExperiment(experimentId)).experiment_id;
      const name = experimentName ?? process.env.MLFLOW_EXPERIMENT_NAME;
      if (!name) return process.env.MLFLOW_EXPERIMENT_ID ?? '0';
      try {
        return (await client.getExperimentByName(name)).experiment_id;
      } catch (err) {
        if (!(err instanceof MlflowError) || err.errorCode !== 'RESOURCE_DOES_NOT_EXIST') throw err;
        return client.createExperiment(name);
      }
    },
    async createRun(experimentId, runName, tags) {
      const run = await client.createRun({
        experiment_id: experimentId,
        start_time: Date.now(),
        tags,
        ...(runName ? { run_name: runName } : {}),
      });
      return { runId: run.info.run_id, experimentId: run.info.experiment_id };
    },
    async getRun(runId) {
      const run = await client.getRun(runId);
      return { runId: run.info.run_id, experimentId: run.info.experiment_id, status: run.info.status };
    },
    async logParams(runId, params: Tag[]) {
      for (let i = 0; i < params.length; i += 100)
        await client.logBatch(runId, { params: params.slice(i, i + 100) });
    },
    async setTags(runId, tags: Tag[]) {
      for (let i = 0; i < tags.length; i += 100)
        await client.logBatch(runId, { tags: tags.slice(i, i + 100) });
    },
    async endRun(runId, status: RunStatus) {
      await client.setTerminated(runId, status);
    },
    async uploadArtifact(runId, localFile, artifactDir) {
      await client.artifacts.uploadFile(runId, localFile, artifactDir || undefined);
    },
  };
}
