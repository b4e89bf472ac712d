// The graphql-js counterpart of gqlexec: reads requests as JSON lines on stdin
// ({"query", "variables", "operationName"}), writes one compact JSON response per line.
//   node run.mjs                 execute requests (fixture from RIFT_GQL_FIXTURE)
//   node run.mjs --sdl           print the schema with printSchema
//   node run.mjs --introspection print the result of getIntrospectionQuery() (default options)
//   node run.mjs --client-sdl    read an introspection result on stdin, print
//                                printSchema(buildClientSchema(result))
// A parse error or validation errors give {"errors": [...]} with no "data" key, as in graphql().
// A subscription operation that validates is not executed (subscriptions are out of the
// differential test): the response is {"extensions":{"validatedOnly":true}}.
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import {
  buildClientSchema,
  execute,
  getIntrospectionQuery,
  getOperationAST,
  graphqlSync,
  parse,
  printSchema,
  validate,
} from 'graphql';
import { loadFixture, makeSchema } from './schema.mjs';

// parse -> validate -> execute, returning a plain response object.
async function runRequest(schema, req) {
  let document;
  try {
    document = parse(req.query ?? '');
  } catch (err) {
    return { errors: [err.toJSON ? err.toJSON() : { message: String(err.message) }] };
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) return { errors: validationErrors.map((e) => e.toJSON()) };
  const op = getOperationAST(document, req.operationName ?? undefined);
  if (op && op.operation === 'subscription') return { extensions: { validatedOnly: true } };
  const result = await execute({
    schema,
    document,
    variableValues: req.variables ?? undefined,
    operationName: req.operationName ?? undefined,
  });
  const out = {};
  if (result.errors) out.errors = result.errors.map((e) => e.toJSON());
  if ('data' in result) out.data = result.data;
  return out;
}

async function serveLines(schema) {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    let response;
    try {
      response = await runRequest(schema, JSON.parse(line));
    } catch (err) {
      response = { errors: [{ message: `run.mjs: ${err.message}` }] };
    }
    process.stdout.write(`${JSON.stringify(response)}\n`);
  }
}

async function main(argv) {
  if (argv[0] === '--client-sdl') {
    const result = JSON.parse(readFileSync(0, 'utf8'));
    process.stdout.write(`${printSchema(buildClientSchema(result.data ?? result))}\n`);
    return;
  }
  const schema = makeSchema(loadFixture());
  if (argv[0] === '--sdl') {
    process.stdout.write(`${printSchema(schema)}\n`);
  } else if (argv[0] === '--introspection') {
    const result = graphqlSync({ schema, source: getIntrospectionQuery() });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else if (argv.length === 0) {
    await serveLines(schema);
  } else {
    process.stderr.write('usage: node run.mjs [--sdl | --introspection | --client-sdl]\n');
    process.exitCode = 2;
  }
}

await main(process.argv.slice(2));
