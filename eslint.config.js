import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Only the GitHub layer talks to the runner; everything else logs through src/github/log.ts.
    files: ['src/**/*.ts'],
    ignores: ['src/github/**', 'src/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          name: '@actions/core',
          message: 'Log through src/github/log.ts, which escapes every line.'
        }
      ]
    }
  },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  }
)
