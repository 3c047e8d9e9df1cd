// Lint: typescript-eslint's recommended rules, no import circles (type imports included),
// and the floors of the house: each layer imports only from the layers below it.
//   domain, lib  →  ports  →  adapters, services, cards  →  commands  →  teams  →  index.ts
// The emulators stand apart: they use domain/ and lib/ and their own files; only the
// composition root and scripts/tests import them.
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const SRC = './src';
/** A zone forbids `target` to import from each of `from` (paths relative to the repo root). */
const floor = (target, from, message) => ({ target: `${SRC}/${target}`, from: from.map((f) => `${SRC}/${f}`), message });
const ABOVE_PORTS = ['adapters', 'services', 'cards', 'commands', 'teams', 'index.ts', 'emulator', 'config.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-output/**', 'devTools/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.d.ts'] })],
      'import-x/extensions': ['.ts'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            floor('domain', ['ports', 'lib', ...ABOVE_PORTS], 'domain/ is pure: it imports only domain/.'),
            floor('lib', ['domain', 'ports', ...ABOVE_PORTS], 'lib/ holds small generic helpers: it imports nothing of Cutover.'),
            floor('ports', ABOVE_PORTS, 'ports/ may use domain/ and lib/ only.'),
            floor(
              'adapters',
              ['services', 'cards', 'commands', 'teams', 'index.ts', 'emulator', 'config.ts'],
              'adapters/ implement ports: they may use domain/, lib/, ports/ and other adapters.',
            ),
            floor(
              'services',
              ['adapters', 'commands', 'teams', 'index.ts', 'emulator', 'config.ts'],
              'services/ work through ports: domain/, lib/, ports/, cards/ and other services.',
            ),
            floor('cards', ['adapters', 'services', 'commands', 'teams', 'index.ts', 'emulator', 'config.ts'], 'cards/ build cards from domain values.'),
            floor(
              'commands',
              ['adapters', 'teams', 'index.ts', 'emulator', 'config.ts'],
              'commands/ use services/, cards/, ports/, domain/ and lib/; never Teams or an adapter.',
            ),
            floor('teams', ['index.ts', 'emulator', 'config.ts'], 'teams/ receives what it needs from the composition root.'),
            floor(
              'emulator',
              ['ports', 'adapters', 'services', 'cards', 'commands', 'teams', 'index.ts', 'config.ts'],
              'The emulators stand apart: domain/, lib/ and their own files.',
            ),
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Every card is built by its typed module in src/cards/; only those modules expand a template.
    files: ['src/**/*.ts'],
    ignores: ['src/cards/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cards/render'],
              importNames: ['renderCard'],
              message: 'Build the card with its module in src/cards/ (one typed builder per template).',
            },
          ],
        },
      ],
    },
  },
  {
    // A test is a composition root of its own: it may wire a real adapter or an emulator to the
    // unit it tests. Circles still count (scripts/import-cycles.mjs reads tests too).
    files: ['**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': 'off' },
  },
  {
    // Tests, test support and benches read cards and wire bodies as loose JSON on purpose.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
