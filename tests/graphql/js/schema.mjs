// Rift's GraphQL test schema (tests/graphql/schema.graphql) implemented on graphql-js, the reference
// side of the differential test. The SDL file is the single definition of the types; this file adds
// the resolvers, each following the semantics written beside its field in the SDL.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, graphql } from 'graphql';

// Re-exported so scripts outside this folder (bench/graphql) use the same graphql-js instance.
export { graphql };

const here = dirname(fileURLToPath(import.meta.url));
export const SCHEMA_PATH = join(here, '..', 'schema.graphql');
export const DEFAULT_FIXTURE_PATH = join(here, '..', 'fixture.json');

// Which GraphQL object type each fixture object is, for the abstract types Node, Named and Target.
const kindOf = new WeakMap();

function tag(obj, typeName) {
  kindOf.set(obj, typeName);
  return obj;
}

// Indexes the fixture once: objects by id, and every object tagged with its type.
function indexFixture(fixture) {
  const byId = new Map();
  const add = (list, typeName) => {
    for (const obj of list ?? []) {
      tag(obj, typeName);
      if (!byId.has(obj.id)) byId.set(obj.id, obj);
    }
  };
  add(fixture.experiments, 'Experiment');
  add(fixture.faults, 'Fault');
  add(fixture.probes, 'Probe');
  for (const e of fixture.experiments ?? []) add(e.runs, 'Run');
  add(fixture.users, 'User');
  return {
    byId,
    experiments: new Map(fixture.experiments.map((e) => [e.id, e])),
    faults: new Map(fixture.faults.map((f) => [f.id, f])),
    users: new Map(fixture.users.map((u) => [u.id, u])),
  };
}

function matchesFilter(e, filter) {
  if (!filter) return true;
  if (filter.nameContains != null && !e.name.includes(filter.nameContains)) return false;
  if (filter.phases != null && !filter.phases.includes(e.phase)) return false;
  if (filter.minScore != null && (e.score == null || !(e.score >= filter.minScore))) return false;
  return true;
}

// A created experiment is never stored: it only lives in the mutation's response.
function newExperiment(input) {
  const faults = input.faults.map((f, i) =>
    tag(
      {
        id: `nf-${i}`,
        name: f.name,
        category: f.category,
        durationSeconds: f.durationSeconds,
        weight: f.weight ?? null,
        tunables: [],
        tags: null,
      },
      'Fault',
    ),
  );
  return tag(
    {
      id: `new-${input.name}`,
      name: input.name,
      description: input.description ?? null,
      phase: 'QUEUED',
      score: null,
      runs: [],
      faults: null,
      createdFaults: faults,
      ownerId: null,
    },
    'Experiment',
  );
}

function resolverTable(data, fixture) {
  return {
    Query: {
      experiment: (_, { id }) => data.experiments.get(id) ?? null,
      listExperiments: (_, { filter, pagination }) => {
        const matches = fixture.experiments.filter((e) => matchesFilter(e, filter));
        const page = pagination?.page ?? 0;
        const limit = pagination?.limit ?? 15;
        const start = page * limit;
        return { totalCount: matches.length, items: matches.slice(start, start + limit) };
      },
      node: (_, { id }) => data.byId.get(id) ?? null,
      search: (_, { text }) => [
        ...fixture.faults.filter((f) => f.name.includes(text)),
        ...fixture.probes.filter((p) => p.name.includes(text)),
      ],
      me: () => data.users.get('u1') ?? null,
      echo: (_, args) => JSON.stringify(args),
      failing: () => {
        throw new Error('always fails');
      },
      nonNullFailing: () => {
        throw new Error('always fails');
      },
    },
    Mutation: {
      createExperiment: (_, { input }) => newExperiment(input),
      deleteExperiment: (_, { id }) => data.experiments.has(id),
    },
    Experiment: {
      runs: (e, { first, phase }) => {
        if (first < 0) throw new Error('first must be >= 0');
        const runs = phase == null ? e.runs : e.runs.filter((r) => r.phase === phase);
        return first == null ? runs : runs.slice(0, first);
      },
      faults: (e) => e.createdFaults ?? e.faultIds.map((id) => data.faults.get(id)).filter(Boolean),
      owner: (e) => (e.ownerId == null ? null : (data.users.get(e.ownerId) ?? null)),
      brokenRequired: () => null,
      brokenOptional: () => {
        throw new Error('broken field');
      },
      title: (e) => e.name,
    },
    User: {
      experiments: (u) => fixture.experiments.filter((e) => e.ownerId === u.id),
    },
  };
}

function resolveAbstract(obj) {
  return kindOf.get(obj);
}

// Returns the executable schema over the given fixture object (parsed fixture.json).
export function makeSchema(fixture) {
  const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
  const data = indexFixture(fixture);
  for (const [typeName, fields] of Object.entries(resolverTable(data, fixture))) {
    const typeFields = schema.getType(typeName).getFields();
    for (const [fieldName, resolve] of Object.entries(fields)) {
      if (!typeFields[fieldName]) throw new Error(`schema has no field ${typeName}.${fieldName}`);
      typeFields[fieldName].resolve = resolve;
    }
  }
  for (const name of ['Node', 'Named', 'Target']) schema.getType(name).resolveType = resolveAbstract;
  return schema;
}

// Reads the fixture named by RIFT_GQL_FIXTURE (like gqlexec), else tests/graphql/fixture.json.
export function loadFixture(path = process.env.RIFT_GQL_FIXTURE || DEFAULT_FIXTURE_PATH) {
  return JSON.parse(readFileSync(path, 'utf8'));
}
