type Json = unknown;
type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * The part of Kubernetes' strategic merge patch that kubectl set image and friends send: a merge patch whose
 * lists of named objects (containers, env, ports, volumes …) merge by `name`, with `$setElementOrder` and
 * `$retainKeys` directives ignored (they only affect ordering and pruning).
 */
export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    if (value === null) delete result[key];
    else if (Array.isArray(value) && Array.isArray(result[key]) && value.every((item) => isObject(item) && typeof item.name === 'string')) {
      const merged = [...(result[key] as JsonObject[])];
      for (const item of value as JsonObject[]) {
        const index = merged.findIndex((existing) => existing.name === item.name);
        if (item.$patch === 'delete') {
          if (index >= 0) merged.splice(index, 1);
        } else if (index >= 0) merged[index] = strategicMergePatch(merged[index], item) as JsonObject;
        else merged.push(item);
      }
      result[key] = merged;
    } else result[key] = strategicMergePatch(result[key], value);
  }
  return result;
}

/** RFC 6902 JSON patch, the operations kubectl sends (rollout undo uses replace). */
export function jsonPatch(target: Json, operations: { op: string; path: string; value?: Json }[]): Json {
  let document = structuredClone(target);
  for (const { op, path, value } of operations) {
    const keys = path
      .split('/')
      .slice(1)
      .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (keys.length === 0) {
      document = structuredClone(value);
      continue;
    }
    const parent = keys
      .slice(0, -1)
      .reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, document as Record<string, unknown>);
    const last = keys.at(-1)!;
    if (parent === undefined) throw new Error(`json patch: ${path} has no parent`);
    if (op === 'add' || op === 'replace') parent[last] = structuredClone(value);
    else if (op === 'remove') delete parent[last];
    else if (op !== 'test') throw new Error(`json patch: operation ${op} is not implemented by kube-fake`);
  }
  return document;
}
