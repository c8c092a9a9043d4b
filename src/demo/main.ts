// Demo page entry point (index.html): registers <mnist-trainer>. The element reads its settings from
// its attributes in index.html; everything else (WebGPU checks, data loading) happens inside it.
import '../components/index';
