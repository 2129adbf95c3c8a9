import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import cairn from './scripts/eslint/no-import-cycle.mjs';
import { layerRules } from './scripts/eslint/layers.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'ui/dist/**', 'test-output/**', 'examples/**/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { cairn },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'cairn/no-import-cycle': 'error',
    },
  },
  // DESIGN.md's layers: lower layers never import higher ones (see scripts/eslint/layers.mjs).
  ...layerRules(),
  {
    // Database differences are answered by the dialect adapters (src/store/sql/dialects/).
    files: ['src/store/**/*.ts'],
    ignores: ['src/store/sql/dialects/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'BinaryExpression[operator=/^[!=]==?$/] > Literal[value=/^(sqlite|postgresql|mysql)$/]',
          message: 'Do not branch on the database: add a member to the Dialect interface instead.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
