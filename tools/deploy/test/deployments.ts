import type { K8sObject, KubeFake } from '@mcp-fleet/kube-fake';

// The fakes' clocks run 300 times faster than real time: the default deadline of 600 s runs out in 2 real seconds.
export const CLOCK_SPEED = 300;

/**
 * A Deployment of two replicas of `image`, as an app's manifests make it (deploy/mcp-service): the stable track
 * in its selector, the http port, for a test to roll out on kube-fake.
 */
export function deployment(name: string, image: string, progressDeadlineSeconds = 600): K8sObject {
  const labels = { app: name, 'app.kubernetes.io/track': 'stable' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 2,
      progressDeadlineSeconds,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name, image, ports: [{ name: 'http', containerPort: 8080 }] }] } },
    },
  };
}

/** The app's Service, selecting its pods of every track, as deploy/mcp-service makes it. */
export function service(name: string): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

export const imageOf = (fake: KubeFake, name: string) => fake.deployment(name)?.spec.template.spec.containers[0].image as string;

/** Both replicas updated and available. */
export const healthy = (fake: KubeFake, name: string) => {
  const status = fake.deployment(name)?.status;
  return status.availableReplicas === 2 && status.updatedReplicas === 2 && status.replicas === 2;
};
