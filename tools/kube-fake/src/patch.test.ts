import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';

const deployment = {
  metadata: { name: 'x', annotations: { a: '1' } },
  spec: {
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'r/app:1', env: [{ name: 'A', value: '1' }] },
          { name: 'sidecar', image: 'r/side:1' },
        ],
      },
    },
  },
};

describe('strategicMergePatch', () => {
  it('merges containers by name, as kubectl set image sends them', () => {
    const patched = strategicMergePatch(deployment, {
      spec: {
        template: {
          spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }], containers: [{ name: 'app', image: 'r/app:2' }] },
        },
      },
    }) as typeof deployment;
    expect(patched.spec.template.spec.containers).toEqual([
      { name: 'app', image: 'r/app:2', env: [{ name: 'A', value: '1' }] },
      { name: 'sidecar', image: 'r/side:1' },
    ]);
    expect(deployment.spec.template.spec.containers[0]!.image).toBe('r/app:1');
  });

  it('adds, deletes with $patch, and removes keys set to null', () => {
    const patched = strategicMergePatch(deployment, {
      metadata: { annotations: { a: null, b: '2' } },
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'sidecar', $patch: 'delete' },
              { name: 'new', image: 'r/new:1' },
            ],
          },
        },
      },
    }) as typeof deployment;
    expect(patched.metadata.annotations).toEqual({ b: '2' });
    expect(patched.spec.template.spec.containers.map((c) => c.name)).toEqual(['app', 'new']);
  });
});

describe('mergePatch', () => {
  it('replaces lists whole and deletes nulls', () => {
    expect(mergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { c: null } })).toEqual({ a: [3], b: { d: 2 } });
    expect(mergePatch({ a: 1 }, 'whole')).toBe('whole');
  });
});

describe('jsonPatch', () => {
  it('applies the replace operations rollout undo sends, and add, remove and test', () => {
    const patched = jsonPatch(deployment, [
      { op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'app', image: 'r/app:0' }] } } },
      { op: 'replace', path: '/metadata/annotations', value: { restored: 'yes' } },
      { op: 'add', path: '/metadata/labels', value: { 'a~b': 'c' } },
      { op: 'remove', path: '/metadata/name' },
      { op: 'test', path: '/metadata', value: {} },
    ]) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(patched.spec.template.spec.containers[0].image).toBe('r/app:0');
    expect(patched.metadata).toEqual({ annotations: { restored: 'yes' }, labels: { 'a~b': 'c' } });
    expect(jsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({ b: 2 });
  });

  it('names an operation it does not implement', () => {
    expect(() => jsonPatch({ a: 1 }, [{ op: 'move', path: '/a' }])).toThrow('json patch: operation move is not implemented by kube-fake');
  });
});
