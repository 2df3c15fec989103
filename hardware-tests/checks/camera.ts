/** The camera: frames at the configured rate, and a face found in them (the face engine on real frames). */
import type { Frame } from '../../drivers/camera/types.ts';
import { isAbsent, type Check } from '../types.ts';
import { fail, failFrom, skip } from './outcome.ts';

export const cameraFrames: Check = {
  id: 'camera.frames',
  title: 'Camera delivers frames at its rate',
  titleVi: 'Camera cho hình đúng tốc độ',
  // Long enough for the person to step in front of it (interactive); the watch itself lasts cameraWindowMs.
  timeoutMs: 120_000,
  async run(ctx, signal) {
    let lease: Awaited<ReturnType<typeof ctx.devices.camera>>;
    try {
      lease = await ctx.devices.camera();
    } catch (error) {
      return failFrom(error, 'The camera does not start: check its cable and camera settings in site.json (ls /dev/video*)', 'Camera không khởi động: kiểm tra cáp và phần camera trong site.json (ls /dev/video*)', { frames: 0 });
    }
    if (isAbsent(lease)) return skip(lease.absent);
    // The frames watched here are the ones the face check looks at: someone should be in them.
    if (ctx.interactive) await ctx.ask({ vi: 'Đứng trước camera rồi nhấn Enter:', en: 'Stand in front of the camera and press Enter:' }, signal).catch(() => '');
    const limits = { configuredFps: lease.configuredFps, marginalBelowFps: lease.configuredFps * 0.8, failBelowFps: lease.configuredFps * 0.5 };
    const frames: Frame[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      const iterator = lease.frames[Symbol.asyncIterator]();
      const stop = new Promise<'stop'>((resolve) => {
        timer = setTimeout(() => resolve('stop'), ctx.limits.cameraWindowMs);
        signal.addEventListener('abort', () => resolve('stop'), { once: true });
      });
      for (;;) {
        const pending = iterator.next();
        // The last wait may outlive the window (a live agent's camera failing later): never an unhandled rejection.
        pending.catch(() => undefined);
        const next = await Promise.race([pending, stop]);
        if (next === 'stop' || next.done) break;
        frames.push(next.value);
      }
      void iterator.return?.();
    } catch (error) {
      return failFrom(error, 'The camera stopped delivering frames: check its cable and power', 'Camera ngừng cho hình: kiểm tra cáp và nguồn', { frames: frames.length });
    } finally {
      clearTimeout(timer);
      await lease.release();
    }
    ctx.shared.frames = frames.slice(-5);
    const fault = lease.lastFault?.();
    if (frames.length < 2 && fault) return failFrom(fault, 'The camera delivered no frames: check its cable, that no other program uses it, and its settings in site.json', 'Camera không cho hình: kiểm tra cáp, không chương trình khác đang dùng camera, và cấu hình trong site.json', { frames: frames.length });
    if (frames.length < 2) return fail('The camera delivered no frames: check its cable, that no other program uses it, and its settings in site.json', 'Camera không cho hình: kiểm tra cáp, không chương trình khác đang dùng camera, và cấu hình trong site.json', { frames: frames.length }, limits);
    // By the frames' own timestamps, so a busy test machine's timer does not count against the camera.
    const spanMs = frames.at(-1)!.timestamp - frames[0]!.timestamp;
    const fps = spanMs > 0 ? ((frames.length - 1) * 1000) / spanMs : 0;
    const measured = { frames: frames.length, fps: Math.round(fps * 10) / 10, width: frames[0]!.width, height: frames[0]!.height };
    if (fps < limits.failBelowFps) return fail(`Only ${measured.fps} frames/s of ${lease.configuredFps}: the camera or the USB bus is overloaded, or the light is too low`, `Chỉ ${measured.fps} hình/giây trên ${lease.configuredFps}: camera hoặc cổng USB quá tải, hoặc thiếu sáng`, measured, limits);
    if (fps < limits.marginalBelowFps) return { status: 'marginal', measured, limits, hint: `${measured.fps} frames/s of ${lease.configuredFps}: improve the light or lower the resolution`, hintVi: `${measured.fps} hình/giây trên ${lease.configuredFps}: tăng ánh sáng hoặc giảm độ phân giải` };
    return { status: 'pass', measured, limits };
  },
};

export const cameraFace: Check = {
  id: 'camera.face',
  title: 'A face found in the camera picture',
  titleVi: 'Nhận ra khuôn mặt trong hình camera',
  // Loading the models takes a while on a Pi.
  timeoutMs: 120_000,
  async run(ctx) {
    const frames = ctx.shared.frames ?? [];
    if (frames.length === 0) return skip({ en: 'no camera frames to look at (see camera.frames)', vi: 'không có hình từ camera (xem camera.frames)' });
    let finder: Awaited<ReturnType<typeof ctx.devices.face>>;
    try {
      finder = await ctx.devices.face();
    } catch (error) {
      return failFrom(error, 'The face models do not load: run xacminh face-model check', 'Không tải được mô hình khuôn mặt: chạy xacminh face-model check');
    }
    if (isAbsent(finder)) return skip(finder.absent);
    let best = { count: 0, bestScore: 0 };
    for (const frame of frames) {
      const found = await finder.find(frame);
      if (found.count > best.count || found.bestScore > best.bestScore) best = found;
      if (found.count > 0) break;
    }
    const measured = { framesLooked: frames.length, faces: best.count, bestScore: Math.round(best.bestScore * 100) / 100 };
    if (best.count > 0) return { status: 'pass', measured };
    return fail('No face found: put a person in front of the camera, check the light and that the camera points at the customer', 'Không nhận ra khuôn mặt: cho một người đứng trước camera, kiểm tra ánh sáng và hướng camera', measured);
  },
};
