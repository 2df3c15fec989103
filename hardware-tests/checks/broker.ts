/** The MQTT broker: reached with the device certificate, and a QoS 1 publish acknowledged (PUBACK). */
import { isAbsent, type Check } from '../types.ts';
import { failFrom, skip } from './outcome.ts';

export const brokerPublish: Check = {
  id: 'broker.publish',
  title: 'Broker reachable with the device certificate (QoS 1 PUBACK)',
  titleVi: 'Kết nối máy chủ MQTT bằng chứng thư thiết bị (nhận PUBACK)',
  timeoutMs: 20_000,
  async run(ctx, signal) {
    const broker = ctx.devices.broker();
    if (isAbsent(broker)) return skip(broker.absent);
    try {
      const { url, connectMs, pubackMs, connected } = await broker.probe(signal);
      const measured: Record<string, unknown> = { broker: url };
      if (connectMs !== undefined) measured.connectMs = Math.round(connectMs);
      if (pubackMs !== undefined) measured.pubackMs = Math.round(pubackMs);
      if (connected) measured.connected = true;
      return { status: 'pass', measured };
    } catch (error) {
      return failFrom(
        error,
        'The broker cannot be reached or refused the terminal: check the network, mqtt.url in site.json, and that the device certificate is current (xacminh provision status)',
        'Không kết nối được máy chủ MQTT hoặc bị từ chối: kiểm tra mạng, mqtt.url trong site.json và chứng thư thiết bị còn hạn (xacminh provision status)',
      );
    }
  },
};
