// The lint gate: `npm run lint` (eslint, then prettier --check), run by `npm test`.
// Every rule switched off or relaxed below says why; an eslint-disable comment in the code says why
// after `--`.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // build output, the native addon's build, recordings, patches, coverage
    ignores: ['dist/', 'build/', 'node_modules/', 'samples/', 'patches/', 'coverage/'],
  },
  {
    linterOptions: {
      // a disable comment that no longer suppresses anything is an error, not dead weight
      reportUnusedDisableDirectives: 'error',
    },
  },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  reactHooks.configs.flat.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          // config files outside tsconfig.json's include (src, test)
          allowDefaultProject: ['vitest.config.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // numbers (counts, byte sizes, milliseconds) in messages and file names are the common case
      // here and print as expected; objects, undefined and null in a template are still errors
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `!` stays allowed: with noUncheckedIndexedAccess on, most of the code's indexing is the
      // binary parsers' (src/scan/probe) reading bytes of a buffer whose length they checked first,
      // and regex groups that the pattern makes non-optional; a `!` there marks a checked read. Every
      // new unchecked index is still a type error, and `!` must not stand in for a check that is
      // missing (review rule, not lint rule).
      '@typescript-eslint/no-non-null-assertion': 'off',
      // matching control characters is this tool's job (names and text made safe for a terminal,
      // escape sequences read back from one in tests): every such regex is deliberate
      'no-control-regex': 'off',
      // empty functions here are deliberate no-ops handed to an API that wants a callback (commander's
      // writeErr, the tracker decoder's print, a reader's close, an unsubscribe)
      '@typescript-eslint/no-empty-function': 'off',
      // `while (true)` loops that leave by return/break are the readers' and the walk's shape
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      // `||` on a string or a number means '' and 0 too (an empty name part, a zero rate read from a
      // header) and is meant so; `??` is still required for objects and undefined-or-value
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: true }],
      // a leading `_` or a rest sibling drops a field or argument on purpose
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `() => void f()` and `(x) => setState(x)` arrow shorthands are the React/Ink and callback
      // idiom; a void call used as a value anywhere else is still reported
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ['test/**'],
    rules: {
      // vitest's asymmetric matchers (expect.stringMatching, expect.closeTo, …) are typed `any`, and
      // an expectation object holds them by design; using an `any` (member access, call, argument)
      // is still reported
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // scripts (this file, test/tools/*.mjs, worker stubs) are not in a TypeScript project: linted
    // without the rules that need type information
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
