// Shared by the xacminh nodes. The agent's side of the bridge lives in RED.settings.xacminh (set by the
// agent's Node-RED process); in a stock Node-RED without the agent it is absent and the nodes say so.

/** The bridge to the agent, or null (a stock Node-RED). */
function bridgeOf(RED) {
  try {
    const bridge = RED.settings.xacminh;
    return bridge && typeof bridge.on === 'function' ? bridge : null;
  } catch {
    return null;
  }
}

/** Minutes since midnight of `date` in `timeZone`. */
function minutesIn(date, timeZone) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(date);
  const hour = Number(parts.find((p) => p.type === 'hour').value);
  const minute = Number(parts.find((p) => p.type === 'minute').value);
  return hour * 60 + minute;
}

/** The calendar day of `date` in `timeZone`, YYYY-MM-DD. */
function dayIn(date, timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

function clockMinutes(text) {
  const [hour, minute] = String(text).split(':').map(Number);
  return hour * 60 + minute;
}

/** Whether the counter is open at `date`; a closing time before the opening time runs past midnight. */
function isOpen(date, site) {
  const now = minutesIn(date, site.timeZone);
  const open = clockMinutes(site.openingTime);
  const close = clockMinutes(site.closingTime);
  if (open === close) return true;
  return open < close ? now >= open && now < close : now >= open || now < close;
}

module.exports = { bridgeOf, minutesIn, dayIn, clockMinutes, isOpen };
