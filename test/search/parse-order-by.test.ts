/** Order-by clauses for every search API. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlflowError } from '../../src/errors.js';
import {
  parseOrderBy,
  parseOrderByField,
  parseOrderByList,
  type OrderBy,
  type SearchKind,
} from '../../src/search/index.js';

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) =>
      err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE' && message.test(err.message),
  );
}

const ob = (type: OrderBy['type'], key: string, ascending = true): OrderBy => ({ type, key, ascending });

describe('parseOrderBy(runs)', () => {
  const cases: [string, OrderBy][] = [
    ['metrics.acc DESC', ob('metric', 'acc', false)],
    ['metrics.acc', ob('metric', 'acc')],
    ['metric.acc asc', ob('metric', 'acc')],
    ['metrics.`f1 score`', ob('metric', 'f1 score')],
    ['metrics.`f1 score` desc', ob('metric', 'f1 score', false)],
    ['metrics."f1 score" Desc', ob('metric', 'f1 score', false)],
    ['params.lr ASC', ob('param', 'lr')],
    ['parameters.`my-param`', ob('param', 'my-param')],
    ['tags.group DESC', ob('tag', 'group', false)],
    ['tags.mlflow.runName', ob('tag', 'mlflow.runName')],
    ['tags.`mlflow.source.type` DESC', ob('tag', 'mlflow.source.type', false)],
    ['attributes.start_time ASC', ob('attribute', 'start_time')],
    ['start_time', ob('attribute', 'start_time')],
    ['attr.end_time DESC', ob('attribute', 'end_time', false)],
    ['run.run_name', ob('attribute', 'run_name')],
    ['attributes.run_name DESC', ob('attribute', 'run_name', false)],
    ['`Run Name` DESC', ob('attribute', 'run_name', false)],
    ['created', ob('attribute', 'start_time')],
    ['Created DESC', ob('attribute', 'start_time', false)],
    ['status', ob('attribute', 'status')],
    ['user_id', ob('attribute', 'user_id')],
    ['artifact_uri', ob('attribute', 'artifact_uri')],
    ['run_id', ob('attribute', 'run_id')],
    ['  metrics.acc   DESC  ', ob('metric', 'acc', false)],
  ];
  for (const [clause, expected] of cases) {
    it(clause, () => assert.deepEqual(parseOrderBy('runs', clause), expected));
  }
  it('rejects bad clauses with clear messages', () => {
    rejects(
      () => parseOrderBy('runs', 'attributes.bogus ASC'),
      /Invalid attribute key 'bogus' specified. Valid keys are .*'Created'.*'artifact_uri'.*'user_id'/,
    );
    rejects(
      () => parseOrderBy('runs', 'metrics.acc sideways'),
      /Invalid ordering key in order_by clause 'metrics.acc sideways'/,
    );
    rejects(() => parseOrderBy('runs', 'metrics.f1 score DESC'), /unexpected 'DESC'/);
    rejects(() => parseOrderBy('runs', ''), /Invalid order_by clause '': it is empty/);
    rejects(() => parseOrderBy('runs', '   '), /it is empty/);
    rejects(() => parseOrderBy('runs', 'DESC'), /Invalid attribute key 'DESC'/);
    rejects(() => parseOrderBy('runs', "'metrics.acc'"), /expected a field name/);
    rejects(() => parseOrderBy('runs', 'metrics.`acc'), /unterminated backtick-quoted key/);
    rejects(() => parseOrderBy('runs', 'foo.bar'), /Invalid order_by entity type 'foo'/);
    rejects(() => parseOrderBy('runs', 'datasets.name'), /Invalid order_by entity: dataset/);
    rejects(() => parseOrderBy('runs', 'metrics.acc, params.lr'), /unexpected 'params.lr'/);
    rejects(() => parseOrderBy('runs', 'metrics.a-b'), /unexpected character '-'/);
    rejects(() => parseOrderBy('runs', 42 as unknown as string), /must be a string/);
  });
  it('parseOrderByList maps each clause and treats undefined as none', () => {
    assert.deepEqual(parseOrderByList('runs', ['tags.group ASC', 'metrics.acc DESC']), [
      ob('tag', 'group'),
      ob('metric', 'acc', false),
    ]);
    assert.deepEqual(parseOrderByList('runs', undefined), []);
  });
});

describe('parseOrderBy(other kinds)', () => {
  const cases: [SearchKind, string, OrderBy][] = [
    ['experiments', 'name ASC', ob('attribute', 'name')],
    ['experiments', 'experiment_id DESC', ob('attribute', 'experiment_id', false)],
    ['experiments', 'creation_time ASC', ob('attribute', 'creation_time')],
    ['experiments', 'attribute.last_update_time DESC', ob('attribute', 'last_update_time', false)],
    ['registered_models', 'name DESC', ob('attribute', 'name', false)],
    ['registered_models', 'timestamp', ob('attribute', 'creation_timestamp')],
    ['registered_models', 'creation_timestamp desc', ob('attribute', 'creation_timestamp', false)],
    ['registered_models', 'last_updated_timestamp DESC', ob('attribute', 'last_updated_timestamp', false)],
    ['model_versions', 'version_number ASC', ob('attribute', 'version_number')],
    ['model_versions', 'name', ob('attribute', 'name')],
    ['model_versions', 'creation_timestamp', ob('attribute', 'creation_timestamp')],
    ['model_versions', 'last_updated_timestamp', ob('attribute', 'last_updated_timestamp')],
    ['logged_models', 'creation_time DESC', ob('attribute', 'creation_timestamp', false)],
    ['logged_models', 'last_updated_time', ob('attribute', 'last_updated_timestamp')],
    ['logged_models', 'name', ob('attribute', 'name')],
    ['logged_models', 'metrics.accuracy DESC', ob('metric', 'accuracy', false)],
  ];
  for (const [kind, clause, expected] of cases) {
    it(`${kind}: ${clause}`, () => assert.deepEqual(parseOrderBy(kind, clause), expected));
  }
  it('rejects entities and keys the API cannot order by', () => {
    rejects(() => parseOrderBy('experiments', 'tags.team ASC'), /Invalid order_by entity: tag/);
    rejects(
      () => parseOrderBy('experiments', 'name UP'),
      /Invalid ordering key in order_by clause 'name UP'/,
    );
    rejects(() => parseOrderBy('experiments', 'metrics.a'), /Invalid order_by entity type 'metrics'/);
    rejects(
      () => parseOrderBy('registered_models', 'description ASC'),
      /Invalid order by key 'description' specified. Valid keys are .*'name'.*'timestamp'/,
    );
    rejects(() => parseOrderBy('model_versions', 'stage'), /Invalid order by key 'stage'/);
    rejects(() => parseOrderBy('logged_models', 'params.alpha'), /Invalid order_by entity: parameter/);
    rejects(() => parseOrderBy('logged_models', 'artifact_uri'), /Invalid order by key 'artifact_uri'/);
  });
});

describe('parseOrderByField (structured logged-model order_by)', () => {
  it('metrics.<key> keeps the key verbatim, even with spaces', () => {
    assert.deepEqual(
      parseOrderByField('logged_models', 'metrics.f1 score', false),
      ob('metric', 'f1 score', false),
    );
    assert.deepEqual(parseOrderByField('logged_models', 'metrics.a.b'), ob('metric', 'a.b'));
  });
  it('attributes with aliases', () => {
    assert.deepEqual(
      parseOrderByField('logged_models', 'creation_time', false),
      ob('attribute', 'creation_timestamp', false),
    );
    assert.deepEqual(parseOrderByField('logged_models', ' name '), ob('attribute', 'name'));
    assert.deepEqual(parseOrderByField('logged_models', 'attributes.model_id'), ob('attribute', 'model_id'));
  });
  it('rejects empty, unknown and non-metric entities', () => {
    rejects(() => parseOrderByField('logged_models', ''), /`field_name` .* must be specified/);
    rejects(() => parseOrderByField('logged_models', 'bogus'), /Invalid order by key 'bogus'/);
    rejects(() => parseOrderByField('logged_models', 'tags.x'), /Invalid order_by entity: tag/);
    rejects(() => parseOrderByField('logged_models', 'metrics.'), /the key is empty/);
  });
});
