// xacminh status (source): the terminal's state and alarms as the agent reports them (topic "state" when
// parts, reader, broker or alarms change; "alarm" per new alarm; "fault" per reader/camera fault), whether the counter is open by the site's business hours (topic "hours", at deploy and on each
// change) and, once a day, closing time (topic "closing", for the daily summary).
const { bridgeOf, isOpen, minutesIn, dayIn, clockMinutes } = require('./lib/common.js');

const TICK_MS = 15_000;

module.exports = function (RED) {
  function XacminhStatusNode(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const bridge = bridgeOf(RED);
    if (!bridge) {
      node.status({ fill: 'red', shape: 'ring', text: 'xacminh-status.status.no-agent' });
      return;
    }
    const siteNode = config.site ? RED.nodes.getNode(config.site) : null;
    const site = () => (siteNode && siteNode.settings ? siteNode.settings() : null) || bridge.site();
    let alarmCodes = new Set();
    let links = '';
    let lastFaultAt = '';
    let lastSelfTestAt = '';
    let open;
    let closedOn;

    const showState = (status) => {
      const fine = status.state === 'running' && status.alarms.length === 0 && status.broker !== 'offline';
      node.status({ fill: fine ? 'green' : 'yellow', shape: 'dot', text: `${status.state}, ${status.alarms.length} alarm(s)${status.broker === 'offline' ? ', broker offline' : ''}` });
    };
    const onStatus = (status, first) => {
      showState(status);
      const codes = new Set(status.alarms.map((a) => a.code));
      const nowLinks = `${status.state} ${status.reader} ${status.broker}`;
      const changed = first || nowLinks !== links || codes.size !== alarmCodes.size || [...codes].some((c) => !alarmCodes.has(c));
      const fresh = status.alarms.filter((a) => !alarmCodes.has(a.code));
      // Faults already there at deploy are history: only those after it are news.
      const faults = (status.faults || []).filter((f) => f.at > lastFaultAt);
      if (status.faults && status.faults.length) lastFaultAt = status.faults[status.faults.length - 1].at;
      alarmCodes = codes;
      links = nowLinks;
      if (changed) node.send({ topic: 'state', payload: status });
      for (const alarm of fresh) node.send({ topic: 'alarm', payload: alarm });
      if (!first) for (const fault of faults) node.send({ topic: 'fault', payload: fault });
      // A self-test finished since deploy (at the terminal or by the central system's command): its outcome.
      const selfTest = status.selfTest;
      if (selfTest && selfTest.finishedAt !== lastSelfTestAt) {
        if (!first) node.send({ topic: 'selftest', payload: selfTest });
        lastSelfTestAt = selfTest.finishedAt;
      }
    };
    const tick = () => {
      const now = bridge.now();
      const settings = site();
      const nowOpen = isOpen(now, settings);
      if (nowOpen !== open) {
        open = nowOpen;
        node.send({ topic: 'hours', payload: { open, openingTime: settings.openingTime, closingTime: settings.closingTime, timeZone: settings.timeZone } });
      }
      const day = dayIn(now, settings.timeZone);
      const minutes = minutesIn(now, settings.timeZone);
      const close = clockMinutes(settings.closingTime);
      // Within the tick after closing time, once a day (a restart past it does not send the day's summary twice in that window).
      if (closedOn !== day && minutes >= close && minutes < close + 2) {
        closedOn = day;
        node.send({ topic: 'closing', payload: { day, closingTime: settings.closingTime } });
      }
    };
    const listener = (status) => onStatus(status, false);
    bridge.on('status', listener);
    const onSite = () => tick();
    bridge.on('site', onSite);
    // After the flow is wired: a message sent inside the constructor would go nowhere.
    const first = setTimeout(() => {
      onStatus(bridge.status(), true);
      tick();
    }, 0);
    const timer = setInterval(tick, Number(config.tickMs) > 0 ? Number(config.tickMs) : TICK_MS);
    node.on('close', (done) => {
      clearTimeout(first);
      clearInterval(timer);
      bridge.off('status', listener);
      bridge.off('site', onSite);
      done();
    });
  }
  RED.nodes.registerType('xacminh-status', XacminhStatusNode);
};
