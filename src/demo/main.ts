// Demo page entry point (index.html): sets the page's language from `?lang=` (first, before the element
// upgrades), registers <mnist-trainer> and the page's introduction with its language switch. The element
// reads its settings from its attributes in index.html; everything else (WebGPU checks, data loading)
// happens inside it.
import './lang';
import '../components/index';
import './intro';
