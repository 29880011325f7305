import { duration, OPERATOR_LABELS, type RenderOptions } from './rules';

/**
 * Where the fleet's alerts go, per environment: pages to the pager receiver, tickets to the chat receiver, grouped
 * by service; a ticket is held back while a page fires for the same service and SLO (the burn-rate rules raise
 * both for a fast burn, as Sloth's do: the routing, not the rule, decides who hears what). Routed by severity,
 * never by app name, so a new app is routed as soon as its rules carry the fleet's labels.
 */
export const RECEIVERS = {
  pager: { severity: 'page', secretKey: 'pager-url' },
  chat: { severity: 'ticket', secretKey: 'chat-url' },
} as const;
export type Receiver = keyof typeof RECEIVERS;

/** The Secret in each environment's namespace holding the receivers' webhook URLs (they carry credentials). */
export const RECEIVERS_SECRET = 'mcp-fleet-alert-receivers';
const ROUTING_NAME = 'mcp-fleet-alert-routing';
/** The labels a page and the ticket it holds back must share (the operator adds `namespace`). */
const INHIBIT_EQUAL = ['service', 'slo'];
const TIMING = { groupWait: 30, groupInterval: 300, repeatInterval: 4 * 3600 } as const;

const matcher = (name: string, value: string) => ({ name, value, matchType: '=' as const });

/** The AlertmanagerConfig (prometheus-operator) of one environment; the environment's component sets its namespace. */
export function alertRouting(options: RenderOptions = {}): object {
  const scale = options.scale ?? 1;
  return {
    apiVersion: 'monitoring.coreos.com/v1alpha1',
    kind: 'AlertmanagerConfig',
    metadata: { name: ROUTING_NAME, labels: { ...OPERATOR_LABELS } },
    spec: {
      route: {
        receiver: 'chat',
        groupBy: ['service'],
        groupWait: duration(TIMING.groupWait, scale),
        groupInterval: duration(TIMING.groupInterval, scale),
        repeatInterval: duration(TIMING.repeatInterval, scale),
        routes: (Object.keys(RECEIVERS) as Receiver[]).map((receiver) => ({
          receiver,
          matchers: [matcher('severity', RECEIVERS[receiver].severity)],
        })),
      },
      receivers: (Object.keys(RECEIVERS) as Receiver[]).map((receiver) => ({
        name: receiver,
        webhookConfigs: [{ urlSecret: { name: RECEIVERS_SECRET, key: RECEIVERS[receiver].secretKey }, sendResolved: true }],
      })),
      inhibitRules: [
        {
          sourceMatch: [matcher('severity', RECEIVERS.pager.severity)],
          targetMatch: [matcher('severity', RECEIVERS.chat.severity)],
          equal: INHIBIT_EQUAL,
        },
      ],
    },
  };
}

interface CrdMatcher {
  name: string;
  value: string;
  matchType: string;
}
interface CrdRoute {
  receiver: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  matchers?: CrdMatcher[];
  routes?: CrdRoute[];
}
interface CrdSpec {
  route: CrdRoute;
  receivers: { name: string; webhookConfigs: { urlSecret: { name: string; key: string }; sendResolved: boolean }[] }[];
  inhibitRules: { sourceMatch: CrdMatcher[]; targetMatch: CrdMatcher[]; equal: string[] }[];
}

/**
 * The Alertmanager configuration prometheus-operator makes of `routing` in `namespace`, with the Secret's URLs
 * read: as the operator does, every route and inhibit rule is confined to the namespace, receivers are named
 * `<namespace>/<config>/<receiver>`, and everything else goes to a receiver that drops it. What `amtool
 * check-config` and a real Alertmanager are given in the tests.
 */
export function alertmanagerConfiguration(routing: object, namespace: string, secret: Record<string, string>): object {
  const { metadata, spec } = routing as { metadata: { name: string }; spec: CrdSpec };
  const qualified = (receiver: string) => `${namespace}/${metadata.name}/${receiver}`;
  const matchers = (list: CrdMatcher[] = []) => list.map(({ name, value, matchType }) => `${name}${matchType}${JSON.stringify(value)}`);
  const inNamespace = `namespace=${JSON.stringify(namespace)}`;
  const route = (crd: CrdRoute): object => ({
    receiver: qualified(crd.receiver),
    ...(crd.groupBy && { group_by: crd.groupBy }),
    ...(crd.groupWait && { group_wait: crd.groupWait }),
    ...(crd.groupInterval && { group_interval: crd.groupInterval }),
    ...(crd.repeatInterval && { repeat_interval: crd.repeatInterval }),
    ...(crd.matchers && { matchers: matchers(crd.matchers) }),
    ...(crd.routes && { routes: crd.routes.map(route) }),
  });
  const url = (key: string) => {
    const value = secret[key];
    if (!value) throw new Error(`Secret ${RECEIVERS_SECRET} has no ${key}: the receiver's webhook URL`);
    return value;
  };
  return {
    route: { receiver: 'null', routes: [{ ...route(spec.route), matchers: [inNamespace], continue: true }] },
    receivers: [
      { name: 'null' },
      ...spec.receivers.map((receiver) => ({
        name: qualified(receiver.name),
        webhook_configs: receiver.webhookConfigs.map((webhook) => ({
          url: url(webhook.urlSecret.key),
          send_resolved: webhook.sendResolved,
        })),
      })),
    ],
    inhibit_rules: spec.inhibitRules.map((rule) => ({
      source_matchers: [...matchers(rule.sourceMatch), inNamespace],
      target_matchers: [...matchers(rule.targetMatch), inNamespace],
      equal: rule.equal,
    })),
  };
}
