import type { K8sObject, KubeFake } from '@mcp-fleet/kube-fake';

// The fakes' clocks run 300 times faster than real time: the default deadline of 600 s runs out in 2 real seconds.
export const CLOCK_SPEED = 300;

/** A Deployment of two replicas of `image`, as an app's manifests make it, for a test to roll out on kube-fake. */
export function deployment(name: string, image: string, progressDeadlineSeconds = 600): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 2,
      progressDeadlineSeconds,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
    },
  };
}

export const imageOf = (fake: KubeFake, name: string) => fake.deployment(name)?.spec.template.spec.containers[0].image as string;

/** Both replicas updated and available. */
export const healthy = (fake: KubeFake, name: string) => {
  const status = fake.deployment(name)?.status;
  return status.availableReplicas === 2 && status.updatedReplicas === 2 && status.replicas === 2;
};
