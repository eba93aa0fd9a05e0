/**
 * The layers, checked in `npm test` (`npm run lint:layers`). Each rule names an import that would run upward or
 * sideways; a violation fails the run. Type-only imports of a lower layer's types are allowed where a rule says so.
 *
 *   src/domain   pure rules: imports nothing of ours but itself, and no I/O
 *   db/          schema, migrations, connections: imports nothing of src/ but pure rules
 *   src/data     queries, one module per concept: db/ and src/domain
 *   views/       take data, return HTML: never query, never reach into the web layer
 *   src/web, src/cli, src/main.ts   the top: nothing below imports them
 */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'A cycle ties modules together so neither can be read alone.', from: {}, to: { circular: true } },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'Pure rules: nothing of ours but other rules, and no I/O.',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^node_modules/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-does-no-io',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|net|http|https|child_process|worker_threads|dgram|dns|tls|cluster)(/|$)' },
    },
    {
      name: 'db-below-src',
      severity: 'error',
      comment: 'The database layer knows the schema, not the portal.',
      from: { path: '^db/' },
      to: { path: '^(src|views)/', pathNot: ['^src/domain/', '^src/errors\\.ts$', '^src/paths\\.ts$'] },
    },
    {
      name: 'data-below-web',
      severity: 'error',
      comment: 'Queries know the database and the rules, not who asks or how it is shown.',
      from: { path: '^src/data/' },
      to: { path: '^(src/(web|cli|auth|eservice|reports|api)/|src/main\\.ts|views/)' },
    },
    {
      name: 'views-never-query',
      severity: 'error',
      comment: 'Views take data and return HTML; a type of a query result may be named.',
      from: { path: '^views/' },
      to: { path: '^(db/|src/data/|src/sealing/|src/reports/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'views-below-web',
      severity: 'error',
      from: { path: '^views/' },
      to: { path: '^(src/web/|src/cli/|src/main\\.ts)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'nothing-imports-the-top',
      severity: 'error',
      comment: 'Entry points and the web layer sit on top; only they and tests import them.',
      from: { path: '^(src|db|views)/', pathNot: ['^src/web/', '^src/main\\.ts$', '^src/cli/'] },
      to: { path: '^(src/web/|src/cli/|src/main\\.ts)' },
    },
    {
      name: 'config-below-features',
      severity: 'error',
      comment: 'Settings are read before anything runs: small pure helpers only (the e-service claims are its contract constants).',
      from: { path: '^src/config\\.ts$' },
      to: { path: '^src/(web|data|auth|eservice|reports|sealing|cli)/', pathNot: '^src/eservice/claims\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'sealing-stands-alone',
      severity: 'error',
      comment: 'Sealing and verifying are pure document work: the register decides what to seal.',
      from: { path: '^src/sealing/' },
      to: { path: '^(src/(data|reports|auth|eservice|api)/|db/)' },
    },
    {
      name: 'no-test-code-in-the-portal',
      severity: 'error',
      from: { path: '^(src|db|views)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
