import { describe, expect, it } from 'vitest';
import { failureReport, podCause, rolloutFailure, selectorOf, type DeploymentJson, type PodJson } from './diagnosis';

type ContainerStatus = NonNullable<NonNullable<PodJson['status']>['containerStatuses']>[number];
const pod = (name: string, state: Partial<ContainerStatus> = {}): PodJson => ({
  metadata: { name },
  status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, ...state }] },
});

describe('rolloutFailure', () => {
  it('names the progress deadline, the timeout, or what kubectl said', () => {
    expect(rolloutFailure('error: deployment "x" exceeded its progress deadline\n', '5m')).toBe(
      'progress deadline exceeded (progressDeadlineSeconds)',
    );
    expect(rolloutFailure('error: timed out waiting for the condition\n', '300s')).toBe('not rolled out within --timeout=300s');
    expect(rolloutFailure('Unable to connect to the server: dial tcp\n', '5m')).toBe(
      'kubectl rollout status failed: Unable to connect to the server: dial tcp',
    );
    expect(rolloutFailure('', '5m')).toBe('kubectl rollout status failed');
  });
});

describe('podCause', () => {
  it('tells crash loops, image pulls, readiness and missing pods apart', () => {
    expect(podCause([pod('a', { restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } })])).toBe(
      'containers are crash-looping (CrashLoopBackOff, 4 restarts)',
    );
    expect(podCause([pod('a', { state: { waiting: { reason: 'ImagePullBackOff' } } })])).toBe(
      'the image cannot be pulled (ImagePullBackOff)',
    );
    expect(podCause([pod('a')])).toBe('pods never became ready (failing readiness probe)');
    expect(podCause([])).toBe('no pods were created');
    expect(podCause([pod('a', { ready: true })])).toBeUndefined();
  });
});

describe('failureReport', () => {
  it('puts the cause, conditions, pods and the recent events of these objects together', () => {
    const deployment: DeploymentJson = {
      metadata: { name: 'text-tools', annotations: { 'deployment.kubernetes.io/revision': '3' } },
      spec: {
        selector: { matchLabels: { app: 'text-tools' } },
        template: { spec: { containers: [{ name: 'text-tools', image: 'r/t:new' }] } },
      },
      status: {
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "text-tools-abc" has timed out progressing.',
          },
        ],
      },
    };
    const report = failureReport({
      app: 'text-tools',
      image: 'r/t:new',
      failure: 'progress deadline exceeded (progressDeadlineSeconds)',
      deployment,
      replicaSet: {
        metadata: { name: 'text-tools-abc', annotations: { 'deployment.kubernetes.io/revision': '3' } },
        spec: { selector: { matchLabels: { app: 'text-tools' } } },
      },
      pods: [pod('text-tools-abc-1')],
      events: [
        {
          involvedObject: { kind: 'Pod', name: 'text-tools-abc-1' },
          type: 'Warning',
          reason: 'Unhealthy',
          message: 'Readiness probe failed',
          count: 7,
          lastTimestamp: '2026-01-01T00:00:02Z',
        },
        {
          involvedObject: { kind: 'Pod', name: 'someone-else' },
          type: 'Warning',
          reason: 'BackOff',
          message: 'not ours',
          lastTimestamp: '2026-01-01T00:00:03Z',
        },
      ],
    });
    expect(report.split('\n')).toEqual([
      'text-tools: rollout of r/t:new failed: progress deadline exceeded (progressDeadlineSeconds); pods never became ready (failing readiness probe)',
      '  condition Progressing=False (ProgressDeadlineExceeded): ReplicaSet "text-tools-abc" has timed out progressing.',
      '  new ReplicaSet text-tools-abc (revision 3), 1 pod(s):',
      '    pod text-tools-abc-1: Running, ready false, restarts 0',
      '  recent events:',
      '    Warning Unhealthy (x7) pod/text-tools-abc-1: Readiness probe failed',
    ]);
    expect(selectorOf({ app: 'x', 'pod-template-hash': 'h' })).toBe('app=x,pod-template-hash=h');
  });
});
