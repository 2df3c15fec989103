// xacminh indicator (sink): asks the agent, which owns the GPIO, to play a light/sound/relay pattern, or
// (msg.topic "kiosk") to show or take down a notice on the customer's screen. The agent checks each request;
// a flow cannot play the verification's own signals.
const { bridgeOf } = require('./lib/common.js');

module.exports = function (RED) {
  function XacminhIndicatorNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const bridge = bridgeOf(RED);
    if (!bridge) node.status({ fill: 'red', shape: 'ring', text: 'xacminh-indicator.status.no-agent' });
    node.on('input', (msg, send, done) => {
      if (!bridge) return done(new Error(RED._('xacminh-indicator.errors.no-agent')));
      let request;
      let label;
      if (msg.topic === 'kiosk') {
        request = bridge.kiosk(msg.payload);
        label = msg.payload && msg.payload.notice ? String(msg.payload.notice) : 'kiosk: -';
      } else {
        const asked = typeof msg.payload === 'object' && msg.payload !== null ? msg.payload : {};
        const command = { pattern: typeof msg.payload === 'string' ? msg.payload : asked.pattern || config.pattern };
        const duration = asked.durationMs !== undefined ? asked.durationMs : config.durationMs;
        if (duration !== undefined && duration !== '') command.durationMs = Number(duration);
        request = bridge.indicate(command);
        label = command.pattern;
      }
      request.then(
        () => {
          node.status({ fill: 'green', shape: 'dot', text: label });
          done();
        },
        (error) => {
          node.status({ fill: 'red', shape: 'ring', text: 'xacminh-indicator.status.refused' });
          done(error);
        },
      );
    });
    node.on('close', (done) => {
      node.status({});
      done();
    });
  }
  RED.nodes.registerType('xacminh-indicator', XacminhIndicatorNode);
};
