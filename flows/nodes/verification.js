// xacminh verification (source): one message per verification the agent recorded. The agent filters the
// record before it reaches this process: personal data only as the site allows, never photos.
const { bridgeOf } = require('./lib/common.js');

const FILTERS = {
  all: () => true,
  verified: (v) => v.decision === 'verified',
  'not-verified': (v) => v.decision !== 'verified',
  'not-genuine': (v) => v.cloneSuspected || (v.chip !== null && v.chip.verdict === 'not-genuine'),
};

module.exports = function (RED) {
  function XacminhVerificationNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const accept = FILTERS[config.filter] || FILTERS.all;
    const bridge = bridgeOf(RED);
    if (!bridge) {
      node.status({ fill: 'red', shape: 'ring', text: 'xacminh-verification.status.no-agent' });
      return;
    }
    node.status({ fill: 'grey', shape: 'ring', text: 'xacminh-verification.status.waiting' });
    const onVerification = (verification) => {
      if (!accept(verification)) return;
      node.status({ fill: verification.decision === 'verified' ? 'green' : 'red', shape: 'dot', text: `${verification.decision} ${verification.finishedAt.slice(11, 19)}` });
      node.send({ topic: `verification/${verification.decision}`, payload: verification });
    };
    bridge.on('verification', onVerification);
    node.on('close', (done) => {
      bridge.off('verification', onVerification);
      done();
    });
  }
  RED.nodes.registerType('xacminh-verification', XacminhVerificationNode);
};
