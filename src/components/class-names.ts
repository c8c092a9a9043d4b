// The bundled data sets' class names in the element's language. src/data/sources.ts declares them in
// English, as the data files, checkpoints and the CLI know them; they are translated only where shown.
import { msg } from '@lit/localize';

/** A class name as the current locale shows it; a name it does not know (digits, a custom set's) is shown as is. */
export function className(name: string): string {
  switch (name) {
    case 'T-shirt/top': return msg('T-shirt/top');
    case 'Trouser': return msg('Trouser');
    case 'Pullover': return msg('Pullover');
    case 'Dress': return msg('Dress');
    case 'Coat': return msg('Coat');
    case 'Sandal': return msg('Sandal');
    case 'Shirt': return msg('Shirt');
    case 'Sneaker': return msg('Sneaker');
    case 'Bag': return msg('Bag');
    case 'Ankle boot': return msg('Ankle boot');
    default: return name;
  }
}
