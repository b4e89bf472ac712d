// YAML view of a manifest (the `yaml` package, only in the builder's chunk).
import { parse, stringify } from 'yaml';
import { Model, buildManifest, parseManifest } from './manifest';

export function toYAML(m: Model): string {
  return stringify(buildManifest(m), { lineWidth: 0 });
}

/** Text (YAML or JSON) to the builder's model; errors say the line and the field. */
export function fromYAML(text: string): Model {
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: true, maxAliasCount: 0 });
  } catch (e) {
    const m = (e as Error).message.split('\n')[0];
    throw new Error(`YAML: ${m}`);
  }
  return parseManifest(doc);
}
