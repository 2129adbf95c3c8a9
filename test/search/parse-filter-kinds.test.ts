/** Filter rules of the other search APIs: experiments, registered models, model versions, logged models. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MlflowError } from '../../src/errors.js';
import { parseSearchFilter, type SearchKind } from '../../src/search/index.js';

function rejects(kind: SearchKind, filter: string, message: RegExp): void {
  assert.throws(
    () => parseSearchFilter(kind, filter),
    (err: unknown) =>
      err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE' && message.test(err.message),
    `${kind}: ${filter} should be rejected with ${message}`,
  );
}

describe('parseSearchFilter(experiments)', () => {
  it('name with string comparators, bare or with an attribute prefix', () => {
    for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      assert.deepEqual(parseSearchFilter('experiments', `name ${op} 'golden-exp-%'`), [
        { type: 'attribute', key: 'name', comparator: op, value: 'golden-exp-%' },
      ]);
    }
    for (const prefix of ['attribute', 'attributes', 'attr']) {
      assert.equal(parseSearchFilter('experiments', `${prefix}.name = 'golden-exp-c'`)[0]!.key, 'name');
    }
  });
  it('creation_time and last_update_time with numeric comparators', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<='] as const) {
      assert.deepEqual(parseSearchFilter('experiments', `creation_time ${op} 1600000000000`), [
        { type: 'attribute', key: 'creation_time', comparator: op, value: 1600000000000 },
      ]);
      assert.equal(parseSearchFilter('experiments', `last_update_time ${op} 5`)[0]!.key, 'last_update_time');
    }
  });
  it('tags with string comparators, including backticked keys', () => {
    assert.deepEqual(parseSearchFilter('experiments', "tags.`mlflow.note.content` = '# notes'"), [
      { type: 'tag', key: 'mlflow.note.content', comparator: '=', value: '# notes' },
    ]);
    assert.deepEqual(parseSearchFilter('experiments', "tag.stage LIKE 'd%' AND name = 'golden-exp-b'"), [
      { type: 'tag', key: 'stage', comparator: 'LIKE', value: 'd%' },
      { type: 'attribute', key: 'name', comparator: '=', value: 'golden-exp-b' },
    ]);
  });
  it('rejects run-only entities, unknown keys and wrong value types', () => {
    rejects('experiments', 'metrics.acc > 1', /Invalid entity type 'metrics'.*'attribute', 'tag', 'tags'/);
    rejects('experiments', "params.x = 'a'", /Invalid entity type 'params'/);
    rejects('experiments', "datasets.name = 'a'", /Invalid entity type 'datasets'/);
    rejects(
      'experiments',
      "owner = 'x'",
      /Invalid attribute key 'owner'.*'creation_time', 'last_update_time', 'name'/,
    );
    rejects('experiments', "experiment_id = '1'", /Invalid attribute key 'experiment_id'/);
    rejects('experiments', 'name = golden', /quoted string value for attribute 'name'.*golden/);
    rejects('experiments', "creation_time > '5'", /numeric value type for numeric attribute 'creation_time'/);
    rejects('experiments', "name > 'a'", /Invalid comparator '>' for attribute 'name'/);
    rejects(
      'experiments',
      "name IN ('a')",
      /Invalid comparator 'IN' for attribute 'name'.*no attribute supports/,
    );
    rejects('experiments', "tags.t > 'a'", /Invalid comparator '>' for tag 't'/);
  });
});

describe('parseSearchFilter(registered_models)', () => {
  it('name and tags', () => {
    assert.deepEqual(parseSearchFilter('registered_models', "name ILIKE 'GOLDEN-RM%' AND tags.team = 'ml'"), [
      { type: 'attribute', key: 'name', comparator: 'ILIKE', value: 'GOLDEN-RM%' },
      { type: 'tag', key: 'team', comparator: '=', value: 'ml' },
    ]);
    assert.equal(parseSearchFilter('registered_models', "attribute.name = 'x'")[0]!.key, 'name');
  });
  it('rejects other attributes and entities', () => {
    rejects('registered_models', "description = 'x'", /Invalid attribute key 'description'.*\{'name'\}/);
    rejects('registered_models', 'creation_timestamp > 5', /Invalid attribute key 'creation_timestamp'/);
    rejects('registered_models', 'metrics.a > 1', /Invalid entity type 'metrics'/);
    rejects('registered_models', "name IN ('a', 'b')", /Invalid comparator 'IN'/);
    rejects('registered_models', 'tags.team = ml', /quoted string value for tag/);
  });
});

describe('parseSearchFilter(model_versions)', () => {
  it('name, run_id, source_path, version_number and tags', () => {
    assert.deepEqual(
      parseSearchFilter(
        'model_versions',
        "name = 'golden-rm-renamed' AND version_number > 1 AND tags.validated = 'yes'",
      ),
      [
        { type: 'attribute', key: 'name', comparator: '=', value: 'golden-rm-renamed' },
        { type: 'attribute', key: 'version_number', comparator: '>', value: 1 },
        { type: 'tag', key: 'validated', comparator: '=', value: 'yes' },
      ],
    );
    assert.deepEqual(parseSearchFilter('model_versions', "source_path LIKE 'runs:/%'"), [
      { type: 'attribute', key: 'source_path', comparator: 'LIKE', value: 'runs:/%' },
    ]);
  });
  it('run_id IN with a list (uppercase entries dropped)', () => {
    assert.deepEqual(parseSearchFilter('model_versions', "run_id IN ('abc', 'XYZ', 'def')"), [
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['abc', 'def'] },
    ]);
  });
  it('version_number accepts a quoted integer but not other text', () => {
    assert.deepEqual(parseSearchFilter('model_versions', "version_number = '3'"), [
      { type: 'attribute', key: 'version_number', comparator: '=', value: 3 },
    ]);
    rejects(
      'model_versions',
      "version_number = 'abc'",
      /numeric value type for numeric attribute 'version_number'.*'abc'/,
    );
    rejects('model_versions', "version_number = ''", /numeric value type/);
  });
  it('rejects unknown attributes, lists on other keys and numeric comparators on strings', () => {
    rejects(
      'model_versions',
      "stage = 'Staging'",
      /Invalid attribute key 'stage'.*'name', 'run_id', 'source_path', 'version_number'/,
    );
    rejects(
      'model_versions',
      "name IN ('a')",
      /Invalid comparator 'IN' for attribute 'name'.*only \{'run_id'\}/,
    );
    rejects('model_versions', "run_id > 'a'", /Invalid comparator '>' for attribute 'run_id'/);
    rejects('model_versions', 'version_number LIKE 1', /Invalid comparator 'LIKE' for numeric attribute/);
    rejects('model_versions', 'metrics.a > 1', /Invalid entity type 'metrics'/);
  });
});

describe('parseSearchFilter(logged_models)', () => {
  it('string attributes with every string comparator, lists included', () => {
    for (const key of ['name', 'model_id', 'model_type', 'status', 'source_run_id']) {
      for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
        assert.deepEqual(parseSearchFilter('logged_models', `${key} ${op} 'V'`), [
          { type: 'attribute', key, comparator: op, value: 'V' },
        ]);
      }
      assert.deepEqual(parseSearchFilter('logged_models', `${key} IN ('A', 'b')`)[0]!.value, ['A', 'b']);
      assert.equal(parseSearchFilter('logged_models', `${key} NOT IN ('a')`)[0]!.comparator, 'NOT IN');
    }
  });
  it('numeric attributes and their aliases', () => {
    const cases: [string, string][] = [
      ['creation_timestamp', 'creation_timestamp'],
      ['creation_time', 'creation_timestamp'],
      ['last_updated_timestamp', 'last_updated_timestamp'],
      ['last_updated_time', 'last_updated_timestamp'],
    ];
    for (const [written, key] of cases) {
      assert.deepEqual(parseSearchFilter('logged_models', `${written} >= 10`), [
        { type: 'attribute', key, comparator: '>=', value: 10 },
      ]);
    }
  });
  it('metrics, params and tags', () => {
    assert.deepEqual(
      parseSearchFilter(
        'logged_models',
        "metrics.accuracy > 0.9 AND params.alpha = '0.5' AND tags.stage = 'final'",
      ),
      [
        { type: 'metric', key: 'accuracy', comparator: '>', value: 0.9 },
        { type: 'param', key: 'alpha', comparator: '=', value: '0.5' },
        { type: 'tag', key: 'stage', comparator: '=', value: 'final' },
      ],
    );
  });
  it('rejects datasets, unknown attributes and malformed comparisons', () => {
    rejects('logged_models', "datasets.name = 'x'", /Invalid entity type 'datasets'/);
    rejects('logged_models', "artifact_uri = 'x'", /Invalid attribute key 'artifact_uri'/);
    rejects('logged_models', 'name ==', /unsupported comparator '=='/);
    rejects('logged_models', "creation_time > 'yesterday'", /numeric value type/);
    rejects('logged_models', 'metrics.a IN (1)', /Invalid comparator 'IN' for metric 'a'/);
  });
});
