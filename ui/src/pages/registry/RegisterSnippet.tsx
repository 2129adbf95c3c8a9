/** The commands a user runs to register a first model against this server. */
export function RegisterSnippet({ modelName = 'my-model' }: { modelName?: string }) {
  const origin = window.location.origin;
  return (
    <pre className="snippet" data-testid="register-snippet">{`# Shell, with the Cairn CLI
cairn models register runs:/<run_id>/model --name ${modelName} --tracking-uri ${origin}

# Python, with the MLflow client (pip install mlflow)
import mlflow
mlflow.set_tracking_uri("${origin}")
mlflow.register_model("runs:/<run_id>/model", ${JSON.stringify(modelName)})`}</pre>
  );
}
