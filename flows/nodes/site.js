// xacminh site (config node): the site settings the flows use (shop software URL, business hours), read
// from the agent. Values filled in here are written through the agent, which validates them with the site
// config's own schema and applies them live; a bad value is refused with the field's name.
const { bridgeOf } = require('./lib/common.js');

const FIELDS = ['webhookUrl', 'openingTime', 'closingTime'];

module.exports = function (RED) {
  function XacminhSiteNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const bridge = bridgeOf(RED);
    node.bridge = bridge;
    /** The settings now in force (the agent's, after any change written from here). */
    node.settings = () => (bridge ? bridge.site() : null);
    /** Writes `changes`; resolves with the settings in force, rejects naming the refused field. */
    node.write = (changes) => (bridge ? bridge.setSite(changes) : Promise.reject(new Error(RED._('xacminh-site.errors.no-agent'))));
    const changes = {};
    for (const field of FIELDS) if (typeof config[field] === 'string' && config[field].trim() !== '') changes[field] = config[field].trim();
    node.applied = Object.keys(changes).length === 0 || !bridge
      ? Promise.resolve(node.settings())
      : node.write(changes).catch((error) => {
          node.refused = { field: error.field || '?', message: error.message };
          node.error(`${RED._('xacminh-site.errors.refused')} ${error.field || '?'} — ${error.message}`);
          return node.settings();
        });
    node.on('close', (done) => done());
  }
  RED.nodes.registerType('xacminh-site', XacminhSiteNode);
  // The settings in force, for the edit dialog (empty fields show them); behind the editor's login.
  RED.httpAdmin.get('/xacminh-site/current', RED.auth.needsPermission('flows.read'), (req, res) => {
    const bridge = bridgeOf(RED);
    res.json(bridge ? bridge.site() : {});
  });
};
