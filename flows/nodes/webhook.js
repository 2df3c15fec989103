// xacminh webhook (sink): POSTs msg.payload as JSON to the shop's software, signed with HMAC-SHA256, and
// retries with backoff while the receiver is down. Each message is retried on its own timer, so a receiver
// that is down holds up nothing else, in the flow or in the agent.
const { createHmac } = require('node:crypto');
const { bridgeOf } = require('./lib/common.js');

module.exports = function (RED) {
  function XacminhWebhookNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const bridge = bridgeOf(RED);
    const siteNode = config.site ? RED.nodes.getNode(config.site) : null;
    const attempts = Number(config.attempts) > 0 ? Number(config.attempts) : 8;
    const backoffMs = Number(config.backoffMs) > 0 ? Number(config.backoffMs) : 2000;
    const timers = new Set();
    let closed = false;
    /** Deliveries waiting for their next attempt. */
    node.pendingRetries = () => timers.size;

    const target = () => {
      if (config.url) return config.url;
      const settings = (siteNode && siteNode.settings && siteNode.settings()) || (bridge && bridge.site());
      return settings ? settings.webhookUrl : null;
    };
    const secret = () => (node.credentials && node.credentials.secret) || (bridge ? bridge.webhookSecret() : '');

    node.on('input', (msg, send, done) => {
      const url = target();
      if (!url) {
        node.status({ fill: 'grey', shape: 'ring', text: 'xacminh-webhook.status.no-url' });
        return done();
      }
      const key = secret();
      if (!key) return done(new Error(RED._('xacminh-webhook.errors.no-secret')));
      const body = JSON.stringify(msg.payload);
      const delivery = String((msg.payload && msg.payload.id) || msg._msgid);
      let attempt = 0;
      const post = async () => {
        attempt++;
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex');
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-xacminh-delivery': delivery, 'x-xacminh-timestamp': timestamp, 'x-xacminh-signature': `sha256=${signature}`, 'x-xacminh-attempt': String(attempt) },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          await response.arrayBuffer();
          if (response.ok) {
            node.status({ fill: 'green', shape: 'dot', text: `${response.status} (${attempt})` });
            send({ ...msg, statusCode: response.status, attempts: attempt });
            return done();
          }
          throw new Error(`HTTP ${response.status}`);
        } catch (error) {
          if (closed) return done();
          if (attempt >= attempts) {
            node.status({ fill: 'red', shape: 'ring', text: 'xacminh-webhook.status.failed' });
            return done(new Error(`${RED._('xacminh-webhook.errors.gave-up')} (${attempt}): ${error.message}`));
          }
          const delay = backoffMs * 2 ** (attempt - 1);
          node.status({ fill: 'yellow', shape: 'ring', text: `retry ${attempt}/${attempts - 1}` });
          const timer = setTimeout(() => {
            timers.delete(timer);
            void post();
          }, delay);
          timers.add(timer);
        }
      };
      void post();
    });
    node.on('close', (done) => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      node.status({});
      done();
    });
  }
  RED.nodes.registerType('xacminh-webhook', XacminhWebhookNode, { credentials: { secret: { type: 'password' } } });
};
