/** The configured camera as a FrameSource; the simulated one starts with the demo card holder in front of it. */
import { FfmpegV4l2Source, FolderSource, HttpMjpegSource, RpicamSource } from '../../drivers/camera/index.ts';
import type { FrameSource } from '../../drivers/camera/types.ts';
import { demoFace } from '../../drivers/sim/demo-faces.ts';
import { SimulatedCamera } from '../../drivers/sim/sim-camera.ts';
import type { CameraConfig } from '../config/schema.ts';

export async function openCamera(config: CameraConfig): Promise<FrameSource> {
  switch (config.kind) {
    case 'simulated': {
      const camera = new SimulatedCamera();
      await camera.show(await demoFace('holder'));
      return camera;
    }
    case 'v4l2':
      return new FfmpegV4l2Source({ device: config.device, width: config.width, height: config.height, framerate: 15 });
    case 'rpicam':
      return new RpicamSource({ width: config.width, height: config.height, framerate: 15 });
    case 'http':
      return new HttpMjpegSource({ url: config.url });
    case 'folder':
      return new FolderSource({ folder: config.dir, fps: config.fps });
  }
}
