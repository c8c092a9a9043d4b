// Demo page entry point. Until the <mnist-trainer> element lands, it checks WebGPU and the bundled data.
import { adapterName, requestGpu } from '../engine/gpu';

const status = document.getElementById('status')!;
requestGpu()
  .then((gpu) => { status.textContent = `WebGPU adapter: ${adapterName(gpu)}. The trainer element is coming next.`; })
  .catch((e: Error) => { status.textContent = e.message; });
