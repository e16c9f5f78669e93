// Generates src/generated/*.ts from reel's JSON Schemas (`reel schema --wire` for the wire
// format: events, export report, exit codes; `reel schema` for the timeline format), with
// json-schema-to-typescript. No type in this package is copied by hand from the Rust side.
//
//   npm run generate           regenerate (after a change to reel-wire or the timeline types)
//   npm run check-generated    fail with a sentence when the checked-in files are stale
//
// reel comes from REEL_PATH, else the workspace's target/debug/reel (cargo build -p reel-cli).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const exe = process.platform === 'win32' ? 'reel.exe' : 'reel';
const reel = process.env.REEL_PATH || join(root, '..', '..', 'target', 'debug', exe);
const check = process.argv.includes('--check');

if (!existsSync(reel)) {
  console.error(
    `reel-node: cannot generate the types: ${reel} does not exist. Build reel first (cargo build -p reel-cli) or set REEL_PATH to a reel binary.`,
  );
  process.exit(1);
}

const outputs = [
  {
    file: 'src/generated/wire.ts',
    args: ['schema', '--wire'],
    name: 'Event',
    source: '`reel schema --wire` (the reel-wire crate, crates/reel-wire/src/lib.rs)',
  },
  {
    file: 'src/generated/timeline.ts',
    args: ['schema'],
    name: 'Timeline',
    source: '`reel schema` (the timeline types, crates/reel-core/src/timeline.rs)',
  },
];

let stale = [];
for (const { file, args, name, source } of outputs) {
  let schema = JSON.parse(execFileSync(reel, args, { encoding: 'utf8' }));
  // The root type's name in TypeScript.
  schema.title = name;
  if (schema.type !== 'object') {
    // json-schema-to-typescript emits the definitions nothing references (ExitCode) only
    // under an object root: hold the union root as a definition of a container type.
    const { $schema, definitions, ...rootType } = schema;
    const all = { [name]: rootType, ...definitions };
    schema = {
      $schema,
      title: 'ReelWire',
      description: 'Every type of the wire format, by name (a container for the generator; nothing sends it).',
      type: 'object',
      properties: Object.fromEntries(Object.keys(all).map((key) => [key, { $ref: `#/definitions/${key}` }])),
      definitions: all,
    };
  }
  const banner = [
    '/* eslint-disable */',
    '/**',
    ` * GENERATED from ${source} by \`npm run generate\`; do not edit by hand.`,
    ' * When the Rust types change: `cargo build -p reel-cli`, then `npm run generate` in',
    ' * packages/reel-node, and commit this file. `bash scripts/test.sh` fails while it is stale.',
    ' */',
  ].join('\n');
  const ts = await compile(schema, schema.title, {
    bannerComment: banner,
    additionalProperties: false,
    unreachableDefinitions: true,
    // A real enum (ExitCode) that exists at run time, not a const enum that is erased.
    enableConstEnums: false,
    strictIndexSignatures: true,
    style: { singleQuote: true, printWidth: 120 },
  });
  const path = join(root, file);
  if (check) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (current !== ts) stale.push(relative(process.cwd(), path));
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, ts);
    console.error(`wrote ${relative(process.cwd(), path)}`);
  }
}

if (stale.length > 0) {
  console.error(
    `reel-node: ${stale.join(' and ')} ${stale.length === 1 ? 'is' : 'are'} stale: the Rust types changed since ${stale.length === 1 ? 'it was' : 'they were'} generated. ` +
      'Run `npm run generate` in packages/reel-node (after `cargo build -p reel-cli`) and commit the result.',
  );
  process.exit(1);
}
