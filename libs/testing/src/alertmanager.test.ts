import { describe, expect, it, onTestFinished } from 'vitest';
import { startAlertmanager, startWebhookReceiver } from './alertmanager';
import { waitUntil } from './wait-until';

describe('startAlertmanager', () => {
  it('routes an alert it is sent to a webhook receiver on loopback, and lists it', async () => {
    const receiver = await startWebhookReceiver();
    onTestFinished(() => receiver.close());
    const alertmanager = await startAlertmanager({
      config: {
        route: { receiver: 'hook', group_by: ['service'], group_wait: '1s' },
        receivers: [{ name: 'hook', webhook_configs: [{ url: receiver.url('/hook') }] }],
      },
    });
    onTestFinished(() => alertmanager.stop());
    const posted = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'Demo', service: 'demo' }, annotations: { summary: 'a demo' } }]),
    });
    expect(posted.status).toBe(200);
    const [notification] = await waitUntil(() => receiver.received.get('/hook'), { what: 'the notification', timeoutMs: 60_000 });
    expect(notification).toMatchObject({
      receiver: 'hook',
      status: 'firing',
      groupLabels: { service: 'demo' },
      alerts: [{ labels: { alertname: 'Demo', service: 'demo' }, annotations: { summary: 'a demo' } }],
    });
    expect(await alertmanager.alerts()).toMatchObject([{ labels: { alertname: 'Demo' }, status: { state: 'active' } }]);
  });

  it('says what is wrong when the configuration is refused', async () => {
    await expect(startAlertmanager({ config: { route: { receiver: 'nobody' }, receivers: [] } })).rejects.toThrow(
      /alertmanager exited before it was ready:[\s\S]*Loading configuration file failed.*undefined receiver/,
    );
  });
});
