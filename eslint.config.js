// @ts-check
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: Node built-ins are not available there.
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.metalflow/**', 'bin/**', 'build/**'] }, // build/: the generated workflow bundle (scripts/setup.sh)
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', 'structuredClone', 'process', 'Buffer', 'setImmediate', 'require'],
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not allowed in workflow code (deterministic sandbox).' })),
          patterns: [
            { group: ['../activities/*', '../activities', '../bmc/*', '../agent/*', '../worker/*', '../client/*', '../secrets/*'], allowTypeImports: true, message: 'Workflows import activities and drivers by type only.' },
          ],
        },
      ],
    },
  },
);
